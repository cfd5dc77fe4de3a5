// Inference speed: QuantLab's interpreter (1 and 2 threads) against the real TFLite runtime
// (the oracle, XNNPACK, wasm SIMD build, 1 thread) on the same model, plus the machine's
// float GEMM peak measured with Eigen (512x512x512 sgemm), which bounds what any float
// convolution can reach here.
//   bench_inference MODEL [--runs N] [--no-oracle]
//   bench_inference --gemm-only
#include "runtime/Interpreter.h"
#include "runtime/RandomInputs.h"
#include "runtime/ThreadPool.h"
#include "tflite/ModelReader.h"

#include <Eigen/Core>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

struct Timing {
    double medianMs = 0, minMs = 0;
    size_t arenaBytes = 0;
};

std::optional<Timing> timeOurs(const std::shared_ptr<const ql::Model>& model, int threads, int runs) {
    ql::rt::InterpreterOptions options;
    options.run.threads = threads;
    auto made = ql::rt::Interpreter::create(model, options);
    if (!made) {
        std::fprintf(stderr, "quantlab: %s\n", made.message().c_str());
        return std::nullopt;
    }
    ql::rt::Interpreter& it = *made.value();
    ql::rt::OracleRng rng(0);
    for (size_t i = 0; i < it.inputCount(); ++i) {
        ql::rt::RtTensor& in = it.input(i);
        if (!ql::rt::fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng)) return std::nullopt;
    }
    if (!it.invoke()) return std::nullopt; // warm-up
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        if (ql::Status s = it.invoke(); !s) {
            std::fprintf(stderr, "quantlab: %s\n", s.message().c_str());
            return std::nullopt;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return Timing{median(ms), *std::min_element(ms.begin(), ms.end()), it.arenaBytes()};
}

// node oracle.js MODEL --random 0 --out TMP --repeat 50 --variant simd; parses
// "timing: median X ms/inference".
std::optional<double> timeOracle(const std::string& model) {
    const char* env = std::getenv("QUANTLAB_ORACLE_JS");
    const std::string script = env ? env : QUANTLAB_ORACLE_JS;
    if (!std::filesystem::exists(script)) return std::nullopt;
    const std::string out = (std::filesystem::temp_directory_path() / ("bench-oracle-" + std::to_string(::getpid()))).string();
    const std::string cmd = "node '" + script + "' '" + model + "' --random 0 --out '" + out + "' --repeat 50 --variant simd --quiet 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return std::nullopt;
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
    const int rc = ::pclose(p);
    std::error_code ec;
    std::filesystem::remove_all(out, ec);
    const auto at = text.find("timing: median ");
    if (rc != 0 || at == std::string::npos) {
        std::fprintf(stderr, "oracle failed:\n%s\n", text.substr(0, 800).c_str());
        return std::nullopt;
    }
    return std::atof(text.c_str() + at + std::strlen("timing: median "));
}

// GFLOP/s of C = A * B (n x n x n, float) with Eigen; with 2 threads the columns of B and C
// are split over the project's ThreadPool (Eigen itself is built without OpenMP here).
double gemmGflops(int n, int threads) {
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    Mat a = Mat::Random(n, n), b = Mat::Random(n, n), c = Mat::Zero(n, n);
    ql::rt::ThreadPool pool(threads);
    auto once = [&] {
        pool.parallelFor(static_cast<size_t>(n), [&](size_t begin, size_t end) {
            const auto cols = static_cast<Eigen::Index>(end - begin);
            c.middleCols(static_cast<Eigen::Index>(begin), cols).noalias() = a * b.middleCols(static_cast<Eigen::Index>(begin), cols);
        }, static_cast<size_t>(n / threads));
    };
    once();
    std::vector<double> s;
    for (int r = 0; r < 7; ++r) {
        const auto t0 = Clock::now();
        once();
        s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    volatile float sink = c(0, 0);
    (void)sink;
    return 2.0 * n * n * n / median(s) / 1e9;
}

} // namespace

int main(int argc, char** argv) {
    std::string modelPath;
    int runs = 20;
    bool oracle = true, gemmOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--no-oracle") oracle = false;
        else if (a == "--gemm-only") gemmOnly = true;
        else if (!a.empty() && a[0] != '-') modelPath = a;
        else {
            std::fprintf(stderr, "usage: bench_inference MODEL [--runs N] [--no-oracle] | --gemm-only\n");
            return 2;
        }
    }
    std::printf("float GEMM peak (Eigen, 512x512x512): 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s\n", gemmGflops(512, 1),
                gemmGflops(512, 2));
    if (gemmOnly) return 0;
    if (modelPath.empty()) {
        std::fprintf(stderr, "usage: bench_inference MODEL [--runs N] [--no-oracle] | --gemm-only\n");
        return 2;
    }
    auto model = ql::readModelFile(modelPath);
    if (!model) {
        std::fprintf(stderr, "%s\n", model.message().c_str());
        return 2;
    }
    std::printf("model: %s (%d runs each)\n", modelPath.c_str(), runs);
    std::optional<Timing> ours1 = timeOurs(model.value(), 1, runs), ours2 = timeOurs(model.value(), 2, runs);
    if (!ours1 || !ours2) return 1;
    std::printf("quantlab 1 thread : median %8.3f ms  min %8.3f ms  arena %zu bytes\n", ours1->medianMs, ours1->minMs, ours1->arenaBytes);
    std::printf("quantlab 2 threads: median %8.3f ms  min %8.3f ms\n", ours2->medianMs, ours2->minMs);
    if (oracle) {
        if (auto t = timeOracle(modelPath)) {
            std::printf("TFLite (oracle, XNNPACK wasm simd, 1 thread): median %8.3f ms\n", *t);
            std::printf("ratio quantlab/TFLite: 1 thread %.2fx, 2 threads %.2fx\n", ours1->medianMs / *t, ours2->medianMs / *t);
        } else {
            std::printf("TFLite (oracle): not available\n");
        }
    }
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("peak RSS: %.1f MiB\n", static_cast<double>(u.ru_maxrss) / 1024.0);
    return 0;
}

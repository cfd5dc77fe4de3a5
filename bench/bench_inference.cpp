// Inference speed: QuantLab's interpreter (1 and 2 threads) against the real TFLite runtime
// (the oracle, XNNPACK, wasm SIMD build, 1 thread) on the same model, plus the machine's
// float GEMM peak measured with Eigen (512x512x512 sgemm, the AVX2+FMA build when the CPU has
// it, best of several runs: GemmPeakAvx2.cpp), which bounds what any float convolution can
// reach here, and the model's multiply-accumulate rate as a share of it. --per-op adds the
// time per operator type (1 thread), measured between the interpreter's observer events.
//   bench_inference MODEL [--runs N] [--no-oracle] [--per-op]
//   bench_inference --gemm-only
#include "model/ModelStats.h"
#include "model/TensorTypes.h"
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
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bench {
double eigenGemmGflops(int n, int threads, int reps, bool* avx2Build);
}

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

// Baseline-ISA build of the same measurement, for CPUs without AVX2 + FMA.
double gemmGflopsBaseline(int n, int threads, int reps) {
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    Mat a = Mat::Random(n, n), b = Mat::Random(n, n), c = Mat::Zero(n, n);
    ql::rt::ThreadPool pool(threads);
    auto once = [&] {
        pool.parallelFor(static_cast<size_t>(n), [&](size_t begin, size_t end) {
            const auto cols = static_cast<Eigen::Index>(end - begin);
            c.middleCols(static_cast<Eigen::Index>(begin), cols).noalias() = a * b.middleCols(static_cast<Eigen::Index>(begin), cols);
        }, static_cast<size_t>((n + threads - 1) / threads));
    };
    once();
    once();
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        once();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    volatile float sink = c(0, 0);
    (void)sink;
    return 2.0 * n * n * n / best / 1e9;
}

// Best GFLOP/s of Eigen's 512^3 sgemm on `threads` threads.
double gemmPeak(int threads, const char** build) {
    constexpr int kN = 512, kReps = 9;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        bool avx2 = false;
        const double g = bench::eigenGemmGflops(kN, threads, kReps, &avx2);
        *build = avx2 ? "AVX2+FMA" : "baseline";
        return g;
    }
    *build = "baseline";
    return gemmGflopsBaseline(kN, threads, kReps);
}

// Milliseconds per inference spent in each operator type (1 thread), median over `runs`:
// the time from one observer event to the next is the operator's eval (plus the
// interpreter's small per-operator bookkeeping).
void perOpProfile(const std::shared_ptr<const ql::Model>& model, int runs, double peak1) {
    ql::rt::InterpreterOptions options;
    options.run.threads = 1;
    auto made = ql::rt::Interpreter::create(model, options);
    if (!made) return;
    ql::rt::Interpreter& it = *made.value();
    ql::rt::OracleRng rng(0);
    for (size_t i = 0; i < it.inputCount(); ++i) {
        ql::rt::RtTensor& in = it.input(i);
        if (!ql::rt::fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng)) return;
    }
    const ql::Subgraph& sg = model->subgraphs.front();
    const size_t ops = sg.operators.size();
    std::vector<std::vector<double>> perOp(ops);
    Clock::time_point last;
    const ql::rt::Observer observer = [&](const ql::rt::NodeEvent& e) {
        const auto now = Clock::now();
        if (e.subgraph == 0 && e.op.valid() && size_t(e.op.index()) < ops)
            perOp[size_t(e.op.index())].push_back(std::chrono::duration<double, std::milli>(now - last).count());
        last = Clock::now();
    };
    (void)it.invoke();
    for (int r = 0; r < runs; ++r) {
        last = Clock::now();
        if (!it.invoke(observer)) return;
    }
    struct Row {
        int count = 0;
        double ms = 0;
        uint64_t macs = 0;
    };
    std::map<std::string, Row> rows;
    double total = 0;
    for (size_t o = 0; o < ops; ++o) {
        if (perOp[o].empty()) continue;
        Row& row = rows[std::string(ql::opName(sg.operators[o].op))];
        row.count += 1;
        const double ms = median(perOp[o]);
        row.ms += ms;
        row.macs += ql::operatorMacs(sg, sg.operators[o]);
        total += ms;
    }
    std::printf("per operator type (1 thread, median of %d runs per operator):\n", runs);
    std::printf("  %-24s %5s %9s %6s %9s %7s\n", "type", "ops", "ms", "share", "GFLOP/s", "of peak");
    std::vector<std::pair<std::string, Row>> sorted(rows.begin(), rows.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return x.second.ms > y.second.ms; });
    for (const auto& [name, row] : sorted) {
        if (row.macs) {
            const double gf = 2.0 * double(row.macs) / (row.ms * 1e-3) / 1e9;
            std::printf("  %-24s %5d %9.3f %5.1f%% %9.1f %6.0f%%\n", name.c_str(), row.count, row.ms, 100 * row.ms / total, gf,
                        100 * gf / peak1);
        } else {
            std::printf("  %-24s %5d %9.3f %5.1f%%\n", name.c_str(), row.count, row.ms, 100 * row.ms / total);
        }
    }
    std::printf("  %-24s %5zu %9.3f\n", "total", ops, total);
}

} // namespace

int main(int argc, char** argv) {
    std::string modelPath;
    int runs = 20;
    bool oracle = true, gemmOnly = false, perOp = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--no-oracle") oracle = false;
        else if (a == "--gemm-only") gemmOnly = true;
        else if (a == "--per-op") perOp = true;
        else if (!a.empty() && a[0] != '-') modelPath = a;
        else {
            std::fprintf(stderr, "usage: bench_inference MODEL [--runs N] [--no-oracle] [--per-op] | --gemm-only\n");
            return 2;
        }
    }
    const char* build = "";
    const double peak1 = gemmPeak(1, &build), peak2 = gemmPeak(2, &build);
    std::printf("float GEMM peak (Eigen %s, 512x512x512, best of 9): 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s\n", build,
                peak1, peak2);
    if (gemmOnly) return 0;
    if (modelPath.empty()) {
        std::fprintf(stderr, "usage: bench_inference MODEL [--runs N] [--no-oracle] [--per-op] | --gemm-only\n");
        return 2;
    }
    auto model = ql::readModelFile(modelPath);
    if (!model) {
        std::fprintf(stderr, "%s\n", model.message().c_str());
        return 2;
    }
    const uint64_t macs = ql::computeStats(*model.value()).macs;
    std::printf("model: %s (%d runs each, %.1f M multiply-accumulates)\n", modelPath.c_str(), runs, double(macs) / 1e6);
    std::optional<Timing> ours1 = timeOurs(model.value(), 1, runs), ours2 = timeOurs(model.value(), 2, runs);
    if (!ours1 || !ours2) return 1;
    std::printf("quantlab 1 thread : median %8.3f ms  min %8.3f ms  arena %zu bytes\n", ours1->medianMs, ours1->minMs, ours1->arenaBytes);
    std::printf("quantlab 2 threads: median %8.3f ms  min %8.3f ms\n", ours2->medianMs, ours2->minMs);
    // GFLOP/s = 2 * MACs / median time; the share compares it with the GEMM peak of as many threads.
    const double gf1 = 2.0 * double(macs) / (ours1->medianMs * 1e-3) / 1e9, gf2 = 2.0 * double(macs) / (ours2->medianMs * 1e-3) / 1e9;
    std::printf("quantlab GFLOP/s: 1 thread %.1f (%.0f%% of peak), 2 threads %.1f (%.0f%% of peak)\n", gf1, 100 * gf1 / peak1, gf2,
                100 * gf2 / peak2);
    if (oracle) {
        if (auto t = timeOracle(modelPath)) {
            std::printf("TFLite (oracle, XNNPACK wasm simd, 1 thread): median %8.3f ms\n", *t);
            std::printf("ratio quantlab/TFLite: 1 thread %.2fx, 2 threads %.2fx\n", ours1->medianMs / *t, ours2->medianMs / *t);
        } else {
            std::printf("TFLite (oracle): not available\n");
        }
    }
    if (perOp) perOpProfile(model.value(), runs, peak1);
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("peak RSS: %.1f MiB\n", static_cast<double>(u.ru_maxrss) / 1024.0);
    return 0;
}

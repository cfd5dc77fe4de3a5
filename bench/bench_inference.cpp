// Inference speed: QuantLab's interpreter (1 and 2 threads) against the real TFLite runtime
// (the oracle, XNNPACK, wasm SIMD build, 1 thread) on the same model, plus the machine's
// float GEMM peak measured with Eigen (512x512x512 sgemm built for the widest ISA the CPU has,
// AVX-512 here, and the AVX2+FMA build beside it; best of several runs: core's
// runtime/GemmPeak.h), which bounds what any float convolution can reach here, and the
// model's multiply-accumulate rate as a share of it. --per-op adds core's per-operator profile
// (runtime/Profile.h, 1 thread).
//   bench_inference MODEL [--runs N] [--no-oracle] [--per-op]
//   bench_inference --gemm-only
#include "model/ModelStats.h"
#include "model/TensorTypes.h"
#include "runtime/GemmPeak.h"
#include "runtime/Interpreter.h"
#include "runtime/Profile.h"
#include "runtime/RandomInputs.h"
#include "runtime/ThreadPool.h"
#include "tflite/ModelReader.h"

#include "BenchSupport.h"

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

namespace {

// Milliseconds per operator and per type (1 thread): core's profile (runtime/Profile.h).
void perOpProfile(const std::shared_ptr<const ql::Model>& model, int runs, const ql::rt::GemmPeak& peak) {
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
    auto p = ql::rt::profileOperators(it, runs, peak.gflops, peak.describe());
    if (!p) {
        std::fprintf(stderr, "quantlab: %s\n", p.message().c_str());
        return;
    }
    std::fputs(ql::rt::profileText(p.value()).c_str(), stdout);
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
    const ql::rt::GemmPeak peakAvx2 = ql::rt::measureGemmPeak(1, "avx2+fma");
    const ql::rt::GemmPeak peakOne = ql::rt::measureGemmPeak(1), peakTwo = ql::rt::measureGemmPeak(2);
    const double peak1 = peakOne.gflops, peak2 = peakTwo.gflops;
    std::printf("%s; %s\n", bench::cpuModel().c_str(), bench::loadAverage().c_str());
    std::printf("float GEMM peak (Eigen %s, 512x512x512, best of 9): 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s "
                "(%s build, 1 thread: %.1f)\n",
                peakOne.isa.c_str(), peak1, peak2, peakAvx2.isa.c_str(), peakAvx2.gflops);
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
    std::optional<bench::Timing> ours1 = bench::timeOurs(model.value(), 1, runs), ours2 = bench::timeOurs(model.value(), 2, runs);
    if (!ours1 || !ours2) return 1;
    std::printf("quantlab 1 thread : median %8.3f ms  min %8.3f ms  arena %zu bytes\n", ours1->medianMs, ours1->minMs, ours1->arenaBytes);
    std::printf("quantlab 2 threads: median %8.3f ms  min %8.3f ms\n", ours2->medianMs, ours2->minMs);
    // GFLOP/s = 2 * MACs / median time; the share compares it with the GEMM peak of as many threads.
    const double gf1 = 2.0 * double(macs) / (ours1->medianMs * 1e-3) / 1e9, gf2 = 2.0 * double(macs) / (ours2->medianMs * 1e-3) / 1e9;
    std::printf("quantlab GFLOP/s: 1 thread %.1f (%.0f%% of peak), 2 threads %.1f (%.0f%% of peak)\n", gf1, 100 * gf1 / peak1, gf2,
                100 * gf2 / peak2);
    if (oracle) {
        if (auto t = bench::timeOracle(modelPath, 50)) {
            std::printf("TFLite (oracle, XNNPACK wasm simd, 1 thread): median %8.3f ms\n", *t);
            std::printf("ratio quantlab/TFLite: 1 thread %.2fx, 2 threads %.2fx\n", ours1->medianMs / *t, ours2->medianMs / *t);
        } else {
            std::printf("TFLite (oracle): not available\n");
        }
    }
    if (perOp) perOpProfile(model.value(), runs, peakOne);
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("peak RSS: %.1f MiB\n", static_cast<double>(u.ru_maxrss) / 1024.0);
    return 0;
}

// quantlab-cli bench MODEL [--runs N] [--threads T] [--seed S] [--target TARGET] [--per-op] [--json FILE|-]
// Times inference on the oracle's random inputs for seed S (after one warm-up run): median and
// minimum milliseconds per inference, the planned arena (the figure a microcontroller build
// cares about), variable and dynamic bytes, and the process's peak resident memory. --per-op
// adds core's per-operator profile (runtime/Profile.h: median ms, share, MACs, GFLOP/s and
// share of the float GEMM peak measured on as many threads, runtime/GemmPeak.h); --json
// writes the same profile as JSON.
#include "CliCommon.h"
#include "Commands.h"

#include "runtime/GemmPeak.h"
#include "runtime/Interpreter.h"
#include "runtime/Profile.h"
#include "runtime/RandomInputs.h"
#include "tflite/ModelReader.h"

#include <sys/resource.h>

#include <cstdio>
#include <optional>

namespace ql::cli {
namespace {

std::string mib(size_t bytes) {
    char tmp[48];
    std::snprintf(tmp, sizeof tmp, "%.3f MiB (%zu bytes)", static_cast<double>(bytes) / (1 << 20), bytes);
    return tmp;
}

// Peak resident set size of this process in bytes (Linux reports ru_maxrss in KiB).
size_t peakRssBytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<size_t>(u.ru_maxrss) * 1024;
}

int benchCommand(const Args& args) {
    const std::string modelPath = args.requirePositional(1, 0, "MODEL");
    const int runs = static_cast<int>(args.integer("--runs"));
    const int threads = static_cast<int>(args.integer("--threads"));
    const auto seed = static_cast<uint32_t>(args.integer("--seed"));

    auto model = readModelFile(modelPath);
    if (!model) throw UsageError(model.message());
    rt::InterpreterOptions options;
    options.run.threads = threads;
    options.run.target = targetOf(args, "bench");
    auto made = rt::Interpreter::create(model.value(), options);
    if (!made) throw UsageError(modelPath + ": " + made.message());
    rt::Interpreter& it = *made.value();
    rt::OracleRng rng(seed);
    for (size_t i = 0; i < it.inputCount(); ++i) {
        rt::RtTensor& in = it.input(i);
        if (Status s = rt::fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng); !s)
            throw UsageError("bench: input " + std::to_string(i) + ": " + s.message());
    }
    const bool perOp = args.flag("--per-op") || args.has("--json");
    const std::string jsonOut = args.value("--json");
    if (args.has("--json") && jsonOut != "-") checkOutput("--json", jsonOut, {modelPath});
    rt::InvokeTiming timing;
    std::optional<rt::OperatorProfile> profile;
    if (perOp) {
        const rt::GemmPeak peak = rt::measureGemmPeak(threads);
        auto p = rt::profileOperators(it, runs, peak.gflops, peak.describe());
        if (!p) throw UsageError("bench: " + modelPath + ": " + p.message());
        timing = p->invoke;
        profile = std::move(p.value());
    } else {
        auto t = rt::timeInvocations(it, runs);
        if (!t) throw UsageError("bench: " + modelPath + ": " + t.message());
        timing = t.value();
    }
    if (args.has("--json")) writeText("--json", jsonOut, rt::profileJson(*profile, modelPath), {modelPath});
    if (jsonOut == "-") return 0;
    const rt::MemoryStats mem = it.memoryStats();
    std::printf("model: %s\n", modelPath.c_str());
    std::printf("target: %s\n", std::string(targetName(options.run.target)).c_str());
    std::printf("threads: %d, runs: %d (after 1 warm-up run of %.3f ms)\n", threads, runs, timing.firstMs);
    std::printf("median: %.3f ms/inference\nmin: %.3f ms\n", timing.medianMs, timing.minMs);
    std::printf("arena: %s; without reuse %s\n", mib(mem.arenaBytes).c_str(), mib(mem.naiveBytes).c_str());
    std::printf("variables: %s, dynamic: %s, constants (mapped): %s\n", mib(mem.variableBytes).c_str(), mib(mem.dynamicBytes).c_str(),
                mib(mem.constantBytes).c_str());
    std::printf("peak RSS: %s\n", mib(peakRssBytes()).c_str());
    if (profile) std::fputs(rt::profileText(*profile).c_str(), stdout);
    return 0;
}

const CommandRegistration kRegistration{{
    "bench",
    "bench MODEL [--runs N] [--threads T] [--seed S] [--target TARGET] [--per-op] [--json FILE|-]",
    "Median and minimum milliseconds per inference on random inputs (after one warm-up run), the planned arena and "
    "the peak memory; with --per-op the median time, share, MACs, GFLOP/s and share of the measured float GEMM peak "
    "of every operator and operator type.",
    {{"MODEL", "the .tflite file to time"}},
    withTargetOptions({integerOption("--runs", "N", "timed inferences", 20, 1, 1'000'000),
                       integerOption("--threads", "T", "threads of the interpreter", 1, 1, 64),
                       integerOption("--seed", "S", "seed of the random inputs (the oracle's --random SEED bytes)", 0, 0,
                                     4294967295LL),
                       flagOption("--per-op", "also time every operator and operator type (and measure the float GEMM peak)"),
                       valueOption("--json", "FILE|-", "write the per-operator profile as JSON to FILE, or to standard output with - (implies --per-op)")}),
    &benchCommand,
    30}};

} // namespace
} // namespace ql::cli

// quantlab-cli bench MODEL [--runs N] [--threads T] [--seed S] [--target TARGET]
// Times inference on the oracle's random inputs for seed S (after one warm-up run): median and
// minimum milliseconds per inference, the planned arena (the figure a microcontroller build
// cares about), variable and dynamic bytes, and the process's peak resident memory.
#include "CliCommon.h"
#include "Commands.h"

#include "runtime/Interpreter.h"
#include "runtime/RandomInputs.h"
#include "tflite/ModelReader.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

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
    using Clock = std::chrono::steady_clock;
    const auto w0 = Clock::now();
    if (Status s = it.invoke(); !s) throw UsageError("bench: " + modelPath + ": " + s.message());
    const double firstMs = std::chrono::duration<double, std::milli>(Clock::now() - w0).count();
    std::vector<double> ms;
    ms.reserve(static_cast<size_t>(runs));
    for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        if (Status s = it.invoke(); !s) throw UsageError("bench: " + modelPath + ": " + s.message());
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const size_t m = ms.size() / 2;
    const double median = ms.size() % 2 ? ms[m] : (ms[m - 1] + ms[m]) / 2;
    const rt::MemoryStats mem = it.memoryStats();
    std::printf("model: %s\n", modelPath.c_str());
    std::printf("target: %s\n", std::string(targetName(options.run.target)).c_str());
    std::printf("threads: %d, runs: %d (after 1 warm-up run of %.3f ms)\n", threads, runs, firstMs);
    std::printf("median: %.3f ms/inference\nmin: %.3f ms\n", median, ms.front());
    std::printf("arena: %s; without reuse %s\n", mib(mem.arenaBytes).c_str(), mib(mem.naiveBytes).c_str());
    std::printf("variables: %s, dynamic: %s, constants (mapped): %s\n", mib(mem.variableBytes).c_str(), mib(mem.dynamicBytes).c_str(),
                mib(mem.constantBytes).c_str());
    std::printf("peak RSS: %s\n", mib(peakRssBytes()).c_str());
    return 0;
}

const CommandRegistration kRegistration{{
    "bench",
    "bench MODEL [--runs N] [--threads T] [--seed S] [--target TARGET]",
    "Median and minimum milliseconds per inference on random inputs (after one warm-up run), the planned arena and "
    "the peak memory.",
    {{"MODEL", "the .tflite file to time"}},
    withTargetOptions({integerOption("--runs", "N", "timed inferences", 20, 1, 1'000'000),
                       integerOption("--threads", "T", "threads of the interpreter", 1, 1, 64),
                       integerOption("--seed", "S", "seed of the random inputs (the oracle's --random SEED bytes)", 0, 0,
                                     4294967295LL)}),
    &benchCommand,
    30}};

} // namespace
} // namespace ql::cli

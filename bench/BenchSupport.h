#pragma once
// Helpers the inference benchmarks share: QuantLab's median time on the oracle's random
// inputs, and the real TFLite runtime's median on the same file (the oracle, XNNPACK, wasm
// SIMD build, one thread).
#include "model/Model.h"

#include <memory>
#include <optional>
#include <string>

namespace bench {

struct Timing {
    double medianMs = 0, minMs = 0;
    size_t arenaBytes = 0;
};

// Interpreter on `threads` threads, inputs from OracleRng(0), one warm-up, `runs` timed runs.
std::optional<Timing> timeOurs(const std::shared_ptr<const ql::Model>& model, int threads,
                               int runs);

// node oracle.js MODEL --random 0 --repeat REPEAT --variant simd; the printed median, or
// nothing when the oracle is missing or fails (its output is shown on stderr).
std::optional<double> timeOracle(const std::string& modelPath, int repeat);

// "load 2.31 1.80 1.20" from /proc/loadavg; "CPU: <model name>" from /proc/cpuinfo.
std::string loadAverage();
std::string cpuModel();

} // namespace bench

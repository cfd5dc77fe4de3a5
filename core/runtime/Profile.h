#pragma once
// Where inference time goes: the median time of a whole invocation and of every operator of
// subgraph 0, grouped by operator type, with each one's multiply-accumulates, GFLOP/s
// (2 * MACs / time) and share of a measured float GEMM peak (GemmPeak.h). Shared by
// `quantlab-cli bench --per-op` and the benchmarks in bench/.
//
// An operator's time is the interval between two consecutive observer events of subgraph 0:
// its eval plus the interpreter's small per-operator bookkeeping (and, for control flow, the
// called subgraphs). Operators folded at prepare never run and are left out.

#include "runtime/Interpreter.h"
#include "util/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ql::rt {

struct InvokeTiming {
    double firstMs = 0;  // the warm-up run
    double medianMs = 0; // median of the timed runs
    double minMs = 0;
    int runs = 0;
};

struct OperatorTiming {
    OperatorIndex op; // numbered as in the input file
    std::string type; // "CONV_2D"
    double medianMs = 0;
    double share = 0; // of the sum of all operators' medians
    uint64_t macs = 0;
    double gflops = 0;    // 2 * macs / medianMs; 0 without MACs
    double peakShare = 0; // gflops / peak; 0 when the peak is unknown
};

struct TypeTiming {
    std::string type;
    int count = 0;
    double ms = 0; // sum of its operators' medians
    double share = 0;
    uint64_t macs = 0;
    double gflops = 0;
    double peakShare = 0;
};

struct OperatorProfile {
    InvokeTiming invoke; // whole invocations without the observer
    double operatorTotalMs = 0;
    double peakGflops = 0;  // what peakShare divides by (0: unknown)
    std::string peakSource; // e.g. "Eigen sgemm 512^3, AVX-512, 1 thread"
    int threads = 1;
    std::vector<OperatorTiming> operators; // file order
    std::vector<TypeTiming> types;         // by time, slowest first
};

// One warm-up invocation, then `runs` timed ones; errors are the interpreter's.
Result<InvokeTiming> timeInvocations(Interpreter& interpreter, int runs);

// timeInvocations, then `runs` invocations with an observer timing every operator.
// `peakGflops` (> 0) gives the peakShare columns.
Result<OperatorProfile> profileOperators(Interpreter& interpreter, int runs, double peakGflops = 0,
                                         const std::string& peakSource = {});

// {"model":..,"threads":..,"invoke":{..},"peak":{..},"operators":[..],"types":[..]}
std::string profileJson(const OperatorProfile& profile, const std::string& modelPath);
// The per-type and per-operator tables, as `quantlab-cli bench --per-op` prints them.
std::string profileText(const OperatorProfile& profile);

double medianOf(std::vector<double> values);

} // namespace ql::rt

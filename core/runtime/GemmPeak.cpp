#include "runtime/GemmPeak.h"

#include "runtime/GemmPeakImpl.h"

namespace ql::rt {

double eigenGemmGflopsBaseline(int n, int threads, int reps) {
    return detail::eigenGemmGflopsImpl(n, threads, reps);
}

std::string GemmPeak::describe() const {
    return "Eigen sgemm 512^3, " + isa + ", " + std::to_string(threads) +
           (threads == 1 ? " thread" : " threads");
}

GemmPeak measureGemmPeak(int threads, const std::string& isa) {
    constexpr int kN = 512, kReps = 9;
    const bool hasAvx512 = __builtin_cpu_supports("avx512f") &&
                           __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vl") &&
                           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
    const bool hasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    GemmPeak p;
    p.threads = threads;
    if (hasAvx512 && (isa.empty() || isa == "avx512")) {
        p.isa = "avx512";
        p.gflops = eigenGemmGflopsAvx512(kN, threads, kReps);
    } else if (hasAvx2 && (isa.empty() || isa == "avx512" || isa == "avx2+fma")) {
        p.isa = "avx2+fma";
        p.gflops = eigenGemmGflopsAvx2(kN, threads, kReps);
    } else {
        p.isa = "baseline";
        p.gflops = eigenGemmGflopsBaseline(kN, threads, kReps);
    }
    return p;
}

} // namespace ql::rt

#pragma once
// The machine's float GEMM peak: Eigen's sgemm C = A * B (512 x 512 x 512), best of several
// runs, built for the widest instruction set the CPU has (AVX-512, AVX2 + FMA, or the
// baseline; each build lives in its own file compiled with those flags and is called only
// after a run-time CPU check). It bounds what any float convolution can reach here, so the
// per-operator profile reports GFLOP/s as a share of it.

#include <string>

namespace ql::rt {

struct GemmPeak {
    double gflops = 0;
    std::string isa; // "avx512", "avx2+fma", "baseline"
    int threads = 1;
    std::string describe() const; // "Eigen sgemm 512^3, avx512, 1 thread"
};

// `isa` empty: the widest the CPU supports; else one of the names above (falls back to the
// baseline when the CPU lacks it).
GemmPeak measureGemmPeak(int threads, const std::string& isa = {});

// The builds; each returns the best GFLOP/s of `reps` runs of n x n x n after two warm-ups,
// with the columns of B and C split over a ThreadPool of `threads`.
double eigenGemmGflopsBaseline(int n, int threads, int reps);
double eigenGemmGflopsAvx2(int n, int threads, int reps);
double eigenGemmGflopsAvx512(int n, int threads, int reps);

} // namespace ql::rt

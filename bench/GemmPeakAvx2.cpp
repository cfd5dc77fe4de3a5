// The float GEMM peak of bench_inference: Eigen's sgemm, C = A * B (n x n x n), built for
// AVX2 + FMA (this file alone gets -mavx2 -mfma, bench/CMakeLists.txt) so that the peak is
// what Eigen reaches with the instruction set the optimised kernels use. bench_inference only
// calls it after checking that the CPU has AVX2 and FMA; otherwise it measures the baseline
// build. Eigen is renamed as in core's FloatGemmAvx2.cpp so that its AVX2 template instances
// never merge at link time with the baseline ones.
#include "runtime/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <cstddef>

#if defined(__AVX2__) && defined(__FMA__)
#define Eigen QlEigenBenchAvx2
#endif
#include <Eigen/Core>

namespace bench {

// Best (not median) GFLOP/s over `reps` timed runs after two warm-up runs; the matrices are
// allocated before timing. With threads > 1 the columns of B and C are split over a
// ThreadPool (Eigen itself runs single-threaded here).
double eigenGemmGflops(int n, int threads, int reps, bool* avx2Build) {
#if defined(__AVX2__) && defined(__FMA__)
    if (avx2Build) *avx2Build = true;
#else
    if (avx2Build) *avx2Build = false;
#endif
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    Mat a = Mat::Random(n, n), b = Mat::Random(n, n), c = Mat::Zero(n, n);
    ql::rt::ThreadPool pool(threads);
    const auto chunk = static_cast<size_t>((n + threads - 1) / threads);
    auto once = [&] {
        pool.parallelFor(
            static_cast<size_t>(n),
            [&](size_t begin, size_t end) {
                const auto cols = static_cast<Eigen::Index>(end - begin);
                c.middleCols(static_cast<Eigen::Index>(begin), cols).noalias() = a * b.middleCols(static_cast<Eigen::Index>(begin), cols);
            },
            chunk);
    };
    once();
    once();
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        once();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    volatile float sink = c(0, 0);
    (void)sink;
    return 2.0 * n * n * n / best / 1e9;
}

} // namespace bench

#pragma once
// The body of the Eigen GEMM peak measurement, included once by each ISA build
// (GemmPeak.cpp, GemmPeakAvx2.cpp, GemmPeakAvx512.cpp). Each includer renames the Eigen
// namespace first (as kernels/conv/FloatGemmAvx2.cpp does) so that template instances built
// for different instruction sets never merge at link time.
#include "runtime/ThreadPool.h"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>

namespace ql::rt::detail {

inline double eigenGemmGflopsImpl(int n, int threads, int reps) {
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
    Mat a = Mat::Random(n, n), b = Mat::Random(n, n), c = Mat::Zero(n, n);
    ThreadPool pool(threads);
    const auto chunk = static_cast<size_t>((n + threads - 1) / threads);
    auto once = [&] {
        pool.parallelFor(
            static_cast<size_t>(n),
            [&](size_t begin, size_t end) {
                const auto cols = static_cast<Eigen::Index>(end - begin);
                const auto first = static_cast<Eigen::Index>(begin);
                c.middleCols(first, cols).noalias() = a * b.middleCols(first, cols);
            },
            chunk);
    };
    once();
    once();
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        once();
        best = std::min(
            best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    volatile float sink = c(0, 0);
    (void)sink;
    return 2.0 * double(n) * n * n / best / 1e9;
}

} // namespace ql::rt::detail

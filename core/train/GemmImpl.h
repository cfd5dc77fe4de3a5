#pragma once
// The body of ql::train::gemm, included by Gemm.cpp (baseline ISA) and TrainGemmAvx2.cpp
// (AVX2 + FMA, with Eigen renamed so the two instantiations never merge at link time).
// Needs <Eigen/Core> included first.

#include <cstdint>

namespace ql::train::detail {

inline void gemmEigen(const float* a, bool ta, const float* b, bool tb, float* c, int64_t m, int64_t n, int64_t k,
                      bool accumulate) {
    using Row = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Col = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    Eigen::Map<Row> C(c, m, n);
    // A row-major k x m array read as column-major m x k is A^T without a copy.
    auto run = [&](const auto& A, const auto& B) {
        if (accumulate) C.noalias() += A * B;
        else C.noalias() = A * B;
    };
    if (!ta && !tb) run(Eigen::Map<const Row>(a, m, k), Eigen::Map<const Row>(b, k, n));
    else if (ta && !tb) run(Eigen::Map<const Col>(a, m, k), Eigen::Map<const Row>(b, k, n));
    else if (!ta && tb) run(Eigen::Map<const Row>(a, m, k), Eigen::Map<const Col>(b, k, n));
    else run(Eigen::Map<const Col>(a, m, k), Eigen::Map<const Col>(b, k, n));
}

} // namespace ql::train::detail

#pragma once
// The three matrix products the trainer needs, over row-major float arrays:
//   C (m x n) [+]= op(A) (m x k) * op(B) (k x n)
// where op(A) = A (stored m x k) or A^T (stored k x m), likewise for B. Eigen does the work;
// on CPUs with AVX2 + FMA an instantiation built for them runs (TrainGemmAvx2.cpp). For one
// machine the results are deterministic (Eigen's single-threaded GEMM has a fixed summation
// order); the AVX2 and baseline paths may differ in the last bits.

#include <cstdint>

namespace ql::train {

enum class Trans { No, Yes };

void gemm(const float* a, Trans ta, const float* b, Trans tb, float* c, int64_t m, int64_t n, int64_t k,
          bool accumulate);

// True when the AVX2 + FMA instantiation is used on this machine.
bool gemmUsesAvx2();

} // namespace ql::train

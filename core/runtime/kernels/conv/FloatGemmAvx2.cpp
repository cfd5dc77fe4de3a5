// The float GEMM of the optimised CONV_2D built for AVX2 + FMA. This file alone is compiled
// with -mavx2 -mfma (core/CMakeLists.txt); it is only called after a run-time CPU check, so
// the rest of QuantLab keeps the baseline instruction set. Eigen is included under another
// namespace name so that its templates instantiated here (with AVX2 code) never merge at link
// time with the baseline instantiations of other files.
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#define Eigen QlEigenAvx2
#include <Eigen/Core>
#endif

namespace ql::rt::optimized {

bool gemmFloatAvx2Available() {
#if defined(__AVX2__) && defined(__FMA__)
    return true;
#else
    return false;
#endif
}

bool gemmFloatAvx2(const float* a, const float* b, float* c, int64_t rows, int64_t n, int64_t k) {
#if defined(__AVX2__) && defined(__FMA__)
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    Eigen::Map<const RowMajor> A(a, rows, k);
    Eigen::Map<const ColMajor> B(b, k, n);
    Eigen::Map<RowMajor> C(c, rows, n);
    C.noalias() = A * B;
    return true;
#else
    (void)a, (void)b, (void)c, (void)rows, (void)n, (void)k;
    return false;
#endif
}

} // namespace ql::rt::optimized

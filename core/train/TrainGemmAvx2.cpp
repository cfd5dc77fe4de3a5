// ql::train::gemm built for AVX2 + FMA (this file alone gets -mavx2 -mfma, see
// core/CMakeLists.txt); called only after a run-time CPU check. Eigen is renamed so its
// templates instantiated here never replace the baseline ones at link time.
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#define Eigen QlTrainEigenAvx2
#include <Eigen/Core>
#include "train/GemmImpl.h"
#endif

namespace ql::train {

bool gemmAvx2(const float* a, bool ta, const float* b, bool tb, float* c, int64_t m, int64_t n, int64_t k,
              bool accumulate) {
#if defined(__AVX2__) && defined(__FMA__)
    detail::gemmEigen(a, ta, b, tb, c, m, n, k, accumulate);
    return true;
#else
    (void)a, (void)ta, (void)b, (void)tb, (void)c, (void)m, (void)n, (void)k, (void)accumulate;
    return false;
#endif
}

} // namespace ql::train

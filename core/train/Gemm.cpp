#include "train/Gemm.h"

#include <Eigen/Core>

#include "train/GemmImpl.h"

namespace ql::train {

bool gemmAvx2(const float* a, bool ta, const float* b, bool tb, float* c, int64_t m, int64_t n, int64_t k,
              bool accumulate);

namespace {
bool cpuHasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
#else
    return false;
#endif
}
} // namespace

bool gemmUsesAvx2() {
    static const bool uses = cpuHasAvx2() && gemmAvx2(nullptr, false, nullptr, false, nullptr, 0, 0, 0, false);
    return uses;
}

void gemm(const float* a, Trans ta, const float* b, Trans tb, float* c, int64_t m, int64_t n, int64_t k,
          bool accumulate) {
    const bool tA = ta == Trans::Yes, tB = tb == Trans::Yes;
    if (gemmUsesAvx2() && gemmAvx2(a, tA, b, tB, c, m, n, k, accumulate)) return;
    detail::gemmEigen(a, tA, b, tB, c, m, n, k, accumulate);
}

} // namespace ql::train

#include "runtime/kernels/activation/Int16RequantizeSimd.h"

#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/conv/Int8Simd.h"

#include <algorithm>
#include <immintrin.h>

namespace ql::rt::act {

bool int16RequantizeSimdUsable(const Int16Requantize& p, Rounding r) {
    return r == Rounding::Double && simdSupported(SimdIsa::Avx512) &&
           p.multiplier.multiplier >= 0 && p.multiplier.shift >= -31 && p.multiplier.shift <= 30;
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) void
int16RequantizeSimd(const Int16Requantize& p, const int16_t* in, int16_t* out, size_t n) {
    const __m512i zi = _mm512_set1_epi32(p.inputZeroPoint),
                  zo = _mm512_set1_epi32(p.outputZeroPoint);
    const __m512i m = _mm512_set1_epi32(p.multiplier.multiplier),
                  s = _mm512_set1_epi32(p.multiplier.shift);
    const __m512i lo = _mm512_set1_epi32(p.lo), hi = _mm512_set1_epi32(p.hi);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i x = _mm512_sub_epi32(
            _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i))),
            zi);
        const __m512i y = optimized::simd::requantize16(x, m, s, zo, lo, hi);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtsepi32_epi16(y));
    }
    for (; i < n; ++i) {
        const int32_t v = p.outputZeroPoint + multiplyByQuantizedMultiplier(
                                                  int32_t(in[i]) - p.inputZeroPoint, p.multiplier);
        out[i] = static_cast<int16_t>(std::clamp(v, p.lo, p.hi));
    }
}

} // namespace ql::rt::act

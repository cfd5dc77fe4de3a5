#include "runtime/kernels/activation/PreluSimd.h"

#include "runtime/kernels/conv/Int8Simd.h"

#include <immintrin.h>
#include <type_traits>

namespace ql::rt::act {
namespace {

#define QL_PRELU_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define QL_PRELU_AVX2 __attribute__((target("avx2")))

bool covered(const QuantizedMultiplier& m) {
    return m.multiplier >= 0 && m.shift >= -31 && m.shift <= 30;
}

bool isWide(SimdIsa isa) {
    return isa == SimdIsa::Avx512 || isa == SimdIsa::Avx512Vbmi;
}

// ---- AVX-512: 16 lanes ----------------------------------------------------------------------

// 16 elements widened to int32; a stride of 0 repeats element 0.
template <class T> QL_PRELU_AVX512 __m512i load16(const T* p, int64_t stride) {
    if (stride == 0) return _mm512_set1_epi32(int32_t(*p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (std::is_signed_v<T>)
        return _mm512_cvtepi8_epi32(b);
    else
        return _mm512_cvtepu8_epi32(b);
}

template <class T>
QL_PRELU_AVX512 void preluRow512(const PreluParams& p, const T* in, int64_t si, const T* alpha,
                                 int64_t sa, T* out, int64_t n) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i inOff = _mm512_set1_epi32(p.inputOffset),
                  alphaOff = _mm512_set1_epi32(p.alphaOffset);
    const __m512i m1 = _mm512_set1_epi32(p.positive.multiplier),
                  s1 = _mm512_set1_epi32(p.positive.shift);
    const __m512i m2 = _mm512_set1_epi32(p.negative.multiplier),
                  s2 = _mm512_set1_epi32(p.negative.shift);
    const __m512i zo = _mm512_set1_epi32(p.outputOffset);
    const __m512i lo = _mm512_set1_epi32(p.qmin), hi = _mm512_set1_epi32(p.qmax);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i v = _mm512_add_epi32(load16(in + i * si, si), inOff);
        const __m512i a = _mm512_add_epi32(load16(alpha + i * sa, sa), alphaOff);
        const __mmask16 neg = _mm512_cmplt_epi32_mask(v, zero);
        const __m512i x = _mm512_mask_mullo_epi32(v, neg, v, a); // v, or v * a where v < 0
        const __m512i m = _mm512_mask_blend_epi32(neg, m1, m2);
        const __m512i s = _mm512_mask_blend_epi32(neg, s1, s2);
        const __m512i y = optimized::simd::requantize16(x, m, s, zo, lo, hi);
        const __m128i bytes =
            std::is_signed_v<T> ? _mm512_cvtsepi32_epi8(y) : _mm512_cvtusepi32_epi8(y);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), bytes);
    }
    for (; i < n; ++i)
        out[i] = static_cast<T>(preluElement(p, in[i * si], alpha[i * sa], Rounding::Double));
}

// ---- AVX2: 8 lanes --------------------------------------------------------------------------

template <class T> QL_PRELU_AVX2 __m256i load8(const T* p, int64_t stride) {
    if (stride == 0) return _mm256_set1_epi32(int32_t(*p));
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    if constexpr (std::is_signed_v<T>)
        return _mm256_cvtepi8_epi32(b);
    else
        return _mm256_cvtepu8_epi32(b);
}

template <class T>
QL_PRELU_AVX2 void preluRow256(const PreluParams& p, const T* in, int64_t si, const T* alpha,
                               int64_t sa, T* out, int64_t n) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i inOff = _mm256_set1_epi32(p.inputOffset),
                  alphaOff = _mm256_set1_epi32(p.alphaOffset);
    const __m256i m1 = _mm256_set1_epi32(p.positive.multiplier),
                  s1 = _mm256_set1_epi32(p.positive.shift);
    const __m256i m2 = _mm256_set1_epi32(p.negative.multiplier),
                  s2 = _mm256_set1_epi32(p.negative.shift);
    const __m256i zo = _mm256_set1_epi32(p.outputOffset);
    const __m256i lo = _mm256_set1_epi32(p.qmin), hi = _mm256_set1_epi32(p.qmax);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_add_epi32(load8(in + i * si, si), inOff);
        const __m256i a = _mm256_add_epi32(load8(alpha + i * sa, sa), alphaOff);
        const __m256i neg = _mm256_cmpgt_epi32(zero, v);
        const __m256i x = _mm256_blendv_epi8(v, _mm256_mullo_epi32(v, a), neg);
        const __m256i m = _mm256_blendv_epi8(m1, m2, neg);
        const __m256i s = _mm256_blendv_epi8(s1, s2, neg);
        // y lies in [qmin, qmax], a subrange of T: the saturating packs below are exact.
        const __m256i y = optimized::simd::requantize8(x, m, s, zo, lo, hi);
        const __m128i w =
            _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
        const __m128i bytes = std::is_signed_v<T> ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i), bytes);
    }
    for (; i < n; ++i)
        out[i] = static_cast<T>(preluElement(p, in[i * si], alpha[i * sa], Rounding::Double));
}

} // namespace

bool preluSimdUsable(const PreluParams& p, Rounding r, SimdIsa isa) {
    return r == Rounding::Double && isa != SimdIsa::Scalar && simdSupported(isa) &&
           covered(p.positive) && covered(p.negative);
}

template <class T>
void preluBroadcastSimd(const BroadcastPlan& plan, const PreluParams& p, const T* in,
                        const T* alpha, T* out, SimdIsa isa) {
    const bool wide = isWide(isa);
    forEachRow(plan, [&](int64_t ii, int64_t ia, int64_t io, int64_t n, int64_t si, int64_t sa) {
        if (wide)
            preluRow512(p, in + ii, si, alpha + ia, sa, out + io, n);
        else
            preluRow256(p, in + ii, si, alpha + ia, sa, out + io, n);
    });
}

template void preluBroadcastSimd<int8_t>(const BroadcastPlan&, const PreluParams&, const int8_t*,
                                         const int8_t*, int8_t*, SimdIsa);
template void preluBroadcastSimd<uint8_t>(const BroadcastPlan&, const PreluParams&, const uint8_t*,
                                          const uint8_t*, uint8_t*, SimdIsa);

} // namespace ql::rt::act

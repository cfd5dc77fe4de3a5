#pragma once
// Vector building blocks shared by the int8 kernels (GEMM epilogue, depthwise, hybrid): TFLite's
// multiplyByQuantizedMultiplier with double rounding and XNNPACK's fp32 requantization on 8
// (AVX2) or 16 (AVX-512) int32 lanes, bit-exact with the scalar FixedPoint.h and
// XnnpackArithmetic.h versions. Every function carries its own target
// attribute, so this header may be included by files built for the baseline ISA; callers run
// them only after a CPU check.
#include <immintrin.h>

#include <cstdint>

// GCC 12 reports the undefined pass-through operand inside its own AVX-512 min/max intrinsics
// as "may be used uninitialized" once they are inlined into a kernel: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ql::rt::optimized::simd {

#define QL_AVX2_TARGET __attribute__((target("avx2")))
#define QL_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

// out = clamp(MBQM(x, m, s) + zp, lo, hi) per lane, where MBQM is TFLite's
//   x <<= max(s, 0); h = SaturatingRoundingDoublingHighMul(x, m); RoundingDivideByPOT(h, max(-s, 0)).
// The high multiply is taken as (x * m + 2^30) >> 31 in 64 bits: for m > 0 (quantizeMultiplier
// never yields m <= 0 for a positive scale; m = 0 gives 0 either way) its one saturating case
// (x = m = INT32_MIN) cannot occur, and the floor of the shifted sum equals TFLite's truncating
// division of x * m + nudge by 2^31 because that sum is non-negative exactly when the product
// is >= -2^30. The rounding divide rounds half away from zero (remainder > threshold, with the
// threshold one larger for negative h).
QL_AVX2_TARGET inline __m256i requantize8(__m256i x, __m256i m, __m256i s, __m256i zp, __m256i lo, __m256i hi) {
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
    const __m256i nudge = _mm256_set1_epi64x(int64_t(1) << 30);
    const __m256i left = _mm256_max_epi32(s, zero);
    const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, s), zero);
    x = _mm256_sllv_epi32(x, left);
    const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
    const __m256i odd =
        _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), nudge), 31);
    __m256i h = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
    const __m256i remainder = _mm256_and_si256(h, mask);
    const __m256i threshold = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(zero, h));
    h = _mm256_sub_epi32(_mm256_srav_epi32(h, right), _mm256_cmpgt_epi32(remainder, threshold));
    return _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(h, zp), lo), hi);
}

// XNNPACK's fp32 requantization (quant/XnnpackArithmetic.h, xnn::requantizeFp32) per lane:
//   out = int(rint(clamp(float(x) * scale, lo, hi))) + zp
// with lo = float(actMin - zp) and hi = float(actMax - zp) (integers, so clamping before or
// after rounding is the same). Bit-exact with the scalar version: the int32 -> float conversion
// and the product round to nearest even as the scalar casts do (no FMA: a plain multiply), and
// cvtps rounds half to even in the default MXCSR mode, as std::nearbyint does in the default
// rounding mode. A NaN product (only from an infinite scale times 0) becomes 0, as in the scalar.
QL_AVX2_TARGET inline __m256i requantizeFp32x8(__m256i x, __m256 scale, __m256i zp, __m256 lo, __m256 hi) {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(x), scale);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    return _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);
}

// Eight int32 lanes already inside [-128, 127] to eight bytes (saturating packs are exact).
QL_AVX2_TARGET inline void storeInt8x8(__m256i v, int8_t* out) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(w, w));
}

// The same on 16 lanes.
QL_AVX512_TARGET inline __m512i requantize16(__m512i x, __m512i m, __m512i s, __m512i zp, __m512i lo, __m512i hi) {
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const __m512i nudge = _mm512_set1_epi64(int64_t(1) << 30);
    const __m512i left = _mm512_max_epi32(s, zero);
    const __m512i right = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
    x = _mm512_sllv_epi32(x, left);
    const __m512i even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), nudge), 31);
    const __m512i odd =
        _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), nudge), 31);
    __m512i h = _mm512_mask_blend_epi32(__mmask16(0xAAAA), even, _mm512_slli_epi64(odd, 32));
    const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
    const __m512i remainder = _mm512_and_si512(h, mask);
    // threshold = (mask >> 1) + (h < 0)
    const __m512i threshold =
        _mm512_mask_add_epi32(_mm512_srli_epi32(mask, 1), _mm512_cmplt_epi32_mask(h, zero), _mm512_srli_epi32(mask, 1), one);
    h = _mm512_mask_add_epi32(_mm512_srav_epi32(h, right), _mm512_cmpgt_epi32_mask(remainder, threshold),
                              _mm512_srav_epi32(h, right), one);
    return _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(h, zp), lo), hi);
}

// requantizeFp32x8 on 16 lanes.
QL_AVX512_TARGET inline __m512i requantizeFp32x16(__m512i x, __m512 scale, __m512i zp, __m512 lo, __m512 hi) {
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(x), scale);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    return _mm512_add_epi32(_mm512_cvtps_epi32(v), zp);
}

// Sixteen int32 lanes inside [-128, 127] to `count` (<= 16) bytes.
QL_AVX512_TARGET inline void storeInt8x16(__m512i v, int8_t* out, int count = 16) {
    const __m128i b = _mm512_cvtsepi32_epi8(v);
    if (count == 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
    else _mm_mask_storeu_epi8(out, static_cast<__mmask16>((1u << count) - 1u), b);
}

// The requantization of a kernel's int32 accumulators, per output channel, on arrays padded to
// the kernel's channel blocking: TFLite's fixed point (multiplier, shift) or, when fpScale is
// set, XNNPACK's fp32 requantization (Target::TfliteCpu). The choice is loop-invariant, so the
// branch below costs a predicted jump per block.
struct Epilogue {
    const int32_t* multiplier = nullptr;
    const int32_t* shift = nullptr;
    const float* fpScale = nullptr;
    int32_t outputOffset = 0, actMin = 0, actMax = 0;
};

// Channels [c, c + 8) of one pixel's accumulators, requantized and clamped (int32 lanes).
QL_AVX2_TARGET inline __m256i requantizeBlock8(const Epilogue& e, __m256i acc, int64_t c) {
    const __m256i zp = _mm256_set1_epi32(e.outputOffset);
    if (e.fpScale)
        return requantizeFp32x8(acc, _mm256_loadu_ps(e.fpScale + c), zp, _mm256_set1_ps(float(e.actMin - e.outputOffset)),
                                _mm256_set1_ps(float(e.actMax - e.outputOffset)));
    return requantize8(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(e.multiplier + c)),
                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(e.shift + c)), zp, _mm256_set1_epi32(e.actMin),
                       _mm256_set1_epi32(e.actMax));
}

// Channels [c, c + 16) likewise.
QL_AVX512_TARGET inline __m512i requantizeBlock16(const Epilogue& e, __m512i acc, int64_t c) {
    const __m512i zp = _mm512_set1_epi32(e.outputOffset);
    if (e.fpScale)
        return requantizeFp32x16(acc, _mm512_loadu_ps(e.fpScale + c), zp, _mm512_set1_ps(float(e.actMin - e.outputOffset)),
                                 _mm512_set1_ps(float(e.actMax - e.outputOffset)));
    return requantize16(acc, _mm512_loadu_si512(e.multiplier + c), _mm512_loadu_si512(e.shift + c), zp, _mm512_set1_epi32(e.actMin),
                        _mm512_set1_epi32(e.actMax));
}

} // namespace ql::rt::optimized::simd

#include "runtime/kernels/conv/HybridQuantize.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::rt::conv {
namespace {

// The AVX2 loops below compute what the scalar ones do, bit for bit: min/max are exact, the
// float multiply and add are separate IEEE operations (built for "avx2" only, never "fma", so
// the compiler cannot contract them), and std::round (half away from zero) is
//   t = trunc(x); d = x - t (exact for |x| < 2^23); r = t + (|d| >= 0.5 ? sign(x) : 0).
// Values are clamped in float before the conversion: the same as converting then clamping for
// the finite values the kernels see (and defined for any value).
#define QL_HQ_AVX2 __attribute__((target("avx2")))

bool hasAvx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}

QL_HQ_AVX2 void minMaxAvx2(const float* v, size_t n, float& lo, float& hi) {
    __m256 mn = _mm256_set1_ps(v[0]), mx = mn;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(v + i);
        mn = _mm256_min_ps(mn, x);
        mx = _mm256_max_ps(mx, x);
    }
    alignas(32) float a[8], b[8];
    _mm256_store_ps(a, mn);
    _mm256_store_ps(b, mx);
    lo = a[0];
    hi = b[0];
    for (int j = 1; j < 8; ++j) lo = std::min(lo, a[j]), hi = std::max(hi, b[j]);
    for (; i < n; ++i) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
}

QL_HQ_AVX2 inline __m256 roundHalfAway(__m256 x) {
    const __m256 t = _mm256_round_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 d = _mm256_sub_ps(x, t);
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    const __m256 absD = _mm256_andnot_ps(signBit, d);
    const __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(signBit, x)); // sign(x) * 1
    const __m256 step = _mm256_and_ps(_mm256_cmp_ps(absD, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one);
    return _mm256_add_ps(t, step);
}

// q[i] = clamp(round(offset + v[i] * inverse), lo, hi); offset 0 for the symmetric case (the
// scalar code then has no add; adding +0.0f changes no product but -0.0, which rounds to 0).
QL_HQ_AVX2 void quantizeAvx2(const float* v, size_t n, float inverse, float offset, bool addOffset, float lo, float hi, int8_t* q) {
    const __m256 inv = _mm256_set1_ps(inverse), off = _mm256_set1_ps(offset);
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_mul_ps(_mm256_loadu_ps(v + i), inv);
        if (addOffset) x = _mm256_add_ps(off, x);
        x = _mm256_min_ps(_mm256_max_ps(roundHalfAway(x), vlo), vhi);
        const __m256i k = _mm256_cvttps_epi32(x);
        const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(k), _mm256_extracti128_si256(k, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), _mm_packs_epi16(w, w));
    }
    for (; i < n; ++i) {
        const float x = addOffset ? offset + v[i] * inverse : v[i] * inverse;
        q[i] = static_cast<int8_t>(std::min(hi, std::max(lo, std::round(x))));
    }
}

} // namespace

float symmetricQuantize(std::span<const float> values, std::span<int8_t> quantized) {
    constexpr int32_t kScale = 127;
    float lo = 0.0f, hi = 0.0f;
    if (!values.empty() && hasAvx2()) {
        minMaxAvx2(values.data(), values.size(), lo, hi);
    } else if (!values.empty()) {
        const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
        lo = *mn;
        hi = *mx;
    }
    const float range = std::max(std::abs(lo), std::abs(hi));
    if (range == 0.0f) {
        std::memset(quantized.data(), 0, quantized.size());
        return 1.0f;
    }
    const float inverse = kScale / range;
    if (hasAvx2()) {
        quantizeAvx2(values.data(), values.size(), inverse, 0.0f, false, -float(kScale), float(kScale), quantized.data());
        return range / kScale;
    }
    for (size_t i = 0; i < values.size(); ++i) {
        const int32_t q = static_cast<int32_t>(std::round(values[i] * inverse));
        quantized[i] = static_cast<int8_t>(std::min(kScale, std::max(-kScale, q)));
    }
    return range / kScale;
}

AsymmetricParams asymmetricQuantize(std::span<const float> values, std::span<int8_t> quantized) {
    constexpr int32_t kMin = -128, kMax = 127;
    const double qmin = kMin, qmax = kMax;
    float lo = 0.0f, hi = 0.0f;
    if (!values.empty() && hasAvx2()) {
        minMaxAvx2(values.data(), values.size(), lo, hi);
    } else if (!values.empty()) {
        const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
        lo = *mn;
        hi = *mx;
    }
    const double rmin = std::min(0.0f, lo), rmax = std::max(0.0f, hi);
    AsymmetricParams p;
    if (rmin == rmax) {
        std::memset(quantized.data(), 0, quantized.size());
        return p;
    }
    const double scale = (rmax - rmin) / (qmax - qmin);
    const double zpFromMin = qmin - rmin / scale;
    const double zpFromMax = qmax - rmax / scale;
    const double errorFromMin = std::abs(qmin) + std::abs(rmin / scale);
    const double errorFromMax = std::abs(qmax) + std::abs(rmax / scale);
    const double zp = errorFromMin < errorFromMax ? zpFromMin : zpFromMax;
    if (zp <= qmin) p.zeroPoint = kMin;
    else if (zp >= qmax) p.zeroPoint = kMax;
    else p.zeroPoint = static_cast<int32_t>(std::round(zp));
    p.scale = static_cast<float>(scale);
    const float inverse = 1.0f / p.scale;
    if (hasAvx2()) {
        quantizeAvx2(values.data(), values.size(), inverse, float(p.zeroPoint), true, float(kMin), float(kMax), quantized.data());
        return p;
    }
    for (size_t i = 0; i < values.size(); ++i) {
        const int32_t q = static_cast<int32_t>(std::round(float(p.zeroPoint) + values[i] * inverse));
        quantized[i] = static_cast<int8_t>(std::min(kMax, std::max(kMin, q)));
    }
    return p;
}

} // namespace ql::rt::conv

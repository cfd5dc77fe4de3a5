#include "runtime/kernels/conv/Int16Requantize.h"

#include "runtime/kernels/conv/Reference.h"

#include <immintrin.h>

namespace ql::rt::optimized {
namespace {

#define QL_REQ16_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

QL_REQ16_AVX512 void runAvx512(const int64_t* acc, int channels, const int64_t* reduced,
                               const int64_t* totalShift, int32_t zp, int32_t lo, int32_t hi,
                               int16_t* out) {
    const __m512i one = _mm512_set1_epi64(1);
    const __m256i zpv = _mm256_set1_epi32(zp), lov = _mm256_set1_epi32(lo),
                  hiv = _mm256_set1_epi32(hi);
    for (int c = 0; c < channels; c += 8) {
        const int count = channels - c < 8 ? channels - c : 8;
        const __mmask8 k = static_cast<__mmask8>((1u << count) - 1u);
        const __m512i x = _mm512_maskz_loadu_epi64(k, acc + c);
        const __m512i m = _mm512_loadu_si512(reduced + c);
        const __m512i t = _mm512_loadu_si512(totalShift + c);
        const __m512i round = _mm512_sllv_epi64(one, _mm512_sub_epi64(t, one));
        const __m512i v = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mullo_epi64(x, m), round), t);
        __m256i y = _mm512_cvtepi64_epi32(v); // truncation, as the scalar int32 cast
        y = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(y, zpv), lov), hiv);
        _mm_mask_storeu_epi16(out + c, k, _mm256_cvtepi32_epi16(y)); // in int16 range: exact
    }
}

} // namespace

Int16Requantizer::Int16Requantizer(const conv::RequantParams& p, SimdIsa isa) : m_p(p) {
    const bool wide = (isa == SimdIsa::Avx512 || isa == SimdIsa::Avx512Vbmi) && simdSupported(isa);
    if (!wide || p.rounding != Rounding::Double || !p.fpScale.empty() || p.multiplier.empty())
        return;
    const size_t n = p.multiplier.size(), padded = (n + 7) / 8 * 8;
    m_reduced.assign(padded, 0);
    m_totalShift.assign(padded, 1);
    for (size_t c = 0; c < n; ++c) {
        const int32_t qm = p.multiplier[c];
        const int t = 15 - p.shift[c];
        if (qm < 0 || t < 1 || t > 62) return; // the scalar path (m_vector stays false)
        m_reduced[c] = qm < 0x7FFF0000 ? (int64_t(qm) + (1 << 15)) >> 16 : 0x7FFF;
        m_totalShift[c] = t;
    }
    m_vector = true;
}

void Int16Requantizer::run(const int64_t* acc, int channels, int16_t* out) const {
    if (m_vector) {
        runAvx512(acc, channels, m_reduced.data(), m_totalShift.data(), m_p.outputOffset,
                  m_p.actMin, m_p.actMax, out);
        return;
    }
    for (int c = 0; c < channels; ++c)
        out[c] = static_cast<int16_t>(reference::requantize<int64_t>(acc[c], m_p, c));
}

} // namespace ql::rt::optimized

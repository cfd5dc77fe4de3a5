#include "runtime/kernels/activation/Lut8Simd.h"

#include "runtime/ThreadPool.h"

#include <algorithm>
#include <immintrin.h>

namespace ql::rt::act {
namespace {

#define QL_VBMI_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi")))

// vpermi2b looks up 128 entries (index bits 0-6 pick a byte of the two 64-byte registers);
// bit 7 of the index selects the lower or the upper half of the table.
QL_VBMI_TARGET inline __m512i lookup(__m512i idx, __m512i t0, __m512i t1, __m512i t2, __m512i t3) {
    const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, idx, t3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi);
}

QL_VBMI_TARGET void lutVbmi(const uint8_t* table, const uint8_t* in, uint8_t* out, size_t n) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) _mm512_storeu_si512(out + i, lookup(_mm512_loadu_si512(in + i), t0, t1, t2, t3));
    if (i < n) {
        const __mmask64 m = ~__mmask64(0) >> (64 - (n - i));
        _mm512_mask_storeu_epi8(out + i, m, lookup(_mm512_maskz_loadu_epi8(m, in + i), t0, t1, t2, t3));
    }
}

} // namespace

void applyLut8(const std::array<uint8_t, 256>& table, const uint8_t* in, uint8_t* out, size_t n,
               SimdIsa isa) {
    if (isa == SimdIsa::Avx512Vbmi) {
        lutVbmi(table.data(), in, out, n);
        return;
    }
    for (size_t i = 0; i < n; ++i)
        out[i] = table[in[i]];
}

void applyLut8(const std::array<uint8_t, 256>& table, const uint8_t* in, uint8_t* out, size_t n,
               ThreadPool* pool) {
    constexpr size_t kChunk = 64 * 1024;
    const SimdIsa isa = detectSimdIsa();
    if (!pool || pool->threadCount() == 1 || n < 2 * kChunk) {
        applyLut8(table, in, out, n, isa);
        return;
    }
    pool->parallelFor((n + kChunk - 1) / kChunk,
                      [&](size_t c0, size_t c1) {
                          const size_t b = c0 * kChunk, e = std::min(n, c1 * kChunk);
                          applyLut8(table, in + b, out + b, e - b, isa);
                      },
                      1);
}

} // namespace ql::rt::act

#include "runtime/kernels/elementwise/QuantAddSimd.h"

#include "runtime/ThreadPool.h"
#include "runtime/kernels/conv/Int8Simd.h"

#include <algorithm>
#include <immintrin.h>
#include <limits>
#include <type_traits>

namespace ql::rt::ew {
namespace {

using optimized::simd::requantize16;

#define QL_EW_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

bool isWide(SimdIsa isa) {
    return isa == SimdIsa::Avx512 || isa == SimdIsa::Avx512Vbmi;
}

bool shiftCovered(const QuantizedMultiplier& m) {
    return m.multiplier >= 0 && m.shift >= -31 && m.shift <= 30;
}

// Loads 16 elements widened to int32; a stride of 0 repeats element 0.
template <class T> QL_EW_AVX512 __m512i load16(const T* p, int64_t stride) {
    if (stride == 0) return _mm512_set1_epi32(int32_t(*p));
    if constexpr (std::is_same_v<T, int8_t>)
        return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    else if constexpr (std::is_same_v<T, uint8_t>)
        return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    else
        return _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
// Stores 16 int32 lanes already within T's range (saturating narrowing is then exact).
template <class T> QL_EW_AVX512 void store16(__m512i v, T* p) {
    if constexpr (std::is_same_v<T, int8_t>)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtsepi32_epi8(v));
    else if constexpr (std::is_same_v<T, uint8_t>)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtusepi32_epi8(v));
    else
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtsepi32_epi16(v));
}
template <class T>
QL_EW_AVX512 void addSubRow512(const AddSubParams& p, const T* a, int64_t sa, const T* b,
                               int64_t sb, T* out, int64_t n) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i lo32 = _mm512_set1_epi32(std::numeric_limits<int32_t>::min());
    const __m512i hi32 = _mm512_set1_epi32(std::numeric_limits<int32_t>::max());
    const __m512i off1 = _mm512_set1_epi32(p.input1Offset),
                  off2 = _mm512_set1_epi32(p.input2Offset);
    const __m512i m1 = _mm512_set1_epi32(p.input1.multiplier),
                  s1 = _mm512_set1_epi32(p.input1.shift);
    const __m512i m2 = _mm512_set1_epi32(p.input2.multiplier),
                  s2 = _mm512_set1_epi32(p.input2.shift);
    const __m512i mo = _mm512_set1_epi32(p.output.multiplier),
                  so = _mm512_set1_epi32(p.output.shift);
    const __m512i zo = _mm512_set1_epi32(p.outputOffset);
    const __m512i actLo = _mm512_set1_epi32(p.actMin), actHi = _mm512_set1_epi32(p.actMax);
    const __m128i left = _mm_cvtsi32_si128(p.leftShift);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i x1 = _mm512_sll_epi32(_mm512_add_epi32(load16(a + i * sa, sa), off1), left);
        const __m512i x2 = _mm512_sll_epi32(_mm512_add_epi32(load16(b + i * sb, sb), off2), left);
        const __m512i y1 = requantize16(x1, m1, s1, zero, lo32, hi32);
        const __m512i y2 = requantize16(x2, m2, s2, zero, lo32, hi32);
        const __m512i raw = p.subtract ? _mm512_sub_epi32(y1, y2) : _mm512_add_epi32(y1, y2);
        store16(requantize16(raw, mo, so, zo, actLo, actHi), out + i);
    }
    for (; i < n; ++i)
        out[i] = static_cast<T>(addSubElement(p, a[i * sa], b[i * sb], Rounding::Double));
}

// xnn::add on 16 lanes: |(q - z) m| < 2^8 * 2^21, so the int32 products and sums cannot wrap.
QL_EW_AVX512 void xnnAddRow512(const xnn::AddParams& p, const int8_t* a, int64_t sa,
                               const int8_t* b, int64_t sb, int8_t* out, int64_t n) {
    const __m512i za = _mm512_set1_epi32(p.aZeroPoint), zb = _mm512_set1_epi32(p.bZeroPoint);
    const __m512i ma = _mm512_set1_epi32(p.aMultiplier), mb = _mm512_set1_epi32(p.bMultiplier);
    const __m512i rounding = _mm512_set1_epi32(int32_t(1) << (p.shift - 1));
    const __m512i zo = _mm512_set1_epi32(p.outputZeroPoint);
    const __m512i lo = _mm512_set1_epi32(p.outMin), hi = _mm512_set1_epi32(p.outMax);
    const __m128i shift = _mm_cvtsi32_si128(p.shift);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i ta = _mm512_mullo_epi32(_mm512_sub_epi32(load16(a + i * sa, sa), za), ma);
        const __m512i tb = _mm512_mullo_epi32(_mm512_sub_epi32(load16(b + i * sb, sb), zb), mb);
        const __m512i v =
            _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(ta, tb), rounding), shift);
        store16(_mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, zo), lo), hi), out + i);
    }
    for (; i < n; ++i)
        out[i] = static_cast<int8_t>(xnn::add(a[i * sa], b[i * sb], p));
}

// Runs row(ia, ib, io, n, sa, sb) over the plan; a flat plan (no broadcast, one run) with a
// multi-thread pool is cut into ranges of at least kChunk elements run in parallel.
template <class Row>
void forEachRowParallel(const BroadcastPlan& plan, ThreadPool* pool, Row&& row) {
    constexpr int64_t kChunk = 32 * 1024;
    if (!pool || pool->threadCount() == 1 || plan.runs != 1 || plan.count < 2 * kChunk) {
        forEachRow(plan, row);
        return;
    }
    const int64_t n = plan.count, sa = plan.strideA[0], sb = plan.strideB[0];
    pool->parallelFor(
        size_t((n + kChunk - 1) / kChunk),
        [&](size_t c0, size_t c1) {
            const int64_t b = int64_t(c0) * kChunk, e = std::min(n, int64_t(c1) * kChunk);
            row(b * sa, b * sb, b, e - b, sa, sb);
        },
        1);
}

} // namespace

bool addSubSimdUsable(const AddSubParams& p, Rounding r, SimdIsa isa) {
    return r == Rounding::Double && isWide(isa) && simdSupported(isa) &&
           shiftCovered(p.input1) && shiftCovered(p.input2) && shiftCovered(p.output) &&
           p.leftShift >= 0 && p.leftShift < 32;
}

bool xnnAddSimdUsable(SimdIsa isa) {
    return isWide(isa) && simdSupported(isa);
}

template <class T>
void addSubBroadcastSimd(const BroadcastPlan& plan, const AddSubParams& p, const T* a, const T* b,
                         T* out, SimdIsa isa, ThreadPool* pool) {
    const bool wide = isWide(isa);
    forEachRowParallel(
        plan, pool, [&](int64_t ia, int64_t ib, int64_t io, int64_t n, int64_t sa, int64_t sb) {
            if (wide) {
                addSubRow512(p, a + ia, sa, b + ib, sb, out + io, n);
                return;
            }
            for (int64_t i = 0; i < n; ++i)
                out[io + i] = static_cast<T>(
                    addSubElement(p, a[ia + i * sa], b[ib + i * sb], Rounding::Double));
        });
}

template void addSubBroadcastSimd<int8_t>(const BroadcastPlan&, const AddSubParams&, const int8_t*,
                                          const int8_t*, int8_t*, SimdIsa, ThreadPool*);
template void addSubBroadcastSimd<uint8_t>(const BroadcastPlan&, const AddSubParams&,
                                           const uint8_t*, const uint8_t*, uint8_t*, SimdIsa,
                                           ThreadPool*);
template void addSubBroadcastSimd<int16_t>(const BroadcastPlan&, const AddSubParams&,
                                           const int16_t*, const int16_t*, int16_t*, SimdIsa,
                                           ThreadPool*);

void xnnAddBroadcastSimd(const BroadcastPlan& plan, const xnn::AddParams& p, const int8_t* a,
                         const int8_t* b, int8_t* out, SimdIsa isa, ThreadPool* pool) {
    const bool wide = isWide(isa);
    forEachRowParallel(
        plan, pool, [&](int64_t ia, int64_t ib, int64_t io, int64_t n, int64_t sa, int64_t sb) {
            if (wide) {
                xnnAddRow512(p, a + ia, sa, b + ib, sb, out + io, n);
                return;
            }
            for (int64_t i = 0; i < n; ++i)
                out[io + i] = static_cast<int8_t>(xnn::add(a[ia + i * sa], b[ib + i * sb], p));
        });
}

} // namespace ql::rt::ew

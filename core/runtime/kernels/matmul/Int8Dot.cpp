#include "runtime/kernels/matmul/Int8Dot.h"

#include <algorithm>
#include <atomic>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QL_X86 1
#endif

namespace ql::rt::fc {
namespace {

// Rows are processed four at a time so that one load of x feeds four products.
constexpr int kRowBlock = 4;

void dotScalar(const int8_t* x, const int8_t* w, int batches, int depth, int units, int oBegin, int oEnd,
               int32_t* acc) {
    for (int b = 0; b < batches; ++b) {
        const int8_t* xb = x + size_t(b) * depth;
        for (int o = oBegin; o < oEnd; ++o) {
            const int8_t* wr = w + size_t(o) * depth;
            int32_t sum = 0;
            for (int d = 0; d < depth; ++d) sum += int32_t(xb[d]) * int32_t(wr[d]);
            acc[size_t(b) * units + o] = sum;
        }
    }
}

#ifdef QL_X86

__attribute__((target("avx2"))) inline int32_t hsum256(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// int8 -> int16 widening, then vpmaddwd: pairs of int16 products summed into int32 lanes.
// |x * w| <= 2^14, so a pair never overflows an int32 lane.
__attribute__((target("avx2"))) void dotAvx2(const int8_t* x, const int8_t* w, int batches, int depth, int units,
                                             int oBegin, int oEnd, int32_t* acc) {
    const int vecEnd = depth / 16 * 16;
    for (int b = 0; b < batches; ++b) {
        const int8_t* xb = x + size_t(b) * depth;
        int o = oBegin;
        for (; o + kRowBlock <= oEnd; o += kRowBlock) {
            const int8_t* w0 = w + size_t(o) * depth;
            const int8_t* w1 = w0 + depth;
            const int8_t* w2 = w1 + depth;
            const int8_t* w3 = w2 + depth;
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < vecEnd; d += 16) {
                const __m256i xv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xb + d)));
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w0 + d)))));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xv, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w1 + d)))));
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xv, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w2 + d)))));
                a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xv, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w3 + d)))));
            }
            int32_t s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
            for (int d = vecEnd; d < depth; ++d) {
                s0 += int32_t(xb[d]) * w0[d];
                s1 += int32_t(xb[d]) * w1[d];
                s2 += int32_t(xb[d]) * w2[d];
                s3 += int32_t(xb[d]) * w3[d];
            }
            int32_t* out = acc + size_t(b) * units + o;
            out[0] = s0, out[1] = s1, out[2] = s2, out[3] = s3;
        }
        for (; o < oEnd; ++o) {
            const int8_t* wr = w + size_t(o) * depth;
            __m256i a = _mm256_setzero_si256();
            for (int d = 0; d < vecEnd; d += 16) {
                const __m256i xv = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xb + d)));
                a = _mm256_add_epi32(a, _mm256_madd_epi16(xv, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wr + d)))));
            }
            int32_t s = hsum256(a);
            for (int d = vecEnd; d < depth; ++d) s += int32_t(xb[d]) * wr[d];
            acc[size_t(b) * units + o] = s;
        }
    }
}

#define QL_AVX512BW_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))

QL_AVX512BW_TARGET inline __m512i load32(const int8_t* p) {
    return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
QL_AVX512BW_TARGET inline __m512i load32Masked(__mmask32 m, const int8_t* p) { return _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, p)); }

// The same with 512-bit registers (32 products per vpmaddwd); the tail uses masked loads.
QL_AVX512BW_TARGET void dotAvx512Bw(const int8_t* x, const int8_t* w, int batches, int depth, int units, int oBegin, int oEnd,
                                    int32_t* acc) {
    const int vecEnd = depth / 32 * 32;
    const int rem = depth - vecEnd;
    const __mmask32 tail = rem ? static_cast<__mmask32>((uint64_t(1) << rem) - 1) : 0;
    for (int b = 0; b < batches; ++b) {
        const int8_t* xb = x + size_t(b) * depth;
        for (int o = oBegin; o < oEnd; o += kRowBlock) {
            const int rows = std::min(kRowBlock, oEnd - o);
            const int8_t* wr[kRowBlock];
            for (int r = 0; r < kRowBlock; ++r) wr[r] = w + size_t(o + (r < rows ? r : 0)) * depth;
            __m512i a[kRowBlock] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int d = 0; d < vecEnd; d += 32) {
                const __m512i xv = load32(xb + d);
                for (int r = 0; r < kRowBlock; ++r) a[r] = _mm512_add_epi32(a[r], _mm512_madd_epi16(xv, load32(wr[r] + d)));
            }
            if (rem) {
                const __m512i xv = load32Masked(tail, xb + vecEnd);
                for (int r = 0; r < kRowBlock; ++r) a[r] = _mm512_add_epi32(a[r], _mm512_madd_epi16(xv, load32Masked(tail, wr[r] + vecEnd)));
            }
            for (int r = 0; r < rows; ++r) acc[size_t(b) * units + o + r] = _mm512_reduce_add_epi32(a[r]);
        }
    }
}

// vpdpbusd multiplies unsigned bytes by signed bytes: x + 128 (x XOR 0x80) is unsigned, so
// sum (x + 128) * w = sum x * w + 128 * rowSum(w); the correction is exact in int32.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dotAvx512Vnni(const int8_t* x, const int8_t* w, int batches,
                                                                          int depth, int units, int oBegin, int oEnd,
                                                                          const int32_t* rowSums, int32_t* acc) {
    const int vecEnd = depth / 64 * 64;
    const int rem = depth - vecEnd;
    const __mmask64 tail = rem ? static_cast<__mmask64>((uint64_t(1) << rem) - 1) : 0;
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int b = 0; b < batches; ++b) {
        const int8_t* xb = x + size_t(b) * depth;
        for (int o = oBegin; o < oEnd; o += kRowBlock) {
            const int rows = std::min(kRowBlock, oEnd - o);
            const int8_t* wr[kRowBlock];
            for (int r = 0; r < kRowBlock; ++r) wr[r] = w + size_t(o + (r < rows ? r : 0)) * depth;
            __m512i a[kRowBlock] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
            for (int d = 0; d < vecEnd; d += 64) {
                const __m512i xu = _mm512_xor_si512(_mm512_loadu_si512(xb + d), flip);
                for (int r = 0; r < kRowBlock; ++r) a[r] = _mm512_dpbusd_epi32(a[r], xu, _mm512_loadu_si512(wr[r] + d));
            }
            if (rem) {
                // Masked-off x lanes become 0x80 after the flip, but their w lanes load as 0.
                const __m512i xu = _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, xb + vecEnd), flip);
                for (int r = 0; r < kRowBlock; ++r)
                    a[r] = _mm512_dpbusd_epi32(a[r], xu, _mm512_maskz_loadu_epi8(tail, wr[r] + vecEnd));
            }
            for (int r = 0; r < rows; ++r)
                acc[size_t(b) * units + o + r] = _mm512_reduce_add_epi32(a[r]) - 128 * rowSums[o + r];
        }
    }
}

#endif // QL_X86

std::atomic<int> g_override{-1};

Int8Isa detectIsa() {
#ifdef QL_X86
    __builtin_cpu_init();
    const bool bw = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    if (bw && __builtin_cpu_supports("avx512vnni")) return Int8Isa::Avx512Vnni;
    if (bw) return Int8Isa::Avx512Bw;
    if (__builtin_cpu_supports("avx2")) return Int8Isa::Avx2;
#endif
    return Int8Isa::Scalar;
}

Int8Isa detectedIsa() {
    static const Int8Isa isa = detectIsa();
    return isa;
}

} // namespace

bool int8IsaSupported(Int8Isa isa) { return static_cast<int>(isa) <= static_cast<int>(detectedIsa()); }

Int8Isa int8DotIsa() {
    const int o = g_override.load(std::memory_order_relaxed);
    return o >= 0 ? static_cast<Int8Isa>(o) : detectedIsa();
}

std::string_view int8IsaName(Int8Isa isa) {
    switch (isa) {
    case Int8Isa::Scalar: return "scalar";
    case Int8Isa::Avx2: return "avx2";
    case Int8Isa::Avx512Bw: return "avx512bw";
    case Int8Isa::Avx512Vnni: return "avx512vnni";
    }
    return "?";
}

void setInt8IsaOverride(Int8Isa isa) { g_override.store(int8IsaSupported(isa) ? static_cast<int>(isa) : -1); }
void clearInt8IsaOverride() { g_override.store(-1); }

void int8DotRowsIsa(Int8Isa isa, const int8_t* x, const int8_t* w, int batches, int depth, int units, int oBegin,
                    int oEnd, const int32_t* rowSums, int32_t* acc) {
    if (oBegin >= oEnd || batches <= 0) return;
    if (!int8IsaSupported(isa)) isa = Int8Isa::Scalar;
    switch (isa) {
#ifdef QL_X86
    case Int8Isa::Avx512Vnni: {
        std::vector<int32_t> own;
        if (!rowSums) {
            own.assign(size_t(units), 0);
            for (int o = oBegin; o < oEnd; ++o)
                for (int d = 0; d < depth; ++d) own[size_t(o)] += w[size_t(o) * depth + d];
            rowSums = own.data();
        }
        dotAvx512Vnni(x, w, batches, depth, units, oBegin, oEnd, rowSums, acc);
        return;
    }
    case Int8Isa::Avx512Bw: dotAvx512Bw(x, w, batches, depth, units, oBegin, oEnd, acc); return;
    case Int8Isa::Avx2: dotAvx2(x, w, batches, depth, units, oBegin, oEnd, acc); return;
#endif
    default: dotScalar(x, w, batches, depth, units, oBegin, oEnd, acc); return;
    }
}

void int8DotRows(const int8_t* x, const int8_t* w, int batches, int depth, int units, int oBegin, int oEnd,
                 const int32_t* rowSums, int32_t* acc) {
    int8DotRowsIsa(int8DotIsa(), x, w, batches, depth, units, oBegin, oEnd, rowSums, acc);
}

} // namespace ql::rt::fc

#include "runtime/kernels/conv/Int16ConvVnni.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace ql::rt::optimized {
namespace {

#define QL_VNNI16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

constexpr int kLanes = 16;
constexpr int64_t kChunkPairs = 128; // int32 partial sums below 2^30 (see the header)
constexpr int kMaxRows = 6;

// MR rows x NB channel blocks (of 16) over pairs [p0, p1): 12 accumulators at most.
template <int MR, int NB>
QL_VNNI16 void tile(const int16_t* a, int64_t lda, int64_t p0, int64_t p1, const int16_t* block, int64_t blockStride, int c0, int n,
                    int64_t* acc) {
    __m512i sum[MR][NB];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
        for (int b = 0; b < NB; ++b) sum[r][b] = _mm512_setzero_si512();
    for (int64_t p = p0; p < p1; ++p) {
        __m512i w[NB];
#pragma GCC unroll 2
        for (int b = 0; b < NB; ++b) w[b] = _mm512_loadu_si512(block + b * blockStride + p * 2 * kLanes);
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            int32_t pair;
            std::memcpy(&pair, a + r * lda + 2 * p, sizeof pair);
            const __m512i x = _mm512_set1_epi32(pair);
#pragma GCC unroll 2
            for (int b = 0; b < NB; ++b) sum[r][b] = _mm512_dpwssd_epi32(sum[r][b], x, w[b]);
        }
    }
    alignas(64) int32_t lanes[kLanes];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
        for (int b = 0; b < NB; ++b) {
            _mm512_store_si512(lanes, sum[r][b]);
            const int cb = c0 + b * kLanes, valid = std::min(kLanes, n - cb);
            int64_t* out = acc + int64_t(r) * n + cb;
            for (int j = 0; j < valid; ++j) out[j] += lanes[j];
        }
}

template <int MR>
QL_VNNI16 void rowsTile(const int16_t* a, int64_t lda, int64_t kPairs, const int16_t* packed, int n, int64_t* acc) {
    const int blocks = (n + kLanes - 1) / kLanes;
    const int64_t blockStride = kPairs * 2 * kLanes;
    for (int64_t p0 = 0; p0 < kPairs; p0 += kChunkPairs) {
        const int64_t p1 = std::min(kPairs, p0 + kChunkPairs);
        int b = 0;
        for (; b + 2 <= blocks; b += 2)
            tile<MR, 2>(a, lda, p0, p1, packed + b * blockStride, blockStride, b * kLanes, n, acc);
        if (b < blocks) tile<MR, 1>(a, lda, p0, p1, packed + b * blockStride, blockStride, b * kLanes, n, acc);
    }
}

} // namespace

bool int16VnniAvailable() {
    static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    return yes;
}

std::vector<int16_t> packInt16Vnni(const int16_t* wT, int64_t k, int n) {
    const int blocks = (n + kLanes - 1) / kLanes;
    const int64_t kPairs = (k + 1) / 2;
    std::vector<int16_t> out(size_t(blocks) * size_t(kPairs) * 2 * kLanes, 0);
    for (int b = 0; b < blocks; ++b)
        for (int64_t p = 0; p < kPairs; ++p)
            for (int j = 0; j < kLanes; ++j) {
                const int c = b * kLanes + j;
                if (c >= n) continue;
                int16_t* dst = out.data() + ((int64_t(b) * kPairs + p) * kLanes + j) * 2;
                dst[0] = wT[(2 * p) * n + c];
                dst[1] = 2 * p + 1 < k ? wT[(2 * p + 1) * n + c] : int16_t(0);
            }
    return out;
}

void int16GemmVnni(const int16_t* a, int64_t lda, int rows, int64_t kPairs, const int16_t* packed, int n, int64_t* acc) {
    int r = 0;
    for (; r + kMaxRows <= rows; r += kMaxRows) rowsTile<6>(a + r * lda, lda, kPairs, packed, n, acc + int64_t(r) * n);
    const int16_t* ar = a + r * lda;
    int64_t* cr = acc + int64_t(r) * n;
    switch (rows - r) {
    case 5: rowsTile<5>(ar, lda, kPairs, packed, n, cr); break;
    case 4: rowsTile<4>(ar, lda, kPairs, packed, n, cr); break;
    case 3: rowsTile<3>(ar, lda, kPairs, packed, n, cr); break;
    case 2: rowsTile<2>(ar, lda, kPairs, packed, n, cr); break;
    case 1: rowsTile<1>(ar, lda, kPairs, packed, n, cr); break;
    default: break;
    }
}

} // namespace ql::rt::optimized

// The packed float GEMM of FloatConvPlan for AVX-512 (this file alone is built with -mavx512f
// and friends, core/CMakeLists.txt; FloatConvPlan calls it only after a run-time CPU check).
// Same operands and packing as FloatPackedGemmAvx2.cpp: A row-major (stride lda), B in panels
// of 16 output channels ([K][16] each), and
//   C[m, n] = act(bias[n] + sum_k A[m, k] * B[k, n]).
// A 16-channel panel row is one 512-bit register, so a tile is up to 8 rows x 2 panels
// (32 channels): 16 accumulators over the whole K loop (per k: two panel loads, eight
// broadcasts of A, sixteen FMAs), enough independent FMAs to cover their latency on two FMA
// pipes. Each output still sums bias, then k = 0, 1, ... with one FMA per step, the order the
// AVX2 kernel uses, so both give the same floats.
#include <algorithm>
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ql::rt::optimized {

bool packedGemmAvx512Available() {
#if defined(__AVX512F__)
    return true;
#else
    return false;
#endif
}

#if defined(__AVX512F__)
namespace {

constexpr int kNr = 16;

inline void storeRow(float* c, __m512 v, int cols, __m512 lo, __m512 hi) {
    // min(hi, max(lo, v)): NaN passes through as in the reference's std::min(std::max(v, lo), hi).
    v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
    if (cols >= kNr)
        _mm512_storeu_ps(c, v);
    else
        _mm512_mask_storeu_ps(c, static_cast<__mmask16>((1u << cols) - 1u), v);
}

// acc + x * w: one FMA, or (Unfused) the product rounded first, as the AVX2 kernel does; the
// empty asm keeps the compiler from contracting the two (this file has -mfma).
template <bool Fused> inline __m512 mulAdd(__m512 x, __m512 w, __m512 acc) {
    if constexpr (Fused) {
        return _mm512_fmadd_ps(x, w, acc);
    } else {
        __m512 p = _mm512_mul_ps(x, w);
        asm("" : "+v"(p));
        return _mm512_add_ps(acc, p);
    }
}

// MR rows of A times NP (1 or 2) consecutive panels; cols = valid columns from the first panel
// (1..16 * NP).
template <int MR, int NP, bool Fused>
__attribute__((always_inline)) inline void tile(const float* a, int64_t lda, const float* panel,
                                                int64_t k, const float* bias, float* c, int64_t ldc,
                                                int cols, __m512 lo, __m512 hi) {
    __m512 acc[NP][MR];
    const float* rows[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
        rows[r] = a + r * lda;
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) {
        const __m512 b = _mm512_load_ps(bias + p * kNr);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r)
            acc[p][r] = b;
    }
    const float* panel1 = panel + k * kNr; // the next panel (only read when NP == 2)
    for (int64_t kk = 0; kk < k; ++kk) {
        const __m512 w0 = _mm512_load_ps(panel + kk * kNr);
        const __m512 w1 = NP == 2 ? _mm512_load_ps(panel1 + kk * kNr) : w0;
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const __m512 x = _mm512_set1_ps(rows[r][kk]);
            acc[0][r] = mulAdd<Fused>(x, w0, acc[0][r]);
            if constexpr (NP == 2) acc[1][r] = mulAdd<Fused>(x, w1, acc[1][r]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
        storeRow(c + r * ldc, acc[0][r], std::min(cols, kNr), lo, hi);
        if constexpr (NP == 2) storeRow(c + r * ldc + kNr, acc[1][r], cols - kNr, lo, hi);
    }
}

template <int MR, bool Fused>
void tiles(const float* a, int64_t lda, const float* panels, int panelCount, int64_t k,
           const float* bias, float* c, int64_t ldc, int cols, __m512 lo, __m512 hi) {
    int p = 0;
    for (; p + 2 <= panelCount; p += 2)
        tile<MR, 2, Fused>(a, lda, panels + int64_t(p) * k * kNr, k, bias + p * kNr, c + p * kNr, ldc,
                    std::min(2 * kNr, cols - p * kNr), lo, hi);
    if (p < panelCount)
        tile<MR, 1, Fused>(a, lda, panels + int64_t(p) * k * kNr, k, bias + p * kNr, c + p * kNr, ldc,
                    std::min(kNr, cols - p * kNr), lo, hi);
}

} // namespace
#endif

#if defined(__AVX512F__)
namespace {

template <bool Fused>
void packedGemm(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols, float* c,
                int64_t ldc, float actMin, float actMax) {
    const __m512 lo = _mm512_set1_ps(actMin), hi = _mm512_set1_ps(actMax);
    const int panelCount = (cols + kNr - 1) / kNr;
    int64_t m = 0;
    for (; m + 8 <= rows; m += 8)
        tiles<8, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi);
    const float* am = a + m * lda;
    float* cm = c + m * ldc;
    switch (rows - m) {
    case 7:
        tiles<7, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    case 6:
        tiles<6, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    case 5:
        tiles<5, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    case 4:
        tiles<4, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    case 3:
        tiles<3, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    case 2:
        tiles<2, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    case 1:
        tiles<1, Fused>(am, lda, panels, panelCount, k, bias, cm, ldc, cols, lo, hi);
        break;
    default:
        break;
    }
}

} // namespace
#endif

// Rows [0, rows) of C (row stride ldc); `panels` and `bias` (ceil(cols / 16) * 16 floats,
// zero padded) are 64-byte aligned. Returns false (computing nothing) without AVX-512.
bool packedGemmAvx512(const float* a, int64_t lda, int64_t rows, const float* panels,
                      const float* bias, int64_t k, int cols, float* c, int64_t ldc, float actMin,
                      float actMax) {
#if defined(__AVX512F__)
    packedGemm<true>(a, lda, rows, panels, bias, k, cols, c, ldc, actMin, actMax);
    return true;
#else
    (void)a, (void)lda, (void)rows, (void)panels, (void)bias, (void)k, (void)cols, (void)c,
        (void)ldc, (void)actMin, (void)actMax;
    return false;
#endif
}

// The same with every product rounded before it is added (FloatProducts::Unfused).
bool packedGemmAvx512Unfused(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                             float* c, int64_t ldc, float actMin, float actMax) {
#if defined(__AVX512F__)
    packedGemm<false>(a, lda, rows, panels, bias, k, cols, c, ldc, actMin, actMax);
    return true;
#else
    (void)a, (void)lda, (void)rows, (void)panels, (void)bias, (void)k, (void)cols, (void)c, (void)ldc, (void)actMin, (void)actMax;
    return false;
#endif
}

} // namespace ql::rt::optimized

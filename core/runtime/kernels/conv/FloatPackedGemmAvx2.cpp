// The packed float GEMM of FloatConvPlan for AVX2 + FMA (this file alone is built with -mavx2
// -mfma; FloatConvPlan calls it only after a run-time CPU check).
//
//   C[m, n] = act(bias[n] + sum_k A[m, k] * B[k, n])   for m < rows, n < cols
//
// A is row-major with row stride lda (an im2col block, or the NHWC input itself for 1x1
// stride-1 convolutions). B was packed once (FloatConvPlan::pack) into panels of kNr = 16
// output channels: panel p holds, for k = 0..K-1, the 16 values B[k, 16p .. 16p+15] (zeros
// past `cols`), so the micro-kernel reads it sequentially. The micro-kernel keeps a tile of
// up to 6 rows x 16 columns in 12 registers over the whole K loop (per k: two panel loads,
// six broadcasts of A, twelve FMAs), starts from the bias, and applies the activation on the
// single store: no separate bias/activation pass over C.
#include <algorithm>
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace ql::rt::optimized {

bool packedGemmAvx2Available() {
#if defined(__AVX2__) && defined(__FMA__)
    return true;
#else
    return false;
#endif
}

#if defined(__AVX2__) && defined(__FMA__)
namespace {

constexpr int kNr = 16;

inline __m256i firstLanes(int n) { // lanes [0, n) on, n in 0..8
    alignas(32) static const int32_t kOnes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kOnes + 8 - n));
}

// min(hi, max(lo, v)): NaN passes through as in the reference's std::min(std::max(v, lo), hi).
inline __m256 clampAct(__m256 v, __m256 lo, __m256 hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); }

inline void storeRow(float* c, __m256 v0, __m256 v1, int cols, __m256 lo, __m256 hi) {
    v0 = clampAct(v0, lo, hi);
    v1 = clampAct(v1, lo, hi);
    if (cols >= kNr) {
        _mm256_storeu_ps(c, v0);
        _mm256_storeu_ps(c + 8, v1);
    } else if (cols >= 8) {
        _mm256_storeu_ps(c, v0);
        if (cols > 8) _mm256_maskstore_ps(c + 8, firstLanes(cols - 8), v1);
    } else {
        _mm256_maskstore_ps(c, firstLanes(cols), v0);
    }
}

// acc + x * w: one FMA, or (Unfused) the product rounded first; the empty asm keeps the
// compiler from contracting the multiply and the add into an FMA (this file has -mfma).
template <bool Fused> inline __m256 mulAdd(__m256 x, __m256 w, __m256 acc) {
    if constexpr (Fused) {
        return _mm256_fmadd_ps(x, w, acc);
    } else {
        __m256 p = _mm256_mul_ps(x, w);
        asm("" : "+x"(p));
        return _mm256_add_ps(acc, p);
    }
}

// One tile: MR rows of A (stride lda) times one packed panel, cols (1..16) valid columns.
template <int MR, bool Fused>
__attribute__((always_inline)) inline void tile(const float* a, int64_t lda, const float* panel, int64_t k, const float* bias, float* c,
                                                int64_t ldc, int cols, __m256 lo, __m256 hi) {
    __m256 acc0[MR], acc1[MR];
    const __m256 bias0 = _mm256_load_ps(bias), bias1 = _mm256_load_ps(bias + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) acc0[r] = bias0, acc1[r] = bias1;
    const float* rows[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) rows[r] = a + r * lda;
    for (int64_t kk = 0; kk < k; ++kk, panel += kNr) {
        const __m256 w0 = _mm256_load_ps(panel), w1 = _mm256_load_ps(panel + 8);
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256 x = _mm256_broadcast_ss(rows[r] + kk);
            acc0[r] = mulAdd<Fused>(x, w0, acc0[r]);
            acc1[r] = mulAdd<Fused>(x, w1, acc1[r]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) storeRow(c + r * ldc, acc0[r], acc1[r], cols, lo, hi);
}

template <int MR, bool Fused>
void tiles(const float* a, int64_t lda, const float* panels, int panelCount, int64_t k, const float* bias, float* c, int64_t ldc,
           int cols, __m256 lo, __m256 hi) {
    for (int p = 0; p < panelCount; ++p)
        tile<MR, Fused>(a, lda, panels + int64_t(p) * k * kNr, k, bias + p * kNr, c + p * kNr, ldc, std::min(kNr, cols - p * kNr), lo, hi);
}

} // namespace
#endif

#if defined(__AVX2__) && defined(__FMA__)
namespace {

template <bool Fused>
void packedGemm(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols, float* c,
                int64_t ldc, float actMin, float actMax) {
    const __m256 lo = _mm256_set1_ps(actMin), hi = _mm256_set1_ps(actMax);
    const int panelCount = (cols + kNr - 1) / kNr;
    int64_t m = 0;
    // For each 6-row tile of A (which stays in L1), all panels (from L2).
    for (; m + 6 <= rows; m += 6) tiles<6, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi);
    switch (rows - m) {
    case 5: tiles<5, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi); break;
    case 4: tiles<4, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi); break;
    case 3: tiles<3, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi); break;
    case 2: tiles<2, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi); break;
    case 1: tiles<1, Fused>(a + m * lda, lda, panels, panelCount, k, bias, c + m * ldc, ldc, cols, lo, hi); break;
    default: break;
    }
}

} // namespace
#endif

// Rows [0, rows) of C (row stride ldc); `panels` and `bias` (ceil(cols / 16) * 16 floats,
// zero padded) are 32-byte aligned. Returns false (computing nothing) without AVX2 + FMA.
bool packedGemmAvx2(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                    float* c, int64_t ldc, float actMin, float actMax) {
#if defined(__AVX2__) && defined(__FMA__)
    packedGemm<true>(a, lda, rows, panels, bias, k, cols, c, ldc, actMin, actMax);
    return true;
#else
    (void)a, (void)lda, (void)rows, (void)panels, (void)bias, (void)k, (void)cols, (void)c, (void)ldc, (void)actMin, (void)actMax;
    return false;
#endif
}

// The same with every product rounded before it is added (XNNPACK's portable micro-kernels).
bool packedGemmAvx2Unfused(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                           float* c, int64_t ldc, float actMin, float actMax) {
#if defined(__AVX2__) && defined(__FMA__)
    packedGemm<false>(a, lda, rows, panels, bias, k, cols, c, ldc, actMin, actMax);
    return true;
#else
    (void)a, (void)lda, (void)rows, (void)panels, (void)bias, (void)k, (void)cols, (void)c, (void)ldc, (void)actMin, (void)actMax;
    return false;
#endif
}

} // namespace ql::rt::optimized

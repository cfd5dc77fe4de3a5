// Float DEPTHWISE_CONV_2D for AVX2 + FMA (this file alone is built with -mavx2 -mfma; it is
// only called after a run-time CPU check, see OptimizedFloat.cpp). Computes what
// reference::depthwiseFloat computes, within float rounding: the sum starts from the bias
// instead of adding it last, and FMA rounds once per tap.
//
// A block of channels is accumulated in registers over all taps, then the fused activation is
// applied and the block stored once. Interior pixels (every tap inside the image) go four
// adjacent ones at a time, 16 channels per step (eight accumulators; each filter vector loaded
// once for the four pixels), then 8, then a masked tail of 1..7 channels. Border pixels go one
// at a time with blocks of 32, 8 and the tail; their taps outside the image are skipped (zero
// padding contributes nothing), the valid tap range being computed once per pixel. The filter is read
// as stored, [1, H, W, O] (O contiguous), so no packing is needed.
#include "runtime/kernels/conv/ConvCommon.h"

#include <algorithm>
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace ql::rt::optimized {

using conv::ConvGeometry;
using conv::FloatActivation;

bool depthwiseFloatAvx2Available() {
#if defined(__AVX2__) && defined(__FMA__)
    return true;
#else
    return false;
#endif
}

#if defined(__AVX2__) && defined(__FMA__)
namespace {

// Lanes [0, n) on, the rest off, for the masked tail (n in 1..7).
inline __m256i tailMask(int n) {
    alignas(32) static const int32_t kOnes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kOnes + 8 - n));
}

// act.min <= v <= act.max with NaN passed through, as std::min(std::max(v, lo), hi) does in
// the reference (maxps/minps return their second operand when either is NaN).
inline __m256 clampAct(__m256 v, __m256 lo, __m256 hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); }

// The taps of one output pixel that fall inside the image: ky in [ky0, ky1), kx in [kx0, kx1).
struct TapRange {
    int ky0, ky1, kx0, kx1;
};

// First k in [0, filter) with start + k * dilation >= 0, and one past the last with
// start + k * dilation < size (empty range when none).
inline void validTaps(int start, int size, int filter, int dilation, int& k0, int& k1) {
    k0 = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
    const int last = size - 1 - start; // k * dilation <= last
    k1 = last < 0 ? 0 : std::min(filter, last / dilation + 1);
    if (k1 < k0) k1 = k0;
}

// One output pixel, depth multiplier 1: out[c] = act(bias[c] + sum_taps in[c] * w[c]).
// `base` is the element index of input pixel (b, y0, x0), channel 0, which may lie outside the
// image (negative y0 or x0); only valid taps are read, and only their (in-range) indices
// become pointers. `w` points at the filter's first tap.
inline void pixelDm1(const ConvGeometry& g, const TapRange& t, const float* input, int64_t base, const float* w,
                     const float* bias, __m256 lo, __m256 hi, float* out) {
    const int C = g.outC;
    const int64_t rowStep = int64_t(g.dilationH) * g.inW * C, colStep = int64_t(g.dilationW) * C;
    const int64_t wRow = int64_t(g.filterW) * C;
    int c = 0;
    for (; c + 32 <= C; c += 32) {
        __m256 a0, a1, a2, a3;
        if (bias) {
            a0 = _mm256_loadu_ps(bias + c), a1 = _mm256_loadu_ps(bias + c + 8);
            a2 = _mm256_loadu_ps(bias + c + 16), a3 = _mm256_loadu_ps(bias + c + 24);
        } else {
            a0 = a1 = a2 = a3 = _mm256_setzero_ps();
        }
        for (int ky = t.ky0; ky < t.ky1; ++ky) {
            const float* ip = input + (base + ky * rowStep + t.kx0 * colStep + c);
            const float* wp = w + ky * wRow + int64_t(t.kx0) * C + c;
            for (int kx = t.kx0; kx < t.kx1; ++kx, ip += colStep, wp += C) {
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ip), _mm256_loadu_ps(wp), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 8), _mm256_loadu_ps(wp + 8), a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 16), _mm256_loadu_ps(wp + 16), a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(ip + 24), _mm256_loadu_ps(wp + 24), a3);
            }
        }
        _mm256_storeu_ps(out + c, clampAct(a0, lo, hi));
        _mm256_storeu_ps(out + c + 8, clampAct(a1, lo, hi));
        _mm256_storeu_ps(out + c + 16, clampAct(a2, lo, hi));
        _mm256_storeu_ps(out + c + 24, clampAct(a3, lo, hi));
    }
    for (; c + 8 <= C; c += 8) {
        __m256 a = bias ? _mm256_loadu_ps(bias + c) : _mm256_setzero_ps();
        for (int ky = t.ky0; ky < t.ky1; ++ky) {
            const float* ip = input + (base + ky * rowStep + t.kx0 * colStep + c);
            const float* wp = w + ky * wRow + int64_t(t.kx0) * C + c;
            for (int kx = t.kx0; kx < t.kx1; ++kx, ip += colStep, wp += C)
                a = _mm256_fmadd_ps(_mm256_loadu_ps(ip), _mm256_loadu_ps(wp), a);
        }
        _mm256_storeu_ps(out + c, clampAct(a, lo, hi));
    }
    if (c < C) {
        const __m256i m = tailMask(C - c);
        __m256 a = bias ? _mm256_maskload_ps(bias + c, m) : _mm256_setzero_ps();
        for (int ky = t.ky0; ky < t.ky1; ++ky) {
            const float* ip = input + (base + ky * rowStep + t.kx0 * colStep + c);
            const float* wp = w + ky * wRow + int64_t(t.kx0) * C + c;
            for (int kx = t.kx0; kx < t.kx1; ++kx, ip += colStep, wp += C)
                a = _mm256_fmadd_ps(_mm256_maskload_ps(ip, m), _mm256_maskload_ps(wp, m), a);
        }
        _mm256_maskstore_ps(out + c, m, clampAct(a, lo, hi));
    }
}

// Four output pixels of one row, all of whose taps are inside the image (interior), channels
// [c, c + 8 * V) (Masked: the lanes of `mask` of one vector): each filter vector is loaded once
// per tap for the four pixels, 4 * V independent accumulators. `base` is the element index of
// the first pixel's tap (0, 0) at channel 0; the pixels are pixStep elements apart.
template <int V, bool Masked>
__attribute__((always_inline)) inline void groupOf4(const ConvGeometry& g, const float* input, int64_t base, int64_t pixStep, const float* w, const float* bias, int c,
                     __m256i mask, __m256 lo, __m256 hi, float* out) {
    const int C = g.outC;
    const int64_t rowStep = int64_t(g.dilationH) * g.inW * C, colStep = int64_t(g.dilationW) * C;
    auto load = [&](const float* p) { return Masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p); };
    __m256 acc[4][V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
        const __m256 b = bias ? load(bias + c + 8 * v) : _mm256_setzero_ps();
#pragma GCC unroll 4
        for (int p = 0; p < 4; ++p) acc[p][v] = b;
    }
    for (int ky = 0; ky < g.filterH; ++ky) {
        const float* ip = input + (base + ky * rowStep + c);
        const float* wp = w + int64_t(ky) * g.filterW * C + c;
        for (int kx = 0; kx < g.filterW; ++kx, ip += colStep, wp += C) {
            __m256 wv[V];
#pragma GCC unroll 2
            for (int v = 0; v < V; ++v) wv[v] = load(wp + 8 * v);
#pragma GCC unroll 4
            for (int p = 0; p < 4; ++p)
#pragma GCC unroll 2
                for (int v = 0; v < V; ++v) acc[p][v] = _mm256_fmadd_ps(load(ip + p * pixStep + 8 * v), wv[v], acc[p][v]);
        }
    }
    for (int p = 0; p < 4; ++p)
    #pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
            float* o = out + int64_t(p) * C + c + 8 * v;
            if (Masked) _mm256_maskstore_ps(o, mask, clampAct(acc[p][v], lo, hi));
            else _mm256_storeu_ps(o, clampAct(acc[p][v], lo, hi));
        }
}

// groupOf4 over all channels: blocks of 16, then 8, then the masked tail.
inline void interiorGroup(const ConvGeometry& g, const float* input, int64_t base, const float* w, const float* bias, __m256 lo,
                          __m256 hi, float* out) {
    const int C = g.outC;
    const int64_t pixStep = int64_t(g.strideW) * C;
    const __m256i all = _mm256_set1_epi32(-1);
    int c = 0;
    for (; c + 16 <= C; c += 16) groupOf4<2, false>(g, input, base, pixStep, w, bias, c, all, lo, hi, out);
    if (c + 8 <= C) groupOf4<1, false>(g, input, base, pixStep, w, bias, c, all, lo, hi, out), c += 8;
    if (c < C) groupOf4<1, true>(g, input, base, pixStep, w, bias, c, tailMask(C - c), lo, hi, out);
}

} // namespace
#endif

// Output rows [r0, r1) (row r = batch * outH + oy) of a depth-multiplier-1 depthwise
// convolution. Returns false (computing nothing) when this build lacks AVX2 or the depth
// multiplier is not 1.
bool depthwiseFloatRowsAvx2(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                            float* output, int64_t r0, int64_t r1) {
#if defined(__AVX2__) && defined(__FMA__)
    if (g.depthMultiplier != 1) return false;
    const __m256 lo = _mm256_set1_ps(act.min), hi = _mm256_set1_ps(act.max);
    const int C = g.outC;
    for (int64_t r = r0; r < r1; ++r) {
        const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
        const int y0 = oy * g.strideH - g.padTop;
        TapRange t{};
        validTaps(y0, g.inH, g.filterH, g.dilationH, t.ky0, t.ky1);
        const int64_t rowBase = (int64_t(b) * g.inH + y0) * int64_t(g.inW) * C;
        float* outRow = output + r * int64_t(g.outW) * C;
        // Interior columns [oxLo, oxHi): every tap inside the image; with all rows inside too,
        // they go four at a time through interiorGroup.
        const bool fullRows = t.ky0 == 0 && t.ky1 == g.filterH;
        const int span = (g.filterW - 1) * g.dilationW;
        const int oxLo = std::min(g.outW, (g.padLeft + g.strideW - 1) / g.strideW);
        const int oxHi = g.inW - 1 - span + g.padLeft < 0 ? 0 : std::min(g.outW, (g.inW - 1 - span + g.padLeft) / g.strideW + 1);
        for (int ox = 0; ox < g.outW;) {
            const int x0 = ox * g.strideW - g.padLeft;
            if (fullRows && ox >= oxLo && ox + 4 <= oxHi) {
                interiorGroup(g, input, rowBase + int64_t(x0) * C, filter, bias, lo, hi, outRow + int64_t(ox) * C);
                ox += 4;
                continue;
            }
            validTaps(x0, g.inW, g.filterW, g.dilationW, t.kx0, t.kx1);
            pixelDm1(g, t, input, rowBase + int64_t(x0) * C, filter, bias, lo, hi, outRow + int64_t(ox) * C);
            ++ox;
        }
    }
    return true;
#else
    (void)g, (void)input, (void)filter, (void)bias, (void)act, (void)output, (void)r0, (void)r1;
    return false;
#endif
}

} // namespace ql::rt::optimized

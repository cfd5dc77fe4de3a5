// The depthwise kernel of XnnpackFloat.cpp for AVX2 (this file alone is built with -mavx2
// -mfma; it is only called after a run-time CPU check): eight channels per vector, the same
// operations in the same order, so the same floats bit for bit. Each product goes through an
// empty asm before it is added, which keeps the compiler from fusing it into an FMA.
#include "runtime/kernels/UnfusedFloat.h"
#include "runtime/kernels/conv/Optimized.h"

#include <algorithm>
#include <vector>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ql::rt::optimized {

#if defined(__AVX2__)
namespace {

inline __m256 product(__m256 x, __m256 w) {
    __m256 p = _mm256_mul_ps(x, w);
    asm("" : "+x"(p));
    return p;
}

} // namespace
#endif

bool depthwiseFloatXnnpackAvx2(const ConvGeometry& g, const float* input, const float* filter,
                               const float* bias, FloatActivation act, float* output,
                               ThreadPool* pool) {
#if defined(__AVX2__)
    if (g.depthMultiplier != 1 || g.filterH * g.filterW > 25) return false;
    const int taps = g.filterH * g.filterW;
    int tapY[25], tapX[25]; // XNNPACK's dwconv order: kx-major
    for (int t = 0; t < taps; ++t)
        tapY[t] = t % g.filterH, tapX[t] = t / g.filterH;
    const int64_t rows = int64_t(g.batches) * g.outH;
    const int C = g.outC;
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        const float* xs[26];
        const float* ws[26];
        // Taps outside the image read a row of zeros, as XNNPACK's indirection does.
        thread_local std::vector<float> zeros;
        zeros.assign(size_t(C), 0.0f);
        const __m256 lo = _mm256_set1_ps(act.min), hi = _mm256_set1_ps(act.max),
                     zero = _mm256_setzero_ps();
        for (int t = 0; t < taps; ++t)
            ws[t] = filter + (int64_t(tapY[t]) * g.filterW + tapX[t]) * C;
        // One channel of one pixel (the tails), the same operations in scalar code.
        const auto scalarChannel = [&](const float* const* x, int c) {
            float acc0 = mulThenAdd(bias ? bias[c] : 0.0f, x[0][c], ws[0][c]);
            float acc1 = taps > 1 ? mulThenAdd(-0.0f, x[1][c], ws[1][c]) : 0.0f;
            for (int t = 2; t < taps; ++t) {
                if (t % 2 == 0)
                    acc0 = mulThenAdd(acc0, x[t][c], ws[t][c]);
                else
                    acc1 = mulThenAdd(acc1, x[t][c], ws[t][c]);
            }
            const float v = taps > 1 ? acc0 + acc1 : acc0;
            return std::min(std::max(v, act.min), act.max);
        };
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            const auto pointers = [&](int ox, const float** x) {
                for (int t = 0; t < taps; ++t) {
                    const int iy = oy * g.strideH - g.padTop + tapY[t] * g.dilationH;
                    const int ix = ox * g.strideW - g.padLeft + tapX[t] * g.dilationW;
                    const bool inside = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
                    x[t] = inside ? input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC
                                  : zeros.data();
                }
            };
            int ox = 0;
            // Four pixels at a time over blocks of eight channels: each filter vector is loaded
            // once for the four (the remaining pixels and channels go below).
            const int C8 = C / 8 * 8;
            for (; ox + 4 <= g.outW && C8 > 0; ox += 4) {
                const float* px[4][26];
                for (int q = 0; q < 4; ++q)
                    pointers(ox + q, px[q]);
                for (int c = 0; c < C8; c += 8) {
                    __m256 acc0[4], acc1[4];
                    const __m256 b0 = bias ? _mm256_loadu_ps(bias + c) : zero;
                    const __m256 w0 = _mm256_loadu_ps(ws[0] + c);
                    const __m256 w1 = taps > 1 ? _mm256_loadu_ps(ws[1] + c) : zero;
                    for (int q = 0; q < 4; ++q) {
                        acc0[q] = _mm256_add_ps(b0, product(_mm256_loadu_ps(px[q][0] + c), w0));
                        acc1[q] = taps > 1 ? product(_mm256_loadu_ps(px[q][1] + c), w1) : zero;
                    }
                    int t = 2;
                    for (; t + 1 < taps; t += 2) {
                        const __m256 we = _mm256_loadu_ps(ws[t] + c),
                                     wo = _mm256_loadu_ps(ws[t + 1] + c);
                        for (int q = 0; q < 4; ++q) {
                            acc0[q] =
                                _mm256_add_ps(acc0[q], product(_mm256_loadu_ps(px[q][t] + c), we));
                            acc1[q] = _mm256_add_ps(acc1[q],
                                                    product(_mm256_loadu_ps(px[q][t + 1] + c), wo));
                        }
                    }
                    if (t < taps) {
                        const __m256 we = _mm256_loadu_ps(ws[t] + c);
                        for (int q = 0; q < 4; ++q)
                            acc0[q] =
                                _mm256_add_ps(acc0[q], product(_mm256_loadu_ps(px[q][t] + c), we));
                    }
                    for (int q = 0; q < 4; ++q) {
                        const __m256 sum = taps > 1 ? _mm256_add_ps(acc0[q], acc1[q]) : acc0[q];
                        _mm256_storeu_ps(output + (r * g.outW + ox + q) * C + c,
                                         _mm256_min_ps(hi, _mm256_max_ps(lo, sum)));
                    }
                }
                for (int q = 0; q < 4; ++q) {
                    float* out = output + (r * g.outW + ox + q) * C;
                    for (int c = C8; c < C; ++c)
                        out[c] = scalarChannel(px[q], c);
                }
            }
            for (; ox < g.outW; ++ox) {
                pointers(ox, xs);
                float* out = output + (r * g.outW + ox) * C;
                // acc0 = bias + p0, acc1 = p1, then the even taps into acc0 and the odd ones into
                // acc1, in pairs; the result acc0 + acc1 (acc0 alone for one tap).
                int c = 0;
                // Four vectors at a time: eight independent addition chains hide the latency.
                for (; c + 32 <= C; c += 32) {
                    __m256 acc0[4], acc1[4];
                    for (int v = 0; v < 4; ++v) {
                        const int k = c + 8 * v;
                        acc0[v] = _mm256_add_ps(
                            bias ? _mm256_loadu_ps(bias + k) : zero,
                            product(_mm256_loadu_ps(xs[0] + k), _mm256_loadu_ps(ws[0] + k)));
                        acc1[v] = taps > 1 ? product(_mm256_loadu_ps(xs[1] + k),
                                                     _mm256_loadu_ps(ws[1] + k))
                                           : zero;
                    }
                    int t = 2;
                    for (; t + 1 < taps; t += 2)
                        for (int v = 0; v < 4; ++v) {
                            const int k = c + 8 * v;
                            acc0[v] = _mm256_add_ps(acc0[v], product(_mm256_loadu_ps(xs[t] + k),
                                                                     _mm256_loadu_ps(ws[t] + k)));
                            acc1[v] =
                                _mm256_add_ps(acc1[v], product(_mm256_loadu_ps(xs[t + 1] + k),
                                                               _mm256_loadu_ps(ws[t + 1] + k)));
                        }
                    if (t < taps)
                        for (int v = 0; v < 4; ++v) {
                            const int k = c + 8 * v;
                            acc0[v] = _mm256_add_ps(acc0[v], product(_mm256_loadu_ps(xs[t] + k),
                                                                     _mm256_loadu_ps(ws[t] + k)));
                        }
                    for (int v = 0; v < 4; ++v) {
                        const __m256 sum = taps > 1 ? _mm256_add_ps(acc0[v], acc1[v]) : acc0[v];
                        _mm256_storeu_ps(out + c + 8 * v,
                                         _mm256_min_ps(hi, _mm256_max_ps(lo, sum)));
                    }
                }
                for (; c + 8 <= C; c += 8) {
                    __m256 acc0 = _mm256_add_ps(
                        bias ? _mm256_loadu_ps(bias + c) : zero,
                        product(_mm256_loadu_ps(xs[0] + c), _mm256_loadu_ps(ws[0] + c)));
                    __m256 acc1 =
                        taps > 1 ? product(_mm256_loadu_ps(xs[1] + c), _mm256_loadu_ps(ws[1] + c))
                                 : zero;
                    int t = 2;
                    for (; t + 1 < taps; t += 2) {
                        acc0 = _mm256_add_ps(
                            acc0, product(_mm256_loadu_ps(xs[t] + c), _mm256_loadu_ps(ws[t] + c)));
                        acc1 = _mm256_add_ps(acc1, product(_mm256_loadu_ps(xs[t + 1] + c),
                                                           _mm256_loadu_ps(ws[t + 1] + c)));
                    }
                    if (t < taps)
                        acc0 = _mm256_add_ps(
                            acc0, product(_mm256_loadu_ps(xs[t] + c), _mm256_loadu_ps(ws[t] + c)));
                    const __m256 sum = taps > 1 ? _mm256_add_ps(acc0, acc1) : acc0;
                    _mm256_storeu_ps(out + c, _mm256_min_ps(hi, _mm256_max_ps(lo, sum)));
                }
                for (; c < C; ++c)
                    out[c] = scalarChannel(xs, c);
            }
        }
    });
    return true;
#else
    (void)g, (void)input, (void)filter, (void)bias, (void)act, (void)output, (void)pool;
    return false;
#endif
}

} // namespace ql::rt::optimized

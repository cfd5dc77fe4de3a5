// Float CONV_2D and DEPTHWISE_CONV_2D as the runtime's XNNPACK delegate computes them with its
// portable micro-kernels (the oracle's WebAssembly build), in plain loops: the oracle of the
// packed GEMM's unfused mode (FloatConvPlan) and the depthwise kernel of Target::TfliteCpu.
// Every product is rounded before it is added (UnfusedFloat.h), and the order of the additions
// is XNNPACK's:
// - CONV_2D (gemm for 1x1, igemm otherwise): acc = bias, then the taps in row order (ky, kx)
//   and within each tap the input channels in order.
// - depth multiplier 1, at most 25 taps (dwconv): the weights are packed column by column, so
//   the taps run kx-major (t = kx * filterH + ky). Two accumulators alternate:
//   acc0 = bias + p0, acc1 = p1, acc0 += p2, acc1 += p3, ..., and the result is acc0 + acc1.
// - depth multiplier > 1 (igemm with one input channel per group): acc = bias, then the taps
//   in row order (t = ky * filterW + kx).
// Taps outside the image read XNNPACK's zero buffer: their product 0 * w is added too (it
// changes no sum). Then min/max as the fused activation.
#include "runtime/kernels/UnfusedFloat.h"
#include "runtime/kernels/conv/Optimized.h"

#include <algorithm>
#include <vector>

namespace ql::rt::optimized {

void convFloatXnnpack(const ConvGeometry& g, const float* input, const float* filter,
                      const float* bias, FloatActivation act, float* output, ThreadPool* pool) {
    const int64_t rows = int64_t(g.batches) * g.outH;
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            for (int ox = 0; ox < g.outW; ++ox) {
                float* out = output + (r * g.outW + ox) * g.outC;
                for (int oc = 0; oc < g.outC; ++oc) {
                    float acc = bias ? bias[oc] : 0.0f;
                    for (int ky = 0; ky < g.filterH; ++ky)
                        for (int kx = 0; kx < g.filterW; ++kx) {
                            const int iy = oy * g.strideH - g.padTop + ky * g.dilationH;
                            const int ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                            const bool inside = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
                            const float* x =
                                inside ? input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC
                                       : nullptr;
                            const float* w =
                                filter + ((int64_t(oc) * g.filterH + ky) * g.filterW + kx) * g.inC;
                            for (int ic = 0; ic < g.inC; ++ic)
                                acc = mulThenAdd(acc, x ? x[ic] : 0.0f, w[ic]);
                        }
                    out[oc] = std::min(std::max(acc, act.min), act.max);
                }
            }
        }
    });
}

bool depthwiseFloatXnnpackHandles(const ConvGeometry& g) {
    return g.filterH * g.filterW <= 25;
}

void depthwiseFloatXnnpack(const ConvGeometry& g, const float* input, const float* filter,
                           const float* bias, FloatActivation act, float* output,
                           ThreadPool* pool) {
    const int taps = g.filterH * g.filterW;
    const bool dwconv = g.depthMultiplier == 1;
    // (ky, kx) of tap t in XNNPACK's order.
    std::vector<int> tapY(static_cast<size_t>(taps)), tapX(static_cast<size_t>(taps));
    for (int t = 0; t < taps; ++t) {
        tapY[size_t(t)] = dwconv ? t % g.filterH : t / g.filterW;
        tapX[size_t(t)] = dwconv ? t / g.filterH : t % g.filterW;
    }
    const int64_t rows = int64_t(g.batches) * g.outH;
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        std::vector<float> acc0(size_t(g.outC)), acc1(size_t(g.outC));
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            for (int ox = 0; ox < g.outW; ++ox) {
                for (int c = 0; c < g.outC; ++c)
                    acc0[size_t(c)] = bias ? bias[c] : 0.0f;
                for (int t = 0; t < taps; ++t) {
                    const int iy = oy * g.strideH - g.padTop + tapY[size_t(t)] * g.dilationH;
                    const int ix = ox * g.strideW - g.padLeft + tapX[size_t(t)] * g.dilationW;
                    const bool inside = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
                    const float* x =
                        inside ? input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC : nullptr;
                    const float* w =
                        filter + (int64_t(tapY[size_t(t)]) * g.filterW + tapX[size_t(t)]) * g.outC;
                    std::vector<float>& acc = dwconv && t % 2 == 1 ? acc1 : acc0;
                    for (int c = 0; c < g.outC; ++c) {
                        const float xv = x ? x[c / g.depthMultiplier] : 0.0f;
                        if (dwconv && t == 1)
                            acc[size_t(c)] = mulThenAdd(-0.0f, xv, w[c]); // acc1 = p1 (-0 + p = p)
                        else
                            acc[size_t(c)] = mulThenAdd(acc[size_t(c)], xv, w[c]);
                    }
                }
                float* out = output + (r * g.outW + ox) * g.outC;
                for (int c = 0; c < g.outC; ++c) {
                    const float v =
                        dwconv && taps > 1 ? acc0[size_t(c)] + acc1[size_t(c)] : acc0[size_t(c)];
                    out[c] = std::min(std::max(v, act.min), act.max);
                }
            }
        }
    });
}

} // namespace ql::rt::optimized

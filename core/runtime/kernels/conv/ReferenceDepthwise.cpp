// Reference DEPTHWISE_CONV_2D kernels (TFLite reference_ops::DepthwiseConv for float and uint8,
// reference_integer_ops::DepthwiseConvPerChannel for int8 and int16x8, and
// DepthwiseConvHybridPerChannel).
#include "runtime/kernels/conv/Reference.h"

namespace ql::rt::reference {

void depthwiseFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter, const float* bias,
                    FloatActivation act, std::span<float> output) {
    for (int b = 0; b < g.batches; ++b)
        for (int oy = 0; oy < g.outH; ++oy)
            for (int ox = 0; ox < g.outW; ++ox)
                for (int ic = 0; ic < g.inC; ++ic)
                    for (int m = 0; m < g.depthMultiplier; ++m) {
                        const int oc = ic * g.depthMultiplier + m;
                        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
                        float total = 0.0f;
                        for (int ky = 0; ky < g.filterH; ++ky) {
                            const int iy = y0 + ky * g.dilationH;
                            for (int kx = 0; kx < g.filterW; ++kx) {
                                const int ix = x0 + kx * g.dilationW;
                                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
                                total += input[((size_t(b) * g.inH + iy) * g.inW + ix) * g.inC + ic] *
                                         filter[(size_t(ky) * g.filterW + kx) * g.outC + oc];
                            }
                        }
                        const float value = total + (bias ? bias[oc] : 0.0f);
                        output[((size_t(b) * g.outH + oy) * g.outW + ox) * g.outC + oc] = std::min(std::max(value, act.min), act.max);
                    }
}

template <class In, class Filter, class Bias, class Acc>
void depthwiseQuantized(const ConvGeometry& g, const RequantParams& p, std::span<const In> input, std::span<const Filter> filter,
                        const Bias* bias, std::span<In> output) {
    for (int b = 0; b < g.batches; ++b)
        for (int oy = 0; oy < g.outH; ++oy)
            for (int ox = 0; ox < g.outW; ++ox)
                for (int ic = 0; ic < g.inC; ++ic)
                    for (int m = 0; m < g.depthMultiplier; ++m) {
                        const int oc = ic * g.depthMultiplier + m;
                        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
                        int64_t sum = 0;
                        for (int ky = 0; ky < g.filterH; ++ky) {
                            const int iy = y0 + ky * g.dilationH;
                            for (int kx = 0; kx < g.filterW; ++kx) {
                                const int ix = x0 + kx * g.dilationW;
                                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
                                const int32_t x = input[((size_t(b) * g.inH + iy) * g.inW + ix) * g.inC + ic];
                                const int32_t w = filter[(size_t(ky) * g.filterW + kx) * g.outC + oc];
                                sum += int64_t(w + p.filterOffset) * int64_t(x + p.inputOffset);
                            }
                        }
                        if (bias) sum += int64_t(bias[oc]);
                        const Acc acc = static_cast<Acc>(sum);
                        output[((size_t(b) * g.outH + oy) * g.outW + ox) * g.outC + oc] = static_cast<In>(requantize(acc, p, oc));
                    }
}

template void depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(const ConvGeometry&, const RequantParams&, std::span<const int8_t>,
                                                                   std::span<const int8_t>, const int32_t*, std::span<int8_t>);
template void depthwiseQuantized<uint8_t, uint8_t, int32_t, int32_t>(const ConvGeometry&, const RequantParams&,
                                                                     std::span<const uint8_t>, std::span<const uint8_t>,
                                                                     const int32_t*, std::span<uint8_t>);
template void depthwiseQuantized<int16_t, int8_t, int64_t, int64_t>(const ConvGeometry&, const RequantParams&,
                                                                    std::span<const int16_t>, std::span<const int8_t>,
                                                                    const int64_t*, std::span<int16_t>);

void depthwiseHybrid(const ConvGeometry& g, const HybridInput& in, std::span<const int8_t> filter, std::span<const float> filterScale,
                     const float* bias, FloatActivation act, std::span<float> output, HybridScaleOrder order) {
    for (int b = 0; b < g.batches; ++b) {
        const int32_t zp = in.zeroPoint[static_cast<size_t>(b)];
        for (int oy = 0; oy < g.outH; ++oy)
            for (int ox = 0; ox < g.outW; ++ox)
                for (int ic = 0; ic < g.inC; ++ic)
                    for (int m = 0; m < g.depthMultiplier; ++m) {
                        const int oc = ic * g.depthMultiplier + m;
                        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
                        int64_t sum = 0;
                        for (int ky = 0; ky < g.filterH; ++ky) {
                            const int iy = y0 + ky * g.dilationH;
                            for (int kx = 0; kx < g.filterW; ++kx) {
                                const int ix = x0 + kx * g.dilationW;
                                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
                                const int32_t x = in.values[((size_t(b) * g.inH + iy) * g.inW + ix) * g.inC + ic];
                                const int32_t w = filter[(size_t(ky) * g.filterW + kx) * g.outC + oc];
                                sum += int64_t(w) * int64_t(x - zp);
                            }
                        }
                        float value = hybridScaled(static_cast<int32_t>(sum), in.scale[static_cast<size_t>(b)],
                                                   filterScale[static_cast<size_t>(oc)], order);
                        if (bias) value += bias[oc];
                        output[((size_t(b) * g.outH + oy) * g.outW + ox) * g.outC + oc] = std::min(std::max(value, act.min), act.max);
                    }
    }
}

} // namespace ql::rt::reference

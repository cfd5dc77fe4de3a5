// Reference TRANSPOSE_CONV kernels (TFLite reference_ops::TransposeConv for float and uint8,
// reference_integer_ops::TransposeConv for int8 and int16x8) and MediaPipe's
// Convolution2DTransposeBias (mediapipe/util/tflite/operations/transpose_conv_bias.cc).
#include "runtime/kernels/conv/Reference.h"

#include <algorithm>

namespace ql::rt::reference {
namespace {

// Adds input * filter of every input pixel into `acc` (one Acc per output element).
template <class In, class Filter, class Acc, class Mac>
void scatter(const ConvGeometry& g, std::span<const In> input, std::span<const Filter> filter, Acc* acc, Mac mac) {
    for (int b = 0; b < g.batches; ++b)
        for (int iy = 0; iy < g.inH; ++iy)
            for (int ix = 0; ix < g.inW; ++ix)
                for (int ic = 0; ic < g.inC; ++ic) {
                    const int y0 = iy * g.strideH - g.padTop, x0 = ix * g.strideW - g.padLeft;
                    const In x = input[((size_t(b) * g.inH + iy) * g.inW + ix) * g.inC + ic];
                    for (int ky = 0; ky < g.filterH; ++ky) {
                        const int oy = y0 + ky;
                        if (oy < 0 || oy >= g.outH) continue;
                        for (int kx = 0; kx < g.filterW; ++kx) {
                            const int ox = x0 + kx;
                            if (ox < 0 || ox >= g.outW) continue;
                            Acc* out = &acc[((size_t(b) * g.outH + oy) * g.outW + ox) * g.outC];
                            for (int oc = 0; oc < g.outC; ++oc)
                                out[oc] = mac(out[oc], x, filter[((size_t(oc) * g.filterH + ky) * g.filterW + kx) * g.inC + ic]);
                        }
                    }
                }
}

} // namespace

void transposeConvFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter, const float* bias,
                        FloatActivation act, std::span<float> output) {
    std::fill(output.begin(), output.end(), 0.0f);
    scatter(g, input, filter, output.data(), [](float a, float x, float w) { return a + x * w; });
    for (size_t i = 0; i < output.size(); ++i) {
        const int oc = static_cast<int>(i % size_t(g.outC));
        const float value = output[i] + (bias ? bias[oc] : 0.0f);
        output[i] = std::min(std::max(value, act.min), act.max);
    }
}

void transposeConvBiasFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter, const float* bias,
                            std::span<float> output) {
    for (size_t i = 0; i < output.size(); ++i) output[i] = bias[i % size_t(g.outC)];
    scatter(g, input, filter, output.data(), [](float a, float x, float w) { return a + x * w; });
}

template <class In, class Filter, class Bias, class Acc>
void transposeConvQuantized(const ConvGeometry& g, const RequantParams& p, std::span<const In> input, std::span<const Filter> filter,
                            const Bias* bias, std::span<Acc> scratch, std::span<In> output) {
    // Sums are exact in int64 and truncated to Acc at the end (TFLite's scratch wraps).
    std::vector<int64_t> sums(scratch.size(), 0);
    scatter(g, input, filter, sums.data(), [&p](int64_t a, In x, Filter w) {
        return a + int64_t(int32_t(x) + p.inputOffset) * int64_t(int32_t(w) + p.filterOffset);
    });
    for (size_t i = 0; i < output.size(); ++i) {
        const int oc = static_cast<int>(i % size_t(g.outC));
        scratch[i] = static_cast<Acc>(sums[i]);
        Acc acc = scratch[i];
        if (bias) acc = static_cast<Acc>(int64_t(acc) + int64_t(bias[oc]));
        output[i] = static_cast<In>(requantize(acc, p, oc));
    }
}

template void transposeConvQuantized<int8_t, int8_t, int32_t, int32_t>(const ConvGeometry&, const RequantParams&,
                                                                       std::span<const int8_t>, std::span<const int8_t>,
                                                                       const int32_t*, std::span<int32_t>, std::span<int8_t>);
template void transposeConvQuantized<uint8_t, uint8_t, int32_t, int32_t>(const ConvGeometry&, const RequantParams&,
                                                                         std::span<const uint8_t>, std::span<const uint8_t>,
                                                                         const int32_t*, std::span<int32_t>, std::span<uint8_t>);
template void transposeConvQuantized<int16_t, int8_t, int64_t, int64_t>(const ConvGeometry&, const RequantParams&,
                                                                        std::span<const int16_t>, std::span<const int8_t>,
                                                                        const int64_t*, std::span<int64_t>, std::span<int16_t>);
template void transposeConvQuantized<int16_t, int8_t, int32_t, int32_t>(const ConvGeometry&, const RequantParams&,
                                                                        std::span<const int16_t>, std::span<const int8_t>,
                                                                        const int32_t*, std::span<int32_t>, std::span<int16_t>);

} // namespace ql::rt::reference

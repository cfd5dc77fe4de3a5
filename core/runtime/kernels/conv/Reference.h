#pragma once
// Plain reference kernels of the convolution family: loop nests that follow TFLite's
// reference kernels (reference/conv.h, reference/integer_ops/conv.h, depthwise_conv.h,
// transpose_conv.h) statement by statement. They are the oracle of every optimised kernel
// (bit-exact for integers) and the fallback for shapes the optimised paths do not take.
//
// Integer accumulation: TFLite accumulates in int32 (int64 for int16 activations) and lets
// the sum wrap; here partial sums are kept in int64 and truncated to the accumulator type at
// the end, which gives the same value modulo 2^32 without signed overflow.

#include "runtime/kernels/conv/ConvCommon.h"

#include <algorithm>
#include <cstdint>
#include <span>

namespace ql::rt::reference {

using conv::ConvGeometry;
using conv::FloatActivation;
using conv::HybridScaleOrder;
using conv::hybridScaled;
using conv::RequantParams;

// ---- CONV_2D -----------------------------------------------------------------------------
// out = act(sum_{ky,kx,ic} in * filter + bias); filter OHWI; bias may be null.
void convFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter, const float* bias,
               FloatActivation act, std::span<float> output);

// Integer CONV_2D for every TFLite flavour: In int8/uint8/int16, Filter int8/uint8, Bias
// int32/int64 (may be null), Acc int32 or int64 (int64 selects the 64-bit
// multiplyByQuantizedMultiplier, as TFLite's int16x8 kernels do).
template <class In, class Filter, class Bias, class Acc>
void convQuantized(const ConvGeometry& g, const RequantParams& p, std::span<const In> input, std::span<const Filter> filter,
                   const Bias* bias, std::span<In> output);

// ---- DEPTHWISE_CONV_2D -------------------------------------------------------------------
// Output channel oc = ic * depthMultiplier + m reads input channel ic; filter 1HWO.
void depthwiseFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter, const float* bias,
                    FloatActivation act, std::span<float> output);
template <class In, class Filter, class Bias, class Acc>
void depthwiseQuantized(const ConvGeometry& g, const RequantParams& p, std::span<const In> input,
                        std::span<const Filter> filter, const Bias* bias, std::span<In> output);

// ---- TRANSPOSE_CONV ----------------------------------------------------------------------
// Scatter form: every input pixel adds input * filter[oc, ky, kx, ic] into output pixel
// (iy * strideH - padTop + ky, ix * strideW - padLeft + kx); then bias and activation.
void transposeConvFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter,
                        const float* bias, FloatActivation act, std::span<float> output);
// Integer TRANSPOSE_CONV; `scratch` holds one Acc per output element.
template <class In, class Filter, class Bias, class Acc>
void transposeConvQuantized(const ConvGeometry& g, const RequantParams& p, std::span<const In> input,
                            std::span<const Filter> filter, const Bias* bias, std::span<Acc> scratch, std::span<In> output);
// MediaPipe's Convolution2DTransposeBias: output starts at the bias, then the same scatter;
// no activation.
void transposeConvBiasFloat(const ConvGeometry& g, std::span<const float> input, std::span<const float> filter,
                            const float* bias, std::span<float> output);

// ---- hybrid (dynamic range): float activations, int8 weights -----------------------------
// The input was quantized per batch (scale[b], zeroPoint[b]) by HybridQuantize.h. Each output
// is float(acc) * channelScale(b, oc) + bias, clamped, where acc = sum filter * (q - zp) over
// the in-image taps (padding contributes 0) and channelScale = filterScale[oc] * scale[b]
// (TFLite: per_channel_scale * scaling_factor, one float product).
struct HybridInput {
    std::span<const int8_t> values;       // quantized input, NHWC
    std::span<const float> scale;         // per batch
    std::span<const int32_t> zeroPoint;   // per batch (0 for symmetric quantization)
};
void convHybrid(const ConvGeometry& g, const HybridInput& in, std::span<const int8_t> filter,
                std::span<const float> filterScale, const float* bias, FloatActivation act, std::span<float> output);
// DEPTHWISE_CONV_2D scales its accumulator in `order` (the runtime's optimized kernel differs).
void depthwiseHybrid(const ConvGeometry& g, const HybridInput& in, std::span<const int8_t> filter,
                     std::span<const float> filterScale, const float* bias, FloatActivation act, std::span<float> output,
                     HybridScaleOrder order = HybridScaleOrder::ChannelTimesInput);

// Shared epilogue: TFLite's integer requantization of one accumulator for channel c (or
// XNNPACK's fp32 requantization when p.fpScale is set).
template <class Acc> inline int32_t requantize(Acc acc, const RequantParams& p, int c) {
    if (!p.fpScale.empty())
        return xnn::requantizeFp32(static_cast<int32_t>(acc), p.fpScale[static_cast<size_t>(c)], p.outputOffset, p.actMin, p.actMax);
    int32_t v = multiplyByQuantizedMultiplier(acc, p.multiplier[static_cast<size_t>(c)], p.shift[static_cast<size_t>(c)], p.rounding);
    // TFLite adds the offset in int32 and, at the ends of the range (a saturated multiplier
    // product), wraps as the hardware does; the vector paths wrap too. Unsigned arithmetic gives
    // the same bits without signed overflow.
    v = static_cast<int32_t>(static_cast<uint32_t>(v) + static_cast<uint32_t>(p.outputOffset));
    return std::min(std::max(v, p.actMin), p.actMax);
}

} // namespace ql::rt::reference

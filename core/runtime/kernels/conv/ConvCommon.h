#pragma once
// Shared vocabulary of the convolution family (CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV,
// MediaPipe's Convolution2DTransposeBias): the geometry of one convolution, the integer
// requantization parameters, padding as TFLite computes it, and the prepare-time checks that
// every member shares. Layouts are TFLite's: activations NHWC, CONV_2D / TRANSPOSE_CONV filters
// OHWI, DEPTHWISE_CONV_2D filters 1HWO.

#include "quant/FixedPoint.h"
#include "runtime/Kernel.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ql::rt::conv {

// Everything a kernel needs to index input, filter and output. For CONV_2D and depthwise
// an output pixel (oy, ox) reads input rows oy * strideH - padTop + ky * dilationH; for
// TRANSPOSE_CONV an input pixel (iy, ix) scatters to output rows iy * strideH - padTop + ky.
struct ConvGeometry {
    int batches = 1;
    int inH = 1, inW = 1, inC = 1;
    int outH = 1, outW = 1, outC = 1;
    int filterH = 1, filterW = 1;
    int strideH = 1, strideW = 1;
    int dilationH = 1, dilationW = 1;
    int padTop = 0, padLeft = 0; // TFLite's padding_values.height / .width
    int depthMultiplier = 1;     // depthwise: outC = inC * depthMultiplier

    int64_t outputPixels() const { return int64_t(batches) * outH * outW; }
    int64_t patchSize() const { return int64_t(filterH) * filterW * inC; } // K of the GEMM
};

struct FloatActivation {
    float min = -std::numeric_limits<float>::infinity();
    float max = std::numeric_limits<float>::infinity();
};

// How a hybrid (dynamic range) DEPTHWISE_CONV_2D turns its int32 accumulator into a float: the
// two float products round differently, and the next hybrid layer's input quantization turns a
// one-ULP difference into a one-LSB flip.
//   ChannelTimesInput: acc * (channelScale * inputScale), TFLite's reference kernel
//     (reference_integer_ops::DepthwiseConvHybridPerChannel).
//   InputThenChannel: (acc * inputScale) * channelScale, the builtin kernel the runtime runs
//     on a CPU without NEON (optimized_integer_ops' DepthwiseConvHybridGeneral, scalar store).
enum class HybridScaleOrder { ChannelTimesInput, InputThenChannel };

// The float value of one hybrid accumulator before the bias, in `order`.
inline float hybridScaled(int32_t acc, float inputScale, float channelScale, HybridScaleOrder order) {
    if (order == HybridScaleOrder::InputThenChannel) return (static_cast<float>(acc) * inputScale) * channelScale;
    return static_cast<float>(acc) * (channelScale * inputScale);
}

// Integer requantization, TFLite's ConvParams with per-channel arrays. A legacy per-tensor
// multiplier (uint8) is stored repeated for every output channel.
//   acc = sum (filter + filterOffset) * (input + inputOffset) + bias
//   out = clamp(multiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) + outputOffset)
struct RequantParams {
    std::vector<int32_t> multiplier; // one per output channel
    std::vector<int> shift;          // exponent: > 0 left shift (FixedPoint.h convention)
    int32_t inputOffset = 0;         // -input zero point
    int32_t filterOffset = 0;        // -filter zero point (uint8 only; int8 filters have zp 0)
    int32_t outputOffset = 0;        // output zero point
    int32_t actMin = 0, actMax = 0;  // fused activation intersected with the type's range
    Rounding rounding = Rounding::Double;
    // Target::TfliteCpu (int8 only): XNNPACK's fp32 requantization with one float scale per
    // output channel, out = clamp(rint(float(acc) * fpScale[c]) + outputOffset) (see
    // quant/XnnpackArithmetic.h); multiplier/shift are then unused. Empty: TFLite's fixed point.
    std::vector<float> fpScale;
};

// TFLite's ComputeOutSize (padding.h): SAME ceil(in / stride), VALID
// ceil((in - effectiveFilter + 1) / stride) with effectiveFilter = (filter - 1) * dilation + 1.
int computeOutSize(Padding padding, int in, int filter, int stride, int dilation);
// TFLite's ComputePaddingWithOffset: total = max((out - 1) * stride + effectiveFilter - in, 0);
// returns total / 2 (before) and sets *offset = total % 2 (the extra row after).
int computePadding(int stride, int dilation, int in, int filter, int out, int* offset = nullptr);

// The per-channel multipliers of PopulateConvolutionQuantizationParams: for each filter
// scale s_w[c], M = double(s_in) * double(s_w[c]) / double(s_out), then quantizeMultiplier.
// A single filter scale is repeated for all `channels`.
void perChannelMultipliers(float inputScale, const std::vector<float>& filterScales, float outputScale, int channels,
                           RequantParams& params);
// The legacy uint8 multiplier of GetQuantizedConvolutionMultipler: the product s_in * s_w is
// taken in float (as TFLite does), then divided by s_out in double.
void legacyMultiplier(float inputScale, float filterScale, float outputScale, int channels, RequantParams& params);

// "'name' (tensor 12)" for messages.
std::string tensorName(const RtTensor& t);
std::string shapeString(const std::vector<int32_t>& shape);

// Prepare-time checks shared by the family; each returns an error naming the operator.
Status requireRank(const KernelContext& ctx, const RtTensor& t, const char* role, int rank);
Status requireType(const KernelContext& ctx, const RtTensor& t, const char* role, TensorType type);
// An optional bias holds one element per output channel.
Status requireBiasChannels(const KernelContext& ctx, const RtTensor* bias, int64_t channels);
// Quantized filter: scales present and positive, count 1 or `channels` on axis
// `channelAxis`, zero points all 0 for int8 filters (TFLite's int8 specification).
Status checkFilterQuantization(const KernelContext& ctx, const RtTensor& filter, int channelAxis, int channels);
// Quantized activation tensor: exactly one scale (> 0) and zero point.
Status checkTensorQuantization(const KernelContext& ctx, const RtTensor& t, const char* role);

// True when a tensor's values are fixed for the whole run (a constant buffer).
inline bool isConstant(const RtTensor& t) { return t.constant; }

} // namespace ql::rt::conv

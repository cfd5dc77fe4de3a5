#pragma once
// Prepare-time pieces shared by the kernels of the convolution family.

#include "runtime/kernels/conv/ConvCommon.h"
#include "runtime/kernels/conv/Reference.h"

#include <vector>

namespace ql::rt::conv {

Status checkStridesDilations(const KernelContext& ctx, int strideH, int strideW, int dilationH, int dilationW);
// outH/outW and padding from inH/inW, filter, strides and dilations (TFLite's
// ComputePaddingHeightWidth); fails when the output would be empty.
Status computeOutputGeometry(const KernelContext& ctx, Padding padding, ConvGeometry& g);
// The float clamp of a fused activation; only NONE, RELU, RELU6 and RELU_N1_TO_1 exist for
// this family (TFLite ignores the others silently; we refuse them).
Status activationFromOptions(const KernelContext& ctx, Activation act, FloatActivation& out);
// Input/output/filter quantization checks and the requantization parameters of an integer
// convolution whose filter has `channels` output channels on `channelAxis`.
Status integerRequant(const KernelContext& ctx, const RtTensor& input, const RtTensor& filter, const RtTensor* bias,
                      const RtTensor& output, int channelAxis, int channels, Activation act, RequantParams& p);

// Buffers and per-batch parameters of the hybrid kernels' on-the-fly input quantization.
class HybridState {
public:
    void prepare(const RtTensor& input, const RtTensor& filter, int channels);
    // Quantizes each batch of `input` (asymmetric: TFLite's per-channel conv and depthwise
    // hybrid kernels; symmetric: its per-tensor EvalHybrid).
    reference::HybridInput quantize(const RtTensor& input, bool asymmetric);
    std::span<const float> filterScale() const { return m_filterScale; }

private:
    std::vector<int8_t> m_values;
    std::vector<float> m_scale;
    std::vector<int32_t> m_zeroPoint;
    std::vector<float> m_filterScale; // one per output channel
};

} // namespace ql::rt::conv

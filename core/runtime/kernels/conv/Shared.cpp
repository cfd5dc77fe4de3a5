#include "runtime/kernels/conv/Shared.h"

#include "runtime/kernels/conv/HybridQuantize.h"
#include "runtime/kernels/conv/Kernels.h"
#include "runtime/kernels/ParamChecks.h"

#include <cmath>
#include <cstdlib>
#include <tuple>

namespace ql::rt::conv {

bool forceReferenceKernels() {
    static const bool force = [] {
        const char* v = std::getenv("QUANTLAB_REFERENCE_KERNELS");
        return v && *v && std::string(v) != "0";
    }();
    return force;
}

Status checkStridesDilations(const KernelContext& ctx, int strideH, int strideW, int dilationH, int dilationW) {
    if (strideH <= 0 || strideW <= 0)
        return ctx.error("has strides " + std::to_string(strideH) + "x" + std::to_string(strideW) + ", expected positive strides");
    if (dilationH <= 0 || dilationW <= 0)
        return ctx.error("has dilation factors " + std::to_string(dilationH) + "x" + std::to_string(dilationW) +
                         ", expected positive factors");
    return {};
}

Status computeOutputGeometry(const KernelContext& ctx, Padding padding, ConvGeometry& g) {
    if (padding != Padding::SAME && padding != Padding::VALID) return ctx.error("has an unknown padding type");
    if (Status s = checkWindow(ctx, {"height", "stride_h", "dilation_h_factor", "the filter", g.inH, g.filterH, g.strideH, g.dilationH}); !s)
        return s;
    if (Status s = checkWindow(ctx, {"width", "stride_w", "dilation_w_factor", "the filter", g.inW, g.filterW, g.strideW, g.dilationW}); !s)
        return s;
    g.outH = computeOutSize(padding, g.inH, g.filterH, g.strideH, g.dilationH);
    g.outW = computeOutSize(padding, g.inW, g.filterW, g.strideW, g.dilationW);
    if (g.outH <= 0 || g.outW <= 0)
        return ctx.error("output would be empty: input " + std::to_string(g.inH) + "x" + std::to_string(g.inW) + ", filter " +
                         std::to_string(g.filterH) + "x" + std::to_string(g.filterW) + " (dilation " + std::to_string(g.dilationH) +
                         "x" + std::to_string(g.dilationW) + ") with VALID padding");
    g.padTop = computePadding(g.strideH, g.dilationH, g.inH, g.filterH, g.outH);
    g.padLeft = computePadding(g.strideW, g.dilationW, g.inW, g.filterW, g.outW);
    return {};
}

Status activationFromOptions(const KernelContext& ctx, Activation act, FloatActivation& out) {
    switch (act) {
    case Activation::NONE:
    case Activation::RELU:
    case Activation::RELU6:
    case Activation::RELU_N1_TO_1: {
        const auto [lo, hi] = activationRangeFloat(act);
        out.min = lo;
        out.max = hi;
        return {};
    }
    default: return ctx.error("has fused activation " + std::string(tflite::EnumNameActivationFunctionType(act)) + ", which is not supported");
    }
}

Status integerRequant(const KernelContext& ctx, const RtTensor& input, const RtTensor& filter, const RtTensor* bias,
                      const RtTensor& output, int channelAxis, int channels, Activation act, RequantParams& p) {
    if (Status s = checkTensorQuantization(ctx, input, "input"); !s) return s;
    if (Status s = checkTensorQuantization(ctx, output, "output"); !s) return s;
    if (Status s = checkFilterQuantization(ctx, filter, channelAxis, channels); !s) return s;
    if (input.type == TensorType::INT16 && (input.zeroPoint() != 0 || output.zeroPoint() != 0))
        return ctx.error("int16 input " + tensorName(input) + " and output " + tensorName(output) + " must have zero point 0, have " +
                         std::to_string(input.zeroPoint()) + " and " + std::to_string(output.zeroPoint()));
    if (bias && bias->quant)
        for (int64_t zp : bias->quant->zeroPoint)
            if (zp != 0) return ctx.error("bias " + tensorName(*bias) + " has zero point " + std::to_string(zp) + ", expected 0");
    p.inputOffset = -input.zeroPoint();
    p.outputOffset = output.zeroPoint();
    p.rounding = ctx.options().rounding;
    if (filter.type == TensorType::UINT8) {
        p.filterOffset = -filter.zeroPoint();
        // TFLite's GetQuantizedConvolutionMultipler checks the bias scale of legacy models.
        const double product = input.scale() * filter.scale();
        if (bias && bias->quant && !bias->quant->scale.empty()) {
            const double biasScale = bias->quant->scale[0];
            if (std::abs(product - biasScale) > 1e-6 * std::min(product, biasScale))
                return ctx.error("bias " + tensorName(*bias) + " has scale " + std::to_string(biasScale) +
                                 ", expected input scale * filter scale = " + std::to_string(product));
        }
        legacyMultiplier(input.scale(), filter.scale(), output.scale(), channels, p);
    } else {
        p.filterOffset = 0;
        perChannelMultipliers(input.scale(), filter.quant->scale, output.scale(), channels, p);
    }
    const auto [lo, hi] = activationRangeQuantized(act, output.scale(), output.zeroPoint(), output.type);
    if (lo > hi) return ctx.error("fused activation leaves an empty output range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    p.actMin = lo;
    p.actMax = hi;
    p.fpScale.clear();
    const bool eightBit = (input.type == TensorType::INT8 && filter.type == TensorType::INT8) ||
                          (input.type == TensorType::UINT8 && filter.type == TensorType::UINT8);
    if (ctx.options().xnnpack() && eightBit) {
        // XNNPACK (qs8 / qc8 / qu8 convolution): scale[c] = s_in * s_w[c] / s_out in float, and the
        // activation bounds quantized from the delegate's float bounds. The uint8 (qu8) path
        // subtracts the filter zero point in the accumulator exactly like TFLite's; only the
        // requantization differs (xnn_create_convolution2d_nhwc_qu8: one float scale).
        const auto& ws = filter.quant->scale;
        p.fpScale.resize(static_cast<size_t>(channels));
        for (int c = 0; c < channels; ++c)
            p.fpScale[static_cast<size_t>(c)] = xnn::convScale(input.scale(), ws.size() == 1 ? ws[0] : ws[static_cast<size_t>(c)], output.scale());
        std::tie(p.actMin, p.actMax) = xnn::activationRange(act, output.scale(), output.zeroPoint(), output.type);
    }
    return {};
}

void HybridState::prepare(const RtTensor& input, const RtTensor& filter, int channels) {
    m_values.assign(static_cast<size_t>(input.elementCount()), 0);
    m_scale.assign(static_cast<size_t>(input.dim(0)), 1.0f);
    m_zeroPoint.assign(static_cast<size_t>(input.dim(0)), 0);
    const auto& s = filter.quant->scale;
    m_filterScale.resize(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) m_filterScale[static_cast<size_t>(c)] = s.size() == 1 ? s[0] : s[static_cast<size_t>(c)];
}

reference::HybridInput HybridState::quantize(const RtTensor& input, bool asymmetric) {
    const size_t batches = m_scale.size();
    const size_t perBatch = batches ? m_values.size() / batches : 0;
    const std::span<const float> values = input.values<float>();
    for (size_t b = 0; b < batches; ++b) {
        auto src = values.subspan(b * perBatch, perBatch);
        auto dst = std::span<int8_t>(m_values).subspan(b * perBatch, perBatch);
        if (asymmetric) {
            const AsymmetricParams a = asymmetricQuantize(src, dst);
            m_scale[b] = a.scale;
            m_zeroPoint[b] = a.zeroPoint;
        } else {
            m_scale[b] = symmetricQuantize(src, dst);
            m_zeroPoint[b] = 0;
        }
    }
    return {m_values, m_scale, m_zeroPoint};
}

} // namespace ql::rt::conv

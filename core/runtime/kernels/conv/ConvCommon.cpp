#include "runtime/kernels/conv/ConvCommon.h"

#include <algorithm>
#include <cmath>

namespace ql::rt::conv {

int computeOutSize(Padding padding, int in, int filter, int stride, int dilation) {
    const int effectiveFilter = (filter - 1) * dilation + 1;
    if (stride <= 0) return 0;
    switch (padding) {
    case Padding::SAME: return (in + stride - 1) / stride;
    case Padding::VALID: return (in + stride - effectiveFilter) / stride;
    default: return 0;
    }
}

int computePadding(int stride, int dilation, int in, int filter, int out, int* offset) {
    const int effectiveFilter = (filter - 1) * dilation + 1;
    const int total = std::max((out - 1) * stride + effectiveFilter - in, 0);
    if (offset) *offset = total % 2;
    return total / 2;
}

void perChannelMultipliers(float inputScale, const std::vector<float>& filterScales, float outputScale, int channels,
                           RequantParams& params) {
    params.multiplier.resize(static_cast<size_t>(channels));
    params.shift.resize(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        const double filterScale = filterScales.size() == 1 ? filterScales[0] : filterScales[static_cast<size_t>(c)];
        const double effective = double(inputScale) * filterScale / double(outputScale);
        const QuantizedMultiplier m = quantizeMultiplier(effective);
        params.multiplier[static_cast<size_t>(c)] = m.multiplier;
        params.shift[static_cast<size_t>(c)] = m.shift;
    }
}

void legacyMultiplier(float inputScale, float filterScale, float outputScale, int channels, RequantParams& params) {
    const float productInFloat = inputScale * filterScale; // TFLite multiplies the floats first
    const double real = double(productInFloat) / double(outputScale);
    const QuantizedMultiplier m = quantizeMultiplier(real);
    params.multiplier.assign(static_cast<size_t>(channels), m.multiplier);
    params.shift.assign(static_cast<size_t>(channels), m.shift);
}

std::string tensorName(const RtTensor& t) {
    return t.source ? "'" + t.source->name + "'" : std::string("(unnamed)");
}

std::string shapeString(const std::vector<int32_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

Status requireRank(const KernelContext& ctx, const RtTensor& t, const char* role, int rank) {
    if (t.rank() != rank)
        return ctx.error(std::string(role) + " " + tensorName(t) + " must have rank " + std::to_string(rank) + ", but has shape " +
                         shapeString(t.shape));
    return {};
}

Status requireType(const KernelContext& ctx, const RtTensor& t, const char* role, TensorType type) {
    if (t.type != type)
        return ctx.error(std::string(role) + " " + tensorName(t) + " must be " + std::string(typeName(type)) + ", but is " +
                         std::string(typeName(t.type)));
    return {};
}

Status requireBiasChannels(const KernelContext& ctx, const RtTensor* bias, int64_t channels) {
    if (bias && bias->elementCount() != channels)
        return ctx.error("bias " + tensorName(*bias) + " has " + std::to_string(bias->elementCount()) + " elements, expected " +
                         std::to_string(channels) + " (the filter's output channels)");
    return {};
}

Status checkFilterQuantization(const KernelContext& ctx, const RtTensor& filter, int channelAxis, int channels) {
    const QuantParams& q = *filter.quant;
    const std::string who = "filter " + tensorName(filter);
    if (q.scale.empty()) return ctx.error(who + " has no quantization scale");
    if (q.scale.size() != 1 && q.scale.size() != static_cast<size_t>(channels))
        return ctx.error(who + " has " + std::to_string(q.scale.size()) + " scales, expected 1 or " + std::to_string(channels) +
                         " (one per output channel)");
    if (q.scale.size() > 1 && q.quantizedDimension != channelAxis)
        return ctx.error(who + " is quantized per channel on dimension " + std::to_string(q.quantizedDimension) +
                         ", expected dimension " + std::to_string(channelAxis));
    for (float s : q.scale)
        if (!(s > 0.0f) || !std::isfinite(s)) return ctx.error(who + " has a scale " + std::to_string(s) + ", expected > 0");
    if (filter.type == TensorType::INT8) {
        for (int64_t zp : q.zeroPoint)
            if (zp != 0) return ctx.error(who + " has zero point " + std::to_string(zp) + ", expected 0 for int8 weights");
    } else if (filter.type == TensorType::UINT8 && q.scale.size() != 1) {
        return ctx.error(who + " is uint8 with per-channel scales; uint8 weights must be quantized per tensor");
    }
    return {};
}

Status checkTensorQuantization(const KernelContext& ctx, const RtTensor& t, const char* role) {
    const QuantParams& q = *t.quant;
    const std::string who = std::string(role) + " " + tensorName(t);
    if (q.scale.size() != 1)
        return ctx.error(who + " must have one quantization scale, but has " + std::to_string(q.scale.size()));
    if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0]))
        return ctx.error(who + " has a scale " + std::to_string(q.scale[0]) + ", expected > 0");
    if (q.zeroPoint.size() > 1)
        return ctx.error(who + " must have one zero point, but has " + std::to_string(q.zeroPoint.size()));
    auto [qmin, qmax] = quantizedRange(t.type);
    const int64_t zp = q.zeroPoint.empty() ? 0 : q.zeroPoint[0];
    if (zp < qmin || zp > qmax)
        return ctx.error(who + " has zero point " + std::to_string(zp) + " outside the " + std::string(typeName(t.type)) + " range");
    return {};
}

} // namespace ql::rt::conv

#include "runtime/kernels/elementwise/Common.h"

#include "runtime/kernels/elementwise/Broadcast.h"

#include <cmath>

namespace ql::rt::ew {

std::string describe(const RtTensor& t, const std::string& role) {
    std::string s = role;
    if (t.source && !t.source->name.empty()) s += " '" + t.source->name + "'";
    return s + " (" + typeText(t.type) + " " + shapeString(t.shape) + ")";
}

Status requirePerTensorQuant(const KernelContext& ctx, const RtTensor& t, const std::string& role) {
    if (!t.isQuantized()) return ctx.error(describe(t, role) + " has no quantization parameters; an integer kernel needs scale and zero point");
    if (t.quant->scale.size() != 1)
        return ctx.error(describe(t, role) + " is quantized per channel (" + std::to_string(t.quant->scale.size()) +
                         " scales); this operator needs one scale");
    const float s = t.scale();
    if (!(s > 0.0f) || !std::isfinite(s)) return ctx.error(describe(t, role) + " has scale " + std::to_string(s) + ", expected a finite value > 0");
    const auto [qmin, qmax] = quantizedRange(t.type);
    const int32_t zp = t.zeroPoint();
    if (t.quant->zeroPoint.size() > 0 && (t.quant->zeroPoint[0] < qmin || t.quant->zeroPoint[0] > qmax))
        return ctx.error(describe(t, role) + " has zero point " + std::to_string(t.quant->zeroPoint[0]) + ", outside [" +
                         std::to_string(qmin) + ", " + std::to_string(qmax) + "]");
    (void)zp;
    return {};
}

Status requireType(const KernelContext& ctx, const RtTensor& t, const std::string& role, std::initializer_list<TensorType> allowed) {
    for (TensorType a : allowed)
        if (t.type == a) return {};
    std::string list;
    for (TensorType a : allowed) list += (list.empty() ? "" : ", ") + typeText(a);
    return ctx.error(describe(t, role) + " has type " + typeText(t.type) + ", expected one of: " + list);
}

Status requireRankAtMost(const KernelContext& ctx, const RtTensor& t, const std::string& role, int maxRank) {
    if (t.rank() > maxRank)
        return ctx.error(describe(t, role) + " has rank " + std::to_string(t.rank()) + ", at most " + std::to_string(maxRank) + " is supported");
    for (int32_t d : t.shape)
        if (d < 0) return ctx.error(describe(t, role) + " has a negative dimension");
    return {};
}

bool checkedLog2(float x, int* log2Result) {
    // TFLite (kernel_util.cc): x_log2 = log(x) / log(2); rounded; pot if |x_log2 - rounded| < 1e-3.
    const float xLog2 = std::log(x) * (1.0f / std::log(2.0f));
    const float rounded = std::round(xLog2);
    *log2Result = static_cast<int>(rounded);
    return std::fabs(xLog2 - rounded) < 1e-3f;
}

} // namespace ql::rt::ew

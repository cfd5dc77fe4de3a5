#pragma once
// Helpers shared by the matmul-family kernels (FULLY_CONNECTED, BATCH_MATMUL) and the
// sequence kernels: naming tensors in messages, checking quantization at prepare.

#include "runtime/Kernel.h"

#include <string>
#include <string_view>

namespace ql::rt::mm {

// "input 'serving_default_x:0'"
inline std::string label(const RtTensor& t, std::string_view role) {
    return std::string(role) + " '" + (t.source ? t.source->name : std::string()) + "'";
}

inline std::string shapeString(const std::vector<int32_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

// A quantized tensor must carry at least one scale (and scales must be positive).
inline Status requireQuantized(const KernelContext& ctx, const RtTensor& t, std::string_view role) {
    if (!t.isQuantized())
        return ctx.error(label(t, role) + " is " + std::string(typeName(t.type)) + " but has no quantization parameters");
    for (float s : t.quant->scale)
        if (!(s > 0.0f)) return ctx.error(label(t, role) + " has a non-positive scale " + std::to_string(s));
    return {};
}

// Per-tensor or one scale per `channels`; zero points all equal to `zp` when `zp` is set.
inline Status requireScaleCount(const KernelContext& ctx, const RtTensor& t, std::string_view role, size_t channels) {
    const size_t n = t.quant->scale.size();
    if (n != 1 && n != channels)
        return ctx.error(label(t, role) + " has " + std::to_string(n) + " scales, expected 1 or " + std::to_string(channels));
    return {};
}

inline Status requireZeroPoints(const KernelContext& ctx, const RtTensor& t, std::string_view role, int64_t zp) {
    for (int64_t z : t.quant->zeroPoint)
        if (z != zp)
            return ctx.error(label(t, role) + " has zero point " + std::to_string(z) + ", expected " + std::to_string(zp));
    return {};
}

inline Status requireType(const KernelContext& ctx, const RtTensor& t, std::string_view role, TensorType expected) {
    if (t.type != expected)
        return ctx.error(label(t, role) + " is " + std::string(typeName(t.type)) + ", expected " + std::string(typeName(expected)));
    return {};
}

} // namespace ql::rt::mm

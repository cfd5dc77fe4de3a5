// QUANTIZE (float -> int, and requantize int -> int) and DEQUANTIZE (int / float16 -> float).
//
// QUANTIZE float32 -> int8 / uint8 / int16 (reference_ops::AffineQuantize, per tensor, or per
//   channel along quantized_dimension): q = clamp(round(r / s) + z), round half away from zero;
//   the division in float, except per-tensor int16 outputs, which the runtime divides in double
//   (affineQuotient in quant/AffineQuotient.h).
// QUANTIZE requantize (quantize.cc): int8/uint8 -> int8/uint8, int16 -> int8/int16/int32,
//   int32 -> int8/int16, with M = double(s_in) / double(s_out):
//   q_out = clamp(MBQM(q_in - z_in, M) + z_out)        (reference_ops::Requantize)
// DEQUANTIZE int8 / uint8 / int16 -> float32: r = s * (q - z), per tensor or per channel
//   (both round the exact product once, so float and double arithmetic agree);
//   float16 -> float32 exactly (the float16 weights mode stores weights this way).
#include "runtime/kernels/activation/Lut8Simd.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/quantize/QuantizeKernels.h"
#include "quant/AffineQuotient.h"
#include "util/Float16.h"

#include <cmath>

namespace ql::rt::qk {
namespace {

using ew::describe;
using ew::requireType;

// Channel layout of a per-channel tensor: `outer` blocks of `channels` x `inner` elements.
struct ChannelLayout {
    int64_t outer = 1, channels = 1, inner = 1;
};

Result<ChannelLayout> channelLayout(const KernelContext& ctx, const RtTensor& t, const std::string& role) {
    ChannelLayout l;
    const size_t n = t.quant->scale.size();
    if (n == 1) {
        l.inner = t.elementCount();
        return l;
    }
    const int axis = t.quant->quantizedDimension;
    if (axis < 0 || axis >= t.rank())
        return ctx.error(describe(t, role) + " has quantized_dimension " + std::to_string(axis) + " outside its rank");
    if (t.dim(axis) != static_cast<int32_t>(n))
        return ctx.error(describe(t, role) + " has " + std::to_string(n) + " scales but dimension " + std::to_string(axis) +
                         " has " + std::to_string(t.dim(axis)) + " channels");
    if (!t.quant->zeroPoint.empty() && t.quant->zeroPoint.size() != n)
        return ctx.error(describe(t, role) + " has " + std::to_string(n) + " scales but " + std::to_string(t.quant->zeroPoint.size()) +
                         " zero points");
    for (int i = 0; i < axis; ++i) l.outer *= t.dim(i);
    l.channels = t.dim(axis);
    for (int i = axis + 1; i < t.rank(); ++i) l.inner *= t.dim(i);
    return l;
}

Status checkScales(const KernelContext& ctx, const RtTensor& t, const std::string& role) {
    if (!t.isQuantized()) return ctx.error(describe(t, role) + " has no quantization parameters");
    for (float s : t.quant->scale)
        if (!(s > 0.0f) || !std::isfinite(s)) return ctx.error(describe(t, role) + " has scale " + std::to_string(s) + ", expected > 0");
    return {};
}

template <class F> void dispatchInt(TensorType t, F&& f) {
    switch (t) {
    case TensorType::INT8: f(int8_t{}); break;
    case TensorType::UINT8: f(uint8_t{}); break;
    case TensorType::INT16: f(int16_t{}); break;
    default: f(int32_t{}); break;
    }
}

class QuantizeKernel : public OpKernel {
public:
    explicit QuantizeKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        if (Status s = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16, T::INT32}); !s) return s;
        ctx.setOutputShape(0, in.shape);
        if (Status s = checkScales(ctx, out, "output 0"); !s) return s;
        m_byteTable = false;
        if (in.type == T::FLOAT32) {
            if (Status s = requireType(ctx, out, "output 0", {T::INT8, T::UINT8, T::INT16}); !s) return s;
            auto layout = channelLayout(ctx, out, "output 0");
            if (!layout) return layout.error();
            m_layout = *layout;
            // XNNPACK's f32 -> qs8 / qu8 convert multiplies by the inverse scale (float) and rounds
            // half to even; TFLite divides and rounds half away from zero.
            m_xnnQuantize = ctx.options().xnnpack() && (out.type == T::INT8 || out.type == T::UINT8) && out.quant->scale.size() == 1;
            return {};
        }
        // Requantize.
        Status st;
        if (in.type == T::INT16) st = requireType(ctx, out, "output 0", {T::INT8, T::INT16, T::INT32});
        else if (in.type == T::INT32) st = requireType(ctx, out, "output 0", {T::INT8, T::INT16});
        else st = requireType(ctx, out, "output 0", {T::INT8, T::UINT8});
        if (!st) return st;
        if (Status s = ew::requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
        if (Status s = ew::requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        m_multiplier = quantizeMultiplier(double(in.scale()) / double(out.scale()));
        m_inputZeroPoint = in.zeroPoint();
        m_outputZeroPoint = out.zeroPoint();
        // XNNPACK's qs8 -> qs8 and qu8 -> qu8 convert (the delegate takes same-type requantization only).
        const auto [outMin, outMax] = quantizedRange(out.type);
        m_xnnConvert = ctx.options().xnnpack() && in.type == out.type && (in.type == T::INT8 || in.type == T::UINT8) &&
                       xnn::convertParams(in.scale(), in.zeroPoint(), out.scale(), out.zeroPoint(), outMin, outMax, m_xnnConvertParams);
        // 8-bit -> 8-bit: the element functions of eval below tabulated over the 256 input
        // values; eval is then one lookup per byte (act::applyLut8), the same integers.
        m_byteTable = (in.type == T::INT8 || in.type == T::UINT8) && (out.type == T::INT8 || out.type == T::UINT8);
        if (m_byteTable) {
            const std::pair<int32_t, int32_t> range = quantizedRange(out.type);
            const Rounding r = ctx.options().rounding;
            m_lut = act::tabulate8(in.type == T::INT8, [&](int32_t q) {
                if (m_xnnConvert) return xnn::convert(q, m_xnnConvertParams);
                return requantizeElement(q, range.first, range.second, r);
            });
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        // Plain variables, not a structured binding: clang 14 cannot capture bindings.
        const std::pair<int32_t, int32_t> range = quantizedRange(out.type);
        const int32_t qmin = range.first, qmax = range.second;
        if (in.type == TensorType::FLOAT32 && m_xnnQuantize) {
            const float* x = in.as<float>();
            const float inverse = 1.0f / out.scale();
            const int32_t zp = out.zeroPoint();
            dispatchInt(out.type, [&]<class O>(O) {
                O* o = out.as<O>();
                for (int64_t i = 0, n = in.elementCount(); i < n; ++i)
                    o[i] = static_cast<O>(std::isnan(x[i]) ? zp : xnn::requantizeFp32Value(x[i] * inverse, zp, qmin, qmax));
            });
            return {};
        }
        if (m_byteTable) {
            const auto bytes = in.values<uint8_t>();
            act::applyLut8(m_lut, bytes.data(), out.as<uint8_t>(), bytes.size(), ctx.pool());
            return {};
        }
        if (m_xnnConvert) {
            dispatchInt(in.type, [&]<class I>(I) {
                const I* x = in.as<I>();
                I* o = out.as<I>();
                for (int64_t i = 0, n = in.elementCount(); i < n; ++i) o[i] = static_cast<I>(xnn::convert(x[i], m_xnnConvertParams));
            });
            return {};
        }
        if (in.type == TensorType::FLOAT32) {
            const float* x = in.as<float>();
            dispatchInt(out.type, [&]<class O>(O) {
                O* o = out.as<O>();
                for (int64_t b = 0, i = 0; b < m_layout.outer; ++b)
                    for (int64_t c = 0; c < m_layout.channels; ++c) {
                        const float scale = out.scale(size_t(c));
                        const int32_t zp = out.zeroPoint(size_t(c));
                        for (int64_t k = 0; k < m_layout.inner; ++k, ++i) {
                            // Per tensor: affineQuotient (double for int16, like the runtime);
                            // per channel (reference_ops::PerChannelQuantize) in float.
                            const double q = std::round(m_layout.channels == 1 ? affineQuotient(x[i], scale, out.type)
                                                                               : double(x[i] / scale));
                            // In double, so that huge inputs saturate instead of overflowing;
                            // NaN (undefined in TFLite) maps to the zero point.
                            const double v = std::isnan(q) ? double(zp) : double(q) + zp;
                            o[i] = static_cast<O>(std::clamp(v, double(qmin), double(qmax)));
                        }
                    }
            });
            return {};
        }
        const Rounding r = ctx.options().rounding;
        dispatchInt(in.type, [&]<class I>(I) {
            auto x = in.values<I>();
            dispatchInt(out.type, [&]<class O>(O) {
                O* o = out.as<O>();
                for (size_t i = 0; i < x.size(); ++i) o[i] = static_cast<O>(requantizeElement(int32_t(x[i]), qmin, qmax, r));
            });
        });
        return {};
    }

private:
    // Requantize one value: q_out = clamp(MBQM(q - z_in, s_in / s_out) + z_out).
    int32_t requantizeElement(int32_t q, int32_t qmin, int32_t qmax, Rounding r) const {
        // int32 inputs: the subtraction wraps as TFLite's int32 arithmetic does.
        const auto v = static_cast<int32_t>(uint32_t(q) - uint32_t(m_inputZeroPoint));
        const int32_t y = multiplyByQuantizedMultiplier(v, m_multiplier, r) + m_outputZeroPoint;
        return std::clamp(y, qmin, qmax);
    }

    ChannelLayout m_layout;
    QuantizedMultiplier m_multiplier;
    int32_t m_inputZeroPoint = 0, m_outputZeroPoint = 0;
    bool m_xnnQuantize = false, m_xnnConvert = false; // Target::TfliteCpu paths
    xnn::ConvertParams m_xnnConvertParams;
    bool m_byteTable = false; // 8-bit in and out: m_lut holds every result
    std::array<uint8_t, 256> m_lut{};
};

class DequantizeKernel : public OpKernel {
public:
    explicit DequantizeKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        if (Status s = requireType(ctx, in, "input 0", {T::INT8, T::UINT8, T::INT16, T::FLOAT16}); !s) return s;
        if (Status s = requireType(ctx, out, "output 0", {T::FLOAT32}); !s) return s;
        ctx.setOutputShape(0, in.shape);
        if (in.type == T::FLOAT16) return {};
        if (Status s = checkScales(ctx, in, "input 0"); !s) return s;
        auto layout = channelLayout(ctx, in, "input 0");
        if (!layout) return layout.error();
        m_layout = *layout;
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        float* o = ctx.output(0).as<float>();
        if (in.type == TensorType::FLOAT16) {
            halfToFloat(in.values<uint16_t>(), ctx.output(0).values<float>());
            return {};
        }
        dispatchInt(in.type, [&]<class I>(I) {
            const I* x = in.as<I>();
            for (int64_t b = 0, i = 0; b < m_layout.outer; ++b)
                for (int64_t c = 0; c < m_layout.channels; ++c) {
                    const double scale = in.scale(size_t(c));
                    const int32_t zp = in.zeroPoint(size_t(c));
                    // r = s * (q - z): the exact product rounded once to float.
                    for (int64_t k = 0; k < m_layout.inner; ++k, ++i) o[i] = static_cast<float>(scale * (int32_t(x[i]) - zp));
                }
        });
        return {};
    }

private:
    ChannelLayout m_layout;
};

} // namespace

void registerQuantizeDequantizeKernels(KernelRegistry& r) {
    r.add(BuiltinOp::QUANTIZE, 1, 3, factoryOf<QuantizeKernel>());
    r.add(BuiltinOp::DEQUANTIZE, 1, 6, factoryOf<DequantizeKernel>());
}

} // namespace ql::rt::qk

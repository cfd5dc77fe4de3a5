// RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU and PRELU.
//
// float: RELU max(0, x); RELU6 min(max(0, x), 6); RELU_N1_TO_1 min(max(-1, x), 1);
//   RELU_0_TO_1 min(max(0, x), 1); LEAKY_RELU x > 0 ? x : alpha x; PRELU x >= 0 ? x : alpha x
//   with alpha broadcast to the input's shape.
// quantized (activations.cc): RELU family int8/uint8 (+ int16 for RELU and RELU6, zero points 0)
//   q_out = clamp(z_out + MBQM(q - z_in, s_in / s_out), lo, hi), lo/hi = z_out + roundf(bound / s_out)
//   limited to the type; LEAKY_RELU int8/uint8/int16 with multipliers s_in/s_out and
//   s_in * alpha / s_out (float arithmetic, as TFLite); PRELU int8/uint8 with s_in/s_out and
//   s_in * s_alpha / s_out. Under Target::TfliteCpu, int8/uint8 LEAKY_RELU is XNNPACK's vlrelu
//   (8-bit multipliers, QuantizedActivation.h).
// The 8-bit RELU family and LEAKY_RELU tabulate their element function (the target's) over the
// 256 input values at prepare and look it up in eval (Lut8Simd.h): the same integers by construction.
#include "runtime/kernels/activation/ActivationKernels.h"
#include "runtime/kernels/activation/Int16RequantizeSimd.h"
#include "runtime/kernels/activation/Lut8Simd.h"
#include "runtime/kernels/activation/PreluSimd.h"
#include "runtime/kernels/activation/QuantizedActivation.h"
#include "runtime/kernels/elementwise/Broadcast.h"
#include "runtime/kernels/elementwise/Common.h"

#include <cmath>
#include <limits>
#include <tuple>

namespace ql::rt::act {
namespace {

using ew::describe;
using ew::requirePerTensorQuant;
using ew::requireType;

template <class F> void dispatchInt(TensorType t, F&& f) {
    switch (t) {
    case TensorType::INT8: f(int8_t{}); break;
    case TensorType::UINT8: f(uint8_t{}); break;
    default: f(int16_t{}); break;
    }
}

Status prepareUnarySameType(KernelContext& ctx) {
    if (Status s = ctx.requireInputs(1, 1); !s) return s;
    if (Status s = ctx.requireOutputs(1); !s) return s;
    const RtTensor& in = *ctx.input(0);
    const RtTensor& out = ctx.output(0);
    if (in.type != out.type) return ctx.error(describe(out, "output 0") + " must have the input type " + ew::typeText(in.type));
    ctx.setOutputShape(0, in.shape);
    return {};
}

class ReluKernel : public OpKernel {
public:
    explicit ReluKernel(const Operator& op) : m_op(op.op) {
        switch (m_op) {
        case BuiltinOp::RELU: m_lo = 0; m_hi = std::numeric_limits<float>::infinity(); break;
        case BuiltinOp::RELU6: m_lo = 0; m_hi = 6; break;
        case BuiltinOp::RELU_N1_TO_1: m_lo = -1; m_hi = 1; break;
        default: m_lo = 0; m_hi = 1; break; // RELU_0_TO_1
        }
    }

    Status prepare(KernelContext& ctx) override {
        if (Status s = prepareUnarySameType(ctx); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        const bool int16Ok = m_op == BuiltinOp::RELU || m_op == BuiltinOp::RELU6;
        if (Status s = int16Ok ? requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16})
                               : requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8});
            !s)
            return s;
        if (in.type == T::FLOAT32) return {};
        if (Status s = requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        if (in.type == T::INT16 && (in.zeroPoint() != 0 || out.zeroPoint() != 0))
            return ctx.error("int16 " + std::string(opName(m_op)) + " needs zero points 0");
        // ReluPrepare: double real_multiplier = s_in / s_out (a float division).
        m_multiplier = quantizeMultiplier(double(in.scale() / out.scale()));
        m_inputZeroPoint = in.zeroPoint();
        m_outputZeroPoint = out.zeroPoint();
        // QuantizedReluX: bounds with roundf(bound / s_out) in float.
        const auto [qmin, qmax] = quantizedRange(in.type);
        const float so = out.scale();
        m_qmin = std::max(qmin, m_outputZeroPoint + static_cast<int32_t>(std::round(m_lo / so)));
        m_qmax = std::isinf(m_hi) ? qmax : std::min(qmax, m_outputZeroPoint + static_cast<int32_t>(std::round(m_hi / so)));
        // 8-bit: the element below tabulated over the 256 input values (Lut8Simd.h).
        if (in.type != T::INT16) {
            const Rounding r = ctx.options().rounding;
            m_lut = tabulate8(in.type == T::INT8, [&](int32_t q) { return element(q, r); });
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        if (in.type == TensorType::FLOAT32) {
            auto x = in.values<float>();
            float* o = out.as<float>();
            const float lo = m_lo, hi = m_hi;
            // TFLite: max(lower, x) then min(., upper); a NaN input gives the lower bound.
            for (size_t i = 0; i < x.size(); ++i) o[i] = std::min(std::max(lo, x[i]), hi);
            return {};
        }
        if (in.type != TensorType::INT16) {
            const auto bytes = in.values<uint8_t>();
            applyLut8(m_lut, bytes.data(), out.as<uint8_t>(), bytes.size(), ctx.pool());
            return {};
        }
        const Rounding r = ctx.options().rounding;
        auto x = in.values<int16_t>();
        int16_t* o = out.as<int16_t>();
        // int16: the same element on 16 lanes where the CPU has AVX-512 (Int16RequantizeSimd.h).
        const Int16Requantize vec{m_inputZeroPoint, m_outputZeroPoint, m_multiplier, m_qmin, m_qmax};
        if (int16RequantizeSimdUsable(vec, r)) {
            int16RequantizeSimd(vec, x.data(), o, x.size());
            return {};
        }
        for (size_t i = 0; i < x.size(); ++i) o[i] = static_cast<int16_t>(element(x[i], r));
        return {};
    }

private:
    // QuantizedReluX on one value.
    int32_t element(int32_t q, Rounding r) const {
        const int32_t v = m_outputZeroPoint + multiplyByQuantizedMultiplier(q - m_inputZeroPoint, m_multiplier, r);
        return std::clamp(v, m_qmin, m_qmax);
    }

    BuiltinOp m_op;
    float m_lo = 0, m_hi = 0;
    QuantizedMultiplier m_multiplier;
    int32_t m_inputZeroPoint = 0, m_outputZeroPoint = 0, m_qmin = 0, m_qmax = 0;
    std::array<uint8_t, 256> m_lut{};
};

class LeakyReluKernel : public OpKernel {
public:
    explicit LeakyReluKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = prepareUnarySameType(ctx); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        if (Status s = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16}); !s) return s;
        m_alpha = ew::optionsOr<tflite::LeakyReluOptionsT>(ctx).alpha;
        if (in.type == T::FLOAT32) return {};
        if (Status s = requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        if (in.type == T::INT16 && (in.zeroPoint() != 0 || out.zeroPoint() != 0))
            return ctx.error("int16 LEAKY_RELU needs zero points 0");
        // LeakyReluPrepare computes both ratios in float before widening to double.
        const float alphaMultiplier = in.scale() * m_alpha / out.scale();
        const float identityMultiplier = in.scale() / out.scale();
        m_alphaMultiplier = quantizeMultiplier(double(alphaMultiplier));
        m_identityMultiplier = quantizeMultiplier(double(identityMultiplier));
        m_inputZeroPoint = in.zeroPoint();
        m_outputZeroPoint = out.zeroPoint();
        if (in.type != T::INT16) {
            const Rounding r = ctx.options().rounding;
            const std::pair<int32_t, int32_t> range = quantizedRange(in.type); // no binding: clang 14 cannot capture one
            // Target::TfliteCpu: the delegate takes int8/uint8 LEAKY_RELU (XNNPACK's vlrelu).
            XnnLeakyReluParams xnn;
            if (ctx.options().xnnpack() &&
                makeXnnLeakyReluParams(in.scale(), in.zeroPoint(), out.scale(), out.zeroPoint(), m_alpha, &xnn))
                m_lut = tabulate8(in.type == T::INT8,
                                  [&](int32_t q) { return xnnLeakyReluElement(xnn, q, range.first, range.second); });
            else
                m_lut = tabulate8(in.type == T::INT8, [&](int32_t q) { return element(q, range.first, range.second, r); });
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        if (in.type == TensorType::FLOAT32) {
            auto x = in.values<float>();
            float* o = out.as<float>();
            const float alpha = m_alpha;
            for (size_t i = 0; i < x.size(); ++i) o[i] = x[i] > 0 ? x[i] : x[i] * alpha;
            return {};
        }
        if (in.type != TensorType::INT16) {
            const auto bytes = in.values<uint8_t>();
            applyLut8(m_lut, bytes.data(), out.as<uint8_t>(), bytes.size(), ctx.pool());
            return {};
        }
        const Rounding r = ctx.options().rounding;
        auto x = in.values<int16_t>();
        int16_t* o = out.as<int16_t>();
        for (size_t i = 0; i < x.size(); ++i) o[i] = static_cast<int16_t>(element(x[i], -32768, 32767, r));
        return {};
    }

private:
    // LeakyRelu (reference_ops::QuantizeLeakyRelu) on one value.
    int32_t element(int32_t q, int32_t qmin, int32_t qmax, Rounding r) const {
        const int32_t v = q - m_inputZeroPoint;
        const int32_t y = m_outputZeroPoint + multiplyByQuantizedMultiplier(v, v >= 0 ? m_identityMultiplier : m_alphaMultiplier, r);
        return std::clamp(y, qmin, qmax);
    }

    float m_alpha = 0.2f;
    QuantizedMultiplier m_alphaMultiplier, m_identityMultiplier;
    int32_t m_inputZeroPoint = 0, m_outputZeroPoint = 0;
    std::array<uint8_t, 256> m_lut{};
};

class PreluKernel : public OpKernel {
public:
    explicit PreluKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& alpha = *ctx.input(1);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        if (Status s = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8}); !s) return s;
        if (alpha.type != in.type || out.type != in.type)
            return ctx.error(describe(alpha, "alpha") + " and " + describe(out, "output 0") + " must have the input type");
        for (int i = 0; i < 2; ++i)
            if (Status s = ew::requireRankAtMost(ctx, *ctx.input(size_t(i)), "input " + std::to_string(i), kMaxBroadcastRank); !s) return s;
        auto shape = broadcastShape(in.shape, alpha.shape);
        if (!shape || *shape != in.shape)
            return ctx.error(describe(alpha, "alpha") + " must broadcast to " + describe(in, "input 0"));
        ctx.setOutputShape(0, in.shape);
        m_plan = planBroadcast(in.shape, alpha.shape, in.shape);
        if (in.type == T::FLOAT32) return {};
        for (int i = 0; i < 2; ++i)
            if (Status s = requirePerTensorQuant(ctx, *ctx.input(size_t(i)), i ? "alpha" : "input 0"); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        m_params.positive = quantizeMultiplier(double(in.scale() / out.scale()));
        m_params.negative = quantizeMultiplier(double(in.scale() * alpha.scale() / out.scale()));
        m_params.inputOffset = -in.zeroPoint();
        m_params.alphaOffset = -alpha.zeroPoint();
        m_params.outputOffset = out.zeroPoint();
        std::tie(m_params.qmin, m_params.qmax) = quantizedRange(in.type);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const RtTensor& alpha = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        if (in.type == TensorType::FLOAT32) {
            broadcastBinary(m_plan, in.as<float>(), alpha.as<float>(), out.as<float>(),
                            [](float x, float a) { return x >= 0 ? x : x * a; });
            return {};
        }
        const Rounding r = ctx.options().rounding;
        const SimdIsa isa = detectSimdIsa();
        const bool simd = preluSimdUsable(m_params, r, isa);
        dispatchInt(in.type, [&]<class T>(T) {
            if constexpr (sizeof(T) == 1) {
                if (simd) {
                    preluBroadcastSimd(m_plan, m_params, in.as<T>(), alpha.as<T>(), out.as<T>(), isa);
                    return;
                }
            }
            broadcastBinary(m_plan, in.as<T>(), alpha.as<T>(), out.as<T>(),
                            [&](T x, T a) { return static_cast<T>(preluElement(m_params, x, a, r)); });
        });
        return {};
    }

private:
    BroadcastPlan m_plan;
    PreluParams m_params;
};

} // namespace

void registerReluKernels(KernelRegistry& r) {
    r.add(BuiltinOp::RELU, 1, 3, factoryOf<ReluKernel>());
    r.add(BuiltinOp::RELU6, 1, 3, factoryOf<ReluKernel>());
    r.add(BuiltinOp::RELU_N1_TO_1, 1, 2, factoryOf<ReluKernel>());
    r.add(BuiltinOp::RELU_0_TO_1, 1, 1, factoryOf<ReluKernel>());
    r.add(BuiltinOp::LEAKY_RELU, 1, 2, factoryOf<LeakyReluKernel>());
    r.add(BuiltinOp::PRELU, 1, 1, factoryOf<PreluKernel>());
}

} // namespace ql::rt::act

// LOGISTIC, TANH, ELU, GELU and HARD_SWISH.
//
// float32: LOGISTIC 1/(1+e^-x); TANH tanh(x); ELU x < 0 ? expm1(x) : x; GELU
//   0.5 x erfc(-x/sqrt 2), or with `approximate` 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)));
//   HARD_SWISH x * min(max(x + 3, 0), 6) / 6.
// int8 / uint8: the 256-entry table TFLite's generic optimized kernels build in prepare
//   (LOGISTIC needs s_out = 1/256 and z_out = -128 / 0; ELU uses exp(x) - 1 in float as
//   elu.cc does; under Target::TfliteCpu XNNPACK's table, expm1f rounded half to even),
//   HARD_SWISH by reference_ops::HardSwish fixed point (QuantizedActivation.h), tabulated the
//   same way at prepare; eval is one table lookup per byte (Lut8Simd.h).
// int16 LOGISTIC / TANH (zero points 0, output scale 2^-15): TFLite's two paths, gemmlowp fixed
//   point for the power-of-two input scales it takes directly, the interpolated sigmoid table
//   with a general-scale multiplier otherwise (Int16Sigmoid.h).
#include "runtime/kernels/activation/ActivationKernels.h"
#include "runtime/kernels/activation/Int16Sigmoid.h"
#include "runtime/kernels/activation/Lut8Simd.h"
#include "runtime/kernels/activation/QuantizedActivation.h"
#include "runtime/kernels/elementwise/Common.h"

#include <cmath>

namespace ql::rt::act {
namespace {

using ew::describe;
using ew::requirePerTensorQuant;
using ew::requireType;

float logisticFloat(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float geluFloat(float x, bool approximate) {
    constexpr float kSqrt2OverPi = 0.7978845608028654f;
    if (approximate) return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
    return 0.5f * x * std::erfc(x * -0.7071067811865476f);
}

class SmoothKernel : public OpKernel {
public:
    explicit SmoothKernel(const Operator& op) : m_op(op.op) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        Status st;
        if (m_op == BuiltinOp::LOGISTIC || m_op == BuiltinOp::TANH)
            st = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16});
        else if (m_op == BuiltinOp::ELU)
            st = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8});
        else
            st = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8});
        if (!st) return st;
        if (out.type != in.type) return ctx.error(describe(out, "output 0") + " must have the input type " + ew::typeText(in.type));
        ctx.setOutputShape(0, in.shape);
        if (m_op == BuiltinOp::GELU) m_approximate = ew::optionsOr<tflite::GeluOptionsT>(ctx).approximate;
        if (in.type == T::FLOAT32) return {};

        if (Status s = requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        if (in.type == T::INT16) return prepareInt16(ctx, in, out);

        const float si = in.scale(), so = out.scale();
        const int32_t zi = in.zeroPoint(), zo = out.zeroPoint();
        switch (m_op) {
        case BuiltinOp::LOGISTIC: {
            const int32_t expectedZp = in.type == T::INT8 ? -128 : 0;
            if (so != 1.0f / 256 || zo != expectedZp)
                return ctx.error(describe(out, "output 0") + " must have scale 1/256 and zero point " + std::to_string(expectedZp) +
                                 " (got " + std::to_string(so) + ", " + std::to_string(zo) + ")");
            m_lut = makeLut8(in.type, si, zi, so, zo, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
            break;
        }
        case BuiltinOp::TANH: m_lut = makeLut8(in.type, si, zi, so, zo, [](float x) { return std::tanh(x); }); break;
        case BuiltinOp::ELU:
            if (ctx.options().xnnpack()) // XNNPACK's qs8 ELU table: alpha expm1f(x) for negative x, rounded half to even
                m_lut = makeLut8(in.type, si, zi, so, zo, [](float x) { return std::signbit(x) ? std::expm1(x) : x; }, true);
            else
                m_lut = makeLut8(in.type, si, zi, so, zo, [](float x) { return x < 0.0f ? std::exp(x) - 1.0f : x; });
            break;
        case BuiltinOp::GELU: {
            const bool approximate = m_approximate;
            m_lut = makeLut8(in.type, si, zi, so, zo, [approximate](float x) { return geluFloat(x, approximate); });
            break;
        }
        default: // HARD_SWISH
            if (!makeHardSwishParams(si, zi, so, zo, &m_hardSwish))
                return ctx.error("HARD_SWISH needs an output scale at least input scale / 128 (input " + std::to_string(si) +
                                 ", output " + std::to_string(so) + ")");
            // The element function tabulated over the 256 input values (bit-exact by construction).
            {
                const std::pair<int32_t, int32_t> range = quantizedRange(in.type); // no binding: clang 14 cannot capture one
                m_lut = tabulate8(in.type == T::INT8,
                                  [&](int32_t q) { return hardSwishElement(m_hardSwish, q, range.first, range.second); });
            }
            break;
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        switch (in.type) {
        case TensorType::FLOAT32: evalFloat(in.values<float>(), out.as<float>()); break;
        case TensorType::INT16: {
            const auto x = in.values<int16_t>();
            int16_t* o = out.as<int16_t>();
            for (size_t i = 0; i < x.size(); ++i) o[i] = int16Sigmoid(m_int16, x[i]);
            break;
        }
        default: {
            const auto bytes = in.values<uint8_t>();
            uint8_t* o = out.as<uint8_t>();
            applyLut8(m_lut, bytes.data(), o, bytes.size(), ctx.pool()); // Lut8Simd.h
        }
        }
        return {};
    }

private:
    Status prepareInt16(KernelContext& ctx, const RtTensor& in, const RtTensor& out) {
        const std::string name(opName(m_op));
        if (m_op != BuiltinOp::LOGISTIC && m_op != BuiltinOp::TANH) return ctx.error("int16 " + name + " is not supported");
        if (in.zeroPoint() != 0 || out.zeroPoint() != 0)
            return ctx.error("int16 " + name + " needs zero points 0 (got input " + std::to_string(in.zeroPoint()) + ", output " +
                             std::to_string(out.zeroPoint()) + ")");
        if (!makeInt16SigmoidParams(m_op == BuiltinOp::TANH, in.scale(), out.scale(), &m_int16))
            return ctx.error(describe(out, "output 0") + " must have scale 2^-15 (got " + std::to_string(out.scale()) + ")");
        return {};
    }

    void evalFloat(std::span<const float> x, float* o) const {
        switch (m_op) {
        case BuiltinOp::LOGISTIC:
            for (size_t i = 0; i < x.size(); ++i) o[i] = logisticFloat(x[i]);
            break;
        case BuiltinOp::TANH:
            for (size_t i = 0; i < x.size(); ++i) o[i] = std::tanh(x[i]);
            break;
        case BuiltinOp::ELU:
            for (size_t i = 0; i < x.size(); ++i) o[i] = x[i] < 0.0f ? std::expm1(x[i]) : x[i];
            break;
        case BuiltinOp::GELU:
            for (size_t i = 0; i < x.size(); ++i) o[i] = geluFloat(x[i], m_approximate);
            break;
        default: // HARD_SWISH, reference_ops::HardSwish
            for (size_t i = 0; i < x.size(); ++i) o[i] = x[i] * std::min(6.0f, std::max(0.0f, x[i] + 3.0f)) / 6.0f;
            break;
        }
    }

    BuiltinOp m_op;
    bool m_approximate = true;
    Lut8 m_lut{};
    HardSwishParams m_hardSwish;
    Int16SigmoidParams m_int16;
};

} // namespace

void registerSmoothKernels(KernelRegistry& r) {
    r.add(BuiltinOp::LOGISTIC, 1, 3, factoryOf<SmoothKernel>());
    r.add(BuiltinOp::TANH, 1, 3, factoryOf<SmoothKernel>());
    r.add(BuiltinOp::ELU, 1, 1, factoryOf<SmoothKernel>());
    r.add(BuiltinOp::GELU, 1, 2, factoryOf<SmoothKernel>());
    r.add(BuiltinOp::HARD_SWISH, 1, 1, factoryOf<SmoothKernel>());
}

} // namespace ql::rt::act

// Unary math: EXP, LOG, SQRT, RSQRT, ABS, NEG, SQUARE, SIN, COS, FLOOR, CEIL, ROUND.
//
// float32 for all, computed in float with the C library (TFLite's elementwise.cc, exp.cc,
// floor.cc, ceil.cc, round.cc, neg.cc, square via x * x). ROUND is TFLite's RoundToNearest:
// half to even. Integer variants TFLite has: ABS int32 (and quantized int8/int16 with
// requantization), NEG int32/int64, RSQRT int8 (elementwise.cc, RsqrtEvalQuantized: a table
// of the 256 inputs, below).
#include "runtime/kernels/activation/ActivationKernels.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/sequence/LstmSteps.h"

#include <array>
#include <cmath>

namespace ql::rt::act {
namespace {

using ew::describe;
using ew::requireType;

float roundHalfToEven(float x) {
    // TFLite's reference RoundToNearest: floor(x + 0.5) corrected for ties to even.
    const float floorVal = std::floor(x);
    const float diff = x - floorVal;
    if (diff < 0.5f || (diff == 0.5f && std::fmod(floorVal, 2.0f) == 0.0f)) return floorVal;
    return floorVal + 1.0f;
}

float unaryFloat(BuiltinOp op, float x) {
    switch (op) {
    case BuiltinOp::EXP: return std::exp(x);
    case BuiltinOp::LOG: return std::log(x);
    case BuiltinOp::SQRT: return std::sqrt(x);
    case BuiltinOp::RSQRT: return 1.0f / std::sqrt(x);
    case BuiltinOp::ABS: return std::fabs(x);
    case BuiltinOp::NEG: return -x;
    case BuiltinOp::SQUARE: return x * x;
    case BuiltinOp::SIN: return std::sin(x);
    case BuiltinOp::COS: return std::cos(x);
    case BuiltinOp::FLOOR: return std::floor(x);
    case BuiltinOp::CEIL: return std::ceil(x);
    default: return roundHalfToEven(x); // ROUND
    }
}

class UnaryKernel : public OpKernel {
public:
    explicit UnaryKernel(const Operator& op) : m_op(op.op) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        Status st;
        if (m_op == BuiltinOp::ABS) st = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT32, T::INT8, T::INT16});
        else if (m_op == BuiltinOp::NEG) st = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT32, T::INT64});
        else if (m_op == BuiltinOp::RSQRT) st = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8});
        else st = requireType(ctx, in, "input 0", {T::FLOAT32});
        if (!st) return st;
        if (out.type != in.type) return ctx.error(describe(out, "output 0") + " must have the input type " + ew::typeText(in.type));
        ctx.setOutputShape(0, in.shape);
        if (m_op == BuiltinOp::ABS && (in.type == T::INT8 || in.type == T::INT16)) {
            // elementwise.cc AbsPrepare: |q - z_in| requantized by s_in / s_out when they differ.
            if (Status s = ew::requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
            if (Status s = ew::requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
            if (in.type == T::INT16 && (in.zeroPoint() != 0 || out.zeroPoint() != 0))
                return ctx.error("int16 ABS needs zero points 0");
            m_inputZeroPoint = in.zeroPoint();
            m_outputZeroPoint = out.zeroPoint();
            m_rescale = in.scale() != out.scale();
            if (m_rescale) m_multiplier = quantizeMultiplier(double(in.scale()) / double(out.scale()));
        }
        if (m_op == BuiltinOp::RSQRT && in.type == T::INT8) {
            if (Status s = ew::requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
            if (Status s = ew::requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
            m_inputZeroPoint = in.zeroPoint();
            m_rsqrtTable = rsqrtTable(in.zeroPoint(), in.scale(), out.zeroPoint(), out.scale(), ctx.options().rounding);
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        switch (in.type) {
        case TensorType::FLOAT32: {
            auto x = in.values<float>();
            float* o = out.as<float>();
            const BuiltinOp op = m_op;
            for (size_t i = 0; i < x.size(); ++i) o[i] = unaryFloat(op, x[i]);
            return {};
        }
        case TensorType::INT32: return integer<int32_t>(in, out);
        case TensorType::INT64: return integer<int64_t>(in, out);
        case TensorType::INT8: return m_op == BuiltinOp::RSQRT ? quantizedRsqrt(ctx, in, out) : quantizedAbs<int8_t>(ctx, in, out);
        default: return quantizedAbs<int16_t>(ctx, in, out);
        }
    }

private:
    template <class T> Status integer(const RtTensor& in, RtTensor& out) const {
        auto x = in.values<T>();
        T* o = out.as<T>();
        using U = std::make_unsigned_t<T>;
        // Negation wraps for the most negative value (TFLite: the same bits).
        if (m_op == BuiltinOp::NEG)
            for (size_t i = 0; i < x.size(); ++i) o[i] = T(U(0) - U(x[i]));
        else
            for (size_t i = 0; i < x.size(); ++i) o[i] = x[i] < 0 ? T(U(0) - U(x[i])) : x[i];
        return {};
    }

    template <class T> Status quantizedAbs(KernelContext& ctx, const RtTensor& in, RtTensor& out) const {
        const auto [qmin, qmax] = quantizedRange(in.type);
        auto x = in.values<T>();
        T* o = out.as<T>();
        const Rounding r = ctx.options().rounding;
        for (size_t i = 0; i < x.size(); ++i) {
            int32_t v = std::abs(int32_t(x[i]) - m_inputZeroPoint);
            if (m_rescale) v = multiplyByQuantizedMultiplier(v, m_multiplier, r);
            o[i] = static_cast<T>(std::clamp(v + m_outputZeroPoint, qmin, qmax));
        }
        return {};
    }

    // TFLite's RsqrtEvalQuantized for every int8 input q: v = q - z_in; v = 0 gives 127;
    // otherwise 1/sqrt(v) as a fixed-point multiplier (GetInvSqrtQuantizedMultiplierExp,
    // reverse shift -1) applied to 1 << 20, then rescaled by 1 / (sqrt(s_in) * s_out) (the
    // product in float, as SetRsqrtOutputMultiplier) with the 20 bits shifted back.
    static std::array<int8_t, 256> rsqrtTable(int32_t zIn, float sIn, int32_t zOut, float sOut, Rounding r) {
        constexpr int kShift = 20;
        const QuantizedMultiplier m = quantizeMultiplier(1.0 / double(std::sqrt(sIn) * sOut));
        std::array<int8_t, 256> t{};
        for (int q = -128; q <= 127; ++q) {
            const int32_t v = q - zIn;
            int32_t out = 127;
            if (v > 0) {
                int32_t invMultiplier = 0;
                int invShift = 0;
                lstm::invSqrtQuantizedMultiplierExp(v, -1, &invMultiplier, &invShift);
                const int32_t data = multiplyByQuantizedMultiplier(int32_t(1), invMultiplier, invShift + kShift, r);
                out = multiplyByQuantizedMultiplier(data, m.multiplier, m.shift - kShift, r) + zOut;
            }
            t[size_t(q + 128)] = int8_t(std::clamp(out, -128, 127));
        }
        return t;
    }

    Status quantizedRsqrt(KernelContext& ctx, const RtTensor& in, RtTensor& out) const {
        auto x = in.values<int8_t>();
        int8_t* o = out.as<int8_t>();
        for (size_t i = 0; i < x.size(); ++i) {
            // TFLite refuses inputs below the zero point (negative real values) at run time.
            if (int32_t(x[i]) < m_inputZeroPoint)
                return ctx.error(describe(in, "input 0") + " element " + std::to_string(i) + " is " + std::to_string(x[i]) +
                                 ", below the zero point " + std::to_string(m_inputZeroPoint) +
                                 ": RSQRT is only defined for positive values");
            o[i] = m_rsqrtTable[size_t(int32_t(x[i]) + 128)];
        }
        return {};
    }

    BuiltinOp m_op;
    std::array<int8_t, 256> m_rsqrtTable{};
    int32_t m_inputZeroPoint = 0, m_outputZeroPoint = 0;
    bool m_rescale = false;
    QuantizedMultiplier m_multiplier;
};

} // namespace

void registerUnaryKernels(KernelRegistry& r) {
    for (BuiltinOp op : {BuiltinOp::EXP, BuiltinOp::LOG, BuiltinOp::SQRT, BuiltinOp::RSQRT, BuiltinOp::ABS, BuiltinOp::NEG,
                         BuiltinOp::SQUARE, BuiltinOp::SIN, BuiltinOp::COS, BuiltinOp::FLOOR, BuiltinOp::CEIL, BuiltinOp::ROUND})
        r.add(op, 1, 5, factoryOf<UnaryKernel>());
}

} // namespace ql::rt::act

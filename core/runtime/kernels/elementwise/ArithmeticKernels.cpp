// ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM: one kernel class with a path
// chosen at prepare (float, plain integer, quantized), NumPy broadcasting up to 6 dimensions
// and the fused activation of ADD/SUB/MUL/DIV.
//
// Types, as TFLite's builtin kernels accept them:
//   ADD, SUB: float32, int32, int64, int8, uint8, int16 (general and power-of-two scaling)
//   MUL: float32, int32, int64, int8, uint8, int16
//   DIV: float32, int32, uint8 (div.cc has no int8 / int16 DIV: refused at prepare as there)
//   SQUARED_DIFFERENCE: float32, int32, int8
//   MAXIMUM, MINIMUM: float32, int8, uint8, int16, int32, int64 (compare stored values)
#include "runtime/kernels/elementwise/Arithmetic.h"
#include "runtime/kernels/elementwise/Broadcast.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/elementwise/ElementwiseKernels.h"
#include "runtime/kernels/elementwise/QuantAddSimd.h"

#include <limits>

namespace ql::rt::ew {
namespace {

enum class Kind { Add, Sub, Mul, Div, SquaredDiff, Max, Min };
enum class Path { Float, Integer, QuantAddSub, XnnpackAdd, QuantPotInt16, QuantMul, XnnpackMul, QuantDiv, QuantSquaredDiff, RawCompare };

Kind kindOf(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::ADD: return Kind::Add;
    case BuiltinOp::SUB: return Kind::Sub;
    case BuiltinOp::MUL: return Kind::Mul;
    case BuiltinOp::DIV: return Kind::Div;
    case BuiltinOp::SQUARED_DIFFERENCE: return Kind::SquaredDiff;
    case BuiltinOp::MAXIMUM: return Kind::Max;
    default: return Kind::Min;
    }
}

// Wrapping integer arithmetic (TFLite's int32 kernels overflow silently; we avoid the UB).
template <class T> T wrapAdd(T a, T b) { return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b)); }
template <class T> T wrapSub(T a, T b) { return T(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b)); }
template <class T> T wrapMul(T a, T b) { return T(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b)); }

class ArithmeticKernel : public OpKernel {
public:
    explicit ArithmeticKernel(const Operator& op) : m_kind(kindOf(op.op)) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        if (a.type != b.type)
            return ctx.error(describe(a, "input 0") + " and " + describe(b, "input 1") + " must have the same type");
        if (out.type != a.type) return ctx.error(describe(out, "output 0") + " must have the input type " + typeText(a.type));
        if (Status s = checkTypes(ctx, a); !s) return s;
        for (int i = 0; i < 2; ++i)
            if (Status s = requireRankAtMost(ctx, *ctx.input(size_t(i)), "input " + std::to_string(i), kMaxBroadcastRank); !s) return s;
        auto shape = broadcastShape(a.shape, b.shape);
        if (!shape)
            return ctx.error("cannot broadcast " + describe(a, "input 0") + " with " + describe(b, "input 1"));
        ctx.setOutputShape(0, *shape);
        m_plan = planBroadcast(a.shape, b.shape, *shape);

        m_activation = activationOf(ctx);
        if (!isClampActivation(m_activation))
            return ctx.error("fused activation " + std::string(activationName(m_activation)) + " is not supported");
        return preparePath(ctx, a, b, out);
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        const Rounding r = ctx.options().rounding;
        switch (m_path) {
        case Path::Float: evalFloat(a.as<float>(), b.as<float>(), out.as<float>()); return {};
        case Path::Integer:
            if (a.type == TensorType::INT32) return evalInteger<int32_t>(ctx, a, b, out);
            return evalInteger<int64_t>(ctx, a, b, out);
        case Path::RawCompare: return evalRawCompare(a, b, out);
        case Path::QuantAddSub:
            if (m_simd != SimdIsa::Scalar) {
                // The vector rows (QuantAddSimd.h): the same integers as the loops below.
                return dispatchQuant(a.type, [&]<class T>(T) {
                    addSubBroadcastSimd(m_plan, m_addSub, a.as<T>(), b.as<T>(), out.as<T>(), m_simd, ctx.pool());
                });
            }
            if (a.type == TensorType::INT8) {
                broadcastBinary(m_plan, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>(),
                                [&](int8_t x, int8_t y) { return addSubFromTables(m_addSub, m_addTables, x, y, r); });
                return {};
            }
            if (a.type == TensorType::UINT8) {
                broadcastBinary(m_plan, a.as<uint8_t>(), b.as<uint8_t>(), out.as<uint8_t>(),
                                [&](uint8_t x, uint8_t y) { return addSubFromTables(m_addSub, m_addTables, x, y, r); });
                return {};
            }
            broadcastBinary(m_plan, a.as<int16_t>(), b.as<int16_t>(), out.as<int16_t>(),
                            [&](int16_t x, int16_t y) { return int16_t(addSubElement(m_addSub, x, y, r)); });
            return {};
        case Path::XnnpackAdd:
            if (m_simd != SimdIsa::Scalar) { // int8 only (prepare decides)
                xnnAddBroadcastSimd(m_plan, m_xnnAdd, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>(), m_simd, ctx.pool());
                return {};
            }
            return dispatchQuant(a.type, [&]<class T>(T) {
                broadcastBinary(m_plan, a.as<T>(), b.as<T>(), out.as<T>(), [&](T x, T y) { return T(xnn::add(x, y, m_xnnAdd)); });
            });
        case Path::XnnpackMul:
            return dispatchQuant(a.type, [&]<class T>(T) {
                broadcastBinary(m_plan, a.as<T>(), b.as<T>(), out.as<T>(), [&](T x, T y) { return T(xnn::mul(x, y, m_xnnMul)); });
            });
        case Path::QuantPotInt16:
            broadcastBinary(m_plan, a.as<int16_t>(), b.as<int16_t>(), out.as<int16_t>(),
                            [&](int16_t x, int16_t y) { return int16_t(potInt16Element(m_pot, x, y)); });
            return {};
        case Path::QuantMul:
            return dispatchQuant(a.type, [&]<class T>(T) {
                broadcastBinary(m_plan, a.as<T>(), b.as<T>(), out.as<T>(), [&](T x, T y) { return T(mulElement(m_mul, x, y, r)); });
            });
        case Path::QuantDiv: {
            // div.cc CheckNonZero: every divisor value, not only the broadcast ones.
            for (uint8_t y : b.values<uint8_t>())
                if (int32_t(y) + m_div.input2Offset == 0)
                    return ctx.error("division by zero: " + describe(b, "input 1") + " holds its zero point " +
                                     std::to_string(-m_div.input2Offset));
            broadcastBinary(m_plan, a.as<uint8_t>(), b.as<uint8_t>(), out.as<uint8_t>(),
                            [&](uint8_t x, uint8_t y) { return uint8_t(divElement(m_div, x, y)); });
            return {};
        }
        case Path::QuantSquaredDiff:
            broadcastBinary(m_plan, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>(),
                            [&](int8_t x, int8_t y) { return int8_t(squaredDiffElement(m_sqDiff, x, y, r)); });
            return {};
        }
        return {};
    }

private:
    Status checkTypes(const KernelContext& ctx, const RtTensor& a) const {
        using T = TensorType;
        switch (m_kind) {
        case Kind::Add:
        case Kind::Sub:
        case Kind::Mul: return requireType(ctx, a, "input 0", {T::FLOAT32, T::INT32, T::INT64, T::INT8, T::UINT8, T::INT16});
        case Kind::Div: return requireType(ctx, a, "input 0", {T::FLOAT32, T::INT32, T::UINT8});
        case Kind::SquaredDiff: return requireType(ctx, a, "input 0", {T::FLOAT32, T::INT32, T::INT8});
        case Kind::Max:
        case Kind::Min: return requireType(ctx, a, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16, T::INT32, T::INT64});
        }
        return {};
    }

    Activation activationOf(const KernelContext& ctx) const {
        switch (m_kind) {
        case Kind::Add: return optionsOr<tflite::AddOptionsT>(ctx).fused_activation_function;
        case Kind::Sub: return optionsOr<tflite::SubOptionsT>(ctx).fused_activation_function;
        case Kind::Mul: return optionsOr<tflite::MulOptionsT>(ctx).fused_activation_function;
        case Kind::Div: return optionsOr<tflite::DivOptionsT>(ctx).fused_activation_function;
        default: return Activation::NONE;
        }
    }

    bool potScaleInt16Option(const KernelContext& ctx) const {
        // The schema's default is true; TFLite then still takes the general path unless every
        // scale is a power of two (and every zero point 0).
        if (m_kind == Kind::Add) return optionsOr<tflite::AddOptionsT>(ctx).pot_scale_int16;
        if (m_kind == Kind::Sub) return optionsOr<tflite::SubOptionsT>(ctx).pot_scale_int16;
        return false;
    }

    Status preparePath(KernelContext& ctx, const RtTensor& a, const RtTensor& b, const RtTensor& out) {
        if (a.type == TensorType::FLOAT32) {
            m_path = Path::Float;
            m_floatRange = activationRangeFloat(m_activation);
            return {};
        }
        if (m_kind == Kind::Max || m_kind == Kind::Min) {
            m_path = Path::RawCompare;
            return {};
        }
        if (a.type == TensorType::INT32 || a.type == TensorType::INT64) {
            m_path = Path::Integer;
            return {};
        }
        // Quantized int8 / uint8 / int16.
        for (int i = 0; i < 2; ++i)
            if (Status s = requirePerTensorQuant(ctx, *ctx.input(size_t(i)), "input " + std::to_string(i)); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        const float s1 = a.scale(), s2 = b.scale(), so = out.scale();
        const int32_t z1 = a.zeroPoint(), z2 = b.zeroPoint(), zo = out.zeroPoint();
        const auto act = activationRangeQuantized(m_activation, so, zo, out.type);
        if (act.first > act.second)
            return ctx.error("fused activation " + std::string(activationName(m_activation)) + " leaves no representable output value");

        if (m_kind == Kind::Add || m_kind == Kind::Sub) {
            const bool subtract = m_kind == Kind::Sub;
            if (a.type == TensorType::INT16) {
                if (z1 != 0 || z2 != 0 || zo != 0)
                    return ctx.error("int16 " + std::string(subtract ? "SUB" : "ADD") + " needs zero points 0 (got " + std::to_string(z1) +
                                     ", " + std::to_string(z2) + ", " + std::to_string(zo) + ")");
                int l1 = 0, l2 = 0, lo = 0;
                const bool pot = potScaleInt16Option(ctx) && checkedLog2(s1, &l1) && checkedLog2(s2, &l2) && checkedLog2(so, &lo);
                if (pot) {
                    m_pot = {l1 - lo, l2 - lo, act.first, act.second, subtract};
                    if (!(m_pot.shift1 == 0 || m_pot.shift2 == 0) || m_pot.shift1 > 0 || m_pot.shift2 > 0)
                        return ctx.error("int16 power-of-two scaling needs one input on the output scale and the other on a finer one "
                                         "(scale log2: " + std::to_string(l1) + ", " + std::to_string(l2) + ", output " + std::to_string(lo) + ")");
                    m_path = Path::QuantPotInt16;
                    return {};
                }
            }
            if (isXnnpack8Bit(ctx, a)) {
                // XNNPACK's qs8/qu8 add and subtract (quant/XnnpackArithmetic.h; the delegate's
                // VisitAddNode / VisitSubNode); ratios it refuses stay with TFLite's kernel.
                const auto [lo, hi] = xnn::activationRange(m_activation, so, zo, out.type);
                if (xnn::addParams(s1, z1, s2, z2, so, zo, lo, hi, m_xnnAdd, subtract)) {
                    m_path = Path::XnnpackAdd;
                    m_simd = a.type == TensorType::INT8 && xnnAddSimdUsable(detectSimdIsa()) ? detectSimdIsa() : SimdIsa::Scalar;
                    return {};
                }
            }
            const int leftShift = a.type == TensorType::INT16 ? 15 : 20;
            m_addSub = makeAddSubParams(s1, z1, s2, z2, so, zo, leftShift, subtract, act);
            if (a.type == TensorType::INT8) m_addTables = makeAddSubTables<int8_t>(m_addSub, ctx.options().rounding);
            if (a.type == TensorType::UINT8) m_addTables = makeAddSubTables<uint8_t>(m_addSub, ctx.options().rounding);
            m_path = Path::QuantAddSub;
            m_simd = addSubSimdUsable(m_addSub, ctx.options().rounding, detectSimdIsa()) ? detectSimdIsa() : SimdIsa::Scalar;
            return {};
        }
        if (m_kind == Kind::Mul) {
            if (isXnnpack8Bit(ctx, a)) {
                // XNNPACK's qs8/qu8 multiply (the delegate's VisitMulNode); a product ratio it
                // refuses stays with TFLite's kernel.
                const auto [lo, hi] = xnn::activationRange(m_activation, so, zo, out.type);
                if (xnn::mulParams(s1, z1, s2, z2, so, zo, lo, hi, m_xnnMul)) {
                    m_path = Path::XnnpackMul;
                    return {};
                }
            }
            m_mul.input1Offset = -z1;
            m_mul.input2Offset = -z2;
            m_mul.outputOffset = zo;
            // mul.cc: `double real_multiplier = s1 * s2 / s_out;` evaluated in float.
            const float real = s1 * s2 / so;
            m_mul.output = quantizeMultiplier(double(real));
            m_mul.actMin = act.first;
            m_mul.actMax = act.second;
            m_path = Path::QuantMul;
            return {};
        }
        if (m_kind == Kind::Div) {
            m_div.input1Offset = -z1;
            m_div.input2Offset = -z2;
            m_div.outputOffset = zo;
            // div.cc: `s1 / (s2 * s_out)` on floats, then widened to double.
            const float real = s1 / (s2 * so);
            m_div.output = quantizeMultiplier(double(real));
            if (m_div.output.shift > 23)
                return ctx.error("DIV rescale s1 / (s2 * s_out) = " + std::to_string(real) + " is too large (at most 2^23)");
            m_div.actMin = act.first;
            m_div.actMax = act.second;
            m_path = Path::QuantDiv;
            return {};
        }
        // SQUARED_DIFFERENCE int8 (no fused activation).
        m_sqDiff = makeSquaredDiffParams(s1, z1, s2, z2, so, zo);
        m_path = Path::QuantSquaredDiff;
        return {};
    }

    // Under Target::TfliteCpu the delegate takes int8 and uint8 ADD/SUB/MUL.
    static bool isXnnpack8Bit(const KernelContext& ctx, const RtTensor& a) {
        return ctx.options().xnnpack() && (a.type == TensorType::INT8 || a.type == TensorType::UINT8);
    }

    template <class F> Status dispatchQuant(TensorType t, F&& f) const {
        switch (t) {
        case TensorType::INT8: f(int8_t{}); break;
        case TensorType::UINT8: f(uint8_t{}); break;
        default: f(int16_t{}); break;
        }
        return {};
    }

    void evalFloat(const float* a, const float* b, float* o) const {
        const float lo = m_floatRange.first, hi = m_floatRange.second;
        // TFLite's ActivationFunctionWithMinMax: min(max(x, lo), hi) (NaN passes through).
        auto clamp = [lo, hi](float x) { return std::min(std::max(x, lo), hi); };
        switch (m_kind) {
        case Kind::Add: broadcastBinary(m_plan, a, b, o, [&](float x, float y) { return clamp(x + y); }); break;
        case Kind::Sub: broadcastBinary(m_plan, a, b, o, [&](float x, float y) { return clamp(x - y); }); break;
        case Kind::Mul: broadcastBinary(m_plan, a, b, o, [&](float x, float y) { return clamp(x * y); }); break;
        case Kind::Div: broadcastBinary(m_plan, a, b, o, [&](float x, float y) { return clamp(x / y); }); break;
        case Kind::SquaredDiff:
            broadcastBinary(m_plan, a, b, o, [](float x, float y) {
                const float d = x - y;
                return d * d;
            });
            break;
        // maximum_minimum.cc: MaximumOp el1 > el2 ? el1 : el2 (a NaN first operand yields the second).
        case Kind::Max: broadcastBinary(m_plan, a, b, o, [](float x, float y) { return x > y ? x : y; }); break;
        case Kind::Min: broadcastBinary(m_plan, a, b, o, [](float x, float y) { return x < y ? x : y; }); break;
        }
    }

    template <class T> Status evalInteger(KernelContext& ctx, const RtTensor& ta, const RtTensor& tb, RtTensor& to) const {
        const T* a = ta.as<T>();
        const T* b = tb.as<T>();
        T* o = to.as<T>();
        // No structured binding here: clang 14 cannot capture bindings in a lambda.
        const auto range = activationRangeInteger<T>(m_activation);
        const T lo = range.first, hi = range.second;
        auto clamp = [lo, hi](T x) { return std::min(std::max(x, lo), hi); };
        switch (m_kind) {
        case Kind::Add: broadcastBinary(m_plan, a, b, o, [&](T x, T y) { return clamp(wrapAdd(x, y)); }); break;
        case Kind::Sub: broadcastBinary(m_plan, a, b, o, [&](T x, T y) { return clamp(wrapSub(x, y)); }); break;
        case Kind::Mul: broadcastBinary(m_plan, a, b, o, [&](T x, T y) { return clamp(wrapMul(x, y)); }); break;
        case Kind::Div: {
            for (T y : tb.values<T>())
                if (y == 0) return ctx.error("division by zero in " + describe(tb, "input 1"));
            broadcastBinary(m_plan, a, b, o, [&](T x, T y) {
                // INT_MIN / -1 overflows: wrap like the hardware result of negation.
                return clamp(y == -1 ? wrapSub(T(0), x) : T(x / y));
            });
            break;
        }
        case Kind::SquaredDiff:
            broadcastBinary(m_plan, a, b, o, [](T x, T y) {
                const T d = wrapSub(x, y);
                return wrapMul(d, d);
            });
            break;
        default: break;
        }
        return {};
    }

    Status evalRawCompare(const RtTensor& a, const RtTensor& b, RtTensor& o) const {
        auto run = [&]<class T>(T) {
            if (m_kind == Kind::Max)
                broadcastBinary(m_plan, a.as<T>(), b.as<T>(), o.as<T>(), [](T x, T y) { return x > y ? x : y; });
            else
                broadcastBinary(m_plan, a.as<T>(), b.as<T>(), o.as<T>(), [](T x, T y) { return x < y ? x : y; });
        };
        switch (a.type) {
        case TensorType::INT8: run(int8_t{}); break;
        case TensorType::UINT8: run(uint8_t{}); break;
        case TensorType::INT16: run(int16_t{}); break;
        case TensorType::INT32: run(int32_t{}); break;
        default: run(int64_t{}); break;
        }
        return {};
    }

    Kind m_kind;
    Path m_path = Path::Float;
    Activation m_activation = Activation::NONE;
    BroadcastPlan m_plan;
    std::pair<float, float> m_floatRange;
    AddSubParams m_addSub;
    AddSubTables m_addTables;
    xnn::AddParams m_xnnAdd; // Target::TfliteCpu, 8-bit ADD / SUB
    xnn::MulParams m_xnnMul; // Target::TfliteCpu, 8-bit MUL
    SimdIsa m_simd = SimdIsa::Scalar; // vector rows for QuantAddSub / XnnpackAdd (prepare decides)
    PotInt16Params m_pot;
    MulParams m_mul;
    DivParams m_div;
    SquaredDiffParams m_sqDiff;
};

} // namespace

void registerArithmeticKernels(KernelRegistry& r) {
    // Version ranges as of TFLite mid-2023 (int16 and int64 variants included).
    r.add(BuiltinOp::ADD, 1, 5, factoryOf<ArithmeticKernel>());
    r.add(BuiltinOp::SUB, 1, 5, factoryOf<ArithmeticKernel>());
    r.add(BuiltinOp::MUL, 1, 7, factoryOf<ArithmeticKernel>());
    r.add(BuiltinOp::DIV, 1, 2, factoryOf<ArithmeticKernel>());
    r.add(BuiltinOp::SQUARED_DIFFERENCE, 1, 2, factoryOf<ArithmeticKernel>());
    r.add(BuiltinOp::MAXIMUM, 1, 4, factoryOf<ArithmeticKernel>());
    r.add(BuiltinOp::MINIMUM, 1, 4, factoryOf<ArithmeticKernel>());
}

} // namespace ql::rt::ew

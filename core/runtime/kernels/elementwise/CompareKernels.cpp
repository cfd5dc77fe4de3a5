// EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (bool output, broadcasting),
// LOGICAL_AND, LOGICAL_OR (bool inputs) and LOGICAL_NOT.
//
// Types as TFLite's comparisons.cc: float32, int16, int32, int64, bool (EQUAL/NOT_EQUAL only),
// and quantized int8/uint8, which TFLite compares after moving both inputs to a common scale:
//   v_i = MBQM((q_i - z_i) << 8, quantizeMultiplier(s_i))     (ComparisonWithScaling)
// so that inputs with different parameters compare by their real values.
#include "runtime/kernels/elementwise/Broadcast.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/elementwise/ElementwiseKernels.h"

namespace ql::rt::ew {
namespace {

enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge, And, Or };

Cmp cmpOf(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::EQUAL: return Cmp::Eq;
    case BuiltinOp::NOT_EQUAL: return Cmp::Ne;
    case BuiltinOp::LESS: return Cmp::Lt;
    case BuiltinOp::LESS_EQUAL: return Cmp::Le;
    case BuiltinOp::GREATER: return Cmp::Gt;
    case BuiltinOp::GREATER_EQUAL: return Cmp::Ge;
    case BuiltinOp::LOGICAL_AND: return Cmp::And;
    default: return Cmp::Or;
    }
}

template <class T> bool compare(Cmp c, T x, T y) {
    switch (c) {
    case Cmp::Eq: return x == y;
    case Cmp::Ne: return x != y;
    case Cmp::Lt: return x < y;
    case Cmp::Le: return x <= y;
    case Cmp::Gt: return x > y;
    case Cmp::Ge: return x >= y;
    case Cmp::And: return bool(x) && bool(y);
    case Cmp::Or: return bool(x) || bool(y);
    }
    return false;
}

class CompareKernel : public OpKernel {
public:
    explicit CompareKernel(const Operator& op) : m_cmp(cmpOf(op.op)) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        if (a.type != b.type)
            return ctx.error(describe(a, "input 0") + " and " + describe(b, "input 1") + " must have the same type");
        using T = TensorType;
        if (m_cmp == Cmp::And || m_cmp == Cmp::Or) {
            if (Status s = requireType(ctx, a, "input 0", {T::BOOL}); !s) return s;
        } else if (m_cmp == Cmp::Eq || m_cmp == Cmp::Ne) {
            if (Status s = requireType(ctx, a, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16, T::INT32, T::INT64, T::BOOL}); !s) return s;
        } else if (Status s = requireType(ctx, a, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16, T::INT32, T::INT64}); !s) {
            return s;
        }
        if (out.type != T::BOOL) return ctx.error(describe(out, "output 0") + " must be bool");
        for (int i = 0; i < 2; ++i)
            if (Status s = requireRankAtMost(ctx, *ctx.input(size_t(i)), "input " + std::to_string(i), kMaxBroadcastRank); !s) return s;
        auto shape = broadcastShape(a.shape, b.shape);
        if (!shape) return ctx.error("cannot broadcast " + describe(a, "input 0") + " with " + describe(b, "input 1"));
        ctx.setOutputShape(0, *shape);
        m_plan = planBroadcast(a.shape, b.shape, *shape);

        m_scaled = (a.type == T::INT8 || a.type == T::UINT8) && a.isQuantized() && b.isQuantized();
        if (m_scaled) {
            for (int i = 0; i < 2; ++i)
                if (Status s = requirePerTensorQuant(ctx, *ctx.input(size_t(i)), "input " + std::to_string(i)); !s) return s;
            m_offset1 = -a.zeroPoint();
            m_offset2 = -b.zeroPoint();
            m_mult1 = quantizeMultiplier(double(a.scale()));
            m_mult2 = quantizeMultiplier(double(b.scale()));
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        bool* o = ctx.output(0).as<bool>();
        const Cmp c = m_cmp;
        auto plain = [&]<class T>(T) {
            broadcastBinary(m_plan, a.as<T>(), b.as<T>(), o, [c](T x, T y) { return compare(c, x, y); });
        };
        if (m_scaled) {
            const Rounding r = ctx.options().rounding;
            auto scaled = [&]<class T>(T) {
                broadcastBinary(m_plan, a.as<T>(), b.as<T>(), o, [&](T x, T y) {
                    const int32_t vx = multiplyByQuantizedMultiplier((x + m_offset1) * (1 << kLeftShift), m_mult1, r);
                    const int32_t vy = multiplyByQuantizedMultiplier((y + m_offset2) * (1 << kLeftShift), m_mult2, r);
                    return compare(c, vx, vy);
                });
            };
            if (a.type == TensorType::INT8) scaled(int8_t{});
            else scaled(uint8_t{});
            return {};
        }
        switch (a.type) {
        case TensorType::FLOAT32: plain(float{}); break;
        case TensorType::INT8: plain(int8_t{}); break;
        case TensorType::UINT8: plain(uint8_t{}); break;
        case TensorType::INT16: plain(int16_t{}); break;
        case TensorType::INT32: plain(int32_t{}); break;
        case TensorType::INT64: plain(int64_t{}); break;
        default: plain(bool{}); break;
        }
        return {};
    }

private:
    static constexpr int kLeftShift = 8;
    Cmp m_cmp;
    BroadcastPlan m_plan;
    bool m_scaled = false;
    int32_t m_offset1 = 0, m_offset2 = 0;
    QuantizedMultiplier m_mult1, m_mult2;
};

class LogicalNotKernel : public OpKernel {
public:
    explicit LogicalNotKernel(const Operator&) {}
    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = requireType(ctx, in, "input 0", {TensorType::BOOL}); !s) return s;
        if (ctx.output(0).type != TensorType::BOOL) return ctx.error(describe(ctx.output(0), "output 0") + " must be bool");
        ctx.setOutputShape(0, in.shape);
        return {};
    }
    Status eval(KernelContext& ctx) override {
        auto in = ctx.input(0)->values<bool>();
        bool* o = ctx.output(0).as<bool>();
        for (size_t i = 0; i < in.size(); ++i) o[i] = !in[i];
        return {};
    }
};

} // namespace

void registerCompareKernels(KernelRegistry& r) {
    for (BuiltinOp op : {BuiltinOp::EQUAL, BuiltinOp::NOT_EQUAL, BuiltinOp::LESS, BuiltinOp::LESS_EQUAL, BuiltinOp::GREATER,
                         BuiltinOp::GREATER_EQUAL})
        r.add(op, 1, 4, factoryOf<CompareKernel>());
    r.add(BuiltinOp::LOGICAL_AND, 1, 1, factoryOf<CompareKernel>());
    r.add(BuiltinOp::LOGICAL_OR, 1, 1, factoryOf<CompareKernel>());
    r.add(BuiltinOp::LOGICAL_NOT, 1, 1, factoryOf<LogicalNotKernel>());
}

} // namespace ql::rt::ew

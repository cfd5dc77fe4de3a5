// FLOOR_DIV, FLOOR_MOD, POW (broadcasting binary math) and ADD_N (n same-shaped inputs).
//
// As TFLite's floor_div.cc / floor_mod.cc / pow.cc / add_n.cc:
//   FLOOR_DIV: floor(double(a) / double(b)), float32 / int8 / int16 / int32; integer division
//              by zero is an error at eval.
//   FLOOR_MOD: the truncated remainder (fmod for float), moved into the divisor's sign:
//              r = a % b; if (r != 0 && (b < 0) != (r < 0)) r += b. float32 / int8 / int16 /
//              int32 / int64.
//   POW: std::pow for float32; for int32 exponentiation by squaring (wrapping), negative
//        exponents are an error at eval.
//   ADD_N: float32 / int32, summed in input order.
#include "runtime/kernels/elementwise/Broadcast.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/elementwise/ElementwiseKernels.h"

#include <cmath>
#include <functional>

namespace ql::rt::ew {
namespace {

template <class T> T floorMod(T a, T b) {
    T r;
    if constexpr (std::is_floating_point_v<T>) r = std::fmod(a, b);
    else r = (b == -1) ? T(0) : T(a % b); // INT_MIN % -1 is 0
    return (r != 0 && ((b < 0) != (r < 0))) ? T(r + b) : r;
}

template <class T> T integerPow(T base, T exponent) {
    using U = std::make_unsigned_t<T>;
    U result = 1, b = U(base);
    while (exponent) {
        if (exponent & 1) result *= b;
        exponent >>= 1;
        b *= b;
    }
    return T(result);
}

class BinaryMathKernel : public OpKernel {
public:
    explicit BinaryMathKernel(const Operator& op) : m_op(op.op) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        using T = TensorType;
        if (a.type != b.type) return ctx.error(describe(a, "input 0") + " and " + describe(b, "input 1") + " must have the same type");
        if (ctx.output(0).type != a.type) return ctx.error(describe(ctx.output(0), "output 0") + " must have the input type");
        Status st;
        if (m_op == BuiltinOp::FLOOR_DIV) st = requireType(ctx, a, "input 0", {T::FLOAT32, T::INT8, T::INT16, T::INT32});
        else if (m_op == BuiltinOp::FLOOR_MOD) st = requireType(ctx, a, "input 0", {T::FLOAT32, T::INT8, T::INT16, T::INT32, T::INT64});
        else st = requireType(ctx, a, "input 0", {T::FLOAT32, T::INT32});
        if (!st) return st;
        for (int i = 0; i < 2; ++i)
            if (Status s = requireRankAtMost(ctx, *ctx.input(size_t(i)), "input " + std::to_string(i), kMaxBroadcastRank); !s) return s;
        auto shape = broadcastShape(a.shape, b.shape);
        if (!shape) return ctx.error("cannot broadcast " + describe(a, "input 0") + " with " + describe(b, "input 1"));
        ctx.setOutputShape(0, *shape);
        m_plan = planBroadcast(a.shape, b.shape, *shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        RtTensor& o = ctx.output(0);
        switch (a.type) {
        case TensorType::FLOAT32: return run<float>(ctx, a, b, o);
        case TensorType::INT8: return run<int8_t>(ctx, a, b, o);
        case TensorType::INT16: return run<int16_t>(ctx, a, b, o);
        case TensorType::INT32: return run<int32_t>(ctx, a, b, o);
        default: return run<int64_t>(ctx, a, b, o);
        }
    }

private:
    template <class T> Status run(KernelContext& ctx, const RtTensor& ta, const RtTensor& tb, RtTensor& to) {
        const T* a = ta.as<T>();
        const T* b = tb.as<T>();
        T* o = to.as<T>();
        if constexpr (std::is_integral_v<T>) {
            if (m_op != BuiltinOp::POW) {
                for (T y : tb.values<T>())
                    if (y == 0) return ctx.error("division by zero in " + describe(tb, "input 1"));
            } else {
                for (T y : tb.values<T>())
                    if (y < 0) return ctx.error("integer POW does not support the negative exponent " + std::to_string(y));
            }
        }
        if (m_op == BuiltinOp::FLOOR_DIV) {
            broadcastBinary(m_plan, a, b, o, [](T x, T y) { return static_cast<T>(std::floor(double(x) / double(y))); });
        } else if (m_op == BuiltinOp::FLOOR_MOD) {
            broadcastBinary(m_plan, a, b, o, [](T x, T y) { return floorMod(x, y); });
        } else if constexpr (std::is_floating_point_v<T>) {
            broadcastBinary(m_plan, a, b, o, [](T x, T y) { return std::pow(x, y); });
        } else {
            broadcastBinary(m_plan, a, b, o, [](T x, T y) { return integerPow(x, y); });
        }
        return {};
    }

    BuiltinOp m_op;
    BroadcastPlan m_plan;
};

class AddNKernel : public OpKernel {
public:
    explicit AddNKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1 << 20); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& first = *ctx.input(0);
        if (Status s = requireType(ctx, first, "input 0", {TensorType::FLOAT32, TensorType::INT32}); !s) return s;
        for (size_t i = 0; i < ctx.inputCount(); ++i) {
            const RtTensor* t = ctx.input(i);
            if (!t) return ctx.error("input " + std::to_string(i) + " is omitted");
            if (t->type != first.type || t->shape != first.shape)
                return ctx.error(describe(*t, "input " + std::to_string(i)) + " must match " + describe(first, "input 0"));
        }
        if (ctx.output(0).type != first.type) return ctx.error(describe(ctx.output(0), "output 0") + " must have the input type");
        ctx.setOutputShape(0, first.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        if (ctx.input(0)->type == TensorType::FLOAT32) sum<float>(ctx);
        else sum<int32_t>(ctx);
        return {};
    }

private:
    template <class T> void sum(KernelContext& ctx) {
        auto out = ctx.output(0).values<T>();
        auto first = ctx.input(0)->values<T>();
        std::copy(first.begin(), first.end(), out.begin());
        for (size_t i = 1; i < ctx.inputCount(); ++i) {
            auto in = ctx.input(i)->values<T>();
            for (size_t k = 0; k < out.size(); ++k) {
                if constexpr (std::is_integral_v<T>) out[k] = T(uint32_t(out[k]) + uint32_t(in[k]));
                else out[k] += in[k];
            }
        }
    }
};

} // namespace

void registerMathKernels(KernelRegistry& r) {
    r.add(BuiltinOp::FLOOR_DIV, 1, 3, factoryOf<BinaryMathKernel>());
    r.add(BuiltinOp::FLOOR_MOD, 1, 2, factoryOf<BinaryMathKernel>());
    r.add(BuiltinOp::POW, 1, 1, factoryOf<BinaryMathKernel>());
    r.add(BuiltinOp::ADD_N, 1, 1, factoryOf<AddNKernel>());
}

} // namespace ql::rt::ew

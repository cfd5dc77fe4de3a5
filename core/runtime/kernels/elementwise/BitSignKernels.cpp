// RIGHT_SHIFT, BITWISE_XOR (broadcasting, signed and unsigned 8/16/32-bit integers), ATAN2
// (float32/float64, same shapes) and SIGN (float32/float64/int32), as TFLite's right_shift.cc,
// bitwise_xor.cc, atan2.cc and sign.cc compute them:
//   RIGHT_SHIFT: x >> y with y clamped into [0, bits - 1], arithmetic for signed types;
//   SIGN: (0 < x) - (x < 0), so NaN gives 0.
// TFLite's ATAN2 checks only that both inputs have the same rank and then reads the second as if
// it had the first's elements; here the shapes must be equal.
#include "runtime/kernels/elementwise/Broadcast.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/elementwise/ElementwiseKernels.h"

#include <climits>
#include <cmath>

namespace ql::rt::ew {
namespace {

class BitKernel : public OpKernel {
public:
    explicit BitKernel(const Operator& op) : m_shift(op.op == BuiltinOp::RIGHT_SHIFT) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        using T = TensorType;
        if (Status s = requireType(ctx, a, "input 0",
                                   {T::INT8, T::UINT8, T::INT16, T::UINT16, T::INT32, T::UINT32});
            !s)
            return s;
        if (a.type != b.type)
            return ctx.error(describe(a, "input 0") + " and " + describe(b, "input 1") +
                             " must have the same type");
        if (ctx.output(0).type != a.type)
            return ctx.error(describe(ctx.output(0), "output 0") + " must have the input type");
        for (int i = 0; i < 2; ++i)
            if (Status s = requireRankAtMost(ctx, *ctx.input(size_t(i)),
                                             "input " + std::to_string(i), kMaxBroadcastRank);
                !s)
                return s;
        auto shape = broadcastShape(a.shape, b.shape);
        if (!shape)
            return ctx.error("cannot broadcast " + describe(a, "input 0") + " with " +
                             describe(b, "input 1"));
        ctx.setOutputShape(0, *shape);
        m_plan = planBroadcast(a.shape, b.shape, *shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        switch (ctx.input(0)->type) {
        case TensorType::INT8:
            run<int8_t>(ctx);
            break;
        case TensorType::UINT8:
            run<uint8_t>(ctx);
            break;
        case TensorType::INT16:
            run<int16_t>(ctx);
            break;
        case TensorType::UINT16:
            run<uint16_t>(ctx);
            break;
        case TensorType::INT32:
            run<int32_t>(ctx);
            break;
        default:
            run<uint32_t>(ctx);
            break;
        }
        return {};
    }

private:
    template <class T> void run(KernelContext& ctx) {
        const T* a = ctx.input(0)->as<T>();
        const T* b = ctx.input(1)->as<T>();
        T* o = ctx.output(0).as<T>();
        if (m_shift)
            broadcastBinary(m_plan, a, b, o, [](T x, T y) {
                constexpr T maxShift = T(sizeof(T) * CHAR_BIT - 1);
                const T s = y < T(0) ? T(0) : y > maxShift ? maxShift : y;
                return static_cast<T>(x >> s);
            });
        else
            broadcastBinary(m_plan, a, b, o, [](T x, T y) { return static_cast<T>(x ^ y); });
    }

    bool m_shift;
    BroadcastPlan m_plan;
};

class Atan2Kernel : public OpKernel {
public:
    explicit Atan2Kernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& y = *ctx.input(0);
        const RtTensor& x = *ctx.input(1);
        if (Status s = requireType(ctx, y, "input 0", {TensorType::FLOAT32, TensorType::FLOAT64});
            !s)
            return s;
        if (x.type != y.type || ctx.output(0).type != y.type)
            return ctx.error(describe(y, "y") + ", " + describe(x, "x") +
                             " and the output must have one type");
        if (x.shape != y.shape)
            return ctx.error(describe(y, "y") + " and " + describe(x, "x") +
                             " must have the same shape");
        ctx.setOutputShape(0, y.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const auto run = [&](auto tag) {
            using F = decltype(tag);
            const F* y = ctx.input(0)->as<F>();
            const F* x = ctx.input(1)->as<F>();
            F* o = ctx.output(0).as<F>();
            const int64_t n = ctx.output(0).elementCount();
            for (int64_t i = 0; i < n; ++i)
                o[i] = std::atan2(y[i], x[i]);
        };
        if (ctx.input(0)->type == TensorType::FLOAT32)
            run(float{});
        else
            run(double{});
        return {};
    }
};

class SignKernel : public OpKernel {
public:
    explicit SignKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& x = *ctx.input(0);
        if (Status s = requireType(ctx, x, "input",
                                   {TensorType::FLOAT32, TensorType::FLOAT64, TensorType::INT32});
            !s)
            return s;
        if (ctx.output(0).type != x.type)
            return ctx.error(describe(ctx.output(0), "output 0") + " must have the input type");
        ctx.setOutputShape(0, x.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const auto run = [&](auto tag) {
            using V = decltype(tag);
            const V* x = ctx.input(0)->as<V>();
            V* o = ctx.output(0).as<V>();
            const int64_t n = ctx.output(0).elementCount();
            for (int64_t i = 0; i < n; ++i)
                o[i] = static_cast<V>(int(V(0) < x[i]) - int(x[i] < V(0)));
        };
        switch (ctx.input(0)->type) {
        case TensorType::FLOAT32:
            run(float{});
            break;
        case TensorType::FLOAT64:
            run(double{});
            break;
        default:
            run(int32_t{});
            break;
        }
        return {};
    }
};

} // namespace

void registerBitSignKernels(KernelRegistry& r) {
    r.add(BuiltinOp::RIGHT_SHIFT, 1, 1, factoryOf<BitKernel>());
    r.add(BuiltinOp::BITWISE_XOR, 1, 1, factoryOf<BitKernel>());
    r.add(BuiltinOp::ATAN2, 1, 1, factoryOf<Atan2Kernel>());
    r.add(BuiltinOp::SIGN, 1, 2, factoryOf<SignKernel>());
}

} // namespace ql::rt::ew

// CAST between float32, float64, float16, int8, uint8, int16, uint16, int32, uint32, int64
// and bool (cast.cc: static_cast<To>(from); to bool: from != 0).
//
// Deviation: C++ leaves float -> integer conversion undefined outside the target range and for
// NaN; QuantLab truncates toward zero and saturates, NaN becomes 0. Integer -> integer wraps
// (two's complement), as static_cast does.
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/quantize/QuantizeKernels.h"
#include "util/Float16.h"

#include <cmath>
#include <limits>

namespace ql::rt::qk {
namespace {

using ew::describe;
using ew::requireType;

struct Half { // tag for float16 storage
    uint16_t bits;
};

template <class To, class From> To convert(From v) {
    if constexpr (std::is_same_v<From, Half>) {
        return convert<To>(halfToFloat(v.bits));
    } else if constexpr (std::is_same_v<To, Half>) {
        return Half{floatToHalf(static_cast<float>(convert<double>(v)))};
    } else if constexpr (std::is_same_v<To, bool>) {
        return v != From(0);
    } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
        if (std::isnan(v)) return To(0);
        const double t = std::trunc(double(v));
        if (t <= double(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
        if (t >= double(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
        return static_cast<To>(t);
    } else {
        return static_cast<To>(v);
    }
}

template <class F> bool dispatch(TensorType t, F&& f) {
    switch (t) {
    case TensorType::FLOAT32: f(float{}); return true;
    case TensorType::FLOAT64: f(double{}); return true;
    case TensorType::FLOAT16: f(Half{}); return true;
    case TensorType::INT8: f(int8_t{}); return true;
    case TensorType::UINT8: f(uint8_t{}); return true;
    case TensorType::INT16: f(int16_t{}); return true;
    case TensorType::UINT16: f(uint16_t{}); return true;
    case TensorType::INT32: f(int32_t{}); return true;
    case TensorType::UINT32: f(uint32_t{}); return true;
    case TensorType::INT64: f(int64_t{}); return true;
    case TensorType::BOOL: f(bool{}); return true;
    default: return false;
    }
}

class CastKernel : public OpKernel {
public:
    explicit CastKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        using T = TensorType;
        const std::initializer_list<T> types = {T::FLOAT32, T::FLOAT64, T::FLOAT16, T::INT8,   T::UINT8, T::INT16,
                                                T::UINT16,  T::INT32,   T::UINT32,  T::INT64, T::BOOL};
        if (Status s = requireType(ctx, *ctx.input(0), "input 0", types); !s) return s;
        if (Status s = requireType(ctx, ctx.output(0), "output 0", types); !s) return s;
        ctx.setOutputShape(0, ctx.input(0)->shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const size_t n = static_cast<size_t>(in.elementCount());
        dispatch(in.type, [&]<class From>(From) {
            dispatch(out.type, [&]<class To>(To) {
                const From* x = reinterpret_cast<const From*>(in.data);
                To* o = reinterpret_cast<To*>(out.data);
                for (size_t i = 0; i < n; ++i) o[i] = convert<To>(x[i]);
            });
        });
        return {};
    }
};

} // namespace

void registerCastKernel(KernelRegistry& r) { r.add(BuiltinOp::CAST, 1, 6, factoryOf<CastKernel>()); }

} // namespace ql::rt::qk

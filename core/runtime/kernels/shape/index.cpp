// ARG_MAX, ARG_MIN (int32 or int64 indices; ties keep the first index, as TFLite's strict
// comparison), CUMSUM (exclusive, reverse) and RANGE.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "util/CheckedMath.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <cmath>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;
constexpr std::initializer_list<TensorType> kArgTypes = {TensorType::FLOAT32, TensorType::INT8,  TensorType::UINT8, TensorType::INT16,
                                                         TensorType::INT32,   TensorType::INT64, TensorType::BOOL};

class ArgMinMax : public PlannedKernel {
public:
    explicit ArgMinMax(const Operator& op) : m_max(op.op == BuiltinOp::ARG_MAX) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = requireIndexOutput(ctx, ctx.output(0)); !s) return s;
        if (Status s = dispatchType(ctx, in.type, kArgTypes, "input", [](auto) {}); !s) return s;
        if (in.rank() == 0) return ctx.error("input must have rank >= 1");
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto a = readAxis(ctx, *ctx.input(1), in);
        if (!a) return a.error();
        m_axis = *a;
        if (in.dim(m_axis) == 0) return ctx.error("cannot take the arg " + std::string(m_max ? "max" : "min") + " of an empty axis");
        m_outShapes[0] = in.shape;
        m_outShapes[0].erase(m_outShapes[0].begin() + m_axis);
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const int64_t outer = product(in.shape, 0, static_cast<size_t>(m_axis));
        const int64_t inner = product(in.shape, static_cast<size_t>(m_axis) + 1, in.shape.size());
        const int64_t n = in.dim(m_axis);
        return dispatchType(ctx, in.type, kArgTypes, "input", [&](auto tag) {
            using T = decltype(tag);
            const T* src = in.as<T>();
            for (int64_t o = 0; o < outer; ++o)
                for (int64_t i = 0; i < inner; ++i) {
                    T best = src[o * n * inner + i];
                    int64_t bestIndex = 0;
                    for (int64_t k = 1; k < n; ++k) {
                        const T v = src[(o * n + k) * inner + i];
                        if (m_max ? (v > best) : (v < best)) {
                            best = v;
                            bestIndex = k;
                        }
                    }
                    if (out.type == TensorType::INT32) out.as<int32_t>()[o * inner + i] = static_cast<int32_t>(bestIndex);
                    else out.as<int64_t>()[o * inner + i] = bestIndex;
                }
        });
    }

private:
    bool m_max;
    int m_axis = 0;
};

class Cumsum : public PlannedKernel {
public:
    explicit Cumsum(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (in.type != TensorType::FLOAT32 && in.type != TensorType::INT32 && in.type != TensorType::INT64)
            return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported (float32, int32, int64)");
        if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
        const auto o = optionsOr<tflite::CumsumOptionsT>(ctx);
        m_exclusive = o.exclusive;
        m_reverse = o.reverse;
        m_outShapes[0] = in.shape;
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto a = readAxis(ctx, *ctx.input(1), in);
        if (!a) return a.error();
        m_axis = *a;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const int64_t outer = product(in.shape, 0, static_cast<size_t>(m_axis));
        const int64_t inner = product(in.shape, static_cast<size_t>(m_axis) + 1, in.shape.size());
        const int64_t n = in.dim(m_axis);
        const auto run = [&](auto tag) {
            using T = decltype(tag);
            const T* src = in.as<T>();
            T* dst = out.as<T>();
            for (int64_t o = 0; o < outer; ++o)
                for (int64_t i = 0; i < inner; ++i) {
                    T acc = 0;
                    for (int64_t j = 0; j < n; ++j) {
                        const int64_t k = m_reverse ? n - 1 - j : j;
                        const int64_t at = (o * n + k) * inner + i;
                        if (m_exclusive) {
                            dst[at] = acc;
                            acc += src[at];
                        } else {
                            acc += src[at];
                            dst[at] = acc;
                        }
                    }
                }
        };
        if (in.type == TensorType::FLOAT32) run(float{});
        else if (in.type == TensorType::INT32) run(int32_t{});
        else run(int64_t{});
        return {};
    }

private:
    int m_axis = 0;
    bool m_exclusive = false, m_reverse = false;
};

// RANGE: start, start + delta, ... up to (not including) limit. Size as TFLite's GetSize:
// integers ceil(|limit - start| / |delta|) in integer arithmetic, floats ceil(|(limit - start) / delta|).
class Range : public PlannedKernel {
public:
    explicit Range(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(3, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const TensorType t = ctx.input(0)->type;
        if (t != TensorType::INT32 && t != TensorType::INT64 && t != TensorType::FLOAT32)
            return ctx.error("start type " + std::string(typeName(t)) + " is not supported (int32, int64, float32)");
        for (size_t i = 0; i < 3; ++i) {
            if (ctx.input(i)->type != t) return ctx.error("start, limit and delta must have the same type");
            if (ctx.input(i)->elementCount() != 1) return ctx.error("start, limit and delta must be scalars");
        }
        if (Status s = requireSameType(ctx, *ctx.input(0), ctx.output(0), "start"); !s) return s;
        if (!readableOrDefer(ctx.input(0), atEval) || !readableOrDefer(ctx.input(1), atEval) || !readableOrDefer(ctx.input(2), atEval)) return {};
        int64_t size = 0;
        const auto sizeOf = [&](auto tag) -> Status {
            using T = decltype(tag);
            const T start = ctx.input(0)->as<T>()[0], limit = ctx.input(1)->as<T>()[0], delta = ctx.input(2)->as<T>()[0];
            if constexpr (!std::is_integral_v<T>) {
                const char* names[] = {"start", "limit", "delta"};
                for (size_t i = 0; i < 3; ++i)
                    if (const T v = ctx.input(i)->as<T>()[0]; !std::isfinite(v))
                        return ctx.error(std::string(names[i]) + " " + tensorName(*ctx.input(i)) + " is " + std::to_string(v) +
                                         ", expected a finite number");
            }
            if (delta == 0) return ctx.error("delta must not be 0");
            if ((start > limit && delta > 0) || (start < limit && delta < 0))
                return ctx.error("start " + std::to_string(start) + ", limit " + std::to_string(limit) + " and delta " +
                                 std::to_string(delta) + " give a range that never ends");
            if constexpr (std::is_integral_v<T>) {
                // int64 limit - start and |delta| may overflow: checked, and sizes past int32 refused below.
                const auto diff = checkedSub(int64_t(limit), int64_t(start));
                if (!diff || *diff == INT64_MIN || int64_t(delta) == INT64_MIN) return ctx.error("the range has too many elements");
                const int64_t span = std::abs(*diff), step = std::abs(int64_t(delta));
                size = span / step + (span % step != 0);
            } else {
                // In T, as TFLite's GetSize; a finite quotient can still be past int32 (or inf).
                const T n = std::ceil(std::abs((limit - start) / delta));
                if (!(n < T(INT32_MAX))) return ctx.error("the range has too many elements");
                size = static_cast<int64_t>(n);
            }
            return {};
        };
        Status s = t == TensorType::INT32 ? sizeOf(int32_t{}) : t == TensorType::INT64 ? sizeOf(int64_t{}) : sizeOf(float{});
        if (!s) return s;
        if (size > INT32_MAX) return ctx.error("the range has too many elements");
        m_outShapes[0] = {static_cast<int32_t>(size)};
        return {};
    }

    Status compute(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        const auto fill = [&](auto tag) {
            using T = decltype(tag);
            T v = ctx.input(0)->as<T>()[0];
            const T delta = ctx.input(2)->as<T>()[0];
            for (T& o : out.values<T>()) {
                o = v;
                v += delta;
            }
        };
        if (out.type == TensorType::INT32) fill(int32_t{});
        else if (out.type == TensorType::INT64) fill(int64_t{});
        else fill(float{});
        return {};
    }
};

} // namespace

void registerIndexKernels(KernelRegistry& r) {
    r.add(BuiltinOp::ARG_MAX, 1, kMaxVersion, factoryOf<ArgMinMax>());
    r.add(BuiltinOp::ARG_MIN, 1, kMaxVersion, factoryOf<ArgMinMax>());
    r.add(BuiltinOp::CUMSUM, 1, kMaxVersion, factoryOf<Cumsum>());
    r.add(BuiltinOp::RANGE, 1, kMaxVersion, factoryOf<Range>());
}

} // namespace ql::rt::shape

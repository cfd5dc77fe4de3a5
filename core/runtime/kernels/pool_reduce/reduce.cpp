// MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD, REDUCE_ANY, REDUCE_ALL over the axes of input 1
// (int32; negative axes wrap, duplicates count once), keep_dims. Arithmetic follows
// TFLite's reduce.cc and reference reduce.h / integer_ops/mean.h:
// - MEAN float: float sum / count; under tflite-cpu, 4-D over H and W with constant axes,
//   XNNPACK's global average pooling (XnnpackMeanF32.h). int32/int64: sum in int64, truncating
//   division.
// - MEAN int8/int16, 4-D input, keep_dims, axis tensor exactly {1,2} or {2,1}:
//   reference_integer_ops::Mean: acc = sum(q - zp_in); acc = MBQM(acc, s_in/s_out);
//   acc = round-half-away(acc / count); + zp_out; clamp.
// - MEAN uint8 in the same case: reference_ops::Mean (uint8): sum of raw values times
//   s_in / (count * s_out) (float, then quantized multiplier) + zp_out - (int)(zp_in*s_in/s_out).
// - MEAN quantized, other axes, same scale and zero point: raw sum / count (truncating).
// - MEAN quantized, other axes, different parameters: QuantizedMeanOrSum in float:
//   round(sum / count * s + (-zp_in * s)) + zp_out clamped, s = s_in / s_out.
// - SUM int8/uint8 with different parameters: round(sum * s + (-zp_in * s * count)) + zp_out,
//   cast without clamping (as TFLite). Otherwise SUM/MAX/MIN/PROD/ANY reduce in the element
//   type (TFLite's ReduceGeneric<T>) and need equal input/output quantization.
// - REDUCE_PROD int8/int16 quantized: QuantizedReduceProd: each step rescales by
//   s_in / s_out^(1/n) (n = reduced count) through the 64-bit MBQM; once more at the end.
// A non-constant axis tensor gives a dynamic output, sized at eval.
#include "runtime/kernels/pool_reduce/PoolReduceKernels.h"
#include "runtime/kernels/pool_reduce/XnnpackMeanF32.h"
#include "runtime/kernels/shape/ShapeCommon.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql::rt::poolreduce {
namespace {

using shape::shapeText;
using shape::tensorName;

constexpr int kMaxVersion = 8;

enum class Kind { Mean, Sum, Max, Min, Prod, Any, All };

Kind kindOf(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::MEAN: return Kind::Mean;
    case BuiltinOp::SUM: return Kind::Sum;
    case BuiltinOp::REDUCE_MAX: return Kind::Max;
    case BuiltinOp::REDUCE_MIN: return Kind::Min;
    case BuiltinOp::REDUCE_PROD: return Kind::Prod;
    case BuiltinOp::REDUCE_ALL: return Kind::All;
    default: return Kind::Any;
    }
}

// Calls f(acc, value, outIndex, first) for every input element in row-major order.
template <class T, class F> void forEachReduced(const RtTensor& in, const std::vector<int64_t>& outStrides, F&& f) {
    const int64_t n = in.elementCount();
    const size_t rank = in.shape.size();
    std::vector<int64_t> idx(rank, 0);
    int64_t o = 0;
    const T* x = in.as<T>();
    for (int64_t e = 0; e < n; ++e) {
        f(x[e], o);
        for (size_t k = rank; k-- > 0;) {
            o += outStrides[k];
            if (++idx[k] < in.shape[k]) break;
            o -= outStrides[k] * in.shape[k];
            idx[k] = 0;
        }
    }
}

class Reduce : public shape::PlannedKernel {
public:
    explicit Reduce(const Operator& op) : m_kind(kindOf(op.op)) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        if (Status s = shape::requireSameType(ctx, in, out); !s) return s;
        if (Status s = checkTypes(ctx, in, out); !s) return s;
        m_keepDims = shape::optionsOr<tflite::ReducerOptionsT>(ctx).keep_dims;
        if (!readable(ctx.input(1), atEval)) {
            deferToEval();
            return {};
        }
        auto axes = shape::readInts(ctx, *ctx.input(1), "axis");
        if (!axes) return axes.error();
        m_rawAxes = *axes;
        m_reduced.assign(in.shape.size(), false);
        for (int64_t a : *axes) {
            const int axis = shape::normalizeAxis(a, in.rank());
            if (axis < 0) return ctx.error("axis " + std::to_string(a) + " is out of range for input shape " + shapeText(in.shape));
            m_reduced[static_cast<size_t>(axis)] = true;
        }
        shape::Shape outShape, keptShape;
        m_count = 1;
        for (size_t k = 0; k < in.shape.size(); ++k) {
            if (m_reduced[k]) m_count *= in.shape[k];
            keptShape.push_back(m_reduced[k] ? 1 : in.shape[k]);
            if (!m_reduced[k] || m_keepDims) outShape.push_back(m_reduced[k] ? 1 : in.shape[k]);
        }
        // Target::TfliteCpu: int8 MEAN over H and W of a 4-D tensor with constant axes is XNNPACK's
        // global average pooling (quant/XnnpackArithmetic.h). Axes computed at run time keep it
        // out of the delegate: TFLite's builtin (optimized) kernel runs then (optimizedMeanHw).
        m_xnnMean = false;
        if (m_kind == Kind::Mean && ctx.options().xnnpack() && in.type == TensorType::INT8 && in.isQuantized() &&
            ctx.input(1)->constant && in.rank() == 4 && m_rawAxes.size() == 2 && std::min(m_rawAxes[0], m_rawAxes[1]) == 1 &&
            std::max(m_rawAxes[0], m_rawAxes[1]) == 2)
            m_xnnMean = xnn::meanParams(in.scale(), in.zeroPoint(), out.scale(), out.zeroPoint(), m_count, -128, 127, m_xnnMeanParams);
        m_optimizedInt8Mean = ctx.options().xnnpack() && !m_xnnMean;
        // The same MEAN in float: the delegate's f32 global average pooling (XnnpackMeanF32.h).
        m_xnnMeanF32 = m_kind == Kind::Mean && ctx.options().xnnpack() && in.type == TensorType::FLOAT32 && ctx.input(1)->constant &&
                       in.rank() == 4 && m_rawAxes.size() == 2 && std::min(m_rawAxes[0], m_rawAxes[1]) == 1 &&
                       std::max(m_rawAxes[0], m_rawAxes[1]) == 2;
        // Output strides seen from each input dimension (0 along reduced axes).
        const auto ks = shape::stridesOf(keptShape);
        m_outStrides.assign(in.shape.size(), 0);
        for (size_t k = 0; k < in.shape.size(); ++k) m_outStrides[k] = m_reduced[k] ? 0 : ks[k];
        m_outShapes[0] = outShape;
        if (m_kind == Kind::Prod && in.isQuantized() && in.type != TensorType::FLOAT32 && m_count > 0) {
            // GetQuantProdScaling: s_in / s_out^(1/n) per multiplication step.
            const double scaling = double(in.scale()) / std::pow(double(out.scale()), 1.0 / double(m_count));
            m_multiplier = quantizeMultiplier(scaling);
        }
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        switch (in.type) {
        case TensorType::FLOAT32: return typed<float>(ctx, in, out);
        case TensorType::INT32: return typed<int32_t>(ctx, in, out);
        case TensorType::INT64: return typed<int64_t>(ctx, in, out);
        case TensorType::INT8: return typed<int8_t>(ctx, in, out);
        case TensorType::UINT8: return typed<uint8_t>(ctx, in, out);
        case TensorType::INT16: return typed<int16_t>(ctx, in, out);
        default: return typed<bool>(ctx, in, out);
        }
    }

private:
    Status checkTypes(const KernelContext& ctx, const RtTensor& in, const RtTensor& out) const {
        const TensorType t = in.type;
        const bool quantType = t == TensorType::INT8 || t == TensorType::UINT8 || t == TensorType::INT16;
        bool ok;
        switch (m_kind) {
        case Kind::Any:
        case Kind::All: ok = t == TensorType::BOOL; break;
        case Kind::Mean:
        case Kind::Sum: ok = t == TensorType::FLOAT32 || t == TensorType::INT32 || t == TensorType::INT64 || quantType; break;
        default: ok = t == TensorType::FLOAT32 || t == TensorType::INT32 || t == TensorType::INT64 || quantType;
        }
        if (!ok) return ctx.error("input type " + std::string(typeName(t)) + " is not supported");
        if (!quantType) return {};
        if (t == TensorType::INT16 && ((in.isQuantized() && in.zeroPoint() != 0) || (out.isQuantized() && out.zeroPoint() != 0)))
            return ctx.error("int16 input and output must have zero point 0");
        const bool rescaling = m_kind == Kind::Mean || (m_kind == Kind::Sum && t != TensorType::INT16) ||
                               (m_kind == Kind::Prod && t != TensorType::UINT8 && in.isQuantized());
        if (m_kind == Kind::Prod && t == TensorType::UINT8 && in.isQuantized())
            return ctx.error("quantized uint8 REDUCE_PROD is not supported (TFLite supports int8 and int16)");
        if ((m_kind == Kind::Mean || m_kind == Kind::Sum || m_kind == Kind::Prod) && in.isQuantized() != out.isQuantized())
            return ctx.error("input and output must both be quantized or both not");
        if (!rescaling && !shape::sameQuantization(in, out))
            return ctx.error("output " + tensorName(out) + " must have the input's scale " + (in.isQuantized() ? std::to_string(in.scale()) : "none") +
                             " and zero point " + std::to_string(in.isQuantized() ? in.zeroPoint() : 0));
        return {};
    }

    // TFLite's special case: MEAN over H and W of a 4-D tensor with keep_dims, the axis
    // tensor holding exactly {1, 2} or {2, 1}.
    // TFLite's optimized Mean over H and W (optimized_ops::Mean for uint8, which the builtin
    // kernel always takes; optimized_integer_ops::Mean for int8, which the runtime runs when
    // XNNPACK does not): the raw sum times M = s_in / (n s_out) (float, then quantizeMultiplier),
    // plus bias = z_out - z_in s_in / s_out (float), truncated for uint8 and rounded half away
    // from zero for int8 (measured against the oracle: fixtures mean_uint8_hw_input and
    // mean_int8_hw_input); clamped to the type.
    template <class T>
    void optimizedMeanHw(const std::vector<int64_t>& acc, T* y, int64_t count, const RtTensor& in, const RtTensor& out, bool roundBias) const {
        constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        const float shift = static_cast<float>(in.zeroPoint()) * in.scale() / out.scale();
        const int32_t bias = out.zeroPoint() - static_cast<int32_t>(roundBias ? std::round(shift) : shift);
        const auto m = quantizeMultiplier(static_cast<double>(in.scale() / (static_cast<float>(count) * out.scale())));
        for (size_t i = 0; i < acc.size(); ++i) {
            const int32_t v = multiplyByQuantizedMultiplier(static_cast<int32_t>(acc[i]), m) + bias;
            y[i] = static_cast<T>(std::clamp(v, lo, hi));
        }
    }

    bool isMeanHw(const RtTensor& in) const {
        return m_kind == Kind::Mean && m_keepDims && in.rank() == 4 && m_rawAxes.size() == 2 &&
               ((m_rawAxes[0] == 1 && m_rawAxes[1] == 2) || (m_rawAxes[0] == 2 && m_rawAxes[1] == 1));
    }

    template <class T> Status typed(KernelContext& ctx, const RtTensor& in, RtTensor& out) {
        const int64_t nOut = out.elementCount();
        T* y = out.as<T>();
        if constexpr (std::is_same_v<T, bool>) {
            // ANY starts false and ORs; ALL starts true and ANDs (an empty reduction gives true).
            const bool all = m_kind == Kind::All;
            std::vector<uint8_t> acc(static_cast<size_t>(nOut), all ? 1 : 0);
            forEachReduced<bool>(in, m_outStrides, [&](bool v, int64_t o) { acc[o] = all ? (acc[o] && v) : (acc[o] || v); });
            for (int64_t i = 0; i < nOut; ++i) y[i] = acc[i] != 0;
            return {};
        } else {
            constexpr bool kQuantType = std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t> || std::is_same_v<T, int16_t>;
            const bool quantized = kQuantType && in.isQuantized();
            if (m_kind == Kind::Mean) return mean<T>(in, out, quantized);
            if constexpr (kQuantType) {
                if (m_kind == Kind::Sum && quantized && !std::is_same_v<T, int16_t> && !shape::sameQuantization(in, out))
                    return rescaledSum<T>(in, out);
                if (m_kind == Kind::Prod && quantized) return quantizedProd<T>(in, out);
            }
            // ReduceGeneric<T>: the reduction in the element type.
            T init;
            switch (m_kind) {
            case Kind::Sum: init = T(0); break;
            case Kind::Prod: init = T(1); break;
            case Kind::Max: init = std::numeric_limits<T>::lowest(); break;
            default: init = std::numeric_limits<T>::max(); break;
            }
            std::fill(y, y + nOut, init);
            const Kind k = m_kind;
            forEachReduced<T>(in, m_outStrides, [&](T v, int64_t o) {
                switch (k) {
                case Kind::Sum: y[o] = static_cast<T>(y[o] + v); break;
                case Kind::Prod: y[o] = static_cast<T>(y[o] * v); break;
                case Kind::Max: y[o] = v > y[o] ? v : y[o]; break;
                default: y[o] = v < y[o] ? v : y[o]; break;
                }
            });
            (void)ctx;
            return {};
        }
    }

    template <class T> Status mean(const RtTensor& in, RtTensor& out, bool quantized) {
        const int64_t nOut = out.elementCount();
        T* y = out.as<T>();
        if (m_count == 0 || in.elementCount() == 0) { // TFLite fills NaN (0 for integers)
            for (int64_t i = 0; i < nOut; ++i) y[i] = std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(0);
            return {};
        }
        if constexpr (std::is_same_v<T, float>) {
            if (m_xnnMeanF32) {
                xnnpackMeanHwF32(in.as<float>(), in.dim(0), int64_t(in.dim(1)) * in.dim(2), in.dim(3), y);
                return {};
            }
            std::vector<float> acc(static_cast<size_t>(nOut), 0.f);
            forEachReduced<float>(in, m_outStrides, [&](float v, int64_t o) { acc[o] += v; });
            for (int64_t i = 0; i < nOut; ++i) y[i] = acc[i] / static_cast<float>(m_count);
            return {};
        } else {
            std::vector<int64_t> acc(static_cast<size_t>(nOut), 0);
            forEachReduced<T>(in, m_outStrides, [&](T v, int64_t o) { acc[o] += v; });
            const auto count = m_count;
            if (!quantized) {
                for (int64_t i = 0; i < nOut; ++i) y[i] = static_cast<T>(acc[i] / count);
                return {};
            }
            if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t> || std::is_same_v<T, int16_t>) {
            const int32_t zpIn = in.zeroPoint(), zpOut = out.zeroPoint();
            constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
            if (m_xnnMean) { // int8 only (see plan)
                for (int64_t i = 0; i < nOut; ++i) y[i] = static_cast<T>(xnn::mean(static_cast<int32_t>(acc[i]), m_xnnMeanParams));
                return {};
            }
            if (isMeanHw(in)) {
                if constexpr (std::is_same_v<T, uint8_t>) {
                    optimizedMeanHw(acc, y, count, in, out, /*roundBias=*/false);
                } else if (std::is_same_v<T, int8_t> && m_optimizedInt8Mean) {
                    optimizedMeanHw(acc, y, count, in, out, /*roundBias=*/true);
                } else {
                    const auto m = quantizeMultiplier(double(in.scale()) / double(out.scale()));
                    const int32_t n = static_cast<int32_t>(count);
                    for (int64_t i = 0; i < nOut; ++i) {
                        int32_t v = static_cast<int32_t>(acc[i] - int64_t(zpIn) * count);
                        v = multiplyByQuantizedMultiplier(v, m);
                        v = v > 0 ? (v + n / 2) / n : (v - n / 2) / n;
                        y[i] = static_cast<T>(std::clamp(v + zpOut, lo, hi));
                    }
                }
                return {};
            }
            if (shape::sameQuantization(in, out)) {
                // reference_ops::Mean<T, int>: the raw values' sum in int32, truncating division.
                for (int64_t i = 0; i < nOut; ++i) y[i] = static_cast<T>(static_cast<int32_t>(acc[i]) / static_cast<int32_t>(count));
                return {};
            }
            const float scale = in.scale() / out.scale();
            const float bias = -static_cast<float>(zpIn) * scale;
            for (int64_t i = 0; i < nOut; ++i) {
                const float mean = static_cast<float>(static_cast<int32_t>(acc[i])) / static_cast<float>(count);
                float r = std::min(std::round(mean * scale + bias) + static_cast<float>(zpOut), static_cast<float>(hi));
                r = std::max(r, static_cast<float>(lo));
                y[i] = static_cast<T>(r);
            }
            }
            return {};
        }
    }

    template <class T> Status rescaledSum(const RtTensor& in, RtTensor& out) {
        const int64_t nOut = out.elementCount();
        std::vector<int32_t> acc(static_cast<size_t>(nOut), 0);
        forEachReduced<T>(in, m_outStrides, [&](T v, int64_t o) { acc[o] += v; });
        const float scale = in.scale() / out.scale();
        const float bias = -static_cast<float>(in.zeroPoint()) * scale * static_cast<float>(m_count);
        T* y = out.as<T>();
        for (int64_t i = 0; i < nOut; ++i) {
            const int32_t v = static_cast<int32_t>(std::round(static_cast<float>(acc[i]) * scale + bias)) + out.zeroPoint();
            y[i] = static_cast<T>(v); // TFLite casts without clamping
        }
        return {};
    }

    template <class T> Status quantizedProd(const RtTensor& in, RtTensor& out) {
        const int64_t nOut = out.elementCount();
        if (in.elementCount() == 0) return {}; // TFLite returns early on an empty input
        std::vector<int32_t> acc(static_cast<size_t>(nOut), 0);
        std::vector<uint8_t> started(static_cast<size_t>(nOut), 0);
        const int32_t zpIn = in.zeroPoint();
        const QuantizedMultiplier m = m_multiplier;
        forEachReduced<T>(in, m_outStrides, [&](T v, int64_t o) {
            const int32_t d = int32_t(v) - zpIn;
            if (!started[o]) {
                acc[o] = d;
                started[o] = 1;
            } else {
                acc[o] = multiplyByQuantizedMultiplier(int64_t(acc[o]) * d, m.multiplier, m.shift);
            }
        });
        T* y = out.as<T>();
        constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        for (int64_t i = 0; i < nOut; ++i) {
            const int32_t v = multiplyByQuantizedMultiplier(int64_t(acc[i]), m.multiplier, m.shift) + out.zeroPoint();
            y[i] = static_cast<T>(std::clamp(v, lo, hi));
        }
        return {};
    }

    Kind m_kind;
    bool m_keepDims = false;
    std::vector<int64_t> m_rawAxes;
    std::vector<bool> m_reduced;
    std::vector<int64_t> m_outStrides;
    int64_t m_count = 1;
    QuantizedMultiplier m_multiplier;
    bool m_xnnMean = false; // Target::TfliteCpu global average pooling
    bool m_xnnMeanF32 = false; // the same for float
    bool m_optimizedInt8Mean = false; // Target::TfliteCpu without XNNPACK: TFLite's optimized int8 Mean
    xnn::MeanParams m_xnnMeanParams;
};

} // namespace

void registerReduceKernels(KernelRegistry& r) {
    for (BuiltinOp op : {BuiltinOp::MEAN, BuiltinOp::SUM, BuiltinOp::REDUCE_MAX, BuiltinOp::REDUCE_MIN, BuiltinOp::REDUCE_PROD, BuiltinOp::REDUCE_ANY, BuiltinOp::REDUCE_ALL})
        r.add(op, 1, kMaxVersion, factoryOf<Reduce>());
}

} // namespace ql::rt::poolreduce

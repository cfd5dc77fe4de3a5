// SVDF (singular value decomposition filter), float32 and int8, following TFLite's
// kernels/svdf.cc and reference/svdf.h.
//   state: [batch, filters * memory] (variable); each step shifts it left by one, writes
//   feature = W_feature x into the newest column of every filter, then
//   out[b, u] = act(bias[u] + sum_{r < rank} sum_m W_time[u*rank + r, m] * state[b, u*rank + r, m]).
// Integer: int8 input/output and feature weights, int16 state and time weights, int32 bias;
// the feature product is requantized to the state (s_in * s_wf / s_state), the time product
// to the output (s_state * s_wt / s_out); no fused activation beyond the int8 clamp, as in
// TFLite's EvalIntegerSVDF. Under Target::TfliteMicro, TFLite Micro's variant: int8 or int16
// time weights and state, with the state's zero point (svdfInteger).
// Hybrid (float input, state, bias and output; int8 feature and time weights; TFLite's
// EvalHybridSVDF): each input row is quantized on its own (symmetric, or asymmetric with
// asymmetric_quantize_inputs) and the feature product is the hybrid FULLY_CONNECTED's
// (integer dot * row scaling factor * s_wf; an all-zero input gives 0); the time weights are
// dequantized once to float (w * s_wt, as svdf.cc's float_weights_time) and the rest is the
// float path.
#include "runtime/kernels/sequence/SequenceKernels.h"

#include "runtime/kernels/matmul/FullyConnectedRef.h"
#include "runtime/kernels/matmul/MatmulCommon.h"

#include <algorithm>
#include <limits>

namespace ql::rt {
namespace {

struct SvdfDims {
    int batch = 0, input = 0, filters = 0, memory = 0, rank = 1, units = 0;
};

void applyTimeWeights(const float* wTime, const float* bias, float* state, float* out, const SvdfDims& d, Activation act,
                      std::vector<float>& scratch);

template <class S> void shiftStateLeft(S* state, const SvdfDims& d) {
    const size_t n = size_t(d.batch) * d.filters * d.memory;
    if (n > 1) std::copy(state + 1, state + n, state);
}

void svdfFloat(const float* in, const float* wFeature, const float* wTime, const float* bias, float* state, float* out,
               const SvdfDims& d, Activation act, std::vector<float>& scratch) {
    shiftStateLeft(state, d);
    for (int b = 0; b < d.batch; ++b) {
        const float* x = in + size_t(b) * d.input;
        for (int f = 0; f < d.filters; ++f) {
            float dot = 0.0f;
            for (int k = 0; k < d.input; ++k) dot += wFeature[size_t(f) * d.input + k] * x[k];
            state[(size_t(b) * d.filters + f) * d.memory + (d.memory - 1)] = dot;
        }
    }
    applyTimeWeights(wTime, bias, state, out, d, act, scratch);
}

// ApplyTimeWeightsBiasAndActivation: per filter the dot of its time weights with its state
// row, then per unit bias + the sum over its rank filters, then the activation.
void applyTimeWeights(const float* wTime, const float* bias, float* state, float* out, const SvdfDims& d, Activation act,
                      std::vector<float>& scratch) {
    for (int b = 0; b < d.batch; ++b)
        for (int f = 0; f < d.filters; ++f) {
            float dot = 0.0f;
            const float* s = state + (size_t(b) * d.filters + f) * d.memory;
            for (int m = 0; m < d.memory; ++m) dot += wTime[size_t(f) * d.memory + m] * s[m];
            scratch[size_t(b) * d.filters + f] = dot;
        }
    for (int b = 0; b < d.batch; ++b) {
        float* o = out + size_t(b) * d.units;
        for (int u = 0; u < d.units; ++u) {
            float v = bias ? bias[u] : 0.0f;
            for (int r = 0; r < d.rank; ++r) v += scratch[size_t(b) * d.filters + size_t(u) * d.rank + r];
            o[u] = v;
        }
        fc::applyActivationFloat(o, size_t(d.units), act);
    }
}

struct HybridSvdfBuffers {
    std::vector<int8_t> quantized; // batch * input
    std::vector<float> scalingFactors, feature, timeWeights;
    std::vector<int32_t> inputOffsets, rowSums;
};

void svdfHybrid(const float* in, const int8_t* wFeature, float featureScale, const float* bias, float* state, float* out,
                const SvdfDims& d, Activation act, bool asymmetric, HybridSvdfBuffers& buf, std::vector<float>& scratch) {
    shiftStateLeft(state, d);
    const fc::HybridScratch hs{buf.quantized, buf.scalingFactors, buf.inputOffsets, buf.rowSums};
    const float scales[1] = {featureScale};
    fc::fullyConnectedHybridRef(in, wFeature, scales, nullptr, buf.feature.data(), {d.batch, d.input, d.filters}, asymmetric,
                                Activation::NONE, hs);
    for (size_t i = 0; i < size_t(d.batch) * d.filters; ++i) state[i * d.memory + (d.memory - 1)] = buf.feature[i];
    applyTimeWeights(buf.timeWeights.data(), bias, state, out, d, act, scratch);
}

// Integer SVDF. TFLite (svdf.cc EvalIntegerSVDF): T = int16 time weights and state, whose zero
// point it ignores (stateZp = 0 here). TFLite Micro (micro/kernels/svdf_common.cc,
// EvalIntegerSvdfReference<T>), under Target::TfliteMicro: T = int16 or int8, and the state
// zero point z_s is added to the requantized feature product before the saturation to T and
// subtracted in the time dot product. Bias, rank reduction and output rescale are the same.
template <class T>
void svdfInteger(const int8_t* in, const int8_t* wFeature, const T* wTime, const int32_t* bias, T* state, int8_t* out, const SvdfDims& d,
               QuantizedMultiplier scale1, QuantizedMultiplier scale2, int32_t inputZp, int32_t stateZp, int32_t outputZp,
               Rounding rounding, std::vector<int32_t>& scratch) {
    constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    shiftStateLeft(state, d);
    for (int b = 0; b < d.batch; ++b) {
        const int8_t* x = in + size_t(b) * d.input;
        for (int f = 0; f < d.filters; ++f) {
            int32_t dot = 0;
            for (int k = 0; k < d.input; ++k) dot += int32_t(wFeature[size_t(f) * d.input + k]) * (int32_t(x[k]) - inputZp);
            dot = multiplyByQuantizedMultiplier(dot, scale1, rounding) + stateZp; // zero point before the clamp
            state[(size_t(b) * d.filters + f) * d.memory + (d.memory - 1)] = static_cast<T>(std::clamp(dot, lo, hi));
        }
    }
    for (int b = 0; b < d.batch; ++b)
        for (int f = 0; f < d.filters; ++f) {
            int32_t dot = 0;
            const T* st = state + (size_t(b) * d.filters + f) * d.memory;
            for (int m = 0; m < d.memory; ++m) dot += int32_t(wTime[size_t(f) * d.memory + m]) * (int32_t(st[m]) - stateZp);
            scratch[size_t(b) * d.filters + f] = dot;
        }
    for (int b = 0; b < d.batch; ++b)
        for (int u = 0; u < d.units; ++u) {
            int32_t v = bias ? bias[u] : 0;
            for (int r = 0; r < d.rank; ++r) v += scratch[size_t(b) * d.filters + size_t(u) * d.rank + r];
            const int32_t q = multiplyByQuantizedMultiplier(v, scale2, rounding) + outputZp;
            out[size_t(b) * d.units + u] = static_cast<int8_t>(std::clamp(q, -128, 127));
        }
}

class SvdfKernel final : public OpKernel {
public:
    explicit SvdfKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(5, 5); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        for (size_t i : {size_t(0), size_t(1), size_t(2), size_t(4)})
            if (!ctx.input(i)) return ctx.error("input " + std::to_string(i) + " is required but omitted");
        const auto* opts = ctx.options<tflite::SVDFOptionsT>();
        m_act = opts ? opts->fused_activation_function : Activation::NONE;
        m_dims.rank = opts ? opts->rank : 0;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& wf = *ctx.input(1);
        const RtTensor& wt = *ctx.input(2);
        const RtTensor* bias = ctx.input(3);
        const RtTensor& state = *ctx.input(4);
        const RtTensor& out = ctx.output(0);
        if (in.rank() != 2) return ctx.error(mm::label(in, "input") + " has shape " + mm::shapeString(in.shape) + ", expected [batch, input]");
        if (wf.rank() != 2 || wt.rank() != 2)
            return ctx.error("the feature and time weights must be rank 2 (" + mm::shapeString(wf.shape) + ", " + mm::shapeString(wt.shape) + ")");
        m_dims.batch = in.dim(0);
        m_dims.input = in.dim(1);
        m_dims.filters = wf.dim(0);
        m_dims.memory = wt.dim(1);
        if (wf.dim(1) != m_dims.input)
            return ctx.error(mm::label(wf, "feature weights") + " has shape " + mm::shapeString(wf.shape) + ", expected [filters, " +
                             std::to_string(m_dims.input) + "]");
        if (wt.dim(0) != m_dims.filters)
            return ctx.error(mm::label(wt, "time weights") + " has " + std::to_string(wt.dim(0)) + " rows, expected " + std::to_string(m_dims.filters));
        if (m_dims.rank <= 0 || m_dims.filters % m_dims.rank != 0)
            return ctx.error("rank " + std::to_string(m_dims.rank) + " must be positive and divide the " + std::to_string(m_dims.filters) + " filters");
        m_dims.units = m_dims.filters / m_dims.rank;
        if (bias && bias->elementCount() != m_dims.units)
            return ctx.error(mm::label(*bias, "bias") + " has " + std::to_string(bias->elementCount()) + " elements, expected " +
                             std::to_string(m_dims.units));
        if (!state.variable) return ctx.error(mm::label(state, "state") + " (input 4) must be a variable tensor");
        if (state.elementCount() != int64_t(m_dims.batch) * m_dims.filters * m_dims.memory)
            return ctx.error(mm::label(state, "state") + " has " + std::to_string(state.elementCount()) + " elements, expected batch * filters * memory = " +
                             std::to_string(int64_t(m_dims.batch) * m_dims.filters * m_dims.memory));
        ctx.setOutputShape(0, {m_dims.batch, m_dims.units});
        m_scratch.assign(size_t(m_dims.batch) * m_dims.filters, 0.0f);
        m_scratchInt.assign(size_t(m_dims.batch) * m_dims.filters, 0);
        if (in.type == TensorType::FLOAT32 && wf.type == TensorType::FLOAT32) {
            for (auto [t, role] : {std::pair{&wt, "time weights"}, std::pair{&state, "state"}, std::pair{&out, "output"}})
                if (Status s = mm::requireType(ctx, *t, role, TensorType::FLOAT32); !s) return s;
            if (bias) if (Status s = mm::requireType(ctx, *bias, "bias", TensorType::FLOAT32); !s) return s;
            m_integer = false;
            return {};
        }
        if (in.type == TensorType::INT8 && wf.type == TensorType::INT8) {
            m_micro = ctx.options().target == Target::TfliteMicro;
            if (m_micro) {
                // TFLite Micro: int16 or int8 time weights, the state of the same type.
                if (wt.type != TensorType::INT16 && wt.type != TensorType::INT8)
                    return ctx.error(mm::label(wt, "time weights") + " is " + std::string(typeName(wt.type)) + ", expected int16 or int8");
                if (Status s = mm::requireType(ctx, state, "state", wt.type); !s) return s;
            } else {
                if (wt.type == TensorType::INT8)
                    return ctx.error(mm::label(wt, "time weights") + " is int8: only TFLite Micro runs int8 time weights (the TFLite "
                                     "runtime needs int16); run with target tflite-micro");
                if (Status s = mm::requireType(ctx, wt, "time weights", TensorType::INT16); !s) return s;
                if (Status s = mm::requireType(ctx, state, "state", TensorType::INT16); !s) return s;
            }
            if (Status s = mm::requireType(ctx, out, "output", TensorType::INT8); !s) return s;
            if (bias) if (Status s = mm::requireType(ctx, *bias, "bias", TensorType::INT32); !s) return s;
            for (auto [t, role] : {std::pair{&in, "input"}, std::pair{&wf, "feature weights"}, std::pair{&wt, "time weights"},
                                   std::pair{&state, "state"}, std::pair{&out, "output"}})
                if (Status s = mm::requireQuantized(ctx, *t, role); !s) return s;
            // TFLite: float products and ratio, then widened to double.
            m_scale1 = quantizeMultiplier(double(in.scale() * wf.scale() / state.scale()));
            m_scale2 = quantizeMultiplier(double(state.scale() * wt.scale() / out.scale()));
            m_integer = true;
            return {};
        }
        if (in.type == TensorType::FLOAT32 && wf.type == TensorType::INT8) {
            if (Status s = mm::requireType(ctx, wt, "time weights", TensorType::INT8); !s) return s;
            for (auto [t, role] : {std::pair{&state, "state"}, std::pair{&out, "output"}})
                if (Status s = mm::requireType(ctx, *t, role, TensorType::FLOAT32); !s) return s;
            if (bias) if (Status s = mm::requireType(ctx, *bias, "bias", TensorType::FLOAT32); !s) return s;
            for (auto [t, role] : {std::pair{&wf, "feature weights"}, std::pair{&wt, "time weights"}}) {
                if (Status s = mm::requireQuantized(ctx, *t, role); !s) return s;
                if (t->quant->scale.size() != 1) return ctx.error(mm::label(*t, role) + " must be quantized per tensor on the hybrid path");
            }
            m_hybrid = true;
            m_asymmetric = opts && opts->asymmetric_quantize_inputs;
            const size_t rows = size_t(m_dims.batch);
            m_buf.quantized.assign(rows * size_t(m_dims.input), 0);
            m_buf.scalingFactors.assign(rows, 0.0f);
            m_buf.inputOffsets.assign(rows, 0);
            m_buf.rowSums.assign(size_t(m_dims.filters), 0);
            m_buf.feature.assign(rows * size_t(m_dims.filters), 0.0f);
            m_buf.timeWeights.clear(); // dequantized at the first eval (the weights may be produced at run time)
            return {};
        }
        return ctx.error("unsupported types: input " + std::string(typeName(in.type)) + ", feature weights " + std::string(typeName(wf.type)));
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const RtTensor& wf = *ctx.input(1);
        const RtTensor& wt = *ctx.input(2);
        const RtTensor* bias = ctx.input(3);
        RtTensor& state = *ctx.input(4);
        RtTensor& out = ctx.output(0);
        if (m_hybrid) {
            if (m_buf.timeWeights.empty() || !wt.constant) {
                // svdf.cc: float_weights_time[i] = w[i] * scale, float product.
                const auto w = wt.values<int8_t>();
                const float scale = wt.scale();
                m_buf.timeWeights.resize(w.size());
                for (size_t i = 0; i < w.size(); ++i) m_buf.timeWeights[i] = float(w[i]) * scale;
            }
            svdfHybrid(in.as<float>(), wf.as<int8_t>(), wf.scale(), bias ? bias->as<float>() : nullptr, state.as<float>(), out.as<float>(),
                       m_dims, m_act, m_asymmetric, m_buf, m_scratch);
        } else if (m_integer) {
            const int32_t stateZp = m_micro ? state.zeroPoint() : 0;
            if (wt.type == TensorType::INT8) // TFLite Micro only (prepare)
                svdfInteger(in.as<int8_t>(), wf.as<int8_t>(), wt.as<int8_t>(), bias ? bias->as<int32_t>() : nullptr, state.as<int8_t>(),
                            out.as<int8_t>(), m_dims, m_scale1, m_scale2, in.zeroPoint(), stateZp, out.zeroPoint(),
                            ctx.options().rounding, m_scratchInt);
            else
                svdfInteger(in.as<int8_t>(), wf.as<int8_t>(), wt.as<int16_t>(), bias ? bias->as<int32_t>() : nullptr, state.as<int16_t>(),
                            out.as<int8_t>(), m_dims, m_scale1, m_scale2, in.zeroPoint(), stateZp, out.zeroPoint(),
                            ctx.options().rounding, m_scratchInt);
        } else {
            svdfFloat(in.as<float>(), wf.as<float>(), wt.as<float>(), bias ? bias->as<float>() : nullptr, state.as<float>(), out.as<float>(),
                      m_dims, m_act, m_scratch);
        }
        return {};
    }

private:
    SvdfDims m_dims;
    Activation m_act = Activation::NONE;
    bool m_integer = false;
    bool m_micro = false; // Target::TfliteMicro: svdfMicro
    bool m_hybrid = false, m_asymmetric = false;
    HybridSvdfBuffers m_buf;
    QuantizedMultiplier m_scale1, m_scale2;
    std::vector<float> m_scratch;
    std::vector<int32_t> m_scratchInt;
};

} // namespace

void registerSvdf(KernelRegistry& r) { r.add(BuiltinOp::SVDF, 1, 4, factoryOf<SvdfKernel>()); }

} // namespace ql::rt

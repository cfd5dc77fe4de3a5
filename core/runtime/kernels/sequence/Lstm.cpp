// UNIDIRECTIONAL_SEQUENCE_LSTM: float32, fully integer int8 (int16 cell state, 8x8_16) and
// hybrid (float activations and states, int8 weights; LstmHybrid.h).
// Prepare follows TFLite's kernels/unidirectional_sequence_lstm.cc: CheckInputTensorDimensions,
// PopulateQuantizedLstmParams8x8_16 (effective scales from the five intermediates) and
// PopulatePrecomputedZPTimesWeightsWithBias. Input indices (24 inputs, 20 accepted):
//   0 input | 1-4 input-to-{input,forget,cell,output} weights | 5-8 recurrent-to-{...}
//   9-11 cell-to-{input,forget,output} (peephole) | 12-15 {input,forget,cell,output} gate bias
//   16 projection weights | 17 projection bias | 18 output state (variable) | 19 cell state
//   (variable) | 20-23 {input,forget,cell,output} layer-norm coefficients.
#include "runtime/kernels/sequence/SequenceKernels.h"

#include "runtime/kernels/matmul/MatmulCommon.h"
#include "runtime/kernels/sequence/LstmCalibration.h"
#include "runtime/kernels/sequence/LstmHybrid.h"
#include "runtime/kernels/sequence/LstmSteps.h"

#include <cmath>

namespace ql::rt {
namespace {

using namespace lstm;

constexpr size_t kInputTensor = 0, kOutputState = 18, kCellState = 19;
constexpr size_t inputWeightsIndex(int g) { return 1 + size_t(g); }
constexpr size_t recurrentWeightsIndex(int g) { return 5 + size_t(g); }
constexpr size_t biasIndex(int g) { return 12 + size_t(g); }
constexpr size_t layerNormIndex(int g) { return 20 + size_t(g); }
constexpr size_t peepholeIndex(int g) { return g == kInputGate ? 9 : (g == kForgetGate ? 10 : 11); }
constexpr const char* kGateNames[4] = {"input", "forget", "cell", "output"};

// TFLite's CheckedLog2: x must be a power of two within 1e-3 in the exponent.
bool checkedLog2(float x, int* result) {
    const float l = std::log(x) * (1.0f / std::log(2.0f));
    const float r = std::round(l);
    *result = static_cast<int>(r);
    return std::abs(l - r) < 1e-3f;
}

class LstmKernel final : public OpKernel {
public:
    explicit LstmKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (ctx.inputCount() != 20 && ctx.inputCount() != 24)
            return ctx.error("has " + std::to_string(ctx.inputCount()) + " inputs, expected 24 (or the deprecated 20)");
        if (ctx.outputCount() != 1 && ctx.outputCount() != kCalibrationOutputCount)
            return ctx.error("has " + std::to_string(ctx.outputCount()) + " outputs, expected 1 (or " +
                             std::to_string(kCalibrationOutputCount) + " with QuantLab's calibration outputs, see LstmCalibration.h)");
        const auto* opts = ctx.options<tflite::UnidirectionalSequenceLSTMOptionsT>();
        if (opts) {
            m_timeMajor = opts->time_major;
            m_float.activation = m_act = opts->fused_activation_function;
            m_float.cellClip = opts->cell_clip;
            m_float.projClip = opts->proj_clip;
            if (opts->cell_clip < 0 || opts->proj_clip < 0) return ctx.error("cell_clip and proj_clip must not be negative");
            if (opts->diagonal_recurrent_tensors) return ctx.error("diagonal recurrent weights are not supported");
        }
        for (size_t i : {kInputTensor, inputWeightsIndex(1), inputWeightsIndex(2), inputWeightsIndex(3), recurrentWeightsIndex(1),
                         recurrentWeightsIndex(2), recurrentWeightsIndex(3), biasIndex(1), biasIndex(2), biasIndex(3), kOutputState,
                         kCellState})
            if (!ctx.input(i)) return ctx.error("input " + std::to_string(i) + " is required but omitted");
        const RtTensor& in = *ctx.input(kInputTensor);
        if (in.rank() != 3) return ctx.error(mm::label(in, "input") + " has shape " + mm::shapeString(in.shape) + ", expected rank 3");
        m_maxTime = m_timeMajor ? in.dim(0) : in.dim(1);
        m_dims.batch = m_timeMajor ? in.dim(1) : in.dim(0);
        m_dims.input = in.dim(2);
        m_dims.cell = ctx.input(inputWeightsIndex(kOutputGate))->dim(0);
        m_dims.output = ctx.input(recurrentWeightsIndex(kOutputGate))->dim(1);
        m_dims.cifg = ctx.input(inputWeightsIndex(kInputGate)) == nullptr;
        m_dims.peephole = ctx.input(peepholeIndex(kOutputGate)) != nullptr;
        m_dims.projection = ctx.input(16) != nullptr;
        m_dims.layerNorm = ctx.inputCount() == 24 && ctx.input(layerNormIndex(kForgetGate)) != nullptr;
        if (Status s = checkShapes(ctx); !s) return s;
        const RtTensor& outState = *ctx.input(kOutputState);
        const RtTensor& cellState = *ctx.input(kCellState);
        if (!outState.variable || !cellState.variable)
            return ctx.error("the output state (input 18) and cell state (input 19) must be variable tensors");
        if (outState.elementCount() != int64_t(m_dims.batch) * m_dims.output)
            return ctx.error(mm::label(outState, "output state") + " has " + std::to_string(outState.elementCount()) + " elements, expected " +
                             std::to_string(m_dims.batch * m_dims.output));
        if (cellState.elementCount() != int64_t(m_dims.batch) * m_dims.cell)
            return ctx.error(mm::label(cellState, "cell state") + " has " + std::to_string(cellState.elementCount()) + " elements, expected " +
                             std::to_string(m_dims.batch * m_dims.cell));
        std::vector<int32_t> outShape = in.shape;
        outShape.back() = m_dims.output;
        ctx.setOutputShape(0, outShape);
        m_taps = ctx.outputCount() == kCalibrationOutputCount;
        if (m_taps) {
            const int32_t rows = m_maxTime * m_dims.batch;
            ctx.setOutputShape(kCellStateTap, cellState.shape);
            ctx.setOutputShape(kHiddenTap, {rows, m_dims.cell});
            for (int g = 0; g < 4; ++g) {
                const bool used = m_dims.layerNorm && !(g == kInputGate && m_dims.cifg);
                ctx.setOutputShape(kGateTap + size_t(g), {used ? rows : 0, m_dims.cell});
            }
        }

        const TensorType wt = ctx.input(inputWeightsIndex(kOutputGate))->type;
        if (in.type == TensorType::FLOAT32 && wt == TensorType::FLOAT32) return prepareFloat(ctx);
        if (m_taps) return ctx.error("calibration outputs are written by the float LSTM only");
        if (in.type == TensorType::INT8 && wt == TensorType::INT8) return prepareInteger(ctx);
        if (in.type == TensorType::FLOAT32 && wt == TensorType::INT8) return prepareHybrid(ctx, opts && opts->asymmetric_quantize_inputs);
        if (in.type == TensorType::FLOAT32 && wt == TensorType::UINT8)
            return ctx.error("the hybrid LSTM with uint8 weights is not supported (QuantLab's hybrid path takes int8 weights)");
        return ctx.error("unsupported types: input " + std::string(typeName(in.type)) + ", weights " + std::string(typeName(wt)) +
                         " (QuantLab runs float32 and int8 with int16 cell state)");
    }

    Status eval(KernelContext& ctx) override {
        if (m_integer) return run<int8_t, int16_t>(ctx);
        if (m_hybrid) {
            bindHybridWeights(ctx);
            return run<float, float>(ctx);
        }
        // Float weights may be produced by an operator (DEQUANTIZE of float16 or int8 weights):
        // their storage exists only once every operator is prepared, so bind them here.
        bindWeights(ctx, m_floatWeights);
        return run<float, float>(ctx);
    }

private:
    Status checkShape(const KernelContext& ctx, size_t index, std::vector<int32_t> expected, const std::string& role) {
        const RtTensor* t = ctx.input(index);
        if (!t) return {};
        if (t->shape != expected)
            return ctx.error(mm::label(*t, role) + " (input " + std::to_string(index) + ") has shape " + mm::shapeString(t->shape) +
                             ", expected " + mm::shapeString(expected));
        return {};
    }

    Status checkShapes(const KernelContext& ctx) {
        const LstmDims& d = m_dims;
        for (int g = 0; g < 4; ++g) {
            const std::string gate = kGateNames[g];
            if (Status s = checkShape(ctx, inputWeightsIndex(g), {d.cell, d.input}, "input-to-" + gate + " weights"); !s) return s;
            if (Status s = checkShape(ctx, recurrentWeightsIndex(g), {d.cell, d.output}, "recurrent-to-" + gate + " weights"); !s) return s;
            if (Status s = checkShape(ctx, biasIndex(g), {d.cell}, gate + " gate bias"); !s) return s;
            if (g != kCellGate)
                if (Status s = checkShape(ctx, peepholeIndex(g), {d.cell}, "cell-to-" + gate + " weights"); !s) return s;
            if (ctx.inputCount() == 24)
                if (Status s = checkShape(ctx, layerNormIndex(g), {d.cell}, gate + " layer-norm coefficients"); !s) return s;
        }
        if (Status s = checkShape(ctx, 16, {d.output, d.cell}, "projection weights"); !s) return s;
        if (Status s = checkShape(ctx, 17, {d.output}, "projection bias"); !s) return s;
        const bool cifgConsistent = (ctx.input(1) == nullptr) == (ctx.input(5) == nullptr);
        if (!cifgConsistent) return ctx.error("input-to-input and recurrent-to-input weights must be both present or both omitted (CIFG)");
        if (d.cifg && ctx.input(biasIndex(kInputGate))) return ctx.error("a CIFG LSTM (no input gate weights) must omit the input gate bias");
        if (!d.cifg && !ctx.input(biasIndex(kInputGate))) return ctx.error("the input gate bias (input 12) is required without CIFG");
        // TFLite: (cell-to-input present or CIFG) and the other two present, or all three omitted.
        const bool ci = ctx.input(9) != nullptr, cf = ctx.input(10) != nullptr, co = ctx.input(11) != nullptr;
        if (!(((ci || d.cifg) && cf && co) || (!ci && !cf && !co)))
            return ctx.error("the peephole weights (inputs 9-11) must be all present or all omitted");
        if (!d.projection && ctx.input(17)) return ctx.error("a projection bias (input 17) needs projection weights (input 16)");
        if (d.layerNorm) {
            for (int g = 0; g < 4; ++g) {
                const bool needed = !(g == kInputGate && d.cifg);
                if (needed != (ctx.input(layerNormIndex(g)) != nullptr))
                    return ctx.error(std::string("the ") + kGateNames[g] + " layer-norm coefficients (input " +
                                     std::to_string(layerNormIndex(g)) + ") must be " + (needed ? "present" : "omitted with CIFG"));
            }
        }
        return {};
    }

    template <class W, class B, class C> void bindWeights(const KernelContext& ctx, LstmWeights<W, B, C>& w) {
        auto ptr = [&](size_t i) { return ctx.input(i) ? ctx.input(i)->data : nullptr; };
        for (int g = 0; g < 4; ++g) {
            w.inputToGate[g] = reinterpret_cast<const W*>(ptr(inputWeightsIndex(g)));
            w.recurrentToGate[g] = reinterpret_cast<const W*>(ptr(recurrentWeightsIndex(g)));
            w.cellToGate[g] = g == kCellGate ? nullptr : reinterpret_cast<const C*>(ptr(peepholeIndex(g)));
            w.layerNorm[g] = m_dims.layerNorm ? reinterpret_cast<const C*>(ptr(layerNormIndex(g))) : nullptr;
            w.gateBias[g] = reinterpret_cast<const B*>(ptr(biasIndex(g)));
        }
        w.projection = reinterpret_cast<const W*>(ptr(16));
        w.projectionBias = reinterpret_cast<const B*>(ptr(17));
    }

    Status requireAllTypes(const KernelContext& ctx, TensorType weights, TensorType bias, TensorType small) {
        for (size_t i = 1; i < ctx.inputCount(); ++i) {
            const RtTensor* t = ctx.input(i);
            if (!t || i == kOutputState || i == kCellState) continue;
            const bool isBias = (i >= 12 && i <= 15) || i == 17;
            const bool isSmall = (i >= 9 && i <= 11) || i >= 20;
            const TensorType expected = isBias ? bias : (isSmall ? small : weights);
            if (t->type != expected)
                return ctx.error(mm::label(*t, "input " + std::to_string(i)) + " is " + std::string(typeName(t->type)) + ", expected " +
                                 std::string(typeName(expected)));
        }
        return {};
    }

    Status prepareFloat(KernelContext& ctx) {
        if (Status s = requireAllTypes(ctx, TensorType::FLOAT32, TensorType::FLOAT32, TensorType::FLOAT32); !s) return s;
        if (Status s = mm::requireType(ctx, *ctx.input(kOutputState), "output state", TensorType::FLOAT32); !s) return s;
        if (Status s = mm::requireType(ctx, *ctx.input(kCellState), "cell state", TensorType::FLOAT32); !s) return s;
        for (size_t i = 0; i < ctx.outputCount(); ++i)
            if (Status s = mm::requireType(ctx, ctx.output(i), i == 0 ? "output" : "calibration output", TensorType::FLOAT32); !s) return s;
        m_integer = false;
        bindWeights(ctx, m_floatWeights);
        m_floatScratch.resize(m_dims);
        return {};
    }

    Status prepareInteger(KernelContext& ctx);

    // Hybrid: int8 weights (input, recurrent, peephole, projection), one scale each; float
    // biases, layer-norm coefficients and states.
    Status prepareHybrid(KernelContext& ctx, bool asymmetric) {
        for (size_t i = 1; i < ctx.inputCount(); ++i) {
            const RtTensor* t = ctx.input(i);
            if (!t || i == kOutputState || i == kCellState) continue;
            const bool isFloat = (i >= 12 && i <= 15) || i == 17 || i >= 20;
            const TensorType expected = isFloat ? TensorType::FLOAT32 : TensorType::INT8;
            const std::string role = "input " + std::to_string(i);
            if (t->type != expected)
                return ctx.error(mm::label(*t, role) + " is " + std::string(typeName(t->type)) + ", expected " + std::string(typeName(expected)));
            if (isFloat) continue;
            if (Status s = mm::requireQuantized(ctx, *t, role); !s) return s;
            if (t->quant->scale.size() != 1) return ctx.error(mm::label(*t, role) + " must be quantized per tensor on the hybrid path");
        }
        for (auto [i, role] : {std::pair{kOutputState, "output state"}, std::pair{kCellState, "cell state"}})
            if (Status s = mm::requireType(ctx, *ctx.input(i), role, TensorType::FLOAT32); !s) return s;
        if (Status s = mm::requireType(ctx, ctx.output(0), "output", TensorType::FLOAT32); !s) return s;
        if (!m_dims.projection && m_dims.output != m_dims.cell) return ctx.error("without projection the output size must equal the cell count");
        m_hybrid = true;
        m_hybridParams.base = m_float;
        m_hybridParams.asymmetric = asymmetric;
        m_hybridScratch.resize(m_dims);
        return {};
    }

    void bindHybridWeights(const KernelContext& ctx) {
        HybridWeights& w = m_hybridWeights;
        auto i8 = [&](size_t i) { return ctx.input(i) ? ctx.input(i)->as<int8_t>() : nullptr; };
        auto f32 = [&](size_t i) { return ctx.input(i) ? ctx.input(i)->as<float>() : nullptr; };
        auto scale = [&](size_t i) { return ctx.input(i) ? ctx.input(i)->scale() : 0.0f; };
        for (int g = 0; g < 4; ++g) {
            w.inputToGate[g] = i8(inputWeightsIndex(g));
            w.recurrentToGate[g] = i8(recurrentWeightsIndex(g));
            w.inputScale[g] = scale(inputWeightsIndex(g));
            w.recurrentScale[g] = scale(recurrentWeightsIndex(g));
            w.cellToGate[g] = g == kCellGate ? nullptr : i8(peepholeIndex(g));
            w.cellScale[g] = g == kCellGate ? 0.0f : scale(peepholeIndex(g));
            w.layerNorm[g] = m_dims.layerNorm ? f32(layerNormIndex(g)) : nullptr;
            w.gateBias[g] = f32(biasIndex(g));
        }
        w.projection = i8(16);
        w.projectionScale = scale(16);
        w.projectionBias = f32(17);
    }

    template <class T, class CellT> Status run(KernelContext& ctx) {
        const T* in = ctx.input(kInputTensor)->as<T>();
        T* outState = ctx.input(kOutputState)->as<T>();
        CellT* cell = ctx.input(kCellState)->as<CellT>();
        T* out = ctx.output(0).as<T>();
        auto step = [&](const T* x, T* h, CellT* c, T* y, const LstmDims& d) {
            if constexpr (std::is_same_v<T, float>) {
                if (m_hybrid) lstmStepHybrid(x, m_hybridWeights, m_hybridParams, d, h, c, y, m_hybridScratch);
                else lstmStepFloat(x, m_floatWeights, m_float, d, h, c, y, m_floatScratch);
            }
            else lstmStepInteger(x, m_intWeights, m_int, d, h, c, y, m_intScratch);
        };
        const LstmDims& d = m_dims;
        // Calibration outputs (float only): the rows of step (t, b) start at `row`.
        auto tapGates = [&](size_t row) {
            if (!m_taps) return;
            for (int g = 0; g < 4; ++g) {
                RtTensor& tap = ctx.output(kGateTap + size_t(g));
                m_floatScratch.preNormTap[g] = tap.elementCount() > 0 ? tap.as<float>() + row * size_t(d.cell) : nullptr;
            }
        };
        auto tapHidden = [&](size_t row, int rows) {
            if constexpr (std::is_same_v<T, float>) {
                if (m_taps)
                    std::copy_n(m_floatScratch.hidden.data(), size_t(rows) * d.cell, ctx.output(kHiddenTap).as<float>() + row * size_t(d.cell));
            }
        };
        if (m_timeMajor) {
            for (int t = 0; t < m_maxTime; ++t) {
                tapGates(size_t(t) * d.batch);
                step(in + size_t(t) * d.batch * d.input, outState, cell, out + size_t(t) * d.batch * d.output, d);
                tapHidden(size_t(t) * d.batch, d.batch);
            }
        } else {
            // Batch-major: each sequence runs on its own (batch 1), as TFLite does.
            LstmDims one = d;
            one.batch = 1;
            for (int b = 0; b < d.batch; ++b)
                for (int t = 0; t < m_maxTime; ++t) {
                    const size_t off = size_t(b) * m_maxTime + t;
                    tapGates(off);
                    step(in + off * d.input, outState + size_t(b) * d.output, cell + size_t(b) * d.cell, out + off * d.output, one);
                    tapHidden(off, 1);
                }
        }
        if constexpr (std::is_same_v<T, float>) {
            if (m_taps) std::copy_n(cell, size_t(d.batch) * d.cell, ctx.output(kCellStateTap).as<float>());
        }
        return {};
    }

    bool m_timeMajor = false, m_integer = false, m_hybrid = false, m_taps = false;
    Activation m_act = Activation::TANH;
    int m_maxTime = 0;
    LstmDims m_dims;
    FloatWeights m_floatWeights;
    FloatParams m_float;
    FloatScratch m_floatScratch;
    IntegerWeights m_intWeights;
    IntegerParams m_int;
    IntegerScratch m_intScratch;
    HybridWeights m_hybridWeights;
    HybridParams m_hybridParams;
    HybridScratchLstm m_hybridScratch;
};

Status LstmKernel::prepareInteger(KernelContext& ctx) {
    if (Status s = requireAllTypes(ctx, TensorType::INT8, TensorType::INT32, TensorType::INT16); !s) return s;
    const RtTensor& in = *ctx.input(kInputTensor);
    const RtTensor& outState = *ctx.input(kOutputState);
    const RtTensor& cellState = *ctx.input(kCellState);
    const RtTensor& out = ctx.output(0);
    if (Status s = mm::requireType(ctx, outState, "output state", TensorType::INT8); !s) return s;
    if (Status s = mm::requireType(ctx, cellState, "cell state", TensorType::INT16); !s) return s;
    if (Status s = mm::requireType(ctx, out, "output", TensorType::INT8); !s) return s;
    // Every weight is quantized per tensor (TFLite reads params.scale).
    for (size_t i = 0; i < ctx.inputCount(); ++i) {
        const RtTensor* t = ctx.input(i);
        if (!t || (i >= 12 && i <= 15) || i == 17) continue;
        if (Status s = mm::requireQuantized(ctx, *t, "input " + std::to_string(i)); !s) return s;
        if (t->quant->scale.size() != 1) return ctx.error(mm::label(*t, "input " + std::to_string(i)) + " must be quantized per tensor");
    }
    if (Status s = mm::requireQuantized(ctx, out, "output"); !s) return s;
    const Operator& op = ctx.op();
    if (op.intermediates.size() != 5)
        return ctx.error("the integer LSTM needs 5 intermediate tensors holding the gate and hidden scales, found " +
                         std::to_string(op.intermediates.size()));
    const Subgraph& sg = ctx.subgraph();
    std::vector<const QuantParams*> inter;
    for (size_t i = 0; i < op.intermediates.size(); ++i) {
        const TensorIndex t = op.intermediates[i];
        if (!t.valid() || t.index() >= sg.tensors.size()) return ctx.error("an intermediate tensor index is out of range");
        const QuantParams& q = sg.tensor(t).quant;
        // Gate intermediates (0-3) are read only with layer norm; the hidden one (4) always.
        if (q.scale.empty() && (i == 4 || m_dims.layerNorm))
            return ctx.error("intermediate tensor '" + sg.tensor(t).name + "' has no quantization parameters");
        inter.push_back(&q);
    }
    for (size_t i = 1; i < ctx.inputCount(); ++i)
        if (ctx.input(i) && i != kOutputState && i != kCellState && !ctx.input(i)->constant)
            return ctx.error("input " + std::to_string(i) + " must be constant on the integer path (its zero-point terms are folded at prepare)");
    m_integer = true;
    IntegerParams& p = m_int;
    p.rounding = ctx.options().rounding;
    const LstmDims& d = m_dims;

    // Gate pre-activations are Q3.12 without layer norm, else the intermediates' scales.
    float interScale[5];
    for (int g = 0; g < 4; ++g) interScale[g] = d.layerNorm ? inter[size_t(g)]->scale[0] : static_cast<float>(std::pow(2.0, -12));
    interScale[4] = inter[4]->scale[0];
    p.hiddenZp = inter[4]->zeroPoint.empty() ? 0 : static_cast<int32_t>(inter[4]->zeroPoint[0]);
    p.outputStateZp = outState.zeroPoint();
    if (!checkedLog2(cellState.scale(), &p.cellScale))
        return ctx.error(mm::label(cellState, "cell state") + " has scale " + std::to_string(cellState.scale()) + ", expected a power of two");
    if (15 + p.cellScale < 0 || 15 + p.cellScale > 6)
        return ctx.error(mm::label(cellState, "cell state") + " has scale 2^" + std::to_string(p.cellScale) +
                         ", expected 2^-15 to 2^-9 (tanh of the cell state takes 0 to 6 integer bits)");
    const float inputScale = in.scale(), outStateScale = outState.scale();
    auto scaleOf = [&](size_t i) { return ctx.input(i) ? ctx.input(i)->scale() : 1.0f; };
    // Effective scales, computed in float as TFLite does, then decomposed.
    for (int g = 0; g < 4; ++g) {
        if (g == kInputGate && d.cifg) continue;
        const float eIn = scaleOf(inputWeightsIndex(g)) * inputScale / interScale[g];
        const float eRec = scaleOf(recurrentWeightsIndex(g)) * outStateScale / interScale[g];
        p.inputToGate[g] = quantizeMultiplier(eIn);
        p.recurrentToGate[g] = quantizeMultiplier(eRec);
        if (d.peephole && g != kCellGate) {
            const float eCell = static_cast<float>(std::pow(2, p.cellScale) * scaleOf(peepholeIndex(g)) / interScale[g]);
            p.cellToGate[g] = quantizeMultiplier(eCell);
        }
        if (d.layerNorm) {
            const float lnScale = scaleOf(layerNormIndex(g));
            p.layerNorm[g] = quantizeMultiplier(lnScale);
            p.varianceGuard[g] = std::max(1, static_cast<int32_t>(10000 * lnScale));
        }
    }
    const float hiddenScale = static_cast<float>(std::pow(2, -15) / interScale[4] * std::pow(2, -15));
    p.hidden = quantizeMultiplier(hiddenScale);
    if (d.projection) p.projection = quantizeMultiplier(scaleOf(16) * interScale[4] / outStateScale);
    const float cellClip = m_float.cellClip, projClip = m_float.projClip;
    p.cellClip = cellClip > 0 ? static_cast<int16_t>(std::min(std::max(cellClip / cellState.scale(), -32768.0f), 32767.0f)) : 0;
    p.projClip = projClip > 0 ? static_cast<int8_t>(std::min(std::max(projClip / out.scale(), -128.0f), 127.0f)) : 0;

    // bias + zeroPoint * rowSum(W): inputs enter the matmuls with their zero points removed.
    auto effectiveBias = [&](size_t weightsIndex, const RtTensor* bias, int32_t zp, std::vector<int32_t>& outBias) {
        const RtTensor* w = ctx.input(weightsIndex);
        outBias.clear();
        if (!w) return;
        const int rows = w->dim(0), cols = w->dim(1);
        outBias.assign(size_t(rows), 0);
        for (int r = 0; r < rows; ++r) {
            int32_t sum = 0;
            for (int c = 0; c < cols; ++c) sum += w->as<int8_t>()[size_t(r) * cols + c];
            outBias[size_t(r)] = (bias ? bias->as<int32_t>()[r] : 0) + sum * zp;
        }
    };
    for (int g = 0; g < 4; ++g) {
        const RtTensor* bias = d.layerNorm ? nullptr : ctx.input(biasIndex(g));
        effectiveBias(inputWeightsIndex(g), bias, -in.zeroPoint(), p.inputEffectiveBias[g]);
        effectiveBias(recurrentWeightsIndex(g), nullptr, -outState.zeroPoint(), p.recurrentEffectiveBias[g]);
    }
    effectiveBias(16, ctx.input(17), p.hiddenZp, p.projectionEffectiveBias);
    if (!d.projection && d.output != d.cell) return ctx.error("without projection the output size must equal the cell count");
    bindWeights(ctx, m_intWeights);
    m_intScratch.resize(d);
    return {};
}

} // namespace

void registerLstm(KernelRegistry& r) { r.add(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, 1, 4, factoryOf<LstmKernel>()); }

} // namespace ql::rt

// UNIDIRECTIONAL_SEQUENCE_LSTM in the quantizer (see LstmRules.h for the recipe).
#include "quantize/LstmRules.h"

#include "quant/FixedPoint.h"
#include "quantize/GraphEdit.h"
#include "quantize/Quantizer.h"
#include "runtime/kernels/sequence/LstmCalibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ql::quantize {
namespace {

constexpr size_t kInput = 0, kProjection = 16, kProjectionBias = 17, kOutputState = 18, kCellState = 19;
constexpr const char* kGateNames[4] = {"input", "forget", "cell", "output"};
constexpr const char* kIntermediateNames[5] = {"input_to_input_intermediate", "input_to_forget_intermediate",
                                               "input_to_cell_intermediate", "input_to_output_intermediate",
                                               "effective_hidden_scale_intermediate"};

bool has(const Operator& op, size_t i) { return i < op.inputs.size() && op.inputs[i].valid(); }

bool usesLayerNorm(const Operator& op) { return op.inputs.size() == 24 && has(op, 21); }

size_t consumerCount(const Subgraph& sg, TensorIndex t) {
    size_t n = 0;
    for (const Operator& o : sg.operators)
        for (TensorIndex i : o.inputs) n += i == t ? 1 : 0;
    return n;
}

std::vector<uint8_t> bytesOf(const void* data, size_t size) {
    std::vector<uint8_t> b(size);
    if (size) std::memcpy(b.data(), data, size);
    return b;
}

QuantParams perTensor(float scale, int64_t zeroPoint) {
    QuantParams q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

// Symmetric int8 per tensor (q in [-127, 127]); returns the new tensor.
TensorIndex addInt8Weights(Model& m, Subgraph& sg, TensorIndex t) {
    const Tensor w = sg.tensor(t);
    QuantizedWeights qw = quantizeWeightsInt8(constantFloats(m, w), w.shape, -1);
    const BufferIndex b = m.addBuffer(bytesOf(qw.values.data(), qw.values.size()));
    return addTensor(sg, w.name + "_int8", TensorType::INT8, w.shape, std::move(qw.params), b);
}

// Symmetric int16, scale = max|w| / 32767 (peephole and layer-norm coefficients).
TensorIndex addInt16Symmetric(Model& m, Subgraph& sg, TensorIndex t) {
    const Tensor w = sg.tensor(t);
    const std::vector<float> v = constantFloats(m, w);
    float maxAbs = 0;
    for (float x : v) maxAbs = std::max(maxAbs, std::fabs(x));
    const float scale = maxAbs > 0 ? maxAbs / 32767.0f : 1.0f;
    std::vector<int16_t> q(v.size());
    for (size_t i = 0; i < v.size(); ++i) q[i] = static_cast<int16_t>(std::clamp(std::round(v[i] / scale), -32767.0f, 32767.0f));
    const BufferIndex b = m.addBuffer(bytesOf(q.data(), q.size() * 2));
    return addTensor(sg, w.name + "_int16", TensorType::INT16, w.shape, perTensor(scale, 0), b);
}

// bias_q = round(b / scale), int32, zero point 0.
TensorIndex addInt32Bias(Model& m, Subgraph& sg, TensorIndex t, float scale) {
    const Tensor bt = sg.tensor(t);
    const std::vector<float> v = constantFloats(m, bt);
    std::vector<int32_t> q(v.size());
    const double lim = double(std::numeric_limits<int32_t>::max());
    for (size_t i = 0; i < v.size(); ++i) q[i] = int32_t(std::clamp(std::round(double(v[i]) / double(scale)), -lim, lim));
    const BufferIndex b = m.addBuffer(bytesOf(q.data(), q.size() * 4));
    return addTensor(sg, bt.name + "_int32", TensorType::INT32, bt.shape, perTensor(scale, 0), b);
}

// A state variable converted in place; an initial value (rare: usually no buffer) is
// quantized with the new parameters.
void convertState(Model& m, Tensor& t, TensorType type, const QuantParams& q) {
    const Buffer& old = m.buffer(t.buffer);
    if (old.size > 0) {
        std::vector<float> v(old.size / sizeof(float));
        std::memcpy(v.data(), old.data, v.size() * sizeof(float));
        const auto [qmin, qmax] = quantizedRange(type);
        std::vector<uint8_t> bytes(v.size() * elementSize(type));
        for (size_t i = 0; i < v.size(); ++i) {
            const double x = std::clamp(std::round(double(v[i]) / q.scale[0]) + double(q.zeroPoint[0]), double(qmin), double(qmax));
            if (type == TensorType::INT8) bytes[i] = uint8_t(int8_t(x));
            else { const int16_t h = int16_t(x); std::memcpy(&bytes[i * 2], &h, 2); }
        }
        t.buffer = m.addBuffer(std::move(bytes));
    }
    t.type = type;
    t.quant = q;
}

} // namespace

bool isFloatLstm(const Subgraph& sg, const Operator& op) {
    if (op.op != BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM || (op.inputs.size() != 20 && op.inputs.size() != 24) || op.outputs.size() != 1)
        return false;
    return has(op, kInput) && has(op, 4) && sg.tensor(op.inputs[kInput]).type == TensorType::FLOAT32 &&
           sg.tensor(op.inputs[4]).type == TensorType::FLOAT32;
}

std::vector<LstmTaps> lstmCalibrationTaps(const Model& model) {
    std::vector<LstmTaps> taps;
    if (model.subgraphs.empty()) return taps;
    const Subgraph& sg = model.subgraphs[0];
    size_t next = sg.tensors.size();
    for (size_t o = 0; o < sg.operators.size(); ++o) {
        if (!isFloatLstm(sg, sg.operators[o])) continue;
        LstmTaps t;
        t.op = OperatorIndex{o};
        t.cellState = TensorIndex{next};
        t.hidden = TensorIndex{next + 1};
        for (int g = 0; g < 4; ++g) t.gate[g] = TensorIndex{next + 2 + size_t(g)};
        next += rt::lstm::kCalibrationOutputCount - 1;
        taps.push_back(t);
    }
    return taps;
}

std::shared_ptr<const Model> withLstmCalibrationOutputs(std::shared_ptr<const Model> model) {
    const std::vector<LstmTaps> taps = lstmCalibrationTaps(*model);
    if (taps.empty()) return model;
    auto m = std::make_shared<Model>(*model);
    Subgraph& sg = m->subgraphs[0];
    for (const LstmTaps& t : taps) {
        const Operator op = sg.operators[t.op.index()];
        const Tensor& in = sg.tensor(op.inputs[kInput]);
        const std::string base = sg.tensor(op.outputs[0]).name + "/calibration/";
        const int32_t cells = sg.tensor(op.inputs[4]).shape.empty() ? 0 : sg.tensor(op.inputs[4]).shape[0];
        const int32_t rows = in.shape.size() == 3 ? in.shape[0] * in.shape[1] : 0;
        const bool layerNorm = usesLayerNorm(op);
        // The kernel declares these shapes at prepare; the same here for readers of the model.
        addTensor(sg, base + "cell_state", TensorType::FLOAT32, sg.tensor(op.inputs[kCellState]).shape);
        addTensor(sg, base + "hidden", TensorType::FLOAT32, {rows, cells});
        for (int g = 0; g < 4; ++g) {
            const bool used = layerNorm && (g != 0 || has(op, 1));
            addTensor(sg, base + kGateNames[g] + "_gate", TensorType::FLOAT32, {used ? rows : 0, cells});
        }
        Operator& edited = sg.operators[t.op.index()];
        edited.outputs.push_back(t.cellState);
        edited.outputs.push_back(t.hidden);
        for (int g = 0; g < 4; ++g) edited.outputs.push_back(t.gate[g]);
    }
    m->rebuildIndex();
    return m;
}

QuantParams lstmCellStateParams(calib::Range range) {
    const double maxAbs = std::max(std::fabs(double(range.min)), std::fabs(double(range.max)));
    int k = maxAbs > 0 ? (std::isfinite(maxAbs) ? int(std::clamp(std::ceil(std::log2(maxAbs)), -64.0, 64.0)) : 6) : 0;
    // At least 2^3 / 32768 = 2^-12: TFLite's runtime shifts a finer cell state right in place
    // before its tanh each step (LstmInteger.cpp), losing the bits for good. At most 2^-9, the
    // kernels' limit.
    k = std::clamp(k, 3, 6);
    return perTensor(float(std::ldexp(1.0, k - 15)), 0);
}

QuantParams lstmHiddenParams(const QuantParams& params) {
    const float mn = params.min.empty() ? -128.0f * params.scale[0] : std::min(params.min[0], 0.0f);
    const float mx = params.max.empty() ? 127.0f * params.scale[0] : std::max(params.max[0], 0.0f);
    float scale = std::max(-mn / 128.0f, mx / 127.0f);
    if (!(scale > 0)) scale = 1.0f;
    QuantParams q = perTensor(scale, 0);
    q.min = {mn};
    q.max = {mx};
    return q;
}

bool lstmRanges(const Model& model, const Operator& op, const LstmTaps& taps, const calib::CalibrationStats& stats,
                const calib::Calibrator& calibrator, LstmRanges* out, std::string* why, QuantizeReport* report) {
    const Subgraph& sg = model.subgraphs[0];
    const std::string base = sg.tensor(op.outputs[0]).name + "/";
    auto pick = [&](TensorIndex t, const char* what, int bits, bool symmetric, calib::Range* r, const QuantParams* shown) {
        const calib::TensorStats* s = stats.find(t, 0);
        if (!s || s->empty()) {
            *why = std::string("no calibration statistics for the LSTM's ") + what +
                   " (calibrate on withLstmCalibrationOutputs' model)";
            return false;
        }
        *r = calib::chooseRange(*s, calibrator, bits, symmetric);
        if (report) {
            const QuantParams q = shown ? *shown : calib::paramsFromRange(*r, bits == 16 ? TensorType::INT16 : TensorType::INT8, symmetric);
            report->tensors.push_back({base + what, r->min, r->max, q.scale[0], q.zeroPoint[0], calib::clippingRate(*s, *r)});
        }
        return true;
    };
    if (!pick(taps.cellState, "cell_state", 16, true, &out->cellState, nullptr)) return false;
    if (report) report->tensors.back().scale = lstmCellStateParams(out->cellState).scale[0];
    if (!pick(taps.hidden, "hidden", 8, false, &out->hidden, nullptr)) return false;
    if (report) report->tensors.back().scale = lstmHiddenParams(calib::paramsFromRange(out->hidden, TensorType::INT8, false)).scale[0];
    if (report) report->tensors.back().zeroPoint = 0;
    if (usesLayerNorm(op))
        for (int g = 0; g < 4; ++g) {
            if (g == 0 && !has(op, 1)) continue; // CIFG
            calib::Range r;
            if (!pick(taps.gate[g], (std::string(kGateNames[g]) + "_gate").c_str(), 16, true, &r, nullptr)) return false;
            out->gate[g] = r;
        }
    return true;
}

bool lstmIntegerSupported(const Model& model, const Operator& op, std::string* why) {
    const Subgraph& sg = model.subgraphs[0];
    // Input 0 may already be int8 here (a graph input with int8 I/O): only the weights tell.
    if (op.op != BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM || (op.inputs.size() != 20 && op.inputs.size() != 24) || op.outputs.size() != 1 ||
        !has(op, kInput) || !has(op, 4) || sg.tensor(op.inputs[4]).type != TensorType::FLOAT32) {
        *why = "not a float LSTM with 20 or 24 inputs and one output";
        return false;
    }
    if (const auto* o = op.options.AsUnidirectionalSequenceLSTMOptions(); o && o->diagonal_recurrent_tensors) {
        *why = "diagonal recurrent weights (no integer kernel)";
        return false;
    }
    for (size_t i : {size_t(2), size_t(3), size_t(4), size_t(6), size_t(7), size_t(8), size_t(13), size_t(14), size_t(15), kOutputState, kCellState})
        if (!has(op, i)) { *why = "input " + std::to_string(i) + " is omitted"; return false; }
    for (size_t i = 1; i < op.inputs.size(); ++i) {
        if (!has(op, i) || i == kOutputState || i == kCellState) continue;
        const Tensor& t = sg.tensor(op.inputs[i]);
        if (t.type != TensorType::FLOAT32 || !model.isConstant(t)) {
            *why = "input " + std::to_string(i) + " ('" + t.name + "') is not a float constant";
            return false;
        }
    }
    for (size_t i : {kOutputState, kCellState}) {
        const Tensor& t = sg.tensor(op.inputs[i]);
        if (t.type != TensorType::FLOAT32 || !t.isVariable) { *why = "state '" + t.name + "' is not a float variable"; return false; }
        if (consumerCount(sg, op.inputs[i]) != 1) { *why = "state '" + t.name + "' is read by other operators"; return false; }
    }
    return true;
}

Operator quantizeLstmInt8(Model& m, const Operator& op, TensorIndex quantizedInput, const QuantParams& inputParams,
                          const QuantParams& outputParams, const LstmRanges& ranges) {
    Subgraph& sg = m.subgraphs[0];
    Operator q = op;
    q.inputs[kInput] = quantizedInput;
    const bool layerNorm = usesLayerNorm(op);
    const bool projection = has(op, kProjection);
    auto scaleOf = [&](size_t i) { return sg.tensor(q.inputs[i]).quant.scale[0]; };
    // Weights: 1-8 and the projection int8, peephole 9-11 and layer norm 20-23 int16.
    for (size_t i : {size_t(1), size_t(2), size_t(3), size_t(4), size_t(5), size_t(6), size_t(7), size_t(8), kProjection})
        if (has(op, i)) q.inputs[i] = addInt8Weights(m, sg, op.inputs[i]);
    for (size_t i : {size_t(9), size_t(10), size_t(11), size_t(20), size_t(21), size_t(22), size_t(23)})
        if (has(op, i)) q.inputs[i] = addInt16Symmetric(m, sg, op.inputs[i]);

    // Intermediates: 0-3 the gates before layer norm (int16), 4 the hidden value (int8).
    QuantParams hiddenParams = projection ? lstmHiddenParams(calib::paramsFromRange(ranges.hidden, TensorType::INT8, false))
                                          : perTensor(outputParams.scale[0], outputParams.zeroPoint[0]);
    hiddenParams.min.clear();
    hiddenParams.max.clear();
    q.intermediates.clear();
    for (int g = 0; g < 4; ++g) {
        if (layerNorm && ranges.gate[g]) {
            QuantParams p = calib::paramsFromRange(*ranges.gate[g], TensorType::INT16, true);
            p.min.clear();
            p.max.clear();
            q.intermediates.push_back(addTensor(sg, kIntermediateNames[g], TensorType::INT16, {0}, std::move(p)));
        } else {
            q.intermediates.push_back(addTensor(sg, kIntermediateNames[g], TensorType::FLOAT32, {0}));
        }
    }
    q.intermediates.push_back(addTensor(sg, kIntermediateNames[4], TensorType::INT8, {0}, hiddenParams));

    // Biases: s_in * s_{input-to-gate weights}, or s_{layer norm} * 2^-10; projection bias
    // s_projection * s_hidden.
    for (int g = 0; g < 4; ++g) {
        const size_t b = 12 + size_t(g);
        if (!has(op, b)) continue;
        const float scale = layerNorm ? scaleOf(20 + size_t(g)) * float(std::ldexp(1.0, -10)) : inputParams.scale[0] * scaleOf(1 + size_t(g));
        q.inputs[b] = addInt32Bias(m, sg, op.inputs[b], scale);
    }
    if (has(op, kProjectionBias)) q.inputs[kProjectionBias] = addInt32Bias(m, sg, op.inputs[kProjectionBias], scaleOf(kProjection) * hiddenParams.scale[0]);

    // States, in place: the output state shares the output's parameters (TFLite's restrict_scale
    // {18, 0}); the cell state is int16 with a power-of-two scale.
    convertState(m, sg.tensor(op.inputs[kOutputState]), TensorType::INT8, perTensor(outputParams.scale[0], outputParams.zeroPoint[0]));
    convertState(m, sg.tensor(op.inputs[kCellState]), TensorType::INT16, lstmCellStateParams(ranges.cellState));
    if (auto* o = q.options.AsUnidirectionalSequenceLSTMOptions()) o->asymmetric_quantize_inputs = false;
    q.version = 1;
    return q;
}

bool quantizeLstmHybrid(Model& m, Subgraph& sg, Operator& op, size_t minElements) {
    if (!isFloatLstm(sg, op)) return false;
    if (const auto* o = op.options.AsUnidirectionalSequenceLSTMOptions(); o && o->diagonal_recurrent_tensors) return false;
    const size_t weights[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, kProjection};
    size_t elements = 0;
    for (size_t i : weights) {
        if (!has(op, i)) continue;
        const Tensor& t = sg.tensor(op.inputs[i]);
        if (t.type != TensorType::FLOAT32 || !m.isConstant(t) || consumerCount(sg, op.inputs[i]) != 1) return false;
        elements += size_t(std::max<int64_t>(t.elementCount(), 0));
    }
    for (size_t i : {kOutputState, kCellState})
        if (!has(op, i) || sg.tensor(op.inputs[i]).type != TensorType::FLOAT32) return false;
    if (elements < minElements) return false;
    for (size_t i : weights)
        if (has(op, i)) op.inputs[i] = addInt8Weights(m, sg, op.inputs[i]);
    // Hybrid, inputs quantized per batch row with a zero point (op_version.cc: version 3).
    if (auto* o = op.options.AsUnidirectionalSequenceLSTMOptions()) o->asymmetric_quantize_inputs = true;
    op.version = 3;
    return true;
}

} // namespace ql::quantize

// Full-integer quantization (int8, int8-only, int16x8) following TFLite's quantization spec:
// asymmetric int8 (symmetric int16, zero point 0) activations from calibration, symmetric
// int8 weights per channel, int32 (int64 for 16x8) biases with scale s_in * s_w, fixed or
// shared output parameters where TFLite's kernels require them, QUANTIZE / DEQUANTIZE where
// integer and float parts of the graph meet.
//
// Every original tensor t of subgraph 0 keeps its index. It may get a second representation:
// a quantized op writes t in place (t becomes int8) and a float consumer reads a DEQUANTIZE'd
// copy; a float producer writes t and a quantized consumer reads a QUANTIZE'd copy. Graph
// inputs and outputs keep their indices (and so the signature) with the I/O type asked for.
//
// Mixed int8 / int16x8 (QuantizeOptions::int16 in mode int8): the named operators run TFLite's
// int16x8 kernels (int16 activations, symmetric, zero point 0; int8 weights; int64 bias), the
// others int8. A tensor then may need a copy of the other integer type: int16 -> int8 is one
// QUANTIZE (the runtime's requantize: int16 input, int8 output), int8 -> int16 goes through
// float (DEQUANTIZE + QUANTIZE), as TFLite's QUANTIZE has no int8 -> int16 requantize.
#include "quantize/GraphEdit.h"
#include "quantize/LowBitWeights.h"
#include "quantize/LstmRules.h"
#include "quantize/OpRules.h"
#include "quantize/Quantizer.h"

#include "quant/FixedPoint.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

namespace ql::quantize {
namespace {

struct Rep {
    TensorIndex floatIdx, quantIdx;
    QuantParams params; // of quantIdx
    bool hasParams = false;
    TensorIndex otherIdx;    // mixed int8 / int16: the copy of the other integer type
    QuantParams otherParams; // of otherIdx
};

class IntegerQuantizer {
public:
    IntegerQuantizer(const Model& m, const calib::CalibrationStats& stats, const QuantizeOptions& o)
        : m_model(m), m_stats(stats), m_opt(o) {
        m_act = o.mode == Mode::Int16x8 ? TensorType::INT16 : TensorType::INT8;
        m_modeAct = m_act;
        m_io = o.io;
        if (m_io == IoType::Default) m_io = o.mode == Mode::Int8Only ? IoType::Int8 : IoType::Float;
        m_lstmTaps = lstmCalibrationTaps(m);
    }

    Result<QuantizeResult> run();

private:
    Subgraph& sg() { return m_model.subgraphs[0]; }
    bool isFloatActivation(TensorIndex t) {
        return t.valid() && sg().tensor(t).type == TensorType::FLOAT32 && !m_model.isConstant(sg().tensor(t));
    }
    bool isGraphOutput(TensorIndex t) const {
        return std::find(m_outputs.begin(), m_outputs.end(), t) != m_outputs.end();
    }
    const calib::TensorStats* stats(TensorIndex t) const {
        if (t.index() >= m_originalCount) return nullptr;
        const auto* s = m_stats.find(t, 0);
        return s && !s->empty() ? s : nullptr;
    }
    bool keptFloat(const Operator& op);
    // The activation type of `op`: the mode's, or int16 for an operator named in int16 that has
    // an int16x8 kernel (mode int8).
    TensorType activationType(const Operator& op, const OpRule* rule, size_t number);
    bool canQuantize(const Operator& op, const OpRule& rule, std::string* why);
    bool emitLstm(const Operator& op, size_t index, std::string* why);
    void emitWithOutputs(Operator op, const Operator& original, const std::vector<QuantParams>& params);
    QuantParams calibrated(TensorIndex t);
    // --calibrator-for's choice for the tensor, else the default calibrator.
    const calib::Calibrator& calibratorOf(TensorIndex t);
    const calib::Range* fixedRangeOf(TensorIndex t); // QuantizeOptions::rangeFor, else null
    // The integer copy of t of the current activation type, and its parameters.
    TensorIndex quantOf(TensorIndex t, QuantParams* params = nullptr);
    TensorIndex otherOf(TensorIndex t, QuantParams* params);
    TensorIndex floatOf(TensorIndex t);
    TensorIndex quantizedConstant(TensorIndex t, const QuantParams* forced, QuantParams* used);
    void emitQuantized(Operator op, const OpRule& rule);
    void emitFloat(Operator op);
    void emit(Operator op) { m_ops.push_back(std::move(op)); }
    Operator convert(BuiltinOp kind, TensorIndex in, TensorIndex out) {
        Operator c;
        c.op = kind;
        c.inputs = {in};
        c.outputs = {out};
        c.version = quantizedOpVersion(sg(), c);
        if (kind == BuiltinOp::QUANTIZE) ++m_report.insertedQuantize;
        else ++m_report.insertedDequantize;
        return c;
    }

    Model m_model;
    const calib::CalibrationStats& m_stats;
    QuantizeOptions m_opt;
    TensorType m_act;     // of the operator being emitted
    TensorType m_modeAct; // the mode's
    IoType m_io;
    size_t m_originalCount = 0;
    std::vector<Rep> m_rep;
    std::vector<TensorIndex> m_outputs;
    std::vector<TensorType> m_origType; // types of the original tensors, before edits
    std::vector<Operator> m_ops;
    std::set<int32_t> m_reported;
    QuantizeReport m_report;
    std::vector<LstmTaps> m_lstmTaps; // calibration outputs of the float LSTMs (LstmRules.h)
};

const calib::Calibrator& IntegerQuantizer::calibratorOf(TensorIndex t) {
    const std::string& name = sg().tensor(t).name;
    for (const auto& [tensor, calibrator] : m_opt.calibratorFor)
        if (tensor == name) return calibrator;
    return m_opt.calibrator;
}

const calib::Range* IntegerQuantizer::fixedRangeOf(TensorIndex t) {
    const std::string& name = sg().tensor(t).name;
    for (const auto& [tensor, range] : m_opt.rangeFor)
        if (tensor == name) return &range;
    return nullptr;
}

QuantParams IntegerQuantizer::calibrated(TensorIndex t) {
    const calib::TensorStats* s = stats(t);
    const bool symmetric = m_act == TensorType::INT16;
    const int bits = m_act == TensorType::INT16 ? 16 : 8;
    const calib::Calibrator& calibrator = calibratorOf(t);
    const calib::Range* fixed = fixedRangeOf(t);
    calib::Range range = fixed ? *fixed : calib::chooseRange(*s, calibrator, bits, symmetric);
    if (fixed && symmetric) {
        const float a = std::max(std::fabs(range.min), std::fabs(range.max));
        range = {-a, a};
    }
    QuantParams q = calib::paramsFromRange(range, m_act, symmetric);
    if (m_reported.insert(t.value).second) {
        TensorRangeReport r;
        r.name = sg().tensor(t).name;
        r.min = range.min;
        r.max = range.max;
        r.scale = q.scale[0];
        r.zeroPoint = q.zeroPoint[0];
        r.clipped = calib::clippingRate(*s, range);
        r.calibrator = fixed ? std::string("fixed range") : calibrator.name();
        m_report.tensors.push_back(std::move(r));
    }
    return q;
}

TensorIndex IntegerQuantizer::quantOf(TensorIndex t, QuantParams* params) {
    Rep& r = m_rep[t.index()];
    if (r.quantIdx.valid() && sg().tensor(r.quantIdx).type != m_act) {
        QuantParams p;
        const TensorIndex o = otherOf(t, &p);
        if (params) *params = p;
        return o;
    }
    if (params && r.quantIdx.valid()) *params = r.params;
    if (r.quantIdx.valid()) return r.quantIdx;
    if (!r.hasParams) {
        r.params = calibrated(t);
        r.hasParams = true;
    }
    const Tensor& src = sg().tensor(t);
    const TensorIndex q = addTensor(sg(), src.name + (m_act == TensorType::INT16 ? "_int16" : "_int8"), m_act, src.shape, r.params);
    m_rep.resize(sg().tensors.size());
    m_rep[t.index()].quantIdx = q;
    emit(convert(BuiltinOp::QUANTIZE, m_rep[t.index()].floatIdx, q));
    if (params) *params = m_rep[t.index()].params;
    return q;
}

// The copy of t of the current activation type when t's integer form has the other one. Its
// parameters come from t's calibration statistics with the current type's rule (int16
// symmetric, int8 asymmetric), else from the representable range of t's integer form.
TensorIndex IntegerQuantizer::otherOf(TensorIndex t, QuantParams* params) {
    Rep& r = m_rep[t.index()];
    if (r.otherIdx.valid()) {
        *params = r.otherParams;
        return r.otherIdx;
    }
    QuantParams p;
    if (stats(t)) {
        p = calibrated(t);
    } else {
        const auto [qmin, qmax] = quantizedRange(sg().tensor(r.quantIdx).type);
        const float s = r.params.scale[0];
        const float z = float(r.params.zeroPoint[0]);
        p = calib::paramsFromRange(calib::Range{s * (float(qmin) - z), s * (float(qmax) - z)}, m_act,
                                   m_act == TensorType::INT16);
    }
    const bool toInt16 = m_act == TensorType::INT16;
    // int16 -> int8 requantizes directly; int8 -> int16 has no requantize kernel: via float.
    const TensorIndex from = toInt16 ? floatOf(t) : m_rep[t.index()].quantIdx;
    const Tensor& src = sg().tensor(t);
    const TensorIndex q = addTensor(sg(), src.name + (toInt16 ? "_int16" : "_int8"), m_act, src.shape, p);
    m_rep.resize(sg().tensors.size());
    m_rep[t.index()].otherIdx = q;
    m_rep[t.index()].otherParams = p;
    emit(convert(BuiltinOp::QUANTIZE, from, q));
    *params = p;
    return q;
}

TensorIndex IntegerQuantizer::floatOf(TensorIndex t) {
    Rep& r = m_rep[t.index()];
    if (r.floatIdx.valid()) return r.floatIdx;
    const Tensor& src = sg().tensor(t);
    const TensorIndex f = addTensor(sg(), src.name + "_float", TensorType::FLOAT32, src.shape);
    m_rep.resize(sg().tensors.size());
    m_rep[t.index()].floatIdx = f;
    emit(convert(BuiltinOp::DEQUANTIZE, m_rep[t.index()].quantIdx, f));
    return f;
}

// A constant activation operand (e.g. ADD's constant addend): quantized with its own range,
// or with `forced` params (shared-parameter ops).
TensorIndex IntegerQuantizer::quantizedConstant(TensorIndex t, const QuantParams* forced, QuantParams* used) {
    const Tensor src = sg().tensor(t);
    const std::vector<float> v = constantFloats(m_model, src);
    QuantParams q;
    if (forced) {
        q = *forced;
    } else {
        calib::Range range{0, 0};
        if (!v.empty()) {
            range.min = *std::min_element(v.begin(), v.end());
            range.max = *std::max_element(v.begin(), v.end());
        }
        q = calib::paramsFromRange(range, m_act, m_act == TensorType::INT16);
    }
    const auto [qmin, qmax] = quantizedRange(m_act);
    const size_t es = m_act == TensorType::INT16 ? 2 : 1;
    std::vector<uint8_t> bytes(v.size() * es);
    for (size_t i = 0; i < v.size(); ++i) {
        const double x = std::round(double(v[i]) / q.scale[0]) + double(q.zeroPoint[0]);
        const int32_t c = int32_t(std::clamp(x, double(qmin), double(qmax)));
        if (es == 1) bytes[i] = uint8_t(int8_t(c));
        else { const int16_t h = int16_t(c); std::memcpy(&bytes[i * 2], &h, 2); }
    }
    *used = q;
    const TensorIndex n = addTensor(sg(), src.name + "_quant", m_act, src.shape, q, m_model.addBuffer(std::move(bytes)));
    m_rep.resize(sg().tensors.size());
    return n;
}

bool IntegerQuantizer::keptFloat(const Operator& op) {
    const std::string type(op.typeName());
    for (const std::string& k : m_opt.keepFloat) {
        if (k == type) return true;
        for (TensorIndex t : op.outputs)
            if (t.valid() && sg().tensor(t).name == k) return true;
    }
    return false;
}

TensorType IntegerQuantizer::activationType(const Operator& op, const OpRule* rule, size_t number) {
    if (m_modeAct != TensorType::INT8 || m_opt.int16.empty()) return m_modeAct;
    const std::string type(op.typeName());
    bool named = false;
    for (const std::string& k : m_opt.int16) {
        named = named || k == type;
        for (TensorIndex t : op.outputs) named = named || (t.valid() && sg().tensor(t).name == k);
    }
    if (!named) return m_modeAct;
    if (!rule || !rule->int16) {
        m_report.int16Refused.push_back("#" + std::to_string(number) + " " + type + " (no int16x8 kernel)");
        return m_modeAct;
    }
    return TensorType::INT16;
}

// UNIDIRECTIONAL_SEQUENCE_LSTM: TFLite's 8x8->16 integer LSTM (LstmRules.h). Every check
// comes before the first edit, so a refusal leaves the graph as it was.
bool IntegerQuantizer::emitLstm(const Operator& op, size_t index, std::string* why) {
    if (m_act != TensorType::INT8) {
        *why = "no int16x8 kernel (TFLite's integer LSTM is 8x8->16 only)";
        return false;
    }
    if (keptFloat(op)) { *why = "--keep-float"; return false; }
    if (!lstmIntegerSupported(m_model, op, why)) return false;
    const LstmTaps* taps = nullptr;
    for (const LstmTaps& t : m_lstmTaps)
        if (t.op.index() == index) taps = &t;
    if (!taps) { *why = "no calibration outputs for this LSTM"; return false; }
    const TensorIndex in = op.inputs[0], out = op.outputs[0];
    if (!m_rep[in.index()].quantIdx.valid() && !stats(in)) {
        *why = "no calibration statistics for input '" + sg().tensor(in).name + "'";
        return false;
    }
    if (!stats(out)) {
        *why = "no calibration statistics for output '" + sg().tensor(out).name + "'";
        return false;
    }
    LstmRanges ranges;
    QuantizeReport rangeReport;
    if (!lstmRanges(m_model, op, *taps, m_stats, m_opt.calibrator, &ranges, why, &rangeReport)) return false;
    for (TensorRangeReport& r : rangeReport.tensors) m_report.tensors.push_back(std::move(r));
    QuantParams inParams;
    const TensorIndex qin = quantOf(in, &inParams);
    // The output (and so the output state, restrict_scale {18, 0} in TFLite): calibrated; the
    // output state's own values are the output's earlier steps and the initial zeros, which the
    // output's range widened to include 0 already covers.
    QuantParams outParams = calibrated(out);
    if (!op.inputs[16].valid()) {
        // Without projection the output is the hidden value: zero point 0 (lstmHiddenParams).
        outParams = lstmHiddenParams(outParams);
        for (TensorRangeReport& r : m_report.tensors)
            if (r.name == sg().tensor(out).name) { r.scale = outParams.scale[0]; r.zeroPoint = 0; }
    }
    Operator q = quantizeLstmInt8(m_model, op, qin, inParams, outParams, ranges);
    m_rep.resize(sg().tensors.size());
    for (size_t i : {size_t(18), size_t(19)}) {
        const TensorIndex s = op.inputs[i];
        m_rep[s.index()].floatIdx = TensorIndex{};
        m_rep[s.index()].quantIdx = s;
        m_rep[s.index()].params = sg().tensor(s).quant;
        m_rep[s.index()].hasParams = true;
    }
    emitWithOutputs(std::move(q), op, {outParams});
    return true;
}

bool IntegerQuantizer::canQuantize(const Operator& op, const OpRule& rule, std::string* why) {
    if (!(m_act == TensorType::INT16 ? rule.int16 : rule.int8)) {
        *why = "no " + std::string(m_act == TensorType::INT16 ? "int16x8" : "int8") + " kernel";
        return false;
    }
    if (keptFloat(op)) { *why = "--keep-float"; return false; }
    auto isInput = [&](int i) { return size_t(i) < op.inputs.size() && op.inputs[size_t(i)].valid(); };
    if (rule.weightInput >= 0) {
        if (!isInput(rule.weightInput)) { *why = "no weights"; return false; }
        const Tensor& w = sg().tensor(op.inputs[size_t(rule.weightInput)]);
        if (w.type != TensorType::FLOAT32 || !m_model.isConstant(w)) { *why = "weights are not float constants"; return false; }
    }
    if (rule.biasInput >= 0 && isInput(rule.biasInput)) {
        const Tensor& b = sg().tensor(op.inputs[size_t(rule.biasInput)]);
        if (b.type != TensorType::FLOAT32 || !m_model.isConstant(b)) { *why = "bias is not a float constant"; return false; }
    }
    for (int i : rule.sameAsFirstInputs) {
        if (!isInput(i)) continue;
        const Tensor& c = sg().tensor(op.inputs[size_t(i)]);
        if (c.type != TensorType::FLOAT32 || !m_model.isConstant(c)) {
            *why = "input " + std::to_string(i) + " ('" + c.name + "') is not a float constant";
            return false;
        }
    }
    for (size_t i = 0; i < op.inputs.size(); ++i) {
        const TensorIndex t = op.inputs[i];
        if (!isFloatActivation(t) && !(t.valid() && t.index() >= m_originalCount)) continue;
        if (t.index() < m_originalCount && !m_rep[t.index()].quantIdx.valid() && !stats(t)) {
            *why = "no calibration statistics for input '" + sg().tensor(t).name + "'";
            return false;
        }
    }
    if (op.outputs.empty()) { *why = "no outputs"; return false; }
    for (TensorIndex t : op.outputs) {
        if (!t.valid() || sg().tensor(t).type != TensorType::FLOAT32) { *why = "non-float output"; return false; }
        if ((rule.output == OutputRule::Free || rule.output == OutputRule::Shared) && !stats(t)) {
            *why = "no calibration statistics for output '" + sg().tensor(t).name + "'";
            return false;
        }
    }
    return true;
}

void IntegerQuantizer::emitQuantized(Operator op, const OpRule& rule) {
    const Operator original = op;
    std::vector<int> acts = rule.activationInputs;
    if (acts.empty())
        for (size_t i = 0; i < op.inputs.size(); ++i)
            if (int(i) != rule.weightInput && int(i) != rule.biasInput && op.inputs[i].valid() &&
                m_origType[op.inputs[i].index()] == TensorType::FLOAT32)
                acts.push_back(int(i));

    // Output parameters of Shared ops are decided first: every input is requantized to them.
    QuantParams shared;
    if (rule.output == OutputRule::Shared) shared = calibrated(original.outputs[0]);

    QuantParams firstInput;
    bool haveFirst = false;
    for (int i : acts) {
        if (size_t(i) >= op.inputs.size() || !op.inputs[size_t(i)].valid()) continue;
        const TensorIndex t = original.inputs[size_t(i)];
        if (m_origType[t.index()] != TensorType::FLOAT32) continue;
        QuantParams p;
        TensorIndex q;
        if (m_model.isConstant(sg().tensor(t))) {
            q = quantizedConstant(t, rule.output == OutputRule::Shared ? &shared : nullptr, &p);
        } else {
            q = quantOf(t, &p);
            if (rule.output == OutputRule::Shared && !(p.scale == shared.scale && p.zeroPoint == shared.zeroPoint)) {
                // TFLite's integer CONCATENATION / MAXIMUM / PACK need one scale: requantize.
                const TensorIndex rq = addTensor(sg(), sg().tensor(t).name + "_requant", m_act, sg().tensor(t).shape, shared);
                m_rep.resize(sg().tensors.size());
                emit(convert(BuiltinOp::QUANTIZE, q, rq));
                q = rq;
                p = shared;
            }
        }
        op.inputs[size_t(i)] = q;
        if (!haveFirst) { firstInput = p; haveFirst = true; }
    }
    const float sIn = haveFirst ? firstInput.scale[0] : 1.0f;
    for (int i : rule.sameAsFirstInputs) {
        if (!haveFirst || size_t(i) >= op.inputs.size() || !op.inputs[size_t(i)].valid()) continue;
        QuantParams used;
        op.inputs[size_t(i)] = quantizedConstant(original.inputs[size_t(i)], &firstInput, &used);
    }

    // Weights, with TFLite's bias-overflow guard: a weight scale so small that
    // |bias| / (s_in * s_w) exceeds the int32 range is raised until the bias fits.
    std::vector<float> bias;
    if (rule.biasInput >= 0 && size_t(rule.biasInput) < op.inputs.size() && op.inputs[size_t(rule.biasInput)].valid())
        bias = constantFloats(m_model, sg().tensor(op.inputs[size_t(rule.biasInput)]));
    QuantParams weightParams;
    if (rule.weightInput >= 0) {
        const Tensor w = sg().tensor(op.inputs[size_t(rule.weightInput)]);
        const int axis = m_opt.perTensor ? -1 : rule.weightAxis;
        std::vector<float> minScale;
        if (!bias.empty() && m_act == TensorType::INT8) {
            const double limit = double(std::numeric_limits<int32_t>::max());
            if (axis >= 0) {
                minScale.resize(bias.size());
                for (size_t c = 0; c < bias.size(); ++c) minScale[c] = float(std::fabs(bias[c]) / (double(sIn) * limit) * 1.000001);
            } else {
                float mx = 0;
                for (float b : bias) mx = std::max(mx, float(std::fabs(b) / (double(sIn) * limit) * 1.000001));
                minScale = {mx};
            }
        }
        // int4 weights (--weights int4): int8 activations with int4 weights per channel, which
        // the runtime runs for FULLY_CONNECTED (the option checks refuse int16x8 and blocks).
        const bool int4 = m_act == TensorType::INT8 && runsInt4Weights(op.op) && weightTypeFor(sg(), original, m_opt) == WeightType::Int4;
        if (int4) {
            QuantizedWeights qw = quantizeWeightsInt4(constantFloats(m_model, w), w.shape, axis, minScale);
            weightParams = qw.params;
            op.inputs[size_t(rule.weightInput)] = addInt4Tensor(m_model, sg(), w.name, w.shape, qw.values, std::move(qw.params));
            ++m_report.int4Ops;
        } else {
            QuantizedWeights qw = quantizeWeightsInt8(constantFloats(m_model, w), w.shape, axis, minScale);
            weightParams = qw.params;
            std::vector<uint8_t> bytes(qw.values.size());
            if (!bytes.empty()) std::memcpy(bytes.data(), qw.values.data(), bytes.size());
            op.inputs[size_t(rule.weightInput)] =
                addTensor(sg(), w.name + "_int8", TensorType::INT8, w.shape, std::move(qw.params), m_model.addBuffer(std::move(bytes)));
        }
        m_rep.resize(sg().tensors.size());
    }
    if (!bias.empty()) {
        // bias_q = round(b / (s_in * s_w[c])), zero point 0; int32, or int64 for 16x8.
        const Tensor b = sg().tensor(op.inputs[size_t(rule.biasInput)]);
        const bool wide = m_act == TensorType::INT16;
        QuantParams bp;
        bp.quantizedDimension = 0;
        const size_t channels = weightParams.scale.size();
        for (size_t c = 0; c < channels; ++c) {
            bp.scale.push_back(sIn * weightParams.scale[c]);
            bp.zeroPoint.push_back(0);
        }
        std::vector<uint8_t> bytes(bias.size() * (wide ? 8 : 4));
        for (size_t c = 0; c < bias.size(); ++c) {
            const double s = double(bp.scale[channels > 1 ? c : 0]);
            const double q = std::round(double(bias[c]) / s);
            if (wide) {
                const int64_t v = int64_t(std::clamp(q, -9.2e18, 9.2e18));
                std::memcpy(&bytes[c * 8], &v, 8);
            } else {
                const double lim = double(std::numeric_limits<int32_t>::max());
                const int32_t v = int32_t(std::clamp(q, -lim, lim));
                std::memcpy(&bytes[c * 4], &v, 4);
            }
        }
        op.inputs[size_t(rule.biasInput)] = addTensor(sg(), b.name + (wide ? "_int64" : "_int32"),
                                                      wide ? TensorType::INT64 : TensorType::INT32, b.shape, std::move(bp),
                                                      m_model.addBuffer(std::move(bytes)));
        m_rep.resize(sg().tensors.size());
    }

    // Outputs.
    std::vector<QuantParams> outParams;
    for (size_t k = 0; k < op.outputs.size(); ++k) {
        const TensorIndex t = original.outputs[k];
        QuantParams p;
        switch (rule.output) {
        case OutputRule::Free: p = calibrated(t); break;
        case OutputRule::Shared: p = shared; break;
        case OutputRule::SameAsInput: p = firstInput; break;
        case OutputRule::Fixed:
            p.scale = {m_act == TensorType::INT16 ? rule.fixedScale16 : rule.fixedScale8};
            p.zeroPoint = {m_act == TensorType::INT16 ? 0 : rule.fixedZero8};
            break;
        }
        p.min.clear();
        p.max.clear();
        if (rule.output == OutputRule::Free) p = calibrated(t); // keeps the recorded min/max
        outParams.push_back(std::move(p));
    }
    if (m_act == TensorType::INT16) {
        if (auto* a = op.options.AsAddOptions()) a->pot_scale_int16 = false;
        if (auto* s = op.options.AsSubOptions()) s->pot_scale_int16 = false;
    }
    emitWithOutputs(std::move(op), original, outParams);
}

// Gives the quantized op's outputs their parameters (in place, or through a DEQUANTIZE /
// QUANTIZE to a graph output of the I/O type asked for), sets its version and emits it.
void IntegerQuantizer::emitWithOutputs(Operator op, const Operator& original, const std::vector<QuantParams>& params) {
    std::vector<Operator> after;
    for (size_t k = 0; k < op.outputs.size(); ++k) {
        const TensorIndex t = original.outputs[k];
        const QuantParams& p = params[k];
        const bool wrap = isGraphOutput(t) && m_io != IoType::Int8;
        if (!wrap) {
            Tensor& x = sg().tensor(t);
            x.type = m_act;
            x.quant = p;
            m_rep[t.index()].floatIdx = TensorIndex{};
            m_rep[t.index()].quantIdx = t;
        } else {
            const TensorIndex q = addTensor(sg(), sg().tensor(t).name + "_int", m_act, sg().tensor(t).shape, p);
            m_rep.resize(sg().tensors.size());
            op.outputs[k] = q;
            m_rep[t.index()].quantIdx = q;
            m_rep[t.index()].floatIdx = m_io == IoType::Float ? t : TensorIndex{};
            if (m_io == IoType::UInt8) {
                // uint8 I/O: the int8 parameters with the zero point shifted by 128.
                Tensor& x = sg().tensor(t);
                x.type = TensorType::UINT8;
                x.quant = p;
                x.quant.zeroPoint = {p.zeroPoint[0] + 128};
                after.push_back(convert(BuiltinOp::QUANTIZE, q, t));
            } else {
                after.push_back(convert(BuiltinOp::DEQUANTIZE, q, t));
            }
        }
        m_rep[t.index()].params = p;
        m_rep[t.index()].hasParams = true;
    }
    op.version = quantizedOpVersion(sg(), op);
    emit(std::move(op));
    for (Operator& a : after) emit(std::move(a));
    ++m_report.quantizedOps;
}

void IntegerQuantizer::emitFloat(Operator op) {
    for (TensorIndex& t : op.inputs) {
        if (!t.valid() || t.index() >= m_originalCount) continue;
        if (m_origType[t.index()] != TensorType::FLOAT32) continue;
        const Rep& r = m_rep[t.index()];
        if (r.floatIdx.valid()) t = r.floatIdx;
        else if (r.quantIdx.valid()) t = floatOf(t);
    }
    std::vector<Operator> after;
    for (TensorIndex& t : op.outputs) {
        if (!t.valid() || !isGraphOutput(t) || m_io == IoType::Float || sg().tensor(t).type != TensorType::FLOAT32) continue;
        // A float op writes a graph output that must be integer: QUANTIZE it.
        const TensorIndex orig = t;
        QuantParams p = calibrated(orig);
        const TensorIndex f = addTensor(sg(), sg().tensor(orig).name + "_float", TensorType::FLOAT32, sg().tensor(orig).shape);
        m_rep.resize(sg().tensors.size());
        Tensor& x = sg().tensor(orig);
        x.type = m_io == IoType::UInt8 ? TensorType::UINT8 : m_act;
        x.quant = p;
        if (m_io == IoType::UInt8) x.quant.zeroPoint = {p.zeroPoint[0] + 128};
        m_rep[orig.index()].floatIdx = f;
        t = f;
        after.push_back(convert(BuiltinOp::QUANTIZE, f, orig));
    }
    emit(std::move(op));
    for (Operator& a : after) emit(std::move(a));
}

Result<QuantizeResult> IntegerQuantizer::run() {
    if (m_model.subgraphs.empty()) return makeError("the model has no subgraph");
    if (m_act == TensorType::INT16 && m_io != IoType::Float)
        return makeError("int16x8 keeps float inputs and outputs (--io float)");
    if (!m_opt.int16.empty() && (m_opt.mode != Mode::Int8 || m_io != IoType::Float))
        return makeError("int16 operators (mixed int8 / int16x8) need mode int8 with float inputs and outputs");
    m_originalCount = sg().tensors.size();
    m_rep.resize(m_originalCount);
    for (size_t i = 0; i < m_originalCount; ++i) m_rep[i].floatIdx = TensorIndex{i};
    m_outputs = sg().outputs;
    for (const Tensor& t : sg().tensors) m_origType.push_back(t.type);
    m_report.calibrationSamples = m_stats.samples;

    // Graph inputs.
    for (TensorIndex t : sg().inputs) {
        if (sg().tensor(t).type != TensorType::FLOAT32 || m_io == IoType::Float) continue;
        if (!stats(t)) return makeError("no calibration statistics for input '" + sg().tensor(t).name + "'");
        const QuantParams p = calibrated(t);
        m_rep[t.index()].params = p;
        m_rep[t.index()].hasParams = true;
        if (m_io == IoType::Int8) {
            sg().tensor(t).type = TensorType::INT8;
            sg().tensor(t).quant = p;
            m_rep[t.index()].quantIdx = t;
            m_rep[t.index()].floatIdx = TensorIndex{};
        } else {
            const TensorIndex q = addTensor(sg(), sg().tensor(t).name + "_int8", TensorType::INT8, sg().tensor(t).shape, p);
            m_rep.resize(sg().tensors.size());
            Tensor& x = sg().tensor(t);
            x.type = TensorType::UINT8;
            x.quant = p;
            x.quant.zeroPoint = {p.zeroPoint[0] + 128};
            m_rep[t.index()].quantIdx = q;
            m_rep[t.index()].floatIdx = TensorIndex{};
            emit(convert(BuiltinOp::QUANTIZE, t, q));
        }
    }

    const std::vector<Operator> ops = sg().operators;
    for (size_t o = 0; o < ops.size(); ++o) {
        const Operator& op = ops[o];
        // Ops on integer tensors only (shape arithmetic) are neither quantized nor "left float".
        bool touchesFloat = false;
        for (TensorIndex t : op.inputs)
            if (t.valid() && m_origType[t.index()] == TensorType::FLOAT32 && !m_model.isConstant(sg().tensor(t))) touchesFloat = true;
        for (TensorIndex t : op.outputs)
            if (t.valid() && m_origType[t.index()] == TensorType::FLOAT32) touchesFloat = true;
        const auto rule = opRule(op.op);
        const size_t number = o < m_opt.operatorNumbers.size() ? m_opt.operatorNumbers[o] : o; // as in the file
        m_act = touchesFloat ? activationType(op, rule ? &*rule : nullptr, number) : m_modeAct;
        std::string why = "no integer kernel";
        if (op.op == BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM && emitLstm(op, o, &why)) continue;
        if (rule && canQuantize(op, *rule, &why)) {
            emitQuantized(op, *rule);
            if (m_act != m_modeAct) m_report.int16Ops.push_back("#" + std::to_string(number) + " " + op.typeName());
        } else {
            if (touchesFloat) {
                const std::string line = "#" + std::to_string(number) + " " + op.typeName() + " (" + why + ")";
                m_report.floatOps.push_back(line);
            }
            emitFloat(op);
        }
    }
    if (m_opt.mode == Mode::Int8Only && !m_report.floatOps.empty()) {
        std::string list;
        for (const std::string& s : m_report.floatOps) list += (list.empty() ? "" : ", ") + s;
        return makeError("int8-only: operators without an integer kernel: " + list);
    }
    sg().operators = std::move(m_ops);
    removeUnused(m_model);
    QuantizeResult r{std::move(m_model), std::move(m_report)};
    return r;
}

} // namespace

Result<QuantizeResult> quantizeInteger(const Model& floatModel, const calib::CalibrationStats& stats,
                                       const QuantizeOptions& options) {
    IntegerQuantizer q(floatModel, stats, options);
    return q.run();
}

} // namespace ql::quantize

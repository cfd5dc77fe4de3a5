// Health checks, second half (HealthCheck.h): the sign analysis behind the zero-point check,
// the saturation pass over data, and the JSON form of a report.
#include "analysis/HealthCheck.h"

#include "analysis/HealthSupport.h"
#include "quant/FixedPoint.h"
#include "runtime/Interpreter.h"
#include "util/JsonWriter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

namespace ql::analysis {

namespace {

bool oneOf(const std::string& name, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

// Operators whose output values are a subset (or a mean / max) of their value inputs.
bool isPassThrough(const std::string& type) {
    return oneOf(type, {"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "MAX_POOL_2D", "AVERAGE_POOL_2D", "L2_POOL_2D", "PAD", "PADV2",
                        "TRANSPOSE", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE", "STRIDED_SLICE", "SLICE", "GATHER", "QUANTIZE",
                        "DEQUANTIZE", "MEAN", "REDUCE_MAX", "REDUCE_MIN", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR",
                        "SPLIT", "SPLIT_V", "TILE", "BROADCAST_TO", "CONCATENATION", "PACK", "UNPACK", "MAXIMUM", "MINIMUM",
                        "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "MIRROR_PAD"});
}

// Inputs that carry values (not shapes, axes or indices): those of the output's kind.
template <class F> bool allValueInputs(const Subgraph& sg, const Operator& op, TensorIndex out, F pred) {
    const Tensor& o = sg.tensor(out);
    bool any = false;
    for (TensorIndex in : op.inputs) {
        if (!in.valid()) continue;
        const Tensor& t = sg.tensor(in);
        const bool value = t.type == o.type || t.type == TensorType::FLOAT32 || (o.type == TensorType::FLOAT32 && t.quant.isQuantized());
        if (!value) continue;
        any = true;
        if (!pred(in)) return false;
    }
    return any;
}

// What widens a clipped activation's range, for this tensor: calibration data that reaches the
// values; minmax when the model records a narrowing calibrator (percentile, mse, kl clip on
// purpose; minmax already takes the widest range its data shows); int16 activations only for
// an int8 tensor.
std::string clippedAdvice(const Model& m, const Tensor& x) {
    const auto bytes = m.metadataBytes("quantlab");
    const std::string meta(bytes.begin(), bytes.end());
    const size_t at = meta.find("\"calibrator\":\"");
    std::string calibrator;
    if (at != std::string::npos) {
        const size_t b = at + 14, e = meta.find('"', b);
        if (e != std::string::npos) calibrator = meta.substr(b, e - b);
    }
    std::string s = "these values were clipped: the calibrated range is too narrow for this data (calibration data that "
                    "reaches these values";
    if (!calibrator.empty() && calibrator != "minmax") s += ", or minmax instead of " + calibrator;
    if (x.type == TensorType::INT8) s += ", or int16 activations for its producer";
    return s + ")";
}

bool nonNegative(const Model& m, const Subgraph& sg, TensorIndex t, int depth) {
    if (depth > 64) return false;
    const OperatorIndex p = sg.producer[t.index()];
    if (!p.valid()) return false; // graph input or constant: unknown
    const Operator& op = sg.op(p);
    const std::string_view act = operatorActivation(op);
    if (act == "RELU" || act == "RELU6") return true;
    const std::string type = op.typeName();
    if (oneOf(type, {"RELU", "RELU6", "RELU_0_TO_1", "LOGISTIC", "SOFTMAX", "ABS", "SQRT", "RSQRT", "EXP", "SQUARE"})) return true;
    // Shape / pooling operators, and sums and products, of non-negative values.
    if (isPassThrough(type) || oneOf(type, {"ADD", "MUL"}))
        return allValueInputs(sg, op, t, [&](TensorIndex in) { return nonNegative(m, sg, in, depth + 1); });
    return false;
}

bool nonPositive(const Subgraph& sg, TensorIndex t, int depth) {
    if (depth > 64) return false;
    const OperatorIndex p = sg.producer[t.index()];
    if (!p.valid()) return false;
    const Operator& op = sg.op(p);
    const std::string type = op.typeName();
    if (type == "LOG_SOFTMAX") return true;
    if (isPassThrough(type)) return allValueInputs(sg, op, t, [&](TensorIndex in) { return nonPositive(sg, in, depth + 1); });
    return false;
}

// Whether the producer's activation function clamps at the grid's top (bottom) edge by
// design: fixed-range outputs (LOGISTIC, SOFTMAX, TANH) and RELU6 / RELU_N1_TO_1 whose clamp
// lies within one step of the grid's edge (TANH's 1.0 is one step above int8's top, 127/128).
bool clampsAtEdge(const Subgraph& sg, TensorIndex t, bool top) {
    const OperatorIndex p = sg.producer[t.index()];
    if (!p.valid()) return false;
    const Operator& op = sg.op(p);
    const std::string type = op.typeName();
    if (oneOf(type, {"LOGISTIC", "SOFTMAX", "TANH", "HARD_SWISH"})) return true;
    std::string act(operatorActivation(op));
    if (type == "RELU6" || type == "RELU_N1_TO_1" || type == "RELU_0_TO_1") act = type;
    // An LSTM's output o * tanh(c) lies in [-1, 1].
    if (oneOf(type, {"UNIDIRECTIONAL_SEQUENCE_LSTM", "LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM"})) act = "RELU_N1_TO_1";
    const Tensor& x = sg.tensor(t);
    const auto [qmin, qmax] = quantizedRange(x.type);
    const double s = x.quant.scale[0], z = x.quant.zeroPoint.empty() ? 0.0 : double(x.quant.zeroPoint[0]);
    const double edge = s * ((top ? qmax : qmin) - z);
    double clamp = 0;
    if (act == "RELU6") clamp = top ? 6.0 : 0.0;
    else if (act == "RELU_N1_TO_1") clamp = top ? 1.0 : -1.0;
    else if (act == "RELU_0_TO_1") clamp = top ? 1.0 : 0.0;
    else return false;
    return std::abs(edge - clamp) <= s;
}

struct EdgeCount {
    uint64_t total = 0, atMin = 0, atMax = 0;
};

template <class T> void countEdges(const rt::RtTensor& t, int32_t qmin, int32_t qmax, int32_t z, EdgeCount& c) {
    const auto v = t.values<T>();
    uint64_t lo = 0, hi = 0;
    for (T x : v) {
        lo += int32_t(x) == qmin;
        hi += int32_t(x) == qmax;
    }
    c.total += v.size();
    // An edge that is the zero point represents 0.0 itself (a ReLU's output at 0): not saturation.
    if (qmin != z) c.atMin += lo;
    if (qmax != z) c.atMax += hi;
}

void count(const rt::RtTensor& t, EdgeCount& c) {
    if (!t.isQuantized() || !t.data) return;
    const auto [qmin, qmax] = quantizedRange(t.type);
    const int32_t z = t.zeroPoint();
    switch (t.type) {
    case TensorType::INT8: countEdges<int8_t>(t, qmin, qmax, z, c); break;
    case TensorType::UINT8: countEdges<uint8_t>(t, qmin, qmax, z, c); break;
    case TensorType::INT16: countEdges<int16_t>(t, qmin, qmax, z, c); break;
    default: break;
    }
}

std::string percent(double x) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.2f%%", 100.0 * x);
    return tmp;
}

} // namespace

bool inheritsParams(const Subgraph& sg, TensorIndex t) {
    const OperatorIndex p = sg.producer[t.index()];
    if (!p.valid() || !isPassThrough(sg.op(p).typeName())) return false;
    const QuantParams& q = sg.tensor(t).quant;
    return allValueInputs(sg, sg.op(p), t, [&](TensorIndex in) {
        const QuantParams& iq = sg.tensor(in).quant;
        return iq.scale == q.scale && iq.zeroPoint == q.zeroPoint;
    });
}

bool canBeNegative(const Model& model, const Subgraph& sg, TensorIndex t) { return !nonNegative(model, sg, t, 0); }
bool canBePositive(const Subgraph& sg, TensorIndex t) { return !nonPositive(sg, t, 0); }

Result<HealthReport> checkHealthWithData(std::shared_ptr<const Model> model, const data::DataSource& source,
                                         const HealthOptions& options, const Progress& progress) {
    if (!model || model->subgraphs.empty()) return makeError("the model has no subgraph");
    HealthReport rep = checkHealth(*model, options);
    auto interp = rt::Interpreter::create(model);
    if (!interp) return makeError(interp.message());
    const Subgraph& sg = model->subgraphs[0];
    std::vector<EdgeCount> counts(sg.tensors.size());
    const rt::Observer observer = [&](const rt::NodeEvent& e) {
        if (e.subgraph != 0) return;
        const Operator& op = sg.op(e.op);
        for (size_t k = 0; k < e.outputs.size() && k < op.outputs.size(); ++k)
            if (op.outputs[k].valid() && e.outputs[k]) count(*e.outputs[k], counts[op.outputs[k].index()]);
    };
    const size_t total = source.size();
    for (size_t s = 0; s < total; ++s) {
        if (progress.cancelled()) return makeError("cancelled");
        auto sample = source.get(s);
        if (!sample) return makeError("sample " + std::to_string(s) + ": " + sample.message());
        (*interp)->resetVariables();
        for (size_t i = 0; i < sample->tensors.size(); ++i) {
            Status st = (*interp)->setInput(i, sample->tensors[i].type, sample->tensors[i].bytes);
            if (!st) return makeError("sample " + std::to_string(s) + ": " + st.message());
            count((*interp)->input(i), counts[sg.inputs[i].index()]);
        }
        Status st = (*interp)->invoke(observer);
        if (!st) return makeError("sample " + std::to_string(s) + ": " + st.message());
        progress("saturation", double(s + 1) / double(total));
    }
    rep.samples = total;
    for (size_t t = 0; t < counts.size(); ++t) {
        const EdgeCount& c = counts[t];
        if (c.total == 0) continue;
        const TensorIndex ti{int32_t(t)};
        if (inheritsParams(sg, ti)) continue; // the same values as its input, reported there
        const Tensor& x = sg.tensor(ti);
        // plain variables, not a structured binding: clang 14 (the sanitizer build) refuses
        // binding captures in the lambda below
        const std::pair<int32_t, int32_t> range = quantizedRange(x.type);
        const int32_t qmin = range.first, qmax = range.second;
        for (bool top : {false, true}) {
            const double share = double(top ? c.atMax : c.atMin) / double(c.total);
            if (share < options.saturationShare) continue;
            const bool design = clampsAtEdge(sg, ti, top);
            const double s = x.quant.scale[0], z = x.quant.zeroPoint.empty() ? 0.0 : double(x.quant.zeroPoint[0]);
            rep.findings.push_back(makeFinding(
                sg, design ? Severity::Info : Severity::Warning, "saturation", ownerOp(sg, ti), ti,
                percent(share) + " of " + std::to_string(c.total) + " values at " + (top ? "qmax " : "qmin ") +
                    std::to_string(top ? qmax : qmin) + " (r = " + [&] {
                        char tmp[32];
                        std::snprintf(tmp, sizeof tmp, "%.4g", s * ((top ? qmax : qmin) - z));
                        return std::string(tmp);
                    }() + ") over " + std::to_string(total) + " samples",
                design ? "the producer's activation function clamps at this value by design"
                       : sg.producer[t].valid() ? clippedAdvice(*model, x)
                                                : "the data lies outside the input's representable range and is clipped on the way in",
                share));
        }
    }
    sortFindings(rep.findings);
    return rep;
}

std::string_view severityName(Severity s) {
    switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    default: return "info";
    }
}

std::string healthToJson(const HealthReport& r, const std::string& modelPath) {
    JsonWriter w;
    w.beginObject();
    w.field("model", modelPath);
    w.field("operators_checked", uint64_t(r.operatorsChecked));
    w.field("tensors_checked", uint64_t(r.tensorsChecked));
    w.field("samples", uint64_t(r.samples));
    w.field("errors", uint64_t(r.count(Severity::Error)));
    w.field("warnings", uint64_t(r.count(Severity::Warning)));
    w.field("infos", uint64_t(r.count(Severity::Info)));
    w.key("findings").beginArray();
    for (const HealthFinding& f : r.findings) {
        w.beginObject();
        w.field("severity", std::string(severityName(f.severity)));
        w.field("check", f.check);
        w.key("operator");
        if (f.op.valid()) w.value(int64_t(f.op.value));
        else w.null();
        w.field("operator_type", f.opType);
        w.key("tensor");
        if (f.tensor.valid()) w.value(int64_t(f.tensor.value));
        else w.null();
        w.field("tensor_name", f.tensorName);
        w.field("figures", f.figures);
        w.field("why", f.why);
        w.key("value");
        if (std::isfinite(f.value)) w.value(f.value);
        else w.null();
        w.endObject();
    }
    w.endArray();
    w.endObject();
    return w.str() + "\n";
}

} // namespace ql::analysis

#include "analysis/CompareReport.h"

#include "util/JsonWriter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>

namespace ql::analysis {
namespace {

using report::formatNumber;

std::string pct(double share) {
    if (std::isnan(share)) return "n/a";
    char b[32];
    std::snprintf(b, sizeof b, "%.2f%%", share * 100.0);
    return b;
}

std::string fixed(double v, int digits) {
    if (std::isnan(v)) return "n/a";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char b[48];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

void statsJson(JsonWriter& j, const ErrorStats& s) {
    j.beginObject()
        .field("sqnr_db", s.sqnrDb)
        .field("mse", s.mse)
        .field("rmse", s.rmse)
        .field("rmse_over_scale", s.rmseOverScale)
        .field("mean_error", s.meanError)
        .field("max_abs_error", s.maxAbsError)
        .field("cosine", s.cosine)
        .field("clip_rate", s.clipRate)
        .field("count", uint64_t(s.count))
        .field("skipped", uint64_t(s.skipped))
        .endObject();
}

std::string csvQuote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csvNum(double v) {
    if (std::isnan(v)) return "";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
}

std::set<size_t> worstSet(const CompareResult& r, size_t worst) {
    const auto w = worstLayers(r, worst);
    return {w.begin(), w.end()};
}

report::HistogramChart valueChart(const TensorComparison& tc) {
    report::HistogramChart h;
    h.title = "float values: " + tc.refName;
    h.xLabel = "real value";
    h.hist = tc.values;
    h.logY = true;
    if (tc.quantized) {
        h.markers.push_back({tc.clipMin, report::Marker::Kind::Clip, "clip " + formatNumber(tc.clipMin, 3)});
        h.markers.push_back({tc.clipMax, report::Marker::Kind::Clip, "clip " + formatNumber(tc.clipMax, 3)});
        // The grid r = scale * (q - zp) when its steps are visible (at most 64 in view).
        const double lo = tc.values.lo, hi = tc.values.hi;
        if (tc.scale > 0 && (hi - lo) / tc.scale <= 64) {
            const double q0 = std::max(std::ceil(lo / tc.scale + double(tc.zeroPoint)), double(tc.qmin));
            const double q1 = std::min(std::floor(hi / tc.scale + double(tc.zeroPoint)), double(tc.qmax));
            for (double q = q0; q <= q1; ++q) h.markers.push_back({tc.scale * (q - double(tc.zeroPoint)), report::Marker::Kind::Grid, ""});
        }
    }
    h.markers.push_back({0.0, report::Marker::Kind::Zero, ""});
    return h;
}

report::HistogramChart errorChart(const Histogram& hist, const std::string& title) {
    report::HistogramChart h;
    h.title = title;
    h.xLabel = "quantized - float";
    h.hist = hist;
    h.logY = true;
    h.markers.push_back({0.0, report::Marker::Kind::Zero, ""});
    return h;
}

std::string shortName(const std::string& s, size_t max = 60) { return s.size() > max ? s.substr(0, max - 3) + "..." : s; }

} // namespace

namespace {

// "Try per-channel" applies only to per-tensor weights with more than one output channel along
// TFLite's per-channel axis (dimension 3 for DEPTHWISE_CONV_2D, 0 for CONV_2D, FULLY_CONNECTED,
// TRANSPOSE_CONV...): a FULLY_CONNECTED with a single output row has one scale either way.
bool perChannelApplies(const LayerComparison& l, const TensorComparison& w) {
    if (w.channels != 1 || w.shape.size() < 2) return false;
    const size_t axis = l.opType == "DEPTHWISE_CONV_2D" ? 3 : 0;
    return axis < w.shape.size() && w.shape[axis] > 1;
}

} // namespace

std::string explainLayer(const CompareResult& r, const LayerComparison& l) {
    if (l.output < 0) return {};
    const TensorComparison& t = r.tensors[size_t(l.output)];
    const ErrorStats& own = l.hasPerLayer ? l.perLayer : l.accumulated;
    std::string why;
    const double steps = own.rmseOverScale;
    bool quantizedWeights = false;
    for (int w : l.weights) quantizedWeights = quantizedWeights || r.tensors[size_t(w)].quantized;
    if (!t.quantized) {
        why = quantizedWeights ? "float output of a hybrid kernel: the error of its int8 weights and of its input quantized on the fly"
                               : "float output: this operator adds (almost) no error of its own";
        if (l.hasPerLayer && l.accumulated.mse > 4 * l.perLayer.mse) why += "; most of its error comes from upstream";
        return why;
    }
    if (t.type == TensorType::INT16) {
        // int16 steps are 256 times finer than int8 ones: rounding is negligible, the int8
        // weights and the integer arithmetic dominate.
        why = "int16 output (RMSE/scale " + fixed(steps, 1) + " int16 steps): rounding is negligible, the error is the int8 weights' "
              "and the integer arithmetic's";
        if (own.clipRate > 0.001) why += "; clips " + pct(own.clipRate) + " of the float values";
        if (l.hasPerLayer && l.accumulated.mse > 4 * l.perLayer.mse && std::isfinite(l.accumulated.sqnrDb))
            why += "; most of its accumulated error (" + formatDb(l.accumulated.sqnrDb) + ") comes from upstream";
        return why;
    }
    if (own.clipRate > 0.001) {
        // Values outside the range calibrated: minmax already takes the widest range its data
        // shows, percentile / mse narrow it; what widens it is data that reaches these values.
        why = "clips " + pct(own.clipRate) + " of the float values (RMSE/scale " + fixed(steps, 2) +
              ", rounding alone gives 0.289): calibration data that reaches these values, or int16 activations";
    } else if (steps <= 0.35) {
        why = "rounding noise only (RMSE/scale " + fixed(steps, 3) +
              " ~ 0.289): the grid itself is too coarse for this signal; int16 activations or keeping it in float";
    } else if (steps <= 1.5) {
        why = (l.weights.empty() ? "rounding plus the operator's own integer arithmetic (RMSE/scale "
                                 : "rounding plus weight error (RMSE/scale ") + fixed(steps, 2) + ")";
        for (int w : l.weights)
            if (perChannelApplies(l, r.tensors[size_t(w)])) why += "; per-tensor weights: try per-channel";
    } else {
        why = "error " + fixed(steps, 1) + " steps per value, far above rounding (0.289)";
        bool perTensor = false;
        for (int w : l.weights)
            perTensor = perTensor || perChannelApplies(l, r.tensors[size_t(w)]);
        why += perTensor ? ": per-tensor weights, try per-channel"
               : l.weights.empty() ? ": check its input's and output's ranges"
                                   : ": check its weights per channel and its input's range";
    }
    if (l.hasPerLayer && l.accumulated.mse > 4 * l.perLayer.mse && std::isfinite(l.accumulated.sqnrDb))
        why += "; most of its accumulated error (" + formatDb(l.accumulated.sqnrDb) + ") comes from upstream";
    return why;
}

std::vector<AdviceChange> adviceChanges(const CompareResult& r, const LayerComparison& l) {
    std::vector<AdviceChange> out;
    if (l.output < 0 || l.conversion || l.name.empty()) return out;
    const TensorComparison& t = r.tensors[size_t(l.output)];
    if (!t.quantized) return out;
    const ErrorStats& own = l.hasPerLayer ? l.perLayer : l.accumulated;
    if (t.type == TensorType::INT8) out.push_back({AdviceChange::Kind::Int16, l.name, {}});
    out.push_back({AdviceChange::Kind::KeepFloat, l.name, {}});
    bool perTensor = false;
    for (int w : l.weights) perTensor = perTensor || perChannelApplies(l, r.tensors[size_t(w)]);
    if (perTensor) out.push_back({AdviceChange::Kind::PerChannel, {}, {}});
    // "check its input's range" (an error far above rounding, no clipping): the input calibrated
    // for the least squared error instead (the operator's first input, named as in the float
    // model, which the caller fills in: the comparison does not keep operator inputs).
    if (t.type == TensorType::INT8 && own.clipRate <= 0.001 && own.rmseOverScale > 1.5)
        out.push_back({AdviceChange::Kind::CalibratorFor, {}, "mse"});
    return out;
}

const std::vector<AdviceEffect>* MeasuredAdvice::of(size_t layer) const {
    const auto it = byLayer.find(layer);
    return it == byLayer.end() || it->second.empty() ? nullptr : &it->second;
}

Result<MeasuredAdvice> measureWorstLayerAdvice(const CompareResult& r, std::shared_ptr<const Model> floatModel,
                                               const Model& quantModel, size_t worst, const std::string& calibSpec,
                                               const std::string& evalSpec, const data::DataOptions& dataOptions,
                                               Target target, const Progress& progress) {
    std::vector<AdviceChange> changes;
    std::vector<size_t> owner; // change -> layer index
    const Subgraph& fsg = floatModel->subgraphs[0];
    const Subgraph& qsg = quantModel.subgraphs[0];
    for (size_t i : worstLayers(r, worst)) {
        for (AdviceChange c : adviceChanges(r, r.layers[i])) {
            if (c.kind == AdviceChange::Kind::CalibratorFor) {
                // The operator's first input, by the name of its float counterpart.
                const OperatorIndex q = r.layers[i].quantOp;
                if (!q.valid() || q.index() >= qsg.operators.size() || qsg.op(q).inputs.empty() || !qsg.op(q).inputs[0].valid())
                    continue;
                const TensorIndex in = qsg.op(q).inputs[0];
                const TensorIndex ref = in.index() < r.matching.refOfTensor.size() ? r.matching.refOfTensor[in.index()] : TensorIndex{};
                if (!ref.valid() || ref.index() >= fsg.tensors.size()) continue;
                c.name = fsg.tensor(ref).name;
            }
            owner.push_back(i);
            changes.push_back(std::move(c));
        }
    }
    auto m = measureAdvice(std::move(floatModel), quantModel, calibSpec, evalSpec, dataOptions, changes, target, progress);
    if (!m) return m.error();
    MeasuredAdvice out;
    out.baselineDb = m->baselineSqnrDb;
    for (const AdviceEffect& e : m->effects) out.byLayer[owner[e.index]].push_back(e);
    return out;
}

std::string measuredText(const std::vector<AdviceEffect>& effects, double baselineDb) {
    if (effects.empty()) return {};
    std::string s = "measured (worst output, now " + formatDb(baselineDb) + "): ";
    for (size_t i = 0; i < effects.size(); ++i) {
        const double g = effects[i].gainDb;
        char tmp[32];
        std::snprintf(tmp, sizeof tmp, "%+.1f dB", std::isfinite(g) ? g : 0.0);
        s += (i ? ", " : "") + effects[i].change.label() + " " + (std::isfinite(g) ? std::string(tmp) : std::string("-> no error"));
    }
    return s;
}

std::string compareToJson(const CompareResult& r, const CompareLabels& labels, const MeasuredAdvice* measured) {
    JsonWriter j;
    j.beginObject();
    j.field("float_model", labels.floatModel).field("quant_model", labels.quantModel);
    j.field("target", std::string(targetName(r.target)));
    j.field("samples", uint64_t(r.samples)).field("data", r.dataDescription);
    j.field("rounding_noise_rmse_over_scale", kRoundingNoiseRmseOverScale);
    if (measured) j.field("advice_baseline_sqnr_db", measured->baselineDb);
    j.key("layers").beginArray();
    for (size_t li = 0; li < r.layers.size(); ++li) {
        const LayerComparison& l = r.layers[li];
        j.beginObject().field("op_index", int64_t(l.quantOp.value)).field("op", l.opType).field("name", l.name);
        j.field("float_op_index", int64_t(l.refOp.value)).field("conversion", l.conversion);
        if (l.output >= 0) {
            j.key("accumulated");
            statsJson(j, l.accumulated);
            if (l.hasPerLayer) {
                j.key("per_layer");
                statsJson(j, l.perLayer);
            }
        }
        if (!l.note.empty()) j.field("note", l.note);
        if (const std::string advice = explainLayer(r, l); !advice.empty()) j.field("advice", advice);
        if (const auto* effects = measured ? measured->of(li) : nullptr) {
            j.key("measured_advice").beginArray();
            for (const AdviceEffect& e : *effects) {
                j.beginObject().field("change", e.change.label()).field("kind", std::string(e.change.kindName()));
                if (!e.change.name.empty()) j.field("name", e.change.name);
                j.field("sqnr_db", e.sqnrDb).field("gain_db", e.gainDb).endObject();
            }
            j.endArray();
        }
        j.endObject();
    }
    j.endArray();
    j.key("tensors").beginArray();
    for (const auto& t : r.tensors) {
        j.beginObject().field("index", int64_t(t.quant.value)).field("name", t.name).field("float_index", int64_t(t.ref.value));
        j.field("float_name", t.refName).field("type", std::string(typeName(t.type))).field("constant", t.constant);
        j.field("matched_by", matchBasisName(t.basis));
        if (t.quantized) j.field("scale", t.scale).field("zero_point", t.zeroPoint).field("clip_min", t.clipMin).field("clip_max", t.clipMax);
        j.key("accumulated");
        statsJson(j, t.accumulated);
        if (t.perLayer) {
            j.key("per_layer");
            statsJson(j, *t.perLayer);
        }
        if (!t.perChannel.empty()) {
            j.field("channel_axis", int64_t(t.channelAxis)).key("per_channel_sqnr_db").beginArray();
            for (const auto& c : t.perChannel) j.value(c.sqnrDb);
            j.endArray();
        }
        j.endObject();
    }
    j.endArray();
    j.key("outputs").beginArray();
    for (int k : r.outputs) {
        if (k < 0) { j.null(); continue; }
        j.beginObject().field("name", r.tensors[size_t(k)].name).key("accumulated");
        statsJson(j, r.tensors[size_t(k)].accumulated);
        j.endObject();
    }
    j.endArray();
    j.key("unmatched").beginArray();
    for (const auto& u : r.matching.unmatchedQuant) j.beginObject().field("model", "quantized").field("what", u.what).field("reason", u.reason).endObject();
    for (const auto& u : r.matching.unmatchedFloat) j.beginObject().field("model", "float").field("what", u.what).field("reason", u.reason).endObject();
    j.endArray();
    j.key("timing").beginObject().field("seconds", r.seconds).field("float_seconds", r.floatSeconds).field("quant_seconds", r.quantSeconds).endObject();
    j.endObject();
    return j.str() + "\n";
}

std::string compareToCsv(const CompareResult& r) {
    // The target closes every row, so that rows from runs under different targets stay apart.
    std::string out = "op_index,op,name,conversion,view,sqnr_db,mse,rmse_over_scale,mean_error,max_abs_error,cosine,clip_rate,target\n";
    const std::string target(targetName(r.target));
    for (const auto& l : r.layers) {
        if (l.output < 0) continue;
        auto row = [&](const char* view, const ErrorStats& s) {
            out += std::to_string(l.quantOp.value) + "," + l.opType + "," + csvQuote(l.name) + "," + (l.conversion ? "1" : "0") + "," +
                   view + "," + csvNum(s.sqnrDb) + "," + csvNum(s.mse) + "," + csvNum(s.rmseOverScale) + "," + csvNum(s.meanError) +
                   "," + csvNum(s.maxAbsError) + "," + csvNum(s.cosine) + "," + csvNum(s.clipRate) + "," + target + "\n";
        };
        if (l.hasPerLayer) row("per_layer", l.perLayer);
        row("accumulated", l.accumulated);
    }
    return out;
}

std::string compareToText(const CompareResult& r, size_t worst, bool colour, const MeasuredAdvice* measured) {
    const auto bad = worstSet(r, worst);
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "  %4s %-20s %11s %11s %10s %8s %9s  %s\n", "#", "op", "SQNR layer", "SQNR accum", "RMSE/scale",
                  "clip", "cosine", "output");
    out += line;
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        const bool isBad = bad.count(i) > 0;
        const std::string op = l.conversion ? "(" + l.opType + ")" : l.opType;
        if (l.output < 0) {
            std::snprintf(line, sizeof line, "  %4d %-20s %11s %11s %10s %8s %9s  %s%s\n", l.quantOp.value, op.c_str(), "-", "-", "-", "-",
                          "-", l.name.c_str(), l.note.empty() ? "  (not matched)" : ("  (" + l.note + ")").c_str());
            out += line;
            continue;
        }
        const ErrorStats& rs = l.hasPerLayer ? l.perLayer : l.accumulated;
        std::snprintf(line, sizeof line, "%s %4d %-20s %11s %11s %10s %8s %9s  %s\n", isBad ? "!" : " ", l.quantOp.value, op.c_str(),
                      l.hasPerLayer ? formatDb(l.perLayer.sqnrDb).c_str() : "-", formatDb(l.accumulated.sqnrDb).c_str(),
                      fixed(rs.rmseOverScale, 3).c_str(), pct(l.accumulated.clipRate).c_str(), fixed(l.accumulated.cosine, 5).c_str(),
                      l.name.c_str());
        out += (isBad && colour) ? "\x1b[31m" + std::string(line, std::strlen(line) - 1) + "\x1b[0m\n" : std::string(line);
    }
    const auto worstList = worstLayers(r, worst);
    if (!worstList.empty()) out += "\nWorst layers:\n";
    for (size_t i : worstList) {
        const auto& l = r.layers[i];
        out += "  #" + std::to_string(l.quantOp.value) + " " + l.opType + " (" + shortName(l.name, 48) + "): " +
               (l.hasPerLayer ? formatDb(l.perLayer.sqnrDb) : formatDb(l.accumulated.sqnrDb)) + ", " + explainLayer(r, l) + "\n";
        if (const auto* effects = measured ? measured->of(i) : nullptr)
            out += "      " + measuredText(*effects, measured->baselineDb) + "\n";
    }
    out += "\nSQNR layer: the error this operator adds on its own (fed the quantized float input); SQNR accum: the\n"
           "error so far, quantized model run end to end. RMSE/scale: per-layer error in quantization steps of the\n"
           "output; 0.289 (1/sqrt(12)) is pure rounding noise, much more means clipping or propagated error. clip:\n"
           "share of float values outside the output's representable range. '!' marks the worst layers;\n"
           "(QUANTIZE)/(DEQUANTIZE) are conversions the quantizer inserted.\n";
    return out;
}

report::HtmlReport compareToHtml(const CompareResult& r, const CompareLabels& labels, size_t worst, const MeasuredAdvice* measured) {
    report::HtmlReport h("Quantization error: " + labels.quantModel);
    const auto bad = worstSet(r, worst);
    h.keyValues({{"Float model", labels.floatModel},
                 {"Quantized model", labels.quantModel},
                 {"Target", std::string(targetName(r.target)) + ": " + std::string(targetDescription(r.target))},
                 {"Data", r.dataDescription},
                 {"Samples", std::to_string(r.samples)},
                 {"Matched operators", std::to_string(r.matching.operators.size())},
                 {"Time", fixed(r.seconds, 2) + " s (float runs " + fixed(r.floatSeconds, 2) + " s, quantized runs " +
                              fixed(r.quantSeconds, 2) + " s)"}});
    h.note("Per layer: each operator of the quantized model is fed the quantized version of the float model's input to it, so "
           "its error is the error it adds on its own (the default view of TFLite's Quantization Debugger). Accumulated: the "
           "quantized model runs end to end and every tensor is compared with the float model's, so the error includes "
           "everything upstream. SQNR = 10 log10(sum ref^2 / sum err^2); RMSE/scale is the error in quantization steps, where "
           "0.289 (1/sqrt 12) means pure rounding noise.");

    // Bar charts over the non-conversion layers.
    report::BarChart perLayer, accum;
    perLayer.title = "SQNR per layer (error this layer adds)";
    accum.title = "SQNR accumulated (error so far)";
    perLayer.yLabel = accum.yLabel = "dB";
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        if (l.conversion || l.output < 0) continue;
        const std::string label = "#" + std::to_string(l.quantOp.value) + " " + l.opType;
        perLayer.labels.push_back(label);
        accum.labels.push_back(label);
        perLayer.values.push_back(l.hasPerLayer ? l.perLayer.sqnrDb : std::nan(""));
        accum.values.push_back(l.accumulated.sqnrDb);
        perLayer.highlight.push_back(bad.count(i) > 0);
        accum.highlight.push_back(bad.count(i) > 0);
    }
    h.heading("Where precision is lost");
    report::Table summary;
    summary.caption = "Worst layers, by the error they add on their own";
    summary.header = {"#", "op", "output", "SQNR layer", "SQNR accum", "what it means"};
    summary.numeric = {true, false, false, true, true, false};
    for (size_t i : worstLayers(r, worst)) {
        const auto& l = r.layers[i];
        summary.rows.push_back({std::to_string(l.quantOp.value), l.opType, shortName(l.name),
                                l.hasPerLayer ? formatDb(l.perLayer.sqnrDb) : "", formatDb(l.accumulated.sqnrDb), explainLayer(r, l)});
    }
    h.table(summary);
    h.svg(report::barChartSvg(perLayer), "Worst layers in red. Non-finite SQNR (no error) is drawn capped and labelled inf.");
    h.svg(report::barChartSvg(accum));

    report::Table t;
    t.caption = "Layers (quantized model order)";
    t.header = {"#", "op", "output", "SQNR layer", "SQNR accum", "RMSE/scale layer", "RMSE/scale accum", "clip", "cosine",
                "max |err|", "bias", "note"};
    t.numeric = {true, false, false, true, true, true, true, true, true, true, true, false};
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        const std::string op = l.conversion ? l.opType + " (inserted)" : l.opType;
        if (l.output < 0) {
            t.rows.push_back({std::to_string(l.quantOp.value), op, shortName(l.name), "", "", "", "", "", "", "", "", l.note.empty() ? "not matched" : l.note});
        } else {
            const ErrorStats& a = l.accumulated;
            t.rows.push_back({std::to_string(l.quantOp.value), op, shortName(l.name), l.hasPerLayer ? formatDb(l.perLayer.sqnrDb) : "",
                              formatDb(a.sqnrDb), l.hasPerLayer ? fixed(l.perLayer.rmseOverScale, 3) : "", fixed(a.rmseOverScale, 3),
                              pct(a.clipRate), fixed(a.cosine, 5), formatNumber(a.maxAbsError), formatNumber(a.meanError), l.note});
        }
        t.highlight.push_back(bad.count(i) > 0);
    }
    h.table(t);

    report::Table outs;
    outs.caption = "Graph outputs (accumulated: what the application sees)";
    outs.header = {"output", "SQNR", "MSE", "cosine", "max |err|"};
    outs.numeric = {false, true, true, true, true};
    for (int k : r.outputs) {
        if (k < 0) continue;
        const auto& o = r.tensors[size_t(k)];
        outs.rows.push_back({o.name, formatDb(o.accumulated.sqnrDb), formatNumber(o.accumulated.mse), fixed(o.accumulated.cosine, 5),
                             formatNumber(o.accumulated.maxAbsError)});
    }
    h.table(outs);

    h.heading("Worst layers: distributions");
    h.note("Float values of the layer's output (log counts) with the quantized tensor's clip limits (red) and, when fewer than 64 "
           "steps are in view, its grid r = scale * (q - zero_point) (grey); then the error of both views.");
    for (size_t i : worstLayers(r, worst)) {
        const auto& l = r.layers[i];
        const auto& tc = r.tensors[size_t(l.output)];
        h.heading("#" + std::to_string(l.quantOp.value) + " " + l.opType + " → " + shortName(l.name), 3);
        h.paragraph(explainLayer(r, l));
        if (const auto* effects = measured ? measured->of(i) : nullptr) h.paragraph(measuredText(*effects, measured->baselineDb));
        std::string row = "<div>" + report::histogramSvg(valueChart(tc));
        if (tc.perLayer) row += report::histogramSvg(errorChart(tc.perLayerError, "error, per layer"));
        row += report::histogramSvg(errorChart(tc.accumulatedError, "error, accumulated")) + "</div>";
        h.rawHtml(row);
        for (int w : l.weights) {
            const auto& wt = r.tensors[size_t(w)];
            if (wt.perChannel.size() < 2) continue;
            report::BarChart pc;
            pc.title = "weights " + wt.name + ": SQNR per channel (axis " + std::to_string(wt.channelAxis) + ")";
            pc.yLabel = "dB";
            pc.height = 200;
            for (size_t c = 0; c < wt.perChannel.size(); ++c) {
                pc.labels.push_back(std::to_string(c));
                pc.values.push_back(wt.perChannel[c].sqnrDb);
            }
            h.svg(report::barChartSvg(pc));
        }
    }

    report::Table wt;
    wt.caption = "Weights and biases (compared once)";
    wt.header = {"tensor", "type", "channels", "SQNR", "RMSE/scale", "worst channel SQNR", "max |err|"};
    wt.numeric = {false, false, true, true, true, true, true};
    for (const auto& tc : r.tensors) {
        if (!tc.constant) continue;
        double worstCh = std::numeric_limits<double>::infinity();
        for (const auto& c : tc.perChannel) worstCh = std::min(worstCh, c.sqnrDb);
        wt.rows.push_back({tc.name, std::string(typeName(tc.type)), std::to_string(tc.channels), formatDb(tc.accumulated.sqnrDb),
                           fixed(tc.accumulated.rmseOverScale, 3), tc.perChannel.empty() ? "" : formatDb(worstCh),
                           formatNumber(tc.accumulated.maxAbsError)});
    }
    h.table(wt);

    if (!r.matching.unmatchedQuant.empty() || !r.matching.unmatchedFloat.empty()) {
        report::Table u;
        u.caption = "Not matched";
        u.header = {"model", "what", "why"};
        for (const auto& x : r.matching.unmatchedQuant) u.rows.push_back({"quantized", x.what, x.reason});
        for (const auto& x : r.matching.unmatchedFloat) u.rows.push_back({"float", x.what, x.reason});
        h.table(u);
    }
    return h;
}

} // namespace ql::analysis

#pragma once
// Exports of a CompareResult (Compare.h): JSON, CSV, a plain-text table and a
// self-contained HTML report (HtmlReport.h). Shared by the CLI and the UI; no file access
// except HtmlReport::write by the caller.

#include "analysis/AdviceEffect.h"
#include "analysis/Compare.h"
#include "analysis/HtmlReport.h"

#include <map>
#include <string>
#include <vector>

namespace ql::analysis {

struct CompareLabels {
    std::string floatModel; // shown names (paths) of the two models
    std::string quantModel;
};

struct MeasuredAdvice;

// {"float_model", "quant_model", "samples", "data", "layers":[...], "tensors":[...],
//  "unmatched":[...], "timing":{...}}. Each layer with figures carries its "advice" text; with
// `measured`, the measured layers carry "measured_advice":[{"change", "kind", "name",
// "sqnr_db", "gain_db"}] and the object "advice_baseline_sqnr_db". Non-finite numbers are null
// (an SQNR of null with mse 0 means no error at all).
std::string compareToJson(const CompareResult& result, const CompareLabels& labels,
                          const MeasuredAdvice* measured = nullptr);

// One row per layer: index, op, name, per-layer and accumulated SQNR / MSE / RMSE/scale /
// clip rate / cosine / max error / bias. Comma-separated, names quoted.
std::string compareToCsv(const CompareResult& result);

// One sentence on what a layer's figures mean and what may help, e.g. "clips 0.8% of the
// float values (RMSE/scale 24.7, rounding alone gives 0.289): calibration data that covers
// these values, or int16 activations". Empty for layers without figures.
std::string explainLayer(const CompareResult& result, const LayerComparison& layer);

// The changes explainLayer's advice names for this layer, to be measured (AdviceEffect.h):
// int16 activations for an int8 operator, keeping it float, per-channel weights where
// per-tensor weights have several channels, an mse range for its input when the error is far
// above rounding (its `name` left empty: the caller names the input tensor). Empty for
// conversions and float layers.
std::vector<AdviceChange> adviceChanges(const CompareResult& result, const LayerComparison& layer);

// The measured effects of the worst layers' advice: per layer (index into
// CompareResult::layers), each against the worst-output SQNR of the quantized model's recipe
// re-quantized without a change (`baselineDb`).
struct MeasuredAdvice {
    std::map<size_t, std::vector<AdviceEffect>> byLayer;
    double baselineDb = 0;
    const std::vector<AdviceEffect>* of(size_t layer) const; // null when none was measured
};

// Measures the changes the advice of the `worst` layers names (adviceChanges; an mse range is
// asked for the operator's first input, named as in the float model): the float model is
// quantized again with each change, calibrated on `calibSpec`, and evaluated on the samples of
// `evalSpec` that `dataOptions` selects (AdviceEffect.h). Errors as measureAdvice's.
Result<MeasuredAdvice> measureWorstLayerAdvice(const CompareResult& result, std::shared_ptr<const Model> floatModel,
                                               const Model& quantModel, size_t worst, const std::string& calibSpec,
                                               const std::string& evalSpec, const data::DataOptions& dataOptions,
                                               Target target = defaultTarget(), const Progress& progress = {});

// "measured: int16 activations +4.9 dB, keep float +5.2 dB (worst output, from 9.9 dB)".
std::string measuredText(const std::vector<AdviceEffect>& effects, double baselineDb);

// The readable table of the CLI: one line per layer (conversions included, marked), the
// `worst` layers marked with '!' (and, with `colour`, in red), and the legend. With `measured`,
// each worst layer's advice carries the measured effect of the changes it names.
std::string compareToText(const CompareResult& result, size_t worst = 5, bool colour = false,
                          const MeasuredAdvice* measured = nullptr);

// Title, models, data, the per-layer SQNR bar chart (both views), the layer table, the worst
// layers' histograms (float values with grid and clip limits; error), weight errors per
// channel, graph outputs and what was not matched; with `measured`, each worst layer's advice
// carries its measured effects.
report::HtmlReport compareToHtml(const CompareResult& result, const CompareLabels& labels, size_t worst = 5,
                                 const MeasuredAdvice* measured = nullptr);

} // namespace ql::analysis

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

// {"float_model", "quant_model", "samples", "data", "layers":[...], "tensors":[...],
//  "unmatched":[...], "timing":{...}}. Non-finite numbers are null (an SQNR of null with
// mse 0 means no error at all).
std::string compareToJson(const CompareResult& result, const CompareLabels& labels);

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

// Measured effects per layer (index into CompareResult::layers), shown after the advice.
using MeasuredAdvice = std::map<size_t, std::vector<AdviceEffect>>;
// "measured: int16 activations +4.9 dB, keep float +5.2 dB (worst output, from 9.9 dB)".
std::string measuredText(const std::vector<AdviceEffect>& effects, double baselineDb);

// The readable table of the CLI: one line per layer (conversions included, marked), the
// `worst` layers marked with '!' (and, with `colour`, in red), and the legend. With `measured`,
// each worst layer's advice carries the measured effect of the changes it names.
std::string compareToText(const CompareResult& result, size_t worst = 5, bool colour = false,
                          const MeasuredAdvice* measured = nullptr, double baselineDb = 0);

// Title, models, data, the per-layer SQNR bar chart (both views), the layer table, the worst
// layers' histograms (float values with grid and clip limits; error), weight errors per
// channel, graph outputs and what was not matched.
report::HtmlReport compareToHtml(const CompareResult& result, const CompareLabels& labels, size_t worst = 5);

} // namespace ql::analysis

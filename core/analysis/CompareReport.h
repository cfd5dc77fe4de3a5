#pragma once
// Exports of a CompareResult (Compare.h): JSON, CSV, a plain-text table and a
// self-contained HTML report (HtmlReport.h). Shared by the CLI and the UI; no file access
// except HtmlReport::write by the caller.

#include "analysis/Compare.h"
#include "analysis/HtmlReport.h"

#include <string>

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
// float values (RMSE/scale 24.7, rounding alone gives 0.289): a wider range (percentile/mse
// calibrator) or int16 activations". Empty for layers without figures.
std::string explainLayer(const CompareResult& result, const LayerComparison& layer);

// The readable table of the CLI: one line per layer (conversions included, marked), the
// `worst` layers marked with '!' (and, with `colour`, in red), and the legend.
std::string compareToText(const CompareResult& result, size_t worst = 5, bool colour = false);

// Title, models, data, the per-layer SQNR bar chart (both views), the layer table, the worst
// layers' histograms (float values with grid and clip limits; error), weight errors per
// channel, graph outputs and what was not matched.
report::HtmlReport compareToHtml(const CompareResult& result, const CompareLabels& labels, size_t worst = 5);

} // namespace ql::analysis

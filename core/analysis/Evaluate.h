#pragma once
// How good a model is on data: top-1 / top-5 accuracy when the samples have
// class labels, and the SQNR and cosine of its outputs against a float reference model when
// one is given; the median latency of one invocation on our interpreter; the file size. And
// "all modes side by side": one float model quantized with each mode (none, float16, dynamic,
// int8, int8-only, int16x8), calibrated once, each result evaluated on the same samples.
//
// Feeding two models the same sample: samples are read for the model under test; the
// reference receives the same real values. Where the input types differ (a float reference
// and an int8-only model) the sample is read for the float model and quantized for the other
// with its input's parameters, q = clamp(round(r / scale) + zero_point, qmin, qmax), as TFLite's
// QUANTIZE would (data/Convert.h storeReal).
//
// Top-k with ties: the rank of the label is the number of classes scoring higher plus the
// number scoring equal with a lower index (numpy's argmax picks the first maximum); the
// sample counts for top-k when that rank is below k. Quantized scores are dequantized first.

#include "analysis/ErrorMetrics.h"
#include "data/DataSource.h"
#include "model/Model.h"
#include "runtime/Target.h"
#include "quantize/QuantizeOptions.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace ql::analysis {

inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

struct EvalOptions {
    std::string dataSpec;                          // SRC: .npy/.npz, IDX, folder, random:N[:SEED]
    data::DataOptions data;                        // sample limits and the labels file (data.labels)
    std::shared_ptr<const Model> reference;        // float model for SQNR / cosine; may be null
    int threads = 1;                               // interpreter threads (latency is measured with these)
    Target target = defaultTarget();             // the runtime whose results are reproduced
    bool useLabels = true;                         // false: ignore labels even when the source has them
};

struct OutputError {
    std::string name;  // the output tensor's name in the model under test
    ErrorStats stats;  // against the reference's output of the same index
};

struct EvalResult {
    Target target = Target::TfliteCpu; // EvalOptions::target, recorded in the reports
    size_t samples = 0;
    // Accuracy (labelled samples only; NaN when there are none).
    size_t labelled = 0;
    size_t classes = 0;                 // elements of output 0 (the class scores)
    double top1 = kNotMeasured, top5 = kNotMeasured;
    double referenceTop1 = kNotMeasured, referenceTop5 = kNotMeasured; // the reference's, same samples
    // Against the reference (empty / default when none was given).
    bool hasReference = false;
    ErrorStats pooled;                  // all outputs together
    std::vector<OutputError> outputs;   // per output, in the subgraph's output order
    // Latency of one invoke (setInput excluded), median and minimum over samples, milliseconds.
    double latencyMedianMs = kNotMeasured, latencyMinMs = kNotMeasured;
    uint64_t fileBytes = 0;             // the file's size, or the serialized size of a built model
    std::string dataDescription;        // the data source's describe()
};

// Evaluates `model` on opts.dataSpec. Errors: unreadable data, a sample the model refuses,
// outputs of a different count or size than the reference's, labels outside the model's
// classes ("sample 3: label 12 is outside the 10 classes of output 0"), "cancelled".
Result<EvalResult> evaluateModel(std::shared_ptr<const Model> model, const EvalOptions& opts,
                                 const Progress& progress = {});

// The same on an already opened source (read for `model`'s inputs).
Result<EvalResult> evaluateOnSource(std::shared_ptr<const Model> model, const data::DataSource& source,
                                    const EvalOptions& opts, const Progress& progress = {});

// Top-k accuracy helpers (exposed for tests): rank of `label` in `scores` with the tie rule
// above; counts of hits for k = 1 and k = 5.
size_t labelRank(std::span<const float> scores, size_t label);

// ---- All modes side by side -------------------------------------------------------------

struct AllModesOptions {
    std::vector<quantize::Mode> modes = {quantize::Mode::None,    quantize::Mode::Float16, quantize::Mode::Dynamic,
                                         quantize::Mode::Int8,    quantize::Mode::Int8Only, quantize::Mode::Int16x8};
    quantize::QuantizeOptions base;   // calibrator, per-tensor, keep-float, io (mode is set per row)
    std::string calibSpec;            // calibration data for the integer modes
    data::DataOptions calibData;      // its limits
    EvalOptions eval;                 // evaluation data; eval.reference is ignored (the float model is)
};

struct ModeRow {
    quantize::Mode mode = quantize::Mode::None;
    bool ok = false;
    std::string error;                // why the mode failed (quantizer refusal, run error)
    EvalResult eval;                  // valid when ok
    double quantizeSeconds = 0;       // quantizer time (calibration excluded, it is shared)
    size_t floatOps = 0;              // operators the quantizer left in float
};

struct AllModesResult {
    Target target = Target::TfliteCpu; // opts.eval.target, recorded in the reports
    std::vector<ModeRow> rows;        // in opts.modes order
    size_t calibrationSamples = 0;
    double calibrationSeconds = 0;    // the one calibration pass shared by the integer modes
    std::string calibrationError;     // set when calibration failed (the integer rows say so too)
};

// Quantizes `floatModel` with every mode of opts.modes and evaluates each against the float
// model on the same samples. Calibration runs once and its statistics serve every integer
// mode. A failing mode is a row with ok = false and the reason; only bad evaluation data or
// cancellation fail the whole call.
Result<AllModesResult> evaluateAllModes(std::shared_ptr<const Model> floatModel, const AllModesOptions& opts,
                                        const Progress& progress = {});

// ---- Output ---------------------------------------------------------------------------

std::string evalToJson(const EvalResult& r, const std::string& modelPath);
std::string allModesToJson(const AllModesResult& r, const std::string& modelPath);
// CSV: one header line and one line per row (a single result is one row, mode empty).
std::string evalToCsv(const EvalResult& r, const std::string& modelPath);
std::string allModesToCsv(const AllModesResult& r, const std::string& modelPath);
// "92.31%" or "-" for NaN.
std::string formatPercent(double share);

} // namespace ql::analysis

#pragma once
// "Try every leaf" of the decision tree: quantize the float model with every mode, then measure
// each result on the same evaluation data against the float model: serialized size, output SQNR
// (all outputs, all samples: 10 log10(sum r^2 / sum (r - q)^2)), top-1 accuracy when the data
// has labels and the model outputs one row of class scores, and the interpreter's median latency.
// Besides one row per mode, two rows that fix int8's accuracy: int8 with a keep-float list (the
// user's, else the layers the sensitivity ranking puts first) and "auto" (the sensitivity
// analysis' greedy keep-float search to a target output SQNR, analysis/Sensitivity.h).
// measureLeaf is the same measurement for one model already quantized (the lab's "run this leaf").

#include "data/DataSource.h"
#include "model/Model.h"
#include "quantize/QuantizeJob.h"
#include "util/Progress.h"

#include <optional>
#include <string>
#include <vector>

namespace ql::lab {

struct LeafSweepOptions {
    std::vector<quantize::Mode> modes;      // empty: quantize::leafModes()
    std::string calibSpec = "random:100:1"; // calibration data of the integer modes
    std::string evalSpec = "random:10:2";   // evaluation data (the float model's input types)
    calib::Calibrator calibrator;
    bool perTensor = false;
    size_t latencyRuns = 5;
    size_t maxCalibSamples = 200; // limits on the sources (0: all)
    size_t maxEvalSamples = 50;
    std::optional<data::Normalization>
        normalization; // image data (both sources); nullopt: metadata
    // The keep-float row (int8): this list; empty: the `rankedKeepFloat` most sensitive layers of
    // the ranking (only when the auto row ran it). No keep-float row when both give nothing.
    std::vector<std::string> keepFloat;
    size_t rankedKeepFloat = 3;
    // The auto row: int8 with the greedy keep-float search to this worst-output SQNR (dB).
    std::optional<double> autoTargetSqnrDb;
    size_t autoMaxFloatLayers = 6;
};

enum class LeafKind { Mode, KeepFloat, Auto };

struct LeafRow {
    quantize::Mode mode = quantize::Mode::None;
    LeafKind kind = LeafKind::Mode;
    std::vector<std::string> keepFloat; // kept float (KeepFloat and Auto rows)
    std::optional<double> targetSqnrDb; // Auto rows
    bool ok = false;
    std::string error;      // why this leaf failed (e.g. int8-only with a float-only op)
    size_t bytes = 0;       // serialized .tflite size
    double sizeRatio = 1.0; // float size / this size
    double sqnrDb = 0;      // +inf for an identical output
    std::optional<double> accuracy, floatAccuracy; // top-1 on labelled data
    double latencyMs = 0;       // median invoke time on the interpreter (1 thread)
    double floatLatencyMs = 0;  // the float model's, measured the same way
    double quantizeSeconds = 0; // calibration + quantization
    size_t samples = 0;         // evaluation samples
};

// "int8", "int8 + 3 kept float", "auto (SQNR >= 30 dB): 2 kept float".
std::string leafRowName(const LeafRow& row);

// One row per mode, in order, then the keep-float and auto rows. Fails only when the float model
// itself cannot run on the data or the job was cancelled; a failing leaf is a row with ok = false.
Result<std::vector<LeafRow>> sweepLeaves(std::shared_ptr<const Model> floatModel,
                                         const LeafSweepOptions& options,
                                         const Progress& progress = {});

} // namespace ql::lab

namespace ql::lab {

// Measures an already quantized model like a sweep row (size, SQNR, top-1, latency against the
// float model on `evalSpec`); `row.mode`, kind and keepFloat are the caller's.
Result<LeafRow> measureLeaf(std::shared_ptr<const Model> floatModel,
                            std::shared_ptr<const Model> quantModel, const std::string& evalSpec,
                            const LeafSweepOptions& options, const Progress& progress = {});

} // namespace ql::lab

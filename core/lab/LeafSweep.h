#pragma once
// "Try every leaf" of the decision tree: quantize the float model with every mode, then measure
// each result on the same evaluation data against the float model: serialized size, output SQNR
// (all outputs, all samples: 10 log10(sum r^2 / sum (r - q)^2)), top-1 accuracy when the data
// has labels and the model outputs one row of class scores, and the interpreter's median latency.

#include "model/Model.h"
#include "quantize/QuantizeJob.h"
#include "util/Progress.h"

#include <optional>
#include <string>
#include <vector>

namespace ql::lab {

struct LeafSweepOptions {
    std::vector<quantize::Mode> modes; // empty: quantize::leafModes()
    std::string calibSpec = "random:100:1"; // calibration data of the integer modes
    std::string evalSpec = "random:10:2";   // evaluation data (the float model's input types)
    calib::Calibrator calibrator;
    bool perTensor = false;
    size_t latencyRuns = 5;
    size_t maxCalibSamples = 200; // limits on the sources (0: all)
    size_t maxEvalSamples = 50;
};

struct LeafRow {
    quantize::Mode mode = quantize::Mode::None;
    bool ok = false;
    std::string error;          // why this leaf failed (e.g. int8-only with a float-only op)
    size_t bytes = 0;           // serialized .tflite size
    double sizeRatio = 1.0;     // float size / this size
    double sqnrDb = 0;          // +inf for an identical output
    std::optional<double> accuracy, floatAccuracy; // top-1 on labelled data
    double latencyMs = 0;       // median invoke time on the interpreter (1 thread)
    double quantizeSeconds = 0; // calibration + quantization
    size_t samples = 0;         // evaluation samples
};

// One row per mode, in order. Fails only when the float model itself cannot run on the data or
// the job was cancelled; a failing leaf is a row with ok = false.
Result<std::vector<LeafRow>> sweepLeaves(std::shared_ptr<const Model> floatModel, const LeafSweepOptions& options,
                                         const Progress& progress = {});

} // namespace ql::lab

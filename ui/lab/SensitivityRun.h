#pragma once
// The lab's sensitivity analysis as jobs (ui/JobRunner): what a run is asked for, the
// immutable snapshot it returns, and the work functions, which only open the data sources and
// call core (analysis/Sensitivity.h, analysis/Compare.h): the UI never computes.
//
// The ranking is measured in the "output SQNR" metric (worst graph output, pooled over the
// measurement samples) against the float model. Each layer is mapped back to the operator of
// the user's float model (core numbers operators after folding constant DEQUANTIZE ops) by its
// keep-float name, so that a row selects the right node in the graphs.

#include "analysis/Sensitivity.h"
#include "model/Model.h"
#include "util/Indices.h"
#include "util/Progress.h"

#include <memory>
#include <string>
#include <vector>

namespace ql::ui {

struct SensitivityRequest {
    std::shared_ptr<const Model> model; // the float model
    analysis::SensitivityOptions options;    // mode, calibrator, per-tensor, target, threads
    std::string calibSpec;                   // calibration data (SRC)
    std::string measureSpec;                 // measurement data (SRC)
    size_t measureSamples = 8;               // first N samples of measureSpec
    std::optional<data::Normalization> normalization; // image data, both sources (nullopt: metadata)
    std::string modeNote;                    // e.g. "int8-only measured as int8"
    std::string key;                         // settings fingerprint: a result is stale when it differs
};

struct SensitivityRun {
    SensitivityRequest request;
    analysis::SensitivityResult result;
    std::vector<OperatorIndex> floatOps; // per result.layers: the operator in request.model
    std::vector<int> greedyStep;         // per result.layers: 1-based greedy step, 0 = not chosen
    std::string error;                   // set instead of a result

    bool ok() const { return error.empty(); }
};

// Worst graph output SQNR of a quantized model against its float model on the first
// `samples` samples of `spec` (the metric of the ranking). Errors are values.
struct OutputMeasurement {
    double sqnrDb = 0;
    size_t samples = 0;
    std::string error;
};

// The whole analysis (calibration, the float reference, the per-layer measurements and the
// greedy keep-float search). Never returns null; failures and "cancelled" land in `error`.
std::shared_ptr<const SensitivityRun> runSensitivityJob(const SensitivityRequest& request, const Progress& progress);

std::shared_ptr<const OutputMeasurement> measureOutputSqnr(std::shared_ptr<const Model> floatModel,
                                                           std::shared_ptr<const Model> quantModel,
                                                           const std::string& spec, size_t samples,
                                                           const Progress& progress);

// The operator of `model` (subgraph 0) a layer of the analysis stands for: the one whose
// output carries `name` and whose type is `type`; `hint` (core's index) breaks ties.
OperatorIndex floatOperatorFor(const Model& model, const std::string& name, const std::string& type, OperatorIndex hint);

} // namespace ql::ui

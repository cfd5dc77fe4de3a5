#pragma once
// The whole quantize flow shared by the CLI, the UI and the benchmark: fold the model's
// constant DEQUANTIZE ops, calibrate (integer modes), quantize, record how in the metadata,
// and write atomically. Progress and cancellation as in util/Progress.h.

#include "calib/CalibrationStats.h"
#include "data/DataSource.h"
#include "quantize/Quantizer.h"
#include "util/Progress.h"

#include <memory>
#include <string>

namespace ql::quantize {

struct QuantizeJobOptions {
    QuantizeOptions quantize;
    std::string calibSpec;        // data source (needed by the integer modes)
    data::DataOptions data;       // sample limits
};

struct QuantizeJobResult {
    QuantizeResult result;
    std::shared_ptr<const calib::CalibrationStats> stats; // null for weight-only modes
    double calibrationSeconds = 0, quantizeSeconds = 0;
};

// Everything up to (not including) writing. Errors: bad data, calibration failure,
// "cancelled", the quantizer's errors.
Result<QuantizeJobResult> runQuantize(std::shared_ptr<const Model> model, const QuantizeJobOptions& options,
                                      const Progress& progress = {});

// The "quantlab" metadata entry: {"mode":..,"calibrator":..,"samples":N,"perChannel":..,"version":..}.
std::string quantizationMetadataJson(const QuantizeOptions& options, size_t samples);

// Writes atomically; refuses to write over `inputPath`; a set cancel flag writes nothing.
Status writeQuantized(const Model& model, const std::string& outPath, const std::string& inputPath,
                      const Progress& progress = {});

} // namespace ql::quantize

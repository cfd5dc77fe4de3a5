#pragma once
// The whole quantize flow shared by the CLI, the UI and the benchmark: fold the model's
// constant DEQUANTIZE ops, calibrate (integer modes), quantize, record how in the metadata,
// and write atomically. Progress and cancellation as in util/Progress.h.

#include "calib/CalibrationStats.h"
#include "data/DataSource.h"
#include "quantize/Quantizer.h"
#include "runtime/Target.h"
#include "tflite/Metadata.h"
#include "util/Progress.h"

#include <memory>
#include <string>

namespace ql::quantize {

struct QuantizeJobOptions {
    QuantizeOptions quantize;
    std::string calibSpec;        // data source (needed by the integer modes)
    data::DataOptions data;       // sample limits
    Target target = defaultTarget(); // the runtime whose results bias correction measures
    bool skipNonFinite = false;   // leave out calibration samples with NaN/inf inputs (else refused)
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

// The CONVERSION_METADATA entry TFLite's converter writes, for a model quantized from `source`:
// the source's own entry (model type, hash, API version, flags, earlier optimisation modes) when
// it has a readable one, an empty tensorflow_version (TensorFlow did not convert it), and the
// optimisation mode of `options.mode` added (PTQ_FLOAT16, PTQ_DYNAMIC_RANGE, PTQ_FULL_INTEGER
// for int8 / int8-only, PTQ_INT16 for int16x8).
ConversionInfo conversionMetadataFor(const Model& source, const QuantizeOptions& options);

// Writes atomically; refuses to write over `inputPath`; a set cancel flag writes nothing.
Status writeQuantized(const Model& model, const std::string& outPath, const std::string& inputPath,
                      const Progress& progress = {});

} // namespace ql::quantize

#pragma once
// The post-training quantizer: a float model (after foldConstantDequantize) and, for the
// integer modes, calibration statistics of that same model in, a quantized model out. Pure:
// no file, no interpreter (see QuantizeJob.h for the whole flow).

#include "calib/CalibrationStats.h"
#include "model/Model.h"
#include "quantize/QuantizeOptions.h"
#include "util/Result.h"

namespace ql::quantize {

struct QuantizeResult {
    Model model;
    QuantizeReport report;
};

// `stats` may be null for none / float16 / dynamic. Errors: int8-only with operators that have
// no integer kernel (all of them named), missing statistics, unsupported inputs.
Result<QuantizeResult> quantizeModel(const Model& floatModel, const calib::CalibrationStats* stats,
                                     const QuantizeOptions& options);

// The passes (used by quantizeModel).
Result<QuantizeResult> quantizeFloat16(const Model& floatModel);
Result<QuantizeResult> quantizeDynamic(const Model& floatModel, const QuantizeOptions& options);
Result<QuantizeResult> quantizeInteger(const Model& floatModel, const calib::CalibrationStats& stats,
                                       const QuantizeOptions& options);

// Symmetric int8 per-channel (axis >= 0) or per-tensor (axis < 0) weights:
// scale_c = max|w_c| / 127, q = clamp(round(w / scale_c), -127, 127), zero_point 0.
// `minScale` (optional, one per channel) raises scales (the bias-overflow guard).
struct QuantizedWeights {
    std::vector<int8_t> values;
    QuantParams params;
};
QuantizedWeights quantizeWeightsInt8(std::span<const float> w, const std::vector<int32_t>& shape, int axis,
                                     std::span<const float> minScale = {});

} // namespace ql::quantize

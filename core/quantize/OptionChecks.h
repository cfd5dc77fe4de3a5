#pragma once
// Checks of QuantizeOptions against the model before any work, and the warnings read from a
// finished QuantizeReport. The messages are the CLI's and the GUI's.

#include "model/Model.h"
#include "quantize/QuantizeOptions.h"
#include "util/Result.h"

#include <string>
#include <vector>

namespace ql::quantize {

// Refuses what would otherwise be silently ignored or meaningless:
//  - a keep-float name that is neither an operator type of the model nor the name of an
//    operator's output tensor (the message lists the nearest valid names);
//  - a calibrator-for tensor name that names no tensor of the model (nearest names too);
//  - options that contradict the mode: int8-only with float inputs/outputs (that is int8),
//    calibrator choices in a mode without calibration.
Status checkOptions(const Model& model, const QuantizeOptions& options);

// Tensors clipping more than this share of their calibration values are warned about.
inline constexpr double kClipWarningRate = 0.01;
// One line per tensor of `report` that clips more than kClipWarningRate of its calibration
// values: "tensor 'conv1': 3.2 % of calibration values clipped by kl (range [-1.5, 2])".
std::vector<std::string> clippingWarnings(const QuantizeReport& report);

} // namespace ql::quantize

#pragma once
// Empirical bias correction (Nagel et al. 2019, section 4.2, the "empirical" variant; also
// Finkelstein et al. 2019): after quantization, run the float model and the quantized model on
// the calibration samples and measure, per output channel c of each quantized CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED, the mean error
//     e_c = mean over samples and positions of (dequantized quantized output - float output).
// The op's integer bias (scale s_in * s_w_c) is then shifted so that the expected error is 0:
//     bias_q[c] -= round(e_c / (s_in * s_w_c))   (saturated to the bias type).
//
// Each op is measured in isolation: before its eval, its input is overwritten with the
// quantized float model's input to it (Interpreter's InputHook), so e_c is the error the op
// itself adds (weight rounding, bias rounding, requantization) and not what upstream ops already
// got wrong. All ops are then corrected from one measurement pass without counting an upstream
// error twice. (Measuring end to end instead, with upstream errors included, over-corrected:
// hand_landmark_lite lost 6 dB of output SQNR that way.)
//
// Limits: errors are measured after the fused activation (a RELU / RELU6 clamps both outputs
// where they are both out of range, which dilutes e_c but does not flip its sign); ops without
// a bias, with a float output, or whose input or output has no float tensor of the same name are
// left alone. The float model must be the one that was quantized (after folding and
// equalization), so that its intermediate tensors mean the same as the quantized ones.

#include "data/DataSource.h"
#include "model/Model.h"
#include "runtime/Target.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <memory>
#include <string>
#include <vector>

namespace ql::quantize {

struct BiasCorrectionReport {
    size_t ops = 0;        // ops whose bias was shifted (at least one channel by >= 1 LSB)
    size_t candidates = 0; // ops measured
    size_t channels = 0;   // channels shifted
    size_t samples = 0;
    double meanAbsShift = 0; // mean |shift| in bias LSB over the measured channels
    double maxAbsShift = 0;
};

// Per channel mean error of each candidate op's output (the measurement alone, for tests and
// analysis): keyed by the output tensor's name.
struct ChannelErrors {
    std::string tensor;
    std::vector<double> meanError; // one per output channel (last dimension)
};
Result<std::vector<ChannelErrors>> measureOutputBias(std::shared_ptr<const Model> floatModel,
                                                     std::shared_ptr<const Model> quantModel,
                                                     const data::DataSource& floatData, const Progress& progress = {});

// Measures and applies the correction to `quantModel` (new bias buffers). `floatData` yields
// samples in the float model's input types; the quantized model gets the same real values in
// its own input types (data::convertNumeric). The quantized model runs under `target` (its
// integer results are the ones corrected). Errors: data errors, "cancelled".
Result<BiasCorrectionReport> correctBias(std::shared_ptr<const Model> floatModel, Model& quantModel,
                                         const data::DataSource& floatData, const Progress& progress = {},
                                         Target target = Target::TfliteCpu);

} // namespace ql::quantize

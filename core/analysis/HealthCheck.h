#pragma once
// Health checks of a quantized model: problems visible in the model's own
// quantization parameters, no float model needed; and, given data, activations that saturate.
//
// Checks (the `check` name in brackets) and when they fire:
//   [scale-outlier]   per-channel weight scales whose max/median ratio >= scaleOutlierRatio
//                     (warning; >= 10x that: error). Per-tensor weights: the per-channel ranges
//                     of the int8 values themselves (max/median of max|q_c|), i.e. channels
//                     that per-tensor quantization squeezes onto a few levels.
//   [zero-point]      zero point outside [qmin, qmax] (error); int8 weights with a zero point
//                     != 0 (TFLite's int8 specification; error); an activation whose zero
//                     point sits at qmin or qmax although its producer can emit both signs
//                     (warning: calibration saw one sign only, the other is clipped to 0).
//   [bias-scale]      conv / depthwise / fully-connected / transpose-conv bias scale that
//                     differs from s_in * s_w[c] by more than biasScaleTolerance relative
//                     (TFLite's GetQuantizedConvolutionMultipler tolerance 1e-6). The kernels
//                     read the bias as if its scale were s_in * s_w[c], so the applied bias is
//                     off by |q_b| * |s_b - s_in * s_w[c]| / s_out output steps. Error when
//                     |s_b - s_in * s_w| / s_out > 0.02 (TFLite refuses such a per-tensor
//                     operator at prepare) or when the bias has the wrong number of scales.
//   [bias-overflow]   int32 bias at the int32 limit (error: the float bias was clipped), or
//                     |bias| >= 2^30 (warning), or the accumulator bound
//                     sum_k |q_w[c,k]| * max|q_in - z_in| + |q_b[c]| over 2^31 - 1 (warning;
//                     the coarse bound K * 127 * 128 + |bias| is reported beside it).
//   [dead-channel]    a scale that is zero, negative or not finite (error); a weight channel
//                     whose int8 values are all zero (warning: the channel outputs its bias
//                     only); a requantization multiplier s_in * s_w / s_out below 2^-32 that
//                     quantizeMultiplier flushes to 0 as TFLite's QuantizeMultiplier does
//                     (frexp exponent < -31; warning: the output is constant);
//                     an activation scale below tinyScale (warning).
//   [saturation]      with data: share of an activation's values at qmin or qmax >=
//                     saturationShare (warning; info when the producer's activation function
//                     clamps at that edge by design). qmin is not counted when it is the zero
//                     point (a ReLU output at 0 is not saturation), nor qmax when it is.

#include "data/DataSource.h"
#include "model/Model.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <memory>
#include <string>
#include <vector>

namespace ql::analysis {

struct HealthFinding {
    Severity severity = Severity::Warning;
    std::string check;        // "scale-outlier", "zero-point", "bias-scale", "bias-overflow", "dead-channel", "saturation"
    OperatorIndex op;         // the operator it concerns (invalid for graph inputs)
    std::string opType;       // "CONV_2D"
    TensorIndex tensor;       // the tensor it concerns
    std::string tensorName;
    std::string figures;      // the numbers: "max/median scale 412 (channel 7: 0.52, median 0.00126)"
    std::string why;          // one sentence: why it matters
    double value = 0;         // the main figure (ratio, share, steps, ...) for sorting and tests
};

struct HealthOptions {
    double scaleOutlierRatio = 100.0;
    double biasScaleTolerance = 1e-6;  // relative
    double tinyScale = 1e-7;
    double saturationShare = 0.01;
    size_t maxChannelsListed = 8;      // channels named in `figures`
};

struct HealthReport {
    std::vector<HealthFinding> findings;  // sorted: errors first, then by operator
    size_t operatorsChecked = 0;
    size_t tensorsChecked = 0;
    size_t samples = 0;                   // samples of the saturation pass (0: not run)
    size_t count(Severity s) const;
};

// The static checks (everything but saturation). Never fails: a model that read is checkable.
HealthReport checkHealth(const Model& model, const HealthOptions& options = {});

// The static checks plus saturation of every quantized activation over the samples of
// `source` (read for the model's inputs). Errors: a sample the model refuses, "cancelled".
Result<HealthReport> checkHealthWithData(std::shared_ptr<const Model> model, const data::DataSource& source,
                                         const HealthOptions& options = {}, const Progress& progress = {});

std::string_view severityName(Severity s); // "error", "warning", "info"
std::string healthToJson(const HealthReport& r, const std::string& modelPath);

} // namespace ql::analysis

#pragma once
// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", section 4.1) on a float model, before calibration.
//
// For a pair op1 -> op2 where op1's output feeds only op2 and a positive-homogeneous
// activation sits between them (fused NONE or RELU: relu(x / s) = relu(x) / s for s > 0),
// output channel c of op1 is divided by s_c and the matching input channel c of op2 is
// multiplied by s_c, which leaves the pair's function unchanged. With r1_c = max|W1 of output
// channel c| and r2_c = max|W2 of input channel c|, s_c = sqrt(r1_c * r2_c) / r2_c makes both
// ranges sqrt(r1_c * r2_c): per-tensor (and per-channel) weight quantization then wastes less
// of its grid on a few large channels.
//
// Pairs: op1 in {CONV_2D, DEPTHWISE_CONV_2D with depth_multiplier 1}, op2 in {CONV_2D,
// DEPTHWISE_CONV_2D with depth_multiplier 1}, float32 constant weights and bias (bias optional
// for op2, required to be float or absent for op1). RELU6 (and RELU_N1_TO_1, TANH, ...) pairs are
// SKIPPED: min(relu(x / s), 6) != min(relu(x), 6) / s unless s = 1, and TFLite has no
// per-channel clamp to carry 6 / s_c. They are counted in the report.
//
// Chains (op2 of one pair is op1 of the next) are equalized by sweeping all pairs repeatedly
// until no scale moves by more than `tolerance` (at most `maxSweeps` sweeps), as in the paper.

#include "model/Model.h"

#include <cstddef>

namespace ql::quantize {

struct EqualizationReport {
    size_t pairs = 0;          // pairs equalized
    size_t skippedRelu6 = 0;   // pairs skipped for a RELU6 / RELU_N1_TO_1 / other clamp between them
    size_t sweeps = 0;
    double maxRangeRatioBefore = 0; // max over pairs and channels of max(r1/r2, r2/r1), first sweep
    double maxRangeRatioAfter = 0;  // the same after the last sweep
};

// Edits subgraph 0 of `model` in place (new buffers for the rescaled weights and biases).
EqualizationReport equalizeCrossLayer(Model& model, size_t maxSweeps = 20, double tolerance = 1e-4);

} // namespace ql::quantize

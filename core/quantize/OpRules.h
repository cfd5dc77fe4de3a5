#pragma once
// Per operator type: how TFLite's integer specification quantizes it
// (https://www.tensorflow.org/lite/performance/quantization_spec, tools/optimize/operator_property.cc)
// and which version TFLite's converter writes for the new types
// (tensorflow/lite/tools/versioning/op_version.cc, GetBuiltinOperatorVersion).

#include "model/Model.h"

#include <optional>

namespace ql::quantize {

enum class OutputRule {
    Free,         // output params from calibration
    SameAsInput,  // output params = params of the first activation input (RESHAPE, pooling, ...)
    Shared,       // all activation inputs and the output share params (CONCATENATION, MAXIMUM, ...)
    Fixed,        // fixed params (LOGISTIC, SOFTMAX, TANH, LOG_SOFTMAX, L2_NORMALIZATION)
};

struct OpRule {
    bool int8 = false;        // TFLite has an int8 kernel
    bool int16 = false;       // TFLite has an int16x8 kernel
    OutputRule output = OutputRule::Free;
    int weightInput = -1;     // constant weights: symmetric int8
    int weightAxis = -1;      // TFLite's per-channel axis of the weights
    int biasInput = -1;       // int32 (int64 for 16x8) bias, scale = s_in * s_w
    // Inputs that carry activations (others, e.g. shapes and axes, are left as they are);
    // empty: every float input except weights and bias.
    std::vector<int> activationInputs;
    // Constant inputs quantized with the params of the first activation input (PADV2's pad
    // value: TFLite's pad.cc requires the output's scale and zero point).
    std::vector<int> sameAsFirstInputs;
    // Fixed output params (OutputRule::Fixed) for int8 and int16.
    float fixedScale8 = 0; int64_t fixedZero8 = 0;
    float fixedScale16 = 0;
};

// The rule for an operator type, or nullopt when TFLite has no integer kernel for it.
std::optional<OpRule> opRule(BuiltinOp op);

// The version TFLite's converter writes for a quantized operator (`op` already has its new
// input and output types set in `sg`).
int quantizedOpVersion(const Subgraph& sg, const Operator& op);

// Hybrid (dynamic range) operators: float activations, int8 weights quantized on the fly.
struct HybridRule {
    std::vector<int> weightInputs; // inputs holding constant weights
    int axis = -1;                 // per-channel axis (-1: per tensor)
};
std::optional<HybridRule> hybridRule(BuiltinOp op);
int hybridOpVersion(const Operator& op, bool perChannel);

} // namespace ql::quantize

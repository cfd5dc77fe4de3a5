#include "quantize/OpRules.h"

namespace ql::quantize {

// The rules follow TFLite's tools/optimize/operator_property.cc (GetOperatorProperty):
// restrict_same_input_output_scale -> SameAsInput (one activation input) or Shared (several),
// restricted_value_int8 / _int16 -> Fixed, quantizable_int16 = false -> int8 only;
// quantize_input_as_activations (ADD, MUL, BATCH_MATMUL, PRELU's alpha, ...) -> a constant
// operand is quantized like an activation, from its own min / max (quantizedConstant).
// An operator gets a rule only when both the runtime and QuantLab's interpreter have the
// integer kernel: SQRT has none in TFLite (it stays float); RSQRT has int8 only.
std::optional<OpRule> opRule(BuiltinOp op) {
    OpRule r;
    auto both = [&](OutputRule o) { r.int8 = true; r.int16 = true; r.output = o; return r; };
    auto only8 = [&](OutputRule o) { r.int8 = true; r.output = o; return r; };
    switch (op) {
    case BuiltinOp::CONV_2D: r.weightInput = 1; r.weightAxis = 0; r.biasInput = 2; r.activationInputs = {0}; return both(OutputRule::Free);
    case BuiltinOp::DEPTHWISE_CONV_2D: r.weightInput = 1; r.weightAxis = 3; r.biasInput = 2; r.activationInputs = {0}; return both(OutputRule::Free);
    // FULLY_CONNECTED per channel (axis 0, one scale per output row) as TFLite's current MLIR
    // quantizer writes it by default (quantize_model.h: disable_per_channel_for_dense_layers =
    // false, TensorFlow 2.16 and later); the older tools/optimize quantizer wrote per tensor,
    // which --per-tensor gives. The integer kernel keeps version 4 either way (op_version.cc).
    case BuiltinOp::FULLY_CONNECTED: r.weightInput = 1; r.weightAxis = 0; r.biasInput = 2; r.activationInputs = {0}; return both(OutputRule::Free);
    case BuiltinOp::TRANSPOSE_CONV: r.weightInput = 1; r.weightAxis = 0; r.biasInput = 3; r.activationInputs = {2}; return both(OutputRule::Free);
    case BuiltinOp::ADD:
    case BuiltinOp::SUB:
    case BuiltinOp::MUL: r.activationInputs = {0, 1}; return both(OutputRule::Free);
    // Both operands are activations; a constant right-hand side too (per tensor, asymmetric
    // int8 / symmetric int16): TFLite's integer BATCH_MATMUL takes no per-channel weights.
    case BuiltinOp::BATCH_MATMUL: r.activationInputs = {0, 1}; return both(OutputRule::Free);
    case BuiltinOp::ABS:
    case BuiltinOp::MEAN:
    case BuiltinOp::RELU:
    case BuiltinOp::RELU6:
    case BuiltinOp::LEAKY_RELU: r.activationInputs = {0}; return both(OutputRule::Free);
    // PRELU's alpha is quantized as an activation (its own asymmetric range); int8 only.
    case BuiltinOp::PRELU: r.activationInputs = {0, 1}; return only8(OutputRule::Free);
    case BuiltinOp::RELU_N1_TO_1:
    case BuiltinOp::RSQRT:
    case BuiltinOp::GELU: r.activationInputs = {0}; return only8(OutputRule::Free);
    case BuiltinOp::SUM:
    case BuiltinOp::HARD_SWISH:
    case BuiltinOp::SQUARED_DIFFERENCE: r.activationInputs = op == BuiltinOp::SQUARED_DIFFERENCE ? std::vector<int>{0, 1} : std::vector<int>{0}; return only8(OutputRule::Free);
    case BuiltinOp::MAX_POOL_2D:
    case BuiltinOp::AVERAGE_POOL_2D:
    case BuiltinOp::RESHAPE:
    case BuiltinOp::SQUEEZE:
    case BuiltinOp::TRANSPOSE:
    case BuiltinOp::PAD:
    case BuiltinOp::STRIDED_SLICE:
    case BuiltinOp::SLICE:
    case BuiltinOp::GATHER:
    case BuiltinOp::UNPACK:
    case BuiltinOp::REDUCE_MAX:
    case BuiltinOp::REDUCE_MIN:
    case BuiltinOp::EXPAND_DIMS:
    case BuiltinOp::BROADCAST_TO:
    case BuiltinOp::RESIZE_BILINEAR:
    case BuiltinOp::RESIZE_NEAREST_NEIGHBOR: r.activationInputs = {0}; return both(OutputRule::SameAsInput);
    case BuiltinOp::SPLIT: r.activationInputs = {1}; return both(OutputRule::SameAsInput);
    case BuiltinOp::PADV2: r.activationInputs = {0}; r.sameAsFirstInputs = {2}; return both(OutputRule::SameAsInput);
    case BuiltinOp::SPLIT_V:
    case BuiltinOp::MIRROR_PAD:
    case BuiltinOp::SPACE_TO_BATCH_ND:
    case BuiltinOp::BATCH_TO_SPACE_ND:
    case BuiltinOp::DEPTH_TO_SPACE:
    case BuiltinOp::SPACE_TO_DEPTH: r.activationInputs = {0}; return only8(OutputRule::SameAsInput);
    case BuiltinOp::CONCATENATION:
    case BuiltinOp::PACK:
    case BuiltinOp::MAXIMUM:
    case BuiltinOp::MINIMUM: return both(OutputRule::Shared);
    // x and y share the output's params; the bool condition is left as it is.
    case BuiltinOp::SELECT:
    case BuiltinOp::SELECT_V2: r.activationInputs = {1, 2}; return both(OutputRule::Shared);
    case BuiltinOp::LOGISTIC:
    case BuiltinOp::SOFTMAX:
        r.activationInputs = {0}; r.fixedScale8 = 1.0f / 256.0f; r.fixedZero8 = -128; r.fixedScale16 = 1.0f / 32768.0f;
        return both(OutputRule::Fixed);
    case BuiltinOp::TANH:
        r.activationInputs = {0}; r.fixedScale8 = 1.0f / 128.0f; r.fixedZero8 = 0; r.fixedScale16 = 1.0f / 32768.0f;
        return both(OutputRule::Fixed);
    case BuiltinOp::LOG_SOFTMAX:
        r.activationInputs = {0}; r.fixedScale8 = 16.0f / 256.0f; r.fixedZero8 = 127;
        return only8(OutputRule::Fixed);
    case BuiltinOp::L2_NORMALIZATION:
        r.activationInputs = {0}; r.fixedScale8 = 1.0f / 128.0f; r.fixedZero8 = 0;
        return only8(OutputRule::Fixed);
    default: return std::nullopt;
    }
}

namespace {
TensorType inType(const Subgraph& sg, const Operator& op, size_t i) {
    if (i >= op.inputs.size() || !op.inputs[i].valid()) return TensorType::FLOAT32;
    return sg.tensor(op.inputs[i]).type;
}
size_t inRank(const Subgraph& sg, const Operator& op, size_t i) {
    if (i >= op.inputs.size() || !op.inputs[i].valid()) return 0;
    return sg.tensor(op.inputs[i]).shape.size();
}
bool hasInput(const Operator& op, size_t i) { return i < op.inputs.size() && op.inputs[i].valid(); }
} // namespace

int quantizedOpVersion(const Subgraph& sg, const Operator& op) {
    const TensorType t0 = inType(sg, op, 0);
    const bool i16 = t0 == TensorType::INT16;
    const bool i8 = t0 == TensorType::INT8;
    switch (op.op) {
    // op_version.cc tests inputs(1) == int16 for 16x8 CONV_2D / DEPTHWISE, which never holds;
    // we write the version TFLite's kernels document for int16x8 (CONV_2D 4, DEPTHWISE 5).
    case BuiltinOp::CONV_2D: return i16 ? 4 : 3;
    case BuiltinOp::DEPTHWISE_CONV_2D: return i16 ? 5 : 3;
    case BuiltinOp::FULLY_CONNECTED: {
        if (i16) return 7;
        if (op.inputs.size() == 2) return 6; // an omitted bias (-1) still counts as an input
        const auto* o = op.options.AsFullyConnectedOptions();
        if (o && o->keep_num_dims) return 5;
        // int8 input and output with int4 weights: version 10 (op_version.cc).
        if (inType(sg, op, 1) == TensorType::INT4) return 10;
        return 4;
    }
    case BuiltinOp::TRANSPOSE_CONV: {
        const auto* o = op.options.AsTransposeConvOptions();
        if (o && o->fused_activation_function != Activation::NONE) return 4;
        if (hasInput(op, 3)) return 3;
        return 2;
    }
    case BuiltinOp::ADD: return i16 ? 3 : 2;
    case BuiltinOp::SUB: return i16 ? 5 : (inRank(sg, op, 0) > 4 || inRank(sg, op, 1) > 4 ? 3 : 2);
    case BuiltinOp::MUL: return i16 ? 4 : 2;
    case BuiltinOp::MAX_POOL_2D:
    case BuiltinOp::AVERAGE_POOL_2D: return i16 ? 3 : 2;
    case BuiltinOp::TRANSPOSE: return inRank(sg, op, 0) > 5 ? 6 : i16 ? 5 : inRank(sg, op, 0) > 4 ? 4 : 2;
    case BuiltinOp::PAD:
    case BuiltinOp::PADV2: return inRank(sg, op, 0) > 4 ? 4 : i16 ? 3 : 2;
    case BuiltinOp::BATCH_MATMUL: return i16 ? 3 : 2;
    case BuiltinOp::SPACE_TO_BATCH_ND:
    case BuiltinOp::BATCH_TO_SPACE_ND: return inRank(sg, op, 0) != 4 ? 3 : 2;
    case BuiltinOp::BROADCAST_TO: return 3; // quantized BROADCAST_TO (int8 and int16)
    case BuiltinOp::GELU: return 2;
    case BuiltinOp::ABS: return i16 ? 3 : 2; // int16 with quantization: 3
    case BuiltinOp::STRIDED_SLICE: {
        const auto* o = op.options.AsStridedSliceOptions();
        if (o && o->offset) return 8;
        if (o && (o->ellipsis_mask || o->new_axis_mask)) return 6;
        if (inRank(sg, op, 0) > 4) return 4;
        return i8 ? 2 : 1;
    }
    case BuiltinOp::SLICE: return inRank(sg, op, 0) > 4 ? 5 : i16 ? 4 : 2;
    case BuiltinOp::GATHER: {
        const auto* o = op.options.AsGatherOptions();
        if (o && o->batch_dims != 0) return 5;
        return i16 ? 4 : 2;
    }
    case BuiltinOp::SPLIT: return inType(sg, op, 1) == TensorType::INT16 ? 4 : 2;
    case BuiltinOp::UNPACK: return i16 ? 4 : 2;
    case BuiltinOp::PACK: return i16 ? 3 : 2;
    case BuiltinOp::CONCATENATION: return i16 ? 3 : 2;
    case BuiltinOp::MAXIMUM:
    case BuiltinOp::MINIMUM: return i16 ? 4 : 2;
    case BuiltinOp::RESIZE_BILINEAR: {
        if (i16) return 4;
        const auto* o = op.options.AsResizeBilinearOptions();
        return o && o->half_pixel_centers ? 3 : 2;
    }
    case BuiltinOp::RESIZE_NEAREST_NEIGHBOR: {
        if (i16) return 4;
        const auto* o = op.options.AsResizeNearestNeighborOptions();
        return o && (o->half_pixel_centers || o->align_corners) ? 3 : 2;
    }
    case BuiltinOp::TANH:
    case BuiltinOp::LOGISTIC: return i16 ? 3 : 2;
    case BuiltinOp::SOFTMAX:
    case BuiltinOp::MEAN:
    case BuiltinOp::MIRROR_PAD:
    case BuiltinOp::REDUCE_MAX:
    case BuiltinOp::REDUCE_MIN:
    case BuiltinOp::RELU6: return i16 ? 3 : 2;
    case BuiltinOp::RELU: return i16 ? 3 : 2;
    case BuiltinOp::LEAKY_RELU: return i16 ? 2 : 1;
    case BuiltinOp::L2_NORMALIZATION: return 2;
    case BuiltinOp::SPLIT_V:
    case BuiltinOp::SUM:
    case BuiltinOp::LOG_SOFTMAX:
    case BuiltinOp::SQUARED_DIFFERENCE:
    case BuiltinOp::RSQRT:
    case BuiltinOp::DEPTH_TO_SPACE:
    case BuiltinOp::SPACE_TO_DEPTH: return i8 ? 2 : 1;
    case BuiltinOp::QUANTIZE: {
        const TensorType out = op.outputs.empty() ? TensorType::INT8 : sg.tensor(op.outputs[0]).type;
        return out == TensorType::INT16 ? 2 : 1;
    }
    case BuiltinOp::DEQUANTIZE:
        if (t0 == TensorType::INT16 || t0 == TensorType::FLOAT16) return 3;
        if (t0 == TensorType::INT8) return sg.tensor(op.inputs[0]).quant.isPerChannel() ? 5 : 2;
        return 1;
    default: return op.version;
    }
}

std::optional<HybridRule> hybridRule(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::CONV_2D: return HybridRule{{1}, 0};
    case BuiltinOp::DEPTHWISE_CONV_2D: return HybridRule{{1}, 3};
    // Per-tensor: per-channel hybrid FULLY_CONNECTED is version 12, newer than the runtimes in
    // use (TFLite's own dynamic-range quantizer writes per-tensor FC weights).
    case BuiltinOp::FULLY_CONNECTED: return HybridRule{{1}, -1};
    case BuiltinOp::BATCH_MATMUL: return HybridRule{{1}, -1};
    default: return std::nullopt;
    }
}

int hybridOpVersion(const Operator& op, bool perChannel) {
    switch (op.op) {
    case BuiltinOp::CONV_2D: return perChannel ? 5 : 2;
    case BuiltinOp::DEPTHWISE_CONV_2D: return perChannel ? 6 : 4;
    case BuiltinOp::FULLY_CONNECTED: {
        // op_version.cc tests "2 inputs" and keep_num_dims before the hybrid case.
        if (op.inputs.size() == 2) return 6;
        const auto* o = op.options.AsFullyConnectedOptions();
        if (o && o->keep_num_dims) return 5;
        return 9; // asymmetric_quantize_inputs
    }
    case BuiltinOp::BATCH_MATMUL: return 4;    // asymmetric_quantize_inputs
    default: return op.version;
    }
}

} // namespace ql::quantize

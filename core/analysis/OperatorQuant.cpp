#include "analysis/OperatorQuant.h"

namespace ql {
namespace {

bool isQuantizedInteger(const Tensor& t) {
    return t.quant.isQuantized() && (t.type == TensorType::INT8 || t.type == TensorType::UINT8 ||
                                     t.type == TensorType::INT16 || t.type == TensorType::INT4);
}

const Tensor* tensorAt(const Subgraph& sg, const std::vector<TensorIndex>& list, size_t i) {
    if (i >= list.size() || !list[i].valid() || list[i].index() >= sg.tensors.size()) return nullptr;
    return &sg.tensor(list[i]);
}

// Index of the activation input and the weight input of operators with weights, else -1.
std::pair<int, int> weightInputs(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::CONV_2D:
    case BuiltinOp::DEPTHWISE_CONV_2D:
    case BuiltinOp::FULLY_CONNECTED:
    case BuiltinOp::CONV_3D:
    case BuiltinOp::BATCH_MATMUL: return {0, 1};
    case BuiltinOp::TRANSPOSE_CONV: return {2, 1};
    default: return {-1, -1};
    }
}

} // namespace

std::string_view quantKindName(QuantKind k) {
    switch (k) {
    case QuantKind::Float: return "float";
    case QuantKind::Int8: return "int8";
    case QuantKind::Int16: return "int16";
    case QuantKind::Hybrid: return "hybrid";
    default: return "other";
    }
}

QuantKind classifyOperator(const Model& model, const Subgraph& sg, const Operator& op) {
    bool floatActivation = false, int8Activation = false, int16Activation = false, quantizedConstant = false;
    auto look = [&](const std::vector<TensorIndex>& list) {
        for (size_t i = 0; i < list.size(); ++i) {
            const Tensor* t = tensorAt(sg, list, i);
            if (!t) continue;
            const bool constant = model.isConstant(*t);
            if (constant) {
                if (t->type == TensorType::INT8 || t->type == TensorType::INT4 || t->type == TensorType::UINT8) quantizedConstant = true;
                continue;
            }
            if (t->type == TensorType::FLOAT32 || t->type == TensorType::FLOAT16) floatActivation = true;
            else if (t->type == TensorType::INT8 || t->type == TensorType::UINT8) int8Activation = true;
            else if (t->type == TensorType::INT16) int16Activation = true;
        }
    };
    look(op.inputs);
    look(op.outputs);
    // QUANTIZE / DEQUANTIZE sit between both worlds: they take the kind of their integer side.
    if (int16Activation) return QuantKind::Int16;
    if (int8Activation) return QuantKind::Int8;
    if (floatActivation) return quantizedConstant ? QuantKind::Hybrid : QuantKind::Float;
    return QuantKind::Other;
}

Requantization operatorRequantization(const Subgraph& sg, const Operator& op) {
    Requantization r;
    const Tensor* out = tensorAt(sg, op.outputs, 0);
    if (!out || !isQuantizedInteger(*out)) return r;
    const double sOut = out->quant.scale[0];
    const auto [in, w] = weightInputs(op.op);
    const Tensor* input = in >= 0 ? tensorAt(sg, op.inputs, size_t(in)) : nullptr;
    const Tensor* weight = w >= 0 ? tensorAt(sg, op.inputs, size_t(w)) : nullptr;
    if (input && weight && isQuantizedInteger(*input) && weight->quant.isQuantized()) {
        r.formula = "s_in * s_w[c] / s_out";
        const double sIn = input->quant.scale[0];
        for (size_t c = 0; c < weight->quant.scale.size(); ++c) {
            RequantRow row;
            row.label = weight->quant.isPerChannel() ? "channel " + std::to_string(c) : "all channels";
            row.inputScale = sIn;
            row.weightScale = weight->quant.scale[c];
            row.outputScale = sOut;
            row.effectiveScale = sIn * row.weightScale / sOut;
            row.multiplier = quantizeMultiplier(row.effectiveScale);
            r.rows.push_back(row);
        }
        return r;
    }
    if (w >= 0) return r; // weights but not integer-quantized (hybrid or float): no requantization
    for (size_t i = 0; i < op.inputs.size(); ++i) {
        const Tensor* t = tensorAt(sg, op.inputs, i);
        if (!t || !isQuantizedInteger(*t) || t->quant.isPerChannel()) continue;
        RequantRow row;
        row.label = "input " + std::to_string(i);
        row.inputScale = t->quant.scale[0];
        row.weightScale = 1.0;
        row.outputScale = sOut;
        row.effectiveScale = row.inputScale / sOut;
        row.multiplier = quantizeMultiplier(row.effectiveScale);
        r.rows.push_back(row);
    }
    if (!r.rows.empty()) r.formula = "s_in[i] / s_out";
    return r;
}

} // namespace ql

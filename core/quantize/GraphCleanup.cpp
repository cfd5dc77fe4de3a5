#include "quantize/GraphCleanup.h"

#include "quantize/GraphEdit.h"

#include <algorithm>

namespace ql::quantize {
namespace {

template <class Options> Activation* slotOf(Options* o) {
    return o ? &o->fused_activation_function : nullptr;
}

// The fused activation slot of an operator the converter fuses into, or null.
Activation* fusedActivationSlot(Operator& op) {
    tflite::BuiltinOptionsUnion& u = op.options;
    switch (op.op) {
    case BuiltinOp::CONV_2D:
        return slotOf(u.AsConv2DOptions());
    case BuiltinOp::DEPTHWISE_CONV_2D:
        return slotOf(u.AsDepthwiseConv2DOptions());
    case BuiltinOp::FULLY_CONNECTED:
        return slotOf(u.AsFullyConnectedOptions());
    case BuiltinOp::AVERAGE_POOL_2D:
    case BuiltinOp::MAX_POOL_2D:
        return slotOf(u.AsPool2DOptions());
    case BuiltinOp::ADD:
        return slotOf(u.AsAddOptions());
    case BuiltinOp::SUB:
        return slotOf(u.AsSubOptions());
    case BuiltinOp::MUL:
        return slotOf(u.AsMulOptions());
    case BuiltinOp::DIV:
        return slotOf(u.AsDivOptions());
    default:
        return nullptr;
    }
}

// The fused form of a standalone activation (TFL_AF_Relu, TFL_AF_Relu6, TFL_AF_Relu1).
bool fusedFormOf(BuiltinOp op, Activation* act) {
    switch (op) {
    case BuiltinOp::RELU:
        *act = Activation::RELU;
        return true;
    case BuiltinOp::RELU6:
        *act = Activation::RELU6;
        return true;
    case BuiltinOp::RELU_N1_TO_1:
        *act = Activation::RELU_N1_TO_1;
        return true;
    default:
        return false;
    }
}

} // namespace

size_t fuseActivations(Model& model, std::vector<size_t>* origins) {
    size_t fused = 0;
    for (size_t s = 0; s < model.subgraphs.size(); ++s) {
        Subgraph& sg = model.subgraphs[s];
        model.rebuildIndex();
        std::vector<bool> drop(sg.operators.size(), false);
        for (size_t i = 0; i < sg.operators.size(); ++i) {
            const Operator& act = sg.operators[i];
            Activation kind = Activation::NONE;
            if (!fusedFormOf(act.op, &kind) || act.inputs.size() != 1 || act.outputs.size() != 1)
                continue;
            const TensorIndex mid = act.inputs[0], out = act.outputs[0];
            if (!mid.valid() || !out.valid() || mid.index() >= sg.tensors.size()) continue;
            const OperatorIndex p = sg.producer[mid.index()];
            if (!p.valid() || drop[p.index()] || sg.consumers[mid.index()].size() != 1) continue;
            if (std::find(sg.outputs.begin(), sg.outputs.end(), mid) != sg.outputs.end()) continue;
            Operator& producer = sg.operators[p.index()];
            if (producer.outputs.size() != 1 || producer.outputs[0] != mid) continue;
            const Tensor& a = sg.tensor(mid);
            const Tensor& b = sg.tensor(out);
            // Float graphs only: a quantized producer's output params were chosen for its
            // unclamped output.
            if (a.type != TensorType::FLOAT32 || b.type != TensorType::FLOAT32 ||
                a.shape != b.shape)
                continue;
            Activation* slot = fusedActivationSlot(producer);
            if (!slot || *slot != Activation::NONE) continue;
            *slot = kind;
            producer.outputs[0] = out;
            drop[i] = true;
            ++fused;
        }
        std::vector<Operator> kept;
        kept.reserve(sg.operators.size());
        std::vector<size_t> keptOrigins;
        const bool track = s == 0 && origins && origins->size() == sg.operators.size();
        for (size_t i = 0; i < sg.operators.size(); ++i) {
            if (drop[i]) continue;
            kept.push_back(std::move(sg.operators[i]));
            if (track) keptOrigins.push_back((*origins)[i]);
        }
        sg.operators = std::move(kept);
        if (track) *origins = std::move(keptOrigins);
    }
    model.rebuildIndex();
    return fused;
}

Model prepareFloatModel(const Model& model, std::vector<size_t>* origins) {
    Model m = foldConstantDequantize(model, origins);
    fuseActivations(m, origins);
    return m;
}

} // namespace ql::quantize

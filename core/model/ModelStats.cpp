#include "model/ModelStats.h"

namespace ql {
namespace {

uint64_t elements(const Subgraph& sg, TensorIndex t) {
    if (!t.valid() || t.index() >= sg.tensors.size()) return 0;
    return static_cast<uint64_t>(sg.tensors[t.index()].elementCount());
}

int32_t dim(const Subgraph& sg, TensorIndex t, size_t d) {
    if (!t.valid() || t.index() >= sg.tensors.size()) return 0;
    const auto& shape = sg.tensors[t.index()].shape;
    return d < shape.size() ? shape[d] : 0;
}

} // namespace

uint64_t operatorMacs(const Subgraph& sg, const Operator& op) {
    auto in = [&](size_t i) { return i < op.inputs.size() ? op.inputs[i] : TensorIndex{}; };
    const TensorIndex out = op.outputs.empty() ? TensorIndex{} : op.outputs[0];
    switch (op.op) {
    case BuiltinOp::CONV_2D: // filter [OC, KH, KW, IC / groups]: each output element sums KH*KW*IC products
        return elements(sg, out) * uint64_t(dim(sg, in(1), 1)) * uint64_t(dim(sg, in(1), 2)) * uint64_t(dim(sg, in(1), 3));
    case BuiltinOp::DEPTHWISE_CONV_2D: // filter [1, KH, KW, OC]
        return elements(sg, out) * uint64_t(dim(sg, in(1), 1)) * uint64_t(dim(sg, in(1), 2));
    case BuiltinOp::FULLY_CONNECTED: { // weights [O, I]
        const auto& w = in(1);
        if (!w.valid() || w.index() >= sg.tensors.size()) return 0;
        const auto& shape = sg.tensors[w.index()].shape;
        return shape.empty() ? 0 : elements(sg, out) * uint64_t(shape.back());
    }
    case BuiltinOp::TRANSPOSE_CONV: // inputs: output_shape, filter [OC, KH, KW, IC], input
        return elements(sg, in(2)) * uint64_t(dim(sg, in(1), 0)) * uint64_t(dim(sg, in(1), 1)) * uint64_t(dim(sg, in(1), 2));
    default: return 0;
    }
}

ModelStats computeStats(const Model& model) {
    ModelStats s;
    for (const Subgraph& sg : model.subgraphs) {
        s.operatorCount += sg.operators.size();
        s.tensorCount += sg.tensors.size();
        for (const Operator& op : sg.operators) {
            ++s.operatorsByType[op.typeName()];
            s.macs += operatorMacs(sg, op);
        }
        for (const Tensor& t : sg.tensors) {
            if (!model.isConstant(t)) continue;
            auto& d = s.constantsByType[std::string(typeName(t.type))];
            const uint64_t n = static_cast<uint64_t>(t.elementCount());
            d.elements += n;
            d.bytes += model.buffer(t.buffer).size;
            s.parameterCount += n;
            s.parameterBytes += model.buffer(t.buffer).size;
        }
    }
    return s;
}

} // namespace ql

#include "model/ModelBuilder.h"

namespace ql {

ModelBuilder::ModelBuilder() {
    m_model.buffers.emplace_back(); // buffer 0: the empty sentinel every TFLite file has
    m_model.subgraphs.emplace_back();
}

TensorIndex ModelBuilder::addTensor(std::string name, TensorType type, std::vector<int32_t> shape, QuantParams quant) {
    Tensor t;
    t.name = std::move(name);
    t.type = type;
    t.shape = std::move(shape);
    t.quant = std::move(quant);
    t.buffer = BufferIndex{0};
    subgraph().tensors.push_back(std::move(t));
    return TensorIndex{subgraph().tensors.size() - 1};
}

TensorIndex ModelBuilder::addConstantBytes(std::string name, TensorType type, std::vector<int32_t> shape,
                                           std::vector<uint8_t> bytes, QuantParams quant) {
    const TensorIndex t = addTensor(std::move(name), type, std::move(shape), std::move(quant));
    subgraph().tensors[t.index()].buffer = m_model.addBuffer(std::move(bytes));
    return t;
}

OperatorIndex ModelBuilder::addOperator(BuiltinOp op, std::vector<TensorIndex> inputs, std::vector<TensorIndex> outputs,
                                        tflite::BuiltinOptionsUnion options, int32_t version) {
    Operator o;
    o.op = op;
    o.version = version;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.options = std::move(options);
    subgraph().operators.push_back(std::move(o));
    return OperatorIndex{subgraph().operators.size() - 1};
}

OperatorIndex ModelBuilder::addCustomOperator(std::string customCode, std::vector<TensorIndex> inputs,
                                              std::vector<TensorIndex> outputs, std::vector<uint8_t> customOptions) {
    Operator o;
    o.op = BuiltinOp::CUSTOM;
    o.customCode = std::move(customCode);
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.customOptions = std::move(customOptions);
    subgraph().operators.push_back(std::move(o));
    return OperatorIndex{subgraph().operators.size() - 1};
}

void ModelBuilder::setInputs(std::vector<TensorIndex> inputs) { subgraph().inputs = std::move(inputs); }
void ModelBuilder::setOutputs(std::vector<TensorIndex> outputs) { subgraph().outputs = std::move(outputs); }

SubgraphIndex ModelBuilder::addSubgraph(std::string name) {
    m_model.subgraphs.emplace_back();
    m_model.subgraphs.back().name = std::move(name);
    m_current = m_model.subgraphs.size() - 1;
    return SubgraphIndex{m_current};
}

void ModelBuilder::selectSubgraph(SubgraphIndex index) { m_current = index.index(); }

Model ModelBuilder::build() {
    m_model.rebuildIndex();
    return std::move(m_model);
}

namespace {
template <class T> tflite::BuiltinOptionsUnion wrap(T value) {
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(value));
    return u;
}
} // namespace

tflite::BuiltinOptionsUnion fullyConnectedOptions(Activation act) {
    tflite::FullyConnectedOptionsT o;
    o.fused_activation_function = act;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion conv2dOptions(Padding padding, int strideH, int strideW, Activation act, int dilationH, int dilationW) {
    tflite::Conv2DOptionsT o;
    o.padding = padding;
    o.stride_h = strideH;
    o.stride_w = strideW;
    o.fused_activation_function = act;
    o.dilation_h_factor = dilationH;
    o.dilation_w_factor = dilationW;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion depthwiseOptions(Padding padding, int strideH, int strideW, int depthMultiplier, Activation act,
                                             int dilationH, int dilationW) {
    tflite::DepthwiseConv2DOptionsT o;
    o.padding = padding;
    o.stride_h = strideH;
    o.stride_w = strideW;
    o.depth_multiplier = depthMultiplier;
    o.fused_activation_function = act;
    o.dilation_h_factor = dilationH;
    o.dilation_w_factor = dilationW;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion addOptions(Activation act) {
    tflite::AddOptionsT o;
    o.fused_activation_function = act;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion mulOptions(Activation act) {
    tflite::MulOptionsT o;
    o.fused_activation_function = act;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion subOptions(Activation act) {
    tflite::SubOptionsT o;
    o.fused_activation_function = act;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion poolOptions(Padding padding, int strideH, int strideW, int filterH, int filterW, Activation act) {
    tflite::Pool2DOptionsT o;
    o.padding = padding;
    o.stride_h = strideH;
    o.stride_w = strideW;
    o.filter_height = filterH;
    o.filter_width = filterW;
    o.fused_activation_function = act;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion softmaxOptions(float beta) {
    tflite::SoftmaxOptionsT o;
    o.beta = beta;
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion reshapeOptions(std::vector<int32_t> newShape) {
    tflite::ReshapeOptionsT o;
    o.new_shape = std::move(newShape);
    return wrap(std::move(o));
}

tflite::BuiltinOptionsUnion concatenationOptions(int axis, Activation act) {
    tflite::ConcatenationOptionsT o;
    o.axis = axis;
    o.fused_activation_function = act;
    return wrap(std::move(o));
}

} // namespace ql

#pragma once
// Builds a model graph in memory: tensors, constants, operators. Used by tests to make small
// fixtures, by the quantizer to emit new graphs and by the trainer to export.

#include "model/Model.h"

#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace ql {

class ModelBuilder {
public:
    ModelBuilder();

    // Activation tensor (no data).
    TensorIndex addTensor(std::string name, TensorType type, std::vector<int32_t> shape, QuantParams quant = {});
    // Constant tensor holding `bytes`.
    TensorIndex addConstantBytes(std::string name, TensorType type, std::vector<int32_t> shape,
                                 std::vector<uint8_t> bytes, QuantParams quant = {});
    template <class T>
    TensorIndex addConstant(std::string name, TensorType type, std::vector<int32_t> shape, const std::vector<T>& values,
                            QuantParams quant = {}) {
        std::vector<uint8_t> bytes(values.size() * sizeof(T));
        if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
        return addConstantBytes(std::move(name), type, std::move(shape), std::move(bytes), std::move(quant));
    }
    // Operator with builtin options (a default-constructed union for none).
    OperatorIndex addOperator(BuiltinOp op, std::vector<TensorIndex> inputs, std::vector<TensorIndex> outputs,
                              tflite::BuiltinOptionsUnion options = {}, int32_t version = 1);
    OperatorIndex addCustomOperator(std::string customCode, std::vector<TensorIndex> inputs,
                                    std::vector<TensorIndex> outputs, std::vector<uint8_t> customOptions = {});
    void setInputs(std::vector<TensorIndex> inputs);
    void setOutputs(std::vector<TensorIndex> outputs);
    // Adds a subgraph and makes it the one the add* calls work on.
    SubgraphIndex addSubgraph(std::string name = {});
    void selectSubgraph(SubgraphIndex index);
    Subgraph& subgraph() { return m_model.subgraphs[m_current]; }
    Model& model() { return m_model; }

    // Finishes: rebuilds the producer/consumer index and returns the model.
    Model build();

private:
    Model m_model;
    size_t m_current = 0;
};

// Typed option constructors for the common operators.
tflite::BuiltinOptionsUnion fullyConnectedOptions(Activation act = Activation::NONE);
tflite::BuiltinOptionsUnion conv2dOptions(Padding padding, int strideH, int strideW, Activation act = Activation::NONE,
                                          int dilationH = 1, int dilationW = 1);
tflite::BuiltinOptionsUnion depthwiseOptions(Padding padding, int strideH, int strideW, int depthMultiplier,
                                             Activation act = Activation::NONE, int dilationH = 1, int dilationW = 1);
tflite::BuiltinOptionsUnion addOptions(Activation act = Activation::NONE);
tflite::BuiltinOptionsUnion mulOptions(Activation act = Activation::NONE);
tflite::BuiltinOptionsUnion subOptions(Activation act = Activation::NONE);
tflite::BuiltinOptionsUnion poolOptions(Padding padding, int strideH, int strideW, int filterH, int filterW,
                                        Activation act = Activation::NONE);
tflite::BuiltinOptionsUnion softmaxOptions(float beta = 1.0f);
tflite::BuiltinOptionsUnion reshapeOptions(std::vector<int32_t> newShape);
tflite::BuiltinOptionsUnion concatenationOptions(int axis, Activation act = Activation::NONE);

} // namespace ql

#include "model/SyntheticModel.h"

#include "model/ModelBuilder.h"

#include <string>

namespace ql {

Model makeSyntheticModel(int operators) {
    ModelBuilder b;
    const TensorIndex input = b.addTensor("input", TensorType::FLOAT32, {1, 16});
    b.setInputs({input});
    const auto weight = b.addConstant("shared/w", TensorType::FLOAT32, {16, 16}, std::vector<float>(256, 0.01f));
    std::vector<TensorIndex> outs{input};
    for (int i = 0; i < operators; ++i) {
        const std::string p = "block" + std::to_string(i / 50) + "/op" + std::to_string(i);
        const TensorIndex x = outs.back();
        const size_t n = outs.size();
        switch (i % 5) {
        case 1: { // residual ADD from up to 4 operators back
            const TensorIndex y = b.addTensor(p + "/out", TensorType::FLOAT32, {1, 16});
            b.addOperator(BuiltinOp::ADD, {x, outs[n > 4 ? n - 4 : 0]}, {y}, addOptions(Activation::RELU));
            outs.push_back(y);
            break;
        }
        case 3: { // concatenation of three earlier outputs, then back to 16 features below
            const TensorIndex y = b.addTensor(p + "/out", TensorType::FLOAT32, {1, 48});
            b.addOperator(BuiltinOp::CONCATENATION, {x, outs[n > 2 ? n - 2 : 0], outs[n > 3 ? n - 3 : 0]}, {y},
                          concatenationOptions(1));
            outs.push_back(y);
            break;
        }
        case 4: { // FULLY_CONNECTED 48 -> 16 after the concatenation
            const auto w = b.addConstant(p + "/w", TensorType::FLOAT32, {16, 48}, std::vector<float>(768, 0.01f));
            const TensorIndex y = b.addTensor(p + "/out", TensorType::FLOAT32, {1, 16});
            b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w, TensorIndex{-1}}, {y}, fullyConnectedOptions());
            outs.push_back(y);
            break;
        }
        default: {
            const TensorIndex y = b.addTensor(p + "/out", TensorType::FLOAT32, {1, 16});
            b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, weight, TensorIndex{-1}}, {y}, fullyConnectedOptions(Activation::RELU6));
            outs.push_back(y);
        }
        }
    }
    b.setOutputs({outs.back()});
    return b.build();
}

} // namespace ql

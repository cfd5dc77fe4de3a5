#include "TestModels.h"

#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <cmath>
#include <stdexcept>

namespace ql::test {
namespace {

std::vector<float> ramp(size_t n, float start, float step) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = start + step * float(i);
    return v;
}

// Deterministic pseudo-random weights in [-amp, amp].
std::vector<float> weights(size_t n, float amp, uint32_t seed) {
    std::vector<float> v(n);
    uint32_t s = seed;
    for (size_t i = 0; i < n; ++i) {
        s = s * 1664525u + 1013904223u;
        v[i] = amp * (float((s >> 8) & 0xFFFF) / 32767.5f - 1.0f);
    }
    return v;
}

} // namespace

QuantParams qp(float scale, int64_t zp) {
    QuantParams q;
    q.scale = {scale};
    q.zeroPoint = {zp};
    return q;
}

Model makeFloatFullyConnected() {
    ModelBuilder b;
    const auto in = b.addTensor("input", TensorType::FLOAT32, {1, 4});
    const auto w = b.addConstant("dense/weights", TensorType::FLOAT32, {3, 4}, ramp(12, -0.5f, 0.1f));
    const auto bias = b.addConstant("dense/bias", TensorType::FLOAT32, {3}, std::vector<float>{0.1f, -0.2f, 0.3f});
    const auto out = b.addTensor("output", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, fullyConnectedOptions(Activation::RELU));
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

Model makeInt8FullyConnected() {
    ModelBuilder b;
    const auto in = b.addTensor("input", TensorType::INT8, {1, 4}, qp(0.02f, -3));
    QuantParams wq;
    wq.scale = {0.01f, 0.02f, 0.015f};
    wq.zeroPoint = {0, 0, 0};
    wq.quantizedDimension = 0;
    std::vector<int8_t> wv = {-127, -50, 0, 50, 127, 1, 2, 3, -4, -5, 60, -70};
    const auto w = b.addConstant("dense/weights", TensorType::INT8, {3, 4}, wv, wq);
    QuantParams bq;
    bq.scale = {0.0002f, 0.0004f, 0.0003f};
    bq.zeroPoint = {0, 0, 0};
    const auto bias = b.addConstant("dense/bias", TensorType::INT32, {3}, std::vector<int32_t>{100, -200, 300}, bq);
    const auto out = b.addTensor("output", TensorType::INT8, {1, 3}, qp(0.05f, 10));
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, fullyConnectedOptions(), 4);
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

Model makeSmallCnn() {
    ModelBuilder b;
    const auto in = b.addTensor("image", TensorType::FLOAT32, {1, 8, 8, 3});
    const auto cw = b.addConstant("conv/filter", TensorType::FLOAT32, {4, 3, 3, 3}, weights(4 * 27, 0.5f, 1));
    const auto cb = b.addConstant("conv/bias", TensorType::FLOAT32, {4}, weights(4, 0.1f, 2));
    const auto c = b.addTensor("conv/out", TensorType::FLOAT32, {1, 8, 8, 4});
    b.addOperator(BuiltinOp::CONV_2D, {in, cw, cb}, {c}, conv2dOptions(Padding::SAME, 1, 1, Activation::RELU));
    const auto dw = b.addConstant("dw/filter", TensorType::FLOAT32, {1, 3, 3, 4}, weights(36, 0.5f, 3));
    const auto db = b.addConstant("dw/bias", TensorType::FLOAT32, {4}, weights(4, 0.1f, 4));
    const auto d = b.addTensor("dw/out", TensorType::FLOAT32, {1, 8, 8, 4});
    b.addOperator(BuiltinOp::DEPTHWISE_CONV_2D, {c, dw, db}, {d}, depthwiseOptions(Padding::SAME, 1, 1, 1, Activation::RELU6));
    const auto a = b.addTensor("residual/out", TensorType::FLOAT32, {1, 8, 8, 4});
    b.addOperator(BuiltinOp::ADD, {c, d}, {a}, addOptions());
    const auto p = b.addTensor("pool/out", TensorType::FLOAT32, {1, 4, 4, 4});
    b.addOperator(BuiltinOp::MAX_POOL_2D, {a}, {p}, poolOptions(Padding::VALID, 2, 2, 2, 2));
    const auto shape = b.addConstant("flatten/shape", TensorType::INT32, {2}, std::vector<int32_t>{1, 64});
    const auto f = b.addTensor("flatten/out", TensorType::FLOAT32, {1, 64});
    b.addOperator(BuiltinOp::RESHAPE, {p, shape}, {f}, reshapeOptions({1, 64}));
    const auto fw = b.addConstant("logits/weights", TensorType::FLOAT32, {10, 64}, weights(640, 0.2f, 5));
    const auto fb = b.addConstant("logits/bias", TensorType::FLOAT32, {10}, weights(10, 0.1f, 6));
    const auto l = b.addTensor("logits/out", TensorType::FLOAT32, {1, 10});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {f, fw, fb}, {l}, fullyConnectedOptions());
    const auto probs = b.addTensor("probabilities", TensorType::FLOAT32, {1, 10});
    b.addOperator(BuiltinOp::SOFTMAX, {l}, {probs}, softmaxOptions(1.0f));
    b.setInputs({in});
    b.setOutputs({probs});
    Model m = b.build();
    m.description = "QuantLab test CNN";
    m.signatures.push_back({"serving_default", SubgraphIndex{0}, {{"image", in}}, {{"probabilities", probs}}});
    const std::string version = "1.14.0";
    m.metadata.push_back({"min_runtime_version", m.addBuffer(std::vector<uint8_t>(version.begin(), version.end()))});
    return m;
}

std::vector<uint8_t> serialize(const Model& model) {
    auto bytes = serializeModel(model);
    if (!bytes) throw std::runtime_error(bytes.message());
    return std::move(bytes.value());
}

} // namespace ql::test

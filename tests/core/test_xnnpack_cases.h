#pragma once
// Single-operator int8 models whose TFLite-runtime outputs (XNNPACK on, as in the oracle) are
// committed under tests/fixtures/xnnpack/<case>/: one case per operator whose XNNPACK
// arithmetic differs from TFLite's reference kernels (quant/XnnpackArithmetic.h). Weights come
// from a generator seeded by the case name, so the model is the same on every machine.

#include "TestModels.h"
#include "model/ModelBuilder.h"

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace ql::test::xnncases {

struct Case {
    std::string name;
    std::function<Model()> build;
};

inline std::vector<int8_t> randomInt8(const std::string& seed, size_t n, int lo, int hi) {
    std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(seed) & 0xffffffffu));
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(lo + static_cast<int>(rng() % uint32_t(hi - lo + 1)));
    return v;
}
inline std::vector<int32_t> randomInt32(const std::string& seed, size_t n, int lo, int hi) {
    std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(seed) & 0xffffffffu));
    std::vector<int32_t> v(n);
    for (auto& x : v) x = lo + static_cast<int32_t>(rng() % uint32_t(hi - lo + 1));
    return v;
}

// Scales (0.0517, 0.0311, 0.0703) are arbitrary; (0.0625, 0.0625, 0.125) make every odd sum a
// tie, which XNNPACK rounds up and TFLite away from zero.
inline Model addModel(std::vector<int32_t> shapeA, std::vector<int32_t> shapeB, Activation act, bool ties = false) {
    ModelBuilder b;
    const auto x = b.addTensor("a", TensorType::INT8, shapeA, qp(ties ? 0.0625f : 0.0517f, -3));
    const auto y = b.addTensor("b", TensorType::INT8, shapeB, qp(ties ? 0.0625f : 0.0311f, 10));
    const auto o = b.addTensor("out", TensorType::INT8, shapeA, qp(ties ? 0.125f : 0.0703f, -5));
    b.addOperator(BuiltinOp::ADD, {x, y}, {o}, addOptions(act));
    b.setInputs({x, y});
    b.setOutputs({o});
    return b.build();
}

// Equal input and output scales over 16 values: sums that are 8 mod 16 are ties (XNNPACK: to
// even; TFLite: away from zero).
inline Model meanModel() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::INT8, {1, 4, 4, 256}, qp(0.113f, 3));
    const auto axes = b.addConstant<int32_t>("axes", TensorType::INT32, {2}, {1, 2});
    const auto o = b.addTensor("mean", TensorType::INT8, {1, 1, 1, 256}, qp(0.113f, -2));
    tflite::ReducerOptionsT opts;
    opts.keep_dims = true;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(opts));
    b.addOperator(BuiltinOp::MEAN, {x, axes}, {o}, std::move(u));
    b.setInputs({x});
    b.setOutputs({o});
    return b.build();
}

inline Model requantizeModel() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::INT8, {1, 16, 16, 4}, qp(0.1f, 5));
    // s_in / s_out * 256 = 690.5: XNNPACK's 8-bit multiplier is off by half a unit.
    const auto o = b.addTensor("y", TensorType::INT8, {1, 16, 16, 4}, qp(0.0370743f, -7));
    b.addOperator(BuiltinOp::QUANTIZE, {x}, {o});
    b.setInputs({x});
    b.setOutputs({o});
    return b.build();
}

inline Model quantizeFloatModel() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 16, 16, 4});
    const auto o = b.addTensor("y", TensorType::INT8, {1, 16, 16, 4}, qp(0.00787f, -1));
    b.addOperator(BuiltinOp::QUANTIZE, {x}, {o});
    b.setInputs({x});
    b.setOutputs({o});
    return b.build();
}

// FULLY_CONNECTED int8 with per-tensor weights and an int32 bias (scale s_in * s_w). The
// effective scale s_in * s_w / s_out = 0.5 makes every odd accumulator a tie; with RELU6 the
// output scale 4 and zero point 5 put the upper bound on a tie (5 + 6 / 4 = 6.5: XNNPACK 6,
// TFLite 5 + round(1.5) = 7).
inline Model fullyConnectedModel(const std::string& name, Activation act) {
    const int depth = 64, units = 32;
    const float inScale = 0.5f, wScale = 0.0625f;
    const bool relu6 = act == Activation::RELU6;
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::INT8, {4, depth}, qp(inScale, -4));
    const auto w = b.addConstant<int8_t>("w", TensorType::INT8, {units, depth}, randomInt8(name + "/w", size_t(units * depth), -127, 127),
                                         qp(wScale, 0));
    const auto bias = b.addConstant<int32_t>("bias", TensorType::INT32, {units}, randomInt32(name + "/b", units, -3000, 3000),
                                             qp(inScale * wScale, 0));
    const auto o = b.addTensor("y", TensorType::INT8, {4, units}, relu6 ? qp(4.0f, 5) : qp(inScale * wScale / 0.5f, 6));
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w, bias}, {o}, fullyConnectedOptions(act));
    b.setInputs({x});
    b.setOutputs({o});
    return b.build();
}

inline std::vector<Case> allCases() {
    return {
        {"add_i8", [] { return addModel({1, 8, 8, 16}, {1, 8, 8, 16}, Activation::NONE); }},
        {"add_i8_bcast_relu", [] { return addModel({1, 4, 4, 8}, {1, 1, 1, 8}, Activation::RELU); }},
        {"add_i8_ties", [] { return addModel({1, 8, 8, 16}, {1, 8, 8, 16}, Activation::NONE, true); }},
        {"mean_i8_hw", [] { return meanModel(); }},
        {"quantize_i8_i8", [] { return requantizeModel(); }},
        {"quantize_f32_i8", [] { return quantizeFloatModel(); }},
        {"fc_i8", [] { return fullyConnectedModel("fc_i8", Activation::NONE); }},
        {"fc_i8_relu6", [] { return fullyConnectedModel("fc_i8_relu6", Activation::RELU6); }},
    };
}

} // namespace ql::test::xnncases

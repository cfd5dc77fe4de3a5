// Oracle goldens for single-operator models, committed under tests/fixtures/{activation,
// elementwise,quantize}/<name>/ (model.tflite, input_<i>.npy, output_<i>.npy); see
// tests/fixtures/activation/README.md for how they were made. The test runs each model in
// QuantLab's interpreter and compares with the TFLite runtime's outputs bit for bit.
//
// The hidden test "[.fixtures]" regenerates model.tflite and the inputs (not the goldens:
// those come from the oracle, run by the README's command).
#include "TestModels.h"
#include "SingleOp.h"
#include "TestSupport.h"

#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

namespace fs = std::filesystem;
using ql::BuiltinOp;
using ql::ModelBuilder;
using ql::QuantParams;
using ql::TensorType;

using ql::test::qp;

namespace {

const fs::path kFixtures = fs::path(QUANTLAB_SOURCE_DIR) / "tests" / "fixtures";

struct Input {
    TensorType type;
    std::vector<int32_t> shape;
    QuantParams quant;
    std::vector<uint8_t> bytes;
};

struct Fixture {
    std::string family, name;
    BuiltinOp op;
    std::vector<Input> inputs;
    TensorType outType;
    std::vector<int32_t> outShape;
    QuantParams outQuant;
    tflite::BuiltinOptionsUnion options = {};
};

template <class T> std::vector<uint8_t> bytes(const std::vector<T>& v) { return ql::test::bytesOf(v); }

std::vector<int8_t> allInt8() {
    std::vector<int8_t> v;
    for (int i = -128; i <= 127; ++i) v.push_back(int8_t(i));
    return v;
}
std::vector<uint8_t> allUint8() {
    std::vector<uint8_t> v;
    for (int i = 0; i <= 255; ++i) v.push_back(uint8_t(i));
    return v;
}
std::vector<int16_t> int16Sweep() { // 4096 values over the whole range, both ends included
    std::vector<int16_t> v;
    for (int i = -32768; i < 32768; i += 16) v.push_back(int16_t(i));
    v.back() = 32767;
    return v;
}
template <class T> std::vector<T> pseudoRandom(size_t n, int lo, int hi, uint32_t seed) {
    std::vector<T> v(n);
    for (auto& x : v) {
        seed = seed * 1664525u + 1013904223u;
        x = T(lo + int((seed >> 8) % uint32_t(hi - lo + 1)));
    }
    return v;
}

std::vector<Fixture> fixtures() {
    using T = TensorType;
    std::vector<Fixture> f;
    auto unary8 = [&](std::string family, std::string name, BuiltinOp op, T type, QuantParams in, QuantParams out,
                      tflite::BuiltinOptionsUnion options = {}) {
        Fixture x{family, name, op, {{type, {1, 256}, in, type == T::INT8 ? bytes(allInt8()) : bytes(allUint8())}}, type, {1, 256}, out};
        x.options = std::move(options);
        f.push_back(std::move(x));
    };
    unary8("activation", "logistic_int8", BuiltinOp::LOGISTIC, T::INT8, qp(0.08f, 3), qp(1.0f / 256, -128));
    unary8("activation", "logistic_uint8", BuiltinOp::LOGISTIC, T::UINT8, qp(0.05f, 120), qp(1.0f / 256, 0));
    unary8("activation", "tanh_int8", BuiltinOp::TANH, T::INT8, qp(0.03f, -5), qp(1.0f / 128, 0));
    unary8("activation", "tanh_uint8", BuiltinOp::TANH, T::UINT8, qp(0.04f, 128), qp(1.0f / 128, 128));
    unary8("activation", "hard_swish_int8", BuiltinOp::HARD_SWISH, T::INT8, qp(0.05f, 10), qp(0.04f, -20));
    unary8("activation", "hard_swish_uint8", BuiltinOp::HARD_SWISH, T::UINT8, qp(0.1f, 100), qp(0.05f, 60));
    unary8("activation", "elu_int8", BuiltinOp::ELU, T::INT8, qp(0.05f, 20), qp(0.04f, -30));
    unary8("activation", "relu6_int8", BuiltinOp::RELU6, T::INT8, qp(0.07f, -12), qp(0.03f, -128));
    unary8("activation", "relu_uint8", BuiltinOp::RELU, T::UINT8, qp(0.05f, 77), qp(0.04f, 3));
    {
        tflite::LeakyReluOptionsT o;
        o.alpha = 0.15f;
        tflite::BuiltinOptionsUnion u;
        u.Set(o);
        unary8("activation", "leaky_relu_int8", BuiltinOp::LEAKY_RELU, T::INT8, qp(0.06f, -7), qp(0.05f, 9), std::move(u));
    }
    for (float beta : {1.0f, 0.7f}) {
        Fixture x{"activation", beta == 1.0f ? "softmax_int8" : "softmax_int8_beta",
                  BuiltinOp::SOFTMAX,
                  {{T::INT8, {8, 32}, qp(0.1f, -10), bytes(pseudoRandom<int8_t>(256, -128, 127, 7))}},
                  T::INT8, {8, 32}, qp(1.0f / 256, -128), ql::softmaxOptions(beta)};
        f.push_back(std::move(x));
    }
    f.push_back({"activation", "softmax_uint8", BuiltinOp::SOFTMAX,
                 {{T::UINT8, {4, 64}, qp(0.08f, 128), bytes(pseudoRandom<uint8_t>(256, 0, 255, 11))}}, T::UINT8, {4, 64},
                 qp(1.0f / 256, 0), ql::softmaxOptions(1.0f)});
    // int16 LOGISTIC / TANH over the whole int16 range: the fixed-point path (power-of-two input
    // scales 2^-12, and 2^-11 for TANH) and the sigmoid-table path (any other scale).
    auto unary16 = [&](std::string name, BuiltinOp op, float inScale) {
        f.push_back({"activation", name, op, {{T::INT16, {1, 4096}, qp(inScale, 0), bytes(int16Sweep())}}, T::INT16, {1, 4096},
                     qp(1.0f / 32768, 0)});
    };
    unary16("logistic_int16_pot", BuiltinOp::LOGISTIC, 1.0f / 4096);
    unary16("logistic_int16_scale", BuiltinOp::LOGISTIC, 0.0005f);
    unary16("logistic_int16_small_scale", BuiltinOp::LOGISTIC, 0.00003f);
    unary16("tanh_int16_pot", BuiltinOp::TANH, 1.0f / 4096);
    unary16("tanh_int16_pot11", BuiltinOp::TANH, 1.0f / 2048);
    unary16("tanh_int16_scale", BuiltinOp::TANH, 0.0004f);
    // LOG_SOFTMAX: fixed output parameters 16/256 with zero point 127 (int8) / 255 (uint8).
    f.push_back({"activation", "log_softmax_int8", BuiltinOp::LOG_SOFTMAX,
                 {{T::INT8, {8, 32}, qp(0.1f, -10), bytes(pseudoRandom<int8_t>(256, -128, 127, 13))}}, T::INT8, {8, 32},
                 qp(16.0f / 256, 127)});
    f.push_back({"activation", "log_softmax_int8_wide", BuiltinOp::LOG_SOFTMAX,
                 {{T::INT8, {4, 64}, qp(0.02f, 5), bytes(pseudoRandom<int8_t>(256, -128, 127, 17))}}, T::INT8, {4, 64},
                 qp(16.0f / 256, 127)});
    f.push_back({"activation", "log_softmax_uint8", BuiltinOp::LOG_SOFTMAX,
                 {{T::UINT8, {4, 64}, qp(0.08f, 128), bytes(pseudoRandom<uint8_t>(256, 0, 255, 19))}}, T::UINT8, {4, 64},
                 qp(16.0f / 256, 255)});
    f.push_back({"activation", "softmax_int16", BuiltinOp::SOFTMAX,
                 {{T::INT16, {16, 64}, qp(0.0005f, 0), bytes(pseudoRandom<int16_t>(1024, -32768, 32767, 3))}}, T::INT16, {16, 64},
                 qp(1.0f / 32768, 0), ql::softmaxOptions(1.0f)});

    // Binary int8 / uint8 arithmetic: every value of a against pseudo-random b, broadcast over rows.
    auto binary = [&](std::string name, BuiltinOp op, T type, QuantParams qa, QuantParams qb, QuantParams qo,
                      tflite::BuiltinOptionsUnion options) {
        std::vector<uint8_t> a = type == T::INT8 ? bytes(allInt8()) : bytes(allUint8());
        std::vector<uint8_t> b = type == T::INT8 ? bytes(pseudoRandom<int8_t>(64, -128, 127, 5)) : bytes(pseudoRandom<uint8_t>(64, 0, 255, 5));
        f.push_back({"elementwise", name, op, {{type, {4, 64}, qa, a}, {type, {64}, qb, b}}, type, {4, 64}, qo, std::move(options)});
    };
    binary("add_int8", BuiltinOp::ADD, T::INT8, qp(0.03f, -3), qp(0.05f, 7), qp(0.06f, -1), ql::addOptions());
    binary("add_int8_relu6", BuiltinOp::ADD, T::INT8, qp(0.04f, 0), qp(0.02f, -20), qp(0.03f, -128), ql::addOptions(ql::Activation::RELU6));
    binary("sub_int8", BuiltinOp::SUB, T::INT8, qp(0.03f, -3), qp(0.05f, 7), qp(0.07f, 2), ql::subOptions());
    binary("mul_int8", BuiltinOp::MUL, T::INT8, qp(0.03f, -3), qp(0.05f, 7), qp(0.08f, 4), ql::mulOptions());
    binary("add_uint8", BuiltinOp::ADD, T::UINT8, qp(0.03f, 128), qp(0.05f, 120), qp(0.06f, 125), ql::addOptions());
    binary("mul_uint8", BuiltinOp::MUL, T::UINT8, qp(0.03f, 128), qp(0.05f, 120), qp(0.1f, 130), ql::mulOptions());
    {
        // DIV uint8 (the runtime's only quantized DIV): every dividend against divisors that
        // avoid the divisor's zero point (division by zero fails at eval), both signs of q2 - z2.
        std::vector<uint8_t> divisors = pseudoRandom<uint8_t>(64, 0, 255, 23);
        for (auto& v : divisors)
            if (v == 100) v = 101;
        tflite::DivOptionsT o;
        tflite::BuiltinOptionsUnion u;
        u.Set(o);
        f.push_back({"elementwise", "div_uint8", BuiltinOp::DIV, {{T::UINT8, {4, 64}, qp(0.03f, 128), bytes(allUint8())}, {T::UINT8, {64}, qp(0.02f, 100), divisors}},
                     T::UINT8, {4, 64}, qp(0.1f, 120), std::move(u)});
        tflite::DivOptionsT o6;
        o6.fused_activation_function = ql::Activation::RELU6;
        tflite::BuiltinOptionsUnion u6;
        u6.Set(o6);
        f.push_back({"elementwise", "div_uint8_relu6", BuiltinOp::DIV, {{T::UINT8, {4, 64}, qp(0.05f, 7), bytes(allUint8())}, {T::UINT8, {64}, qp(0.07f, 100), divisors}},
                     T::UINT8, {4, 64}, qp(0.03f, 10), std::move(u6)});
    }
    binary("squared_difference_int8", BuiltinOp::SQUARED_DIFFERENCE, T::INT8, qp(0.03f, -3), qp(0.05f, 7), qp(0.2f, -128), {});

    // QUANTIZE float -> int8 / uint8 / int16 over a sweep that includes exact ties, requantize,
    // and DEQUANTIZE of every int8 value.
    std::vector<float> sweep;
    for (int k = -700; k <= 700; ++k) sweep.push_back(float(k) * 0.0125f); // ties at odd k for scale 0.025
    const int32_t n = int32_t(sweep.size());
    f.push_back({"quantize", "quantize_int8", BuiltinOp::QUANTIZE, {{T::FLOAT32, {1, n}, {}, bytes(sweep)}}, T::INT8, {1, n}, qp(0.025f, 3)});
    f.push_back({"quantize", "quantize_uint8", BuiltinOp::QUANTIZE, {{T::FLOAT32, {1, n}, {}, bytes(sweep)}}, T::UINT8, {1, n}, qp(0.05f, 128)});
    f.push_back({"quantize", "quantize_int16", BuiltinOp::QUANTIZE, {{T::FLOAT32, {1, n}, {}, bytes(sweep)}}, T::INT16, {1, n}, qp(0.0003f, 0)});
    f.push_back({"quantize", "requantize_int8_uint8", BuiltinOp::QUANTIZE, {{T::INT8, {1, 256}, qp(0.05f, -3), bytes(allInt8())}}, T::UINT8,
                 {1, 256}, qp(0.07f, 130)});
    f.push_back({"quantize", "requantize_int8_int8", BuiltinOp::QUANTIZE, {{T::INT8, {1, 256}, qp(0.05f, -3), bytes(allInt8())}}, T::INT8,
                 {1, 256}, qp(0.03f, 5)});
    f.push_back({"quantize", "dequantize_int8", BuiltinOp::DEQUANTIZE, {{T::INT8, {1, 256}, qp(0.0371f, -9), bytes(allInt8())}}, T::FLOAT32,
                 {1, 256}, {}});
    return f;
}

ql::Model buildModel(const Fixture& x) {
    ModelBuilder mb;
    std::vector<ql::TensorIndex> ins;
    for (size_t i = 0; i < x.inputs.size(); ++i)
        ins.push_back(mb.addTensor("input_" + std::to_string(i), x.inputs[i].type, x.inputs[i].shape, x.inputs[i].quant));
    auto out = mb.addTensor("output_0", x.outType, x.outShape, x.outQuant);
    mb.addOperator(x.op, ins, {out}, x.options);
    mb.setInputs(ins);
    mb.setOutputs({out});
    return mb.build();
}

} // namespace

TEST_CASE("regenerate the single-operator fixture models and inputs", "[.fixtures]") {
    for (const Fixture& x : fixtures()) {
        const fs::path dir = kFixtures / x.family / x.name;
        fs::create_directories(dir);
        REQUIRE(ql::writeModelFile(buildModel(x), (dir / "model.tflite").string()));
        for (size_t i = 0; i < x.inputs.size(); ++i) {
            std::vector<int64_t> shape(x.inputs[i].shape.begin(), x.inputs[i].shape.end());
            const std::string path = (dir / ("input_" + std::to_string(i) + ".npy")).string();
            fs::remove(path);
            REQUIRE(ql::writeNpy(path, x.inputs[i].type, shape, x.inputs[i].bytes));
        }
    }
}

TEST_CASE("single-operator models agree with the TFLite runtime's goldens", "[kernels][activation][elementwise][quantize][oracle]") {
    size_t checked = 0;
    for (const Fixture& x : fixtures()) {
        const fs::path dir = kFixtures / x.family / x.name;
        INFO(x.family << "/" << x.name);
        REQUIRE(fs::exists(dir / "output_0.npy"));
        const std::string model = (dir / "model.tflite").string();
        // The default target, tflite-cpu, is what the oracle computes: bit for bit.
        const auto cmp = ql::test::compareWithGoldens(model, dir.string());
        REQUIRE(cmp.error.empty());
        size_t expected = 1;
        for (int32_t d : x.outShape) expected *= size_t(d);
        CHECK(cmp.elements == expected);
        CHECK(cmp.maxAbsDiff == 0);
        CHECK(cmp.differing == 0);
        if (!cmp.isFloat) {
            // tflite-reference: TFLite's builtin kernels. The oracle's runtime hands int8/uint8
            // ADD, SUB, MUL, ELU, LEAKY_RELU, LOGISTIC, TANH and float -> int8/uint8 QUANTIZE to
            // XNNPACK (--profile shows a TfLiteXNNPackDelegate node). Measured differences of the
            // builtin kernels from it, all one LSB: XNNPACK's ADD/MUL requantize with their own
            // multipliers, its QUANTIZE rounds ties to even (reference: away from zero), its
            // ELU/LEAKY_RELU use their own tables. SUB, SQUARED_DIFFERENCE, LOGISTIC, TANH and
            // every other fixture (SOFTMAX, HARD_SWISH, RELU*, requantize, int16 QUANTIZE) agree.
            static const std::map<std::string, size_t> kXnnpackDifferences = {
                {"add_int8", 10},     {"mul_int8", 3},         {"add_uint8", 9},        {"mul_uint8", 2},
                {"elu_int8", 13},     {"leaky_relu_int8", 18}, {"quantize_int8", 109},  {"quantize_uint8", 108}};
            ql::rt::RunOptions reference;
            reference.target = ql::Target::TfliteReference;
            const auto ref = ql::test::compareWithGoldens(model, dir.string(), 1, reference);
            REQUIRE(ref.error.empty());
            const auto it = kXnnpackDifferences.find(x.name);
            CHECK(ref.beyondOneLsb == 0);
            CHECK(ref.differing == (it == kXnnpackDifferences.end() ? 0 : it->second));
        }
        ++checked;
    }
    CHECK(checked == fixtures().size());
}

// Activation kernels: hand-checked values for float and TFLite's integer paths, the int16x8
// LEAKY_RELU golden, and "fails at prepare" cases. Oracle goldens for the integer tables are in
// test_kernels_activation_fixtures.cpp.
#include "GoldenCsv.h"
#include "TestModels.h"
#include "SingleOp.h"
#include "TestSupport.h"

#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "runtime/kernels/activation/QuantizedActivation.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

using namespace ql;
using ql::test::bytesOf;
using ql::test::OpRun;
using ql::test::prepareError;
using ql::test::runModel;

using ql::test::qp;

namespace {

Model unaryModel(BuiltinOp op, TensorType type, std::vector<int32_t> shape, QuantParams qin = {}, QuantParams qout = {},
                 tflite::BuiltinOptionsUnion options = {}, std::optional<TensorType> outType = std::nullopt) {
    ModelBuilder mb;
    auto in = mb.addTensor("x", type, shape, qin);
    auto out = mb.addTensor("y", outType.value_or(type), shape, qout);
    mb.addOperator(op, {in}, {out}, std::move(options));
    mb.setInputs({in});
    mb.setOutputs({out});
    return mb.build();
}

template <class T>
std::vector<T> runUnary(BuiltinOp op, TensorType type, const std::vector<T>& x, QuantParams qin = {}, QuantParams qout = {},
                        tflite::BuiltinOptionsUnion options = {}, std::vector<int32_t> shape = {}) {
    if (shape.empty()) shape = {int32_t(x.size())};
    OpRun r = runModel(unaryModel(op, type, shape, qin, qout, std::move(options)), {bytesOf(x)});
    INFO(r.error);
    REQUIRE(r.ok());
    return r.output<T>(0);
}

tflite::BuiltinOptionsUnion leakyOptions(float alpha) {
    tflite::LeakyReluOptionsT o;
    o.alpha = alpha;
    tflite::BuiltinOptionsUnion u;
    u.Set(o);
    return u;
}

} // namespace

TEST_CASE("ReLU family, float", "[kernels][activation]") {
    const std::vector<float> x = {-7, -1, -0.5f, 0, 0.5f, 1, 3, 8};
    CHECK(runUnary(BuiltinOp::RELU, TensorType::FLOAT32, x) == std::vector<float>{0, 0, 0, 0, 0.5f, 1, 3, 8});
    CHECK(runUnary(BuiltinOp::RELU6, TensorType::FLOAT32, x) == std::vector<float>{0, 0, 0, 0, 0.5f, 1, 3, 6});
    CHECK(runUnary(BuiltinOp::RELU_N1_TO_1, TensorType::FLOAT32, x) == std::vector<float>{-1, -1, -0.5f, 0, 0.5f, 1, 1, 1});
    CHECK(runUnary(BuiltinOp::RELU_0_TO_1, TensorType::FLOAT32, x) == std::vector<float>{0, 0, 0, 0, 0.5f, 1, 1, 1});
    CHECK(runUnary(BuiltinOp::LEAKY_RELU, TensorType::FLOAT32, x, {}, {}, leakyOptions(0.2f)) ==
          std::vector<float>{-7 * 0.2f, -0.2f, -0.5f * 0.2f, 0, 0.5f, 1, 3, 8});
}

TEST_CASE("ReLU family, quantized: requantize and clamp at the quantized bounds", "[kernels][activation]") {
    // in (0.1, 0) -> out (0.05, -128): q_out = -128 + 2 q, clamped to [-128, -128 + 6 / 0.05 = -8].
    const std::vector<int8_t> x = {-5, 0, 7, 10, 59, 60, 100, 127};
    CHECK(runUnary(BuiltinOp::RELU6, TensorType::INT8, x, qp(0.1f, 0), qp(0.05f, -128)) ==
          std::vector<int8_t>{-128, -128, -114, -108, -10, -8, -8, -8});
    CHECK(runUnary(BuiltinOp::RELU, TensorType::INT8, x, qp(0.1f, 0), qp(0.05f, -128)) ==
          std::vector<int8_t>{-128, -128, -114, -108, -10, -8, 72, 126});
    // uint8 RELU_N1_TO_1 with equal parameters is a clamp to [z - 1/s, z + 1/s].
    CHECK(runUnary(BuiltinOp::RELU_N1_TO_1, TensorType::UINT8, std::vector<uint8_t>{0, 100, 128, 140, 255}, qp(0.1f, 128), qp(0.1f, 128)) ==
          std::vector<uint8_t>{118, 118, 128, 138, 138});
    // int16 RELU (zero points 0) with a scale change by 1/2: rounding half away from zero.
    CHECK(runUnary(BuiltinOp::RELU, TensorType::INT16, std::vector<int16_t>{-300, 3, 5, 32767}, qp(0.001f, 0), qp(0.002f, 0)) ==
          std::vector<int16_t>{0, 2, 3, 16384});
}

TEST_CASE("LEAKY_RELU and PRELU, quantized", "[kernels][activation]") {
    // in (0.5, 0), out (0.25, 0), alpha 0.5: x >= 0 -> 2x, x < 0 -> x.
    CHECK(runUnary(BuiltinOp::LEAKY_RELU, TensorType::INT8, std::vector<int8_t>{-128, -3, 0, 3, 60, 64}, qp(0.5f, 0), qp(0.25f, 0),
                   leakyOptions(0.5f)) == std::vector<int8_t>{-128, -3, 0, 6, 120, 127});

    ModelBuilder mb;
    auto x = mb.addTensor("x", TensorType::INT8, {2, 3}, qp(0.5f, 0));
    auto alpha = mb.addConstant<int8_t>("alpha", TensorType::INT8, {3}, {2, 4, 0}, qp(0.25f, 0)); // 0.5, 1.0, 0
    auto y = mb.addTensor("y", TensorType::INT8, {2, 3}, qp(0.5f, 0));
    mb.addOperator(BuiltinOp::PRELU, {x, alpha}, {y});
    mb.setInputs({x});
    mb.setOutputs({y});
    // x = -4 (real -2) * 0.5 = -1 -> -2; x = -4 * 1.0 -> -4; x * 0 -> 0; positives pass.
    OpRun r = runModel(mb.build(), {bytesOf(std::vector<int8_t>{-4, -4, -4, 3, 5, 7})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-2, -4, 0, 3, 5, 7});
}

TEST_CASE("int16x8 LEAKY_RELU is bit-exact with its golden CSV", "[kernels][activation][shared]") {
    auto model = ql::test::sharedModel("int16x8/leaky_relu0.tflite");
    if (!model) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    const std::string base = model->substr(0, model->size() - 7);
    const auto input = ql::test::readCsv<int16_t>(base + "_input0_int16.csv");
    const auto golden = ql::test::readCsv<int16_t>(base + "_golden_int16.csv");
    REQUIRE(!golden.empty());
    ql::test::TempDir dir;
    const std::vector<int64_t> shape = {int64_t(input.size())};
    REQUIRE(ql::writeNpy(dir.file("input_0.npy"), TensorType::INT16, shape, bytesOf(input)));
    const std::vector<int64_t> gshape = {int64_t(golden.size())};
    REQUIRE(ql::writeNpy(dir.file("output_0.npy"), TensorType::INT16, gshape, bytesOf(golden)));
    const auto cmp = ql::test::compareWithGoldens(*model, dir.path().string());
    REQUIRE(cmp.error.empty());
    CHECK(cmp.elements == golden.size());
    CHECK(cmp.differing == 0);
}

TEST_CASE("smooth activations, float", "[kernels][activation]") {
    std::vector<float> x;
    for (int i = -40; i <= 40; ++i) x.push_back(float(i) * 0.37f);
    const auto logistic = runUnary(BuiltinOp::LOGISTIC, TensorType::FLOAT32, x);
    const auto tanh = runUnary(BuiltinOp::TANH, TensorType::FLOAT32, x);
    const auto elu = runUnary(BuiltinOp::ELU, TensorType::FLOAT32, x);
    const auto hswish = runUnary(BuiltinOp::HARD_SWISH, TensorType::FLOAT32, x);
    tflite::GeluOptionsT g;
    g.approximate = false;
    tflite::BuiltinOptionsUnion gu;
    gu.Set(g);
    const auto gelu = runUnary(BuiltinOp::GELU, TensorType::FLOAT32, x, {}, {}, gu);
    for (size_t i = 0; i < x.size(); ++i) {
        const double v = x[i];
        CHECK(logistic[i] == Approx(1 / (1 + std::exp(-v))).epsilon(1e-6));
        CHECK(tanh[i] == Approx(std::tanh(v)).epsilon(1e-6).margin(1e-7));
        CHECK(elu[i] == Approx(v < 0 ? std::expm1(v) : v).epsilon(1e-6));
        CHECK(hswish[i] == Approx(v * std::clamp(v + 3, 0.0, 6.0) / 6).epsilon(1e-6).margin(1e-7));
        CHECK(gelu[i] == Approx(0.5 * v * std::erfc(-v / std::sqrt(2.0))).epsilon(1e-6).margin(1e-7));
    }
}

TEST_CASE("unary math, float", "[kernels][activation]") {
    const std::vector<float> x = {0.25f, 1, 2.5f, 4};
    CHECK(runUnary(BuiltinOp::SQRT, TensorType::FLOAT32, x) == std::vector<float>{0.5f, 1, std::sqrt(2.5f), 2});
    CHECK(runUnary(BuiltinOp::RSQRT, TensorType::FLOAT32, x) == std::vector<float>{2, 1, 1 / std::sqrt(2.5f), 0.5f});
    CHECK(runUnary(BuiltinOp::SQUARE, TensorType::FLOAT32, x) == std::vector<float>{0.0625f, 1, 6.25f, 16});
    CHECK(runUnary(BuiltinOp::LOG, TensorType::FLOAT32, x) == std::vector<float>{std::log(0.25f), 0, std::log(2.5f), std::log(4.0f)});
    CHECK(runUnary(BuiltinOp::EXP, TensorType::FLOAT32, x) == std::vector<float>{std::exp(0.25f), std::exp(1.0f), std::exp(2.5f), std::exp(4.0f)});
    CHECK(runUnary(BuiltinOp::SIN, TensorType::FLOAT32, x)[1] == std::sin(1.0f));
    CHECK(runUnary(BuiltinOp::COS, TensorType::FLOAT32, x)[1] == std::cos(1.0f));
    const std::vector<float> r = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.7f, -2.2f};
    CHECK(runUnary(BuiltinOp::ROUND, TensorType::FLOAT32, r) == std::vector<float>{-2, -2, -0.0f, 0, 2, 2, 3, -2}); // ties to even
    CHECK(runUnary(BuiltinOp::FLOOR, TensorType::FLOAT32, r) == std::vector<float>{-3, -2, -1, 0, 1, 2, 2, -3});
    CHECK(runUnary(BuiltinOp::CEIL, TensorType::FLOAT32, r) == std::vector<float>{-2, -1, -0.0f, 1, 2, 3, 3, -2});
    CHECK(runUnary(BuiltinOp::ABS, TensorType::FLOAT32, r)[0] == 2.5f);
    CHECK(runUnary(BuiltinOp::NEG, TensorType::FLOAT32, r)[3] == -0.5f);
    CHECK(runUnary(BuiltinOp::NEG, TensorType::INT32, std::vector<int32_t>{5, -7, INT32_MIN}) == std::vector<int32_t>{-5, 7, INT32_MIN});
    CHECK(runUnary(BuiltinOp::ABS, TensorType::INT32, std::vector<int32_t>{5, -7}) == std::vector<int32_t>{5, 7});
    // int8 ABS: |q - z_in| requantized by s_in / s_out (here 2).
    CHECK(runUnary(BuiltinOp::ABS, TensorType::INT8, std::vector<int8_t>{-10, 0, 10, 127}, qp(0.1f, 0), qp(0.05f, -128)) ==
          std::vector<int8_t>{-108, -128, -108, 126});
}

TEST_CASE("LOGISTIC / TANH int8 use TFLite's float-populated table", "[kernels][activation]") {
    // in (0.08, 3): q = 3 is 0 -> 0.5 -> 128 - 128 = 0; q = 127 is 9.92 -> 255.99 -> 256 - 128 -> 127
    // (clamped); q = -128 is -10.48 -> 0.007 -> -128.
    const auto y = runUnary(BuiltinOp::LOGISTIC, TensorType::INT8, std::vector<int8_t>{3, 127, -128, 13}, qp(0.08f, 3), qp(1.0f / 256, -128));
    CHECK(y[0] == 0);
    CHECK(y[1] == 127);
    CHECK(y[2] == -128);
    CHECK(y[3] == int8_t(std::lround(256.0 / (1 + std::exp(-0.8))) - 128)); // 0.68997 * 256 = 176.6 -> 177
    // The table itself, compared with the formula.
    const auto lut = rt::act::makeLut8(TensorType::INT8, 0.03f, -5, 1.0f / 128, 0, [](float v) { return std::tanh(v); });
    int differing = 0;
    for (int q = -128; q <= 127; ++q) {
        const double expected = std::clamp(std::round(std::tanh(0.03 * (q + 5)) * 128), -128.0, 127.0);
        REQUIRE(std::abs(int8_t(lut[uint8_t(q)]) - expected) <= 1); // float vs double at a rounding tie
        differing += int8_t(lut[uint8_t(q)]) != int(expected);
    }
    CHECK(differing <= 2);
}

TEST_CASE("an 8-bit table saturates values beyond int32 instead of converting them", "[kernels][activation]") {
    // Output scale 1e-9: f(127) = 127 is 1.27e11 output steps, beyond int32; inf and NaN too.
    const auto lut = rt::act::makeLut8(TensorType::INT8, 1.0f, 0, 1e-9f, 0, [](float v) {
        if (v == 5) return std::numeric_limits<float>::infinity();
        if (v == 6) return std::nanf("");
        return v;
    });
    CHECK(int8_t(lut[uint8_t(int8_t(127))]) == 127);
    CHECK(int8_t(lut[uint8_t(int8_t(-128))]) == -128);
    CHECK(int8_t(lut[uint8_t(int8_t(5))]) == 127);
    CHECK(int8_t(lut[uint8_t(int8_t(6))]) == 0);
    CHECK(int8_t(lut[uint8_t(int8_t(0))]) == 0);
}

TEST_CASE("HARD_SWISH int8 fixed point stays within one LSB of the real function", "[kernels][activation]") {
    rt::act::HardSwishParams p;
    REQUIRE(rt::act::makeHardSwishParams(0.05f, 10, 0.04f, -20, &p));
    for (int q = -128; q <= 127; ++q) {
        const double x = 0.05 * (q - 10);
        const double expected = std::clamp(std::round(x * std::clamp(x + 3, 0.0, 6.0) / 6 / 0.04) - 20, -128.0, 127.0);
        const int32_t got = rt::act::hardSwishElement(p, q, -128, 127);
        REQUIRE(std::abs(got - expected) <= 1);
    }
    // x = 0 gives the output zero point exactly.
    CHECK(rt::act::hardSwishElement(p, 10, -128, 127) == -20);
    CHECK(rt::act::downScaleInt32ToInt16Multiplier(1 << 30) == 1 << 14);
    CHECK(rt::act::downScaleInt32ToInt16Multiplier(INT32_MAX) == INT16_MAX);
}

TEST_CASE("SOFTMAX and LOG_SOFTMAX", "[kernels][activation]") {
    const std::vector<float> x = {1, 2, 3, 0, 0, 0};
    OpRun r = runModel(unaryModel(BuiltinOp::SOFTMAX, TensorType::FLOAT32, {2, 3}, {}, {}, softmaxOptions(0.5f)), {bytesOf(x)});
    REQUIRE(r.ok());
    auto y = r.output<float>(0);
    const double e0 = std::exp(-1.0), e1 = std::exp(-0.5), sum = e0 + e1 + 1;
    CHECK(y[0] == Approx(e0 / sum).epsilon(1e-6));
    CHECK(y[2] == Approx(1 / sum).epsilon(1e-6));
    CHECK(y[3] == Approx(1.0 / 3).epsilon(1e-6));

    r = runModel(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::FLOAT32, {2, 3}), {bytesOf(x)});
    REQUIRE(r.ok());
    y = r.output<float>(0);
    CHECK(y[0] == Approx(1 - (3 + std::log(std::exp(-2.0) + std::exp(-1.0) + 1))).epsilon(1e-6));
    CHECK(y[4] == Approx(-std::log(3.0)).epsilon(1e-6));

    // int8: equal inputs give 1/n: n = 4 -> 64 / 256 -> -64.
    r = runModel(unaryModel(BuiltinOp::SOFTMAX, TensorType::INT8, {1, 4}, qp(0.1f, 0), qp(1.0f / 256, -128)),
                 {bytesOf(std::vector<int8_t>{7, 7, 7, 7})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-64, -64, -64, -64});
    // int16: two equal inputs give 1/2 (16384 within the table's interpolation error).
    r = runModel(unaryModel(BuiltinOp::SOFTMAX, TensorType::INT16, {1, 2}, qp(0.001f, 0), qp(1.0f / 32768, 0)),
                 {bytesOf(std::vector<int16_t>{500, 500})});
    REQUIRE(r.ok());
    for (int16_t v : r.output<int16_t>(0)) CHECK(std::abs(v - 16384) <= 2);
}

TEST_CASE("activations fail at prepare with a message naming the operator", "[kernels][activation]") {
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::LOGISTIC, TensorType::INT8, {4}, qp(0.1f, 0), qp(0.1f, 0))),
               Catch::Contains("LOGISTIC") && Catch::Contains("1/256"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::LOGISTIC, TensorType::INT16, {4}, qp(0.0003f, 0), qp(1.0f / 256, 0))),
               Catch::Contains("LOGISTIC") && Catch::Contains("scale 2^-15"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::TANH, TensorType::INT16, {4}, qp(0.0003f, 1), qp(1.0f / 32768, 0))),
               Catch::Contains("TANH") && Catch::Contains("zero points 0"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::INT8, {4}, qp(0.1f, 0), qp(1.0f / 256, -128))),
               Catch::Contains("LOG_SOFTMAX") && Catch::Contains("scale 16/256 and zero point 127"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::UINT8, {4}, qp(0.1f, 0), qp(16.0f / 256, 127))),
               Catch::Contains("zero point 255"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::SOFTMAX, TensorType::INT8, {4}, qp(0.1f, 0), qp(1.0f / 256, 0), softmaxOptions())),
               Catch::Contains("SOFTMAX") && Catch::Contains("zero point -128"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::HARD_SWISH, TensorType::INT8, {4}, qp(1.0f, 0), qp(0.001f, 0))),
               Catch::Contains("HARD_SWISH needs an output scale"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::RELU, TensorType::INT16, {4}, qp(0.1f, 2), qp(0.1f, 0))),
               Catch::Contains("zero points 0"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::EXP, TensorType::INT8, {4}, qp(0.1f, 0), qp(0.1f, 0))),
               Catch::Contains("EXP") && Catch::Contains("expected one of: float32"));
    CHECK_THAT(prepareError(unaryModel(BuiltinOp::TANH, TensorType::FLOAT32, {4}, {}, {}, {}, TensorType::INT8)),
               Catch::Contains("must have the input type"));

    ModelBuilder mb;
    auto x = mb.addTensor("x", TensorType::FLOAT32, {2, 3});
    auto alpha = mb.addConstant<float>("alpha", TensorType::FLOAT32, {2}, {0.1f, 0.2f});
    auto y = mb.addTensor("y", TensorType::FLOAT32, {2, 3});
    mb.addOperator(BuiltinOp::PRELU, {x, alpha}, {y});
    mb.setInputs({x});
    mb.setOutputs({y});
    CHECK_THAT(prepareError(mb.build()), Catch::Contains("PRELU") && Catch::Contains("must broadcast"));
}

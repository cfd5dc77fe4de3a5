// int16 LOGISTIC / TANH (both of TFLite's paths) and quantized LOG_SOFTMAX: hand-checked values,
// the parameters prepare derives, and sweeps against the real functions. The TFLite runtime's
// own outputs for these kernels are fixtures in test_kernels_activation_fixtures.cpp.
#include "TestModels.h"
#include "SingleOp.h"

#include "model/ModelBuilder.h"
#include "runtime/kernels/activation/Int16Sigmoid.h"
#include "runtime/kernels/activation/LogSoftmaxQuantized.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace ql;
using namespace ql::rt::act;
using ql::test::bytesOf;
using ql::test::OpRun;
using ql::test::runModel;

using ql::test::qp;

namespace {

Model unaryModel(BuiltinOp op, TensorType type, std::vector<int32_t> shape, QuantParams qin, QuantParams qout) {
    ModelBuilder mb;
    auto in = mb.addTensor("x", type, shape, qin);
    auto out = mb.addTensor("y", type, shape, qout);
    mb.addOperator(op, {in}, {out});
    mb.setInputs({in});
    mb.setOutputs({out});
    return mb.build();
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

} // namespace

TEST_CASE("int16 LOGISTIC / TANH parameters: fixed-point path for Q3.12 inputs, table otherwise", "[kernels][activation]") {
    Int16SigmoidParams p;
    REQUIRE(makeInt16SigmoidParams(false, 1.0f / 4096, 1.0f / 32768, &p));
    CHECK(p.fixedPoint);
    REQUIRE(makeInt16SigmoidParams(true, 1.0f / 2048, 1.0f / 32768, &p));
    CHECK(p.fixedPoint);
    CHECK(p.fixedPointLeftShift == 1);
    // LOGISTIC's fixed-point path takes only Q3.12; 2^-11 goes to the table.
    REQUIRE(makeInt16SigmoidParams(false, 1.0f / 2048, 1.0f / 32768, &p));
    CHECK_FALSE(p.fixedPoint);
    // 0.0005 * 3 * 4096 = 6.144, doubled 12 times to 25165.824 (> 32767 / 2): multiplier 25165.
    REQUIRE(makeInt16SigmoidParams(false, 0.0005f, 1.0f / 32768, &p));
    CHECK_FALSE(p.fixedPoint);
    CHECK(p.inputLeftShift == 12);
    CHECK(p.inputMultiplier == 25165);
    // The output must be Q0.15.
    CHECK_FALSE(makeInt16SigmoidParams(false, 0.0005f, 1.0f / 256, &p));
}

TEST_CASE("int16 LOGISTIC / TANH table path: hand-checked points", "[kernels][activation]") {
    // Multiplier 3, no shift: x' = 3x in units of 1/(3 * 4096), i.e. x in Q3.12.
    CHECK(logisticInt16Table(3, 0, 0) == 16384); // 0.5: (32768 << 9 + 2^9) >> 10
    // x = 512: x' = 1536 = 3 * 512, exactly table entry 3 (sigmoid(1/8) = 34813 / 65536):
    // (34813 * 512 + 512) >> 10 = 17407.
    CHECK(logisticInt16Table(3, 0, 512) == 17407);
    // Mirror: 1 - 17407/32768 with TFLite's bias: ((1 << 25) - 34813 * 512 + 511) >> 10 = 15361.
    CHECK(logisticInt16Table(3, 0, -512) == 15361);
    CHECK(logisticInt16Table(3, 0, 32767) == 32757);  // 7.9998: entry 191 (65524) + interpolation
    CHECK(logisticInt16Table(6, 0, 32767) == 32767);  // x' / 512 >= 255: saturated
    CHECK(logisticInt16Table(6, 0, -32768) == 1);     // ((1 << 25) - (0x7FFF << 10) + 511) >> 10
    CHECK(tanhInt16Table(3, 0, 0) == 0);
    CHECK(tanhInt16Table(3, 0, 32767) == 32767);
    CHECK(tanhInt16Table(3, 0, -32768) == -32767);
    // x = 256 (0.0625): x' = 768, entry 3 at 8 index bits: ((34813 << 8) - 2^23 + 2^7) >> 8 = 2045.
    CHECK(tanhInt16Table(3, 0, 256) == int16_t(((34813 << 8) - (1 << 23) + (1 << 7)) >> 8));
}

TEST_CASE("int16 LOGISTIC / TANH follow the real functions within the table's error", "[kernels][activation]") {
    for (float scale : {1.0f / 4096, 0.0005f, 1.0f / 2048, 0.00003f}) {
        for (bool tanh : {false, true}) {
            Int16SigmoidParams p;
            REQUIRE(makeInt16SigmoidParams(tanh, scale, 1.0f / 32768, &p));
            int worst = 0;
            for (int q = -32768; q <= 32767; q += 7) {
                const double x = double(scale) * q;
                const double expected = std::clamp(std::round((tanh ? std::tanh(x) : sigmoid(x)) * 32768), -32768.0, 32767.0);
                worst = std::max(worst, int(std::abs(int16Sigmoid(p, int16_t(q)) - expected)));
            }
            INFO("scale " << scale << (tanh ? " TANH" : " LOGISTIC") << (p.fixedPoint ? " fixed point" : " table"));
            // The table interpolates 1/24 steps of a Q0.16 sigmoid (a few LSB); gemmlowp's 16-bit
            // tanh loses more (measured 12 LSB near |x| = 1, in the runtime as here: the fixtures
            // are bit-exact).
            CHECK(worst <= (p.fixedPoint && tanh ? 12 : 6));
        }
    }
}

TEST_CASE("int16 LOGISTIC / TANH run through the interpreter", "[kernels][activation]") {
    const std::vector<int16_t> x = {0, 4096, -4096, 32767};
    OpRun r = runModel(unaryModel(BuiltinOp::LOGISTIC, TensorType::INT16, {4}, qp(1.0f / 4096, 0), qp(1.0f / 32768, 0)), {bytesOf(x)});
    REQUIRE(r.ok());
    auto y = r.output<int16_t>(0);
    CHECK(y[0] == 16384);
    CHECK(std::abs(y[1] - 23955) <= 4); // sigmoid(1) = 0.731059
    CHECK(std::abs(y[2] - 8813) <= 4);  // sigmoid(-1) = 0.268941
    CHECK(y[3] >= 32755);
    r = runModel(unaryModel(BuiltinOp::TANH, TensorType::INT16, {4}, qp(0.0004f, 0), qp(1.0f / 32768, 0)), {bytesOf(x)});
    REQUIRE(r.ok());
    y = r.output<int16_t>(0);
    CHECK(y[0] == 0);
    CHECK(std::abs(y[1] - 30384) <= 4); // tanh(1.6384) * 32768 = 30384.1
    CHECK(std::abs(y[1] + y[2]) <= 1);  // odd, up to TFLite's -1 bias on the negative side
}

TEST_CASE("LOG_SOFTMAX int8 / uint8: fixed output parameters, hand-checked rows", "[kernels][activation]") {
    // log(x) in Q5.26 for x in Q12.19.
    for (double v : {1.0, 1.5, 2.718281828, 7.0, 100.0, 4095.0}) {
        const auto raw = static_cast<int32_t>(std::lround(v * (1 << 19)));
        INFO("log " << v);
        CHECK(double(logQ12ToQ5(raw)) / double(1 << 26) == Approx(std::log(v)).margin(2e-6));
    }

    // Four equal inputs: log(1/4) = -1.386 = -22.18 / 16 -> 127 - 22 = 105 (int8), 255 - 22 = 233 (uint8).
    OpRun r = runModel(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::INT8, {1, 4}, qp(0.1f, 0), qp(16.0f / 256, 127)),
                       {bytesOf(std::vector<int8_t>{9, 9, 9, 9})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{105, 105, 105, 105});
    r = runModel(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::UINT8, {1, 4}, qp(0.1f, 0), qp(16.0f / 256, 255)),
                 {bytesOf(std::vector<uint8_t>{9, 9, 9, 9})});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{233, 233, 233, 233});

    // A row with one dominant value: x = {0, 5.0, -12.8} (s = 0.1); log-probabilities
    // {-5.0067, -0.0067, -17.8067} -> 127 + round(16 y) = {47, 127, -158 -> -128 (below the range)}.
    r = runModel(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::INT8, {1, 3}, qp(0.1f, 0), qp(16.0f / 256, 127)),
                 {bytesOf(std::vector<int8_t>{0, 50, -128})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{47, 127, -128});
    // uint8 (z_in 128): the same real values.
    r = runModel(unaryModel(BuiltinOp::LOG_SOFTMAX, TensorType::UINT8, {1, 3}, qp(0.1f, 128), qp(16.0f / 256, 255)),
                 {bytesOf(std::vector<uint8_t>{128, 178, 0})});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{175, 255, 0});
}

// CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and Convolution2DTransposeBias through the
// interpreter: hand-checked values, "fails at prepare" cases, TFLite-runtime goldens committed
// in tests/fixtures/conv (see its README.md) and the int16x8 golden CSVs of ../shared.
#include "SingleOp.h"
#include "TestSupport.h"
#include "runtime/Kernel.h"
#include "test_kernels_conv_cases.h"

#include "model/ModelBuilder.h"
#include "quant/FixedPoint.h"
#include "runtime/kernels/conv/HybridQuantize.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

using namespace ql;
using namespace ql::test;

namespace {

QuantParams q1(float scale, int64_t zp) { return convcases::quant({scale}, {zp}); }

tflite::BuiltinOptionsUnion transposeOptions(Padding p, int sh, int sw, Activation act = Activation::NONE) {
    tflite::TransposeConvOptionsT o;
    o.padding = p;
    o.stride_h = sh;
    o.stride_w = sw;
    o.fused_activation_function = act;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(o));
    return u;
}

// 1 x 3 x 3 x 1 input 1..9 and a 3x3 filter of ones: every output is the sum of the input
// values under the window, plus the bias 0.5.
Model sumConv(Padding padding) {
    ModelBuilder mb;
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 3, 3, 1});
    const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
    const auto b = mb.addConstant("b", TensorType::FLOAT32, {1}, std::vector<float>{0.5f});
    const int outHW = padding == Padding::SAME ? 3 : 1;
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, outHW, outHW, 1});
    mb.addOperator(BuiltinOp::CONV_2D, {in, w, b}, {out}, conv2dOptions(padding, 1, 1));
    mb.setInputs({in});
    mb.setOutputs({out});
    return mb.build();
}

const std::vector<float> kOneToNine = {1, 2, 3, 4, 5, 6, 7, 8, 9};

std::vector<int64_t> readCsv(const std::string& path) {
    std::ifstream f(path);
    std::vector<int64_t> v;
    std::string cell;
    while (std::getline(f, cell, ',')) {
        std::stringstream ss(cell);
        int64_t x;
        if (ss >> x) v.push_back(x);
    }
    return v;
}

} // namespace

TEST_CASE("conv: CONV_2D float 3x3 window sums (SAME and VALID)", "[conv]") {
    const OpRun same = runModel(sumConv(Padding::SAME), {bytesOf(kOneToNine)});
    REQUIRE(same.ok());
    // Corners see 4 values, edges 6, the centre all 9: e.g. top-left 1+2+4+5.
    CHECK(same.output<float>(0) == std::vector<float>{12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f});
    const OpRun valid = runModel(sumConv(Padding::VALID), {bytesOf(kOneToNine)});
    REQUIRE(valid.ok());
    CHECK(valid.shapes[0] == std::vector<int32_t>{1, 1, 1, 1});
    CHECK(valid.output<float>(0) == std::vector<float>{45.5f});
}

TEST_CASE("conv: CONV_2D float stride, dilation and RELU6 by hand", "[conv]") {
    // 1x5x5x1 input 0..24, 2x2 filter [1, -1; 2, 0.5] dilated by 2, stride 2, VALID:
    // out(y, x) = in(2y, 2x) - in(2y, 2x+2) + 2 in(2y+2, 2x) + 0.5 in(2y+2, 2x+2), then RELU6.
    std::vector<float> input(25);
    for (int i = 0; i < 25; ++i) input[size_t(i)] = float(i);
    ModelBuilder mb;
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 5, 5, 1});
    const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 2, 2, 1}, std::vector<float>{1, -1, 2, 0.5f});
    const auto b = mb.addConstant("b", TensorType::FLOAT32, {1}, std::vector<float>{-30.0f});
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 2, 2, 1});
    mb.addOperator(BuiltinOp::CONV_2D, {in, w, b}, {out}, conv2dOptions(Padding::VALID, 2, 2, Activation::RELU6, 2, 2));
    mb.setInputs({in});
    mb.setOutputs({out});
    const OpRun r = runModel(mb.build(), {bytesOf(input)});
    REQUIRE(r.ok());
    auto f = [&](int y, int x) {
        auto at = [&](int yy, int xx) { return input[size_t(yy * 5 + xx)]; };
        const float v = at(2 * y, 2 * x) - at(2 * y, 2 * x + 2) + 2 * at(2 * y + 2, 2 * x) + 0.5f * at(2 * y + 2, 2 * x + 2) - 30.0f;
        return std::min(std::max(v, 0.0f), 6.0f);
    };
    // (0,0): 0 - 2 + 20 + 6 - 30 = -6 -> 0; (0,1): 2 - 4 + 24 + 7 - 30 = -1 -> 0;
    // (1,0): 10 - 12 + 40 + 11 - 30 = 19 -> 6.
    CHECK(r.output<float>(0) == std::vector<float>{f(0, 0), f(0, 1), f(1, 0), f(1, 1)});
    CHECK(r.output<float>(0)[2] == 6.0f);
}

TEST_CASE("conv: DEPTHWISE_CONV_2D depth multiplier 2 by hand", "[conv]") {
    // 1x2x2x2 input; 1x2x2x4 filter; VALID -> one pixel, channel oc = ic * 2 + m.
    const std::vector<float> input = {1, 10, 2, 20, 3, 30, 4, 40}; // (y, x, c)
    std::vector<float> filter(16);
    for (int t = 0; t < 4; ++t)
        for (int oc = 0; oc < 4; ++oc) filter[size_t(t * 4 + oc)] = float(oc + 1); // every tap weight = oc + 1
    ModelBuilder mb;
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 2});
    const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 2, 2, 4}, filter);
    const auto b = mb.addConstant("b", TensorType::FLOAT32, {4}, std::vector<float>{0, 0, 0, 1000});
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 1, 1, 4});
    mb.addOperator(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, b}, {out}, depthwiseOptions(Padding::VALID, 1, 1, 2));
    mb.setInputs({in});
    mb.setOutputs({out});
    const OpRun r = runModel(mb.build(), {bytesOf(input)});
    REQUIRE(r.ok());
    // Channel 0 sums 1+2+3+4 = 10, channel 1 sums 100.
    CHECK(r.output<float>(0) == std::vector<float>{10 * 1, 10 * 2, 100 * 3, 100 * 4 + 1000});
}

// A hybrid DEPTHWISE_CONV_2D (float input, int8 per-channel filter) scales its int32
// accumulator by two floats. TFLite's reference kernel computes acc * (s_ch * s_in); the builtin
// kernel the runtime runs on a CPU (optimized DepthwiseConvHybridGeneral, scalar store)
// computes (acc * s_in) * s_ch. The products round differently for some channels, so each
// target is checked against its own order, computed here from the kernel's input quantization.
TEST_CASE("conv: hybrid DEPTHWISE_CONV_2D scales the accumulator in each target's order", "[conv][hybrid]") {
    constexpr int H = 3, W = 3, C = 64;
    std::mt19937 rng(2024);
    std::uniform_real_distribution<float> value(-3.0f, 5.0f), scale(0.002f, 0.03f), biasValue(-1.0f, 1.0f);
    std::uniform_int_distribution<int> weight(-127, 127);
    std::vector<float> input(size_t(H * W * C)), channelScale(C), bias(C);
    std::vector<int8_t> filter(C); // 1x1 filter [1, 1, 1, C]
    for (float& x : input) x = value(rng);
    for (int c = 0; c < C; ++c) {
        channelScale[size_t(c)] = scale(rng);
        bias[size_t(c)] = biasValue(rng);
        filter[size_t(c)] = static_cast<int8_t>(weight(rng));
    }
    ModelBuilder mb;
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, H, W, C});
    const auto w = mb.addConstant("w", TensorType::INT8, {1, 1, 1, C}, filter,
                                  convcases::quant(channelScale, std::vector<int64_t>(C, 0), 3));
    const auto b = mb.addConstant("b", TensorType::FLOAT32, {C}, bias);
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, H, W, C});
    mb.addOperator(BuiltinOp::DEPTHWISE_CONV_2D, {in, w, b}, {out}, depthwiseOptions(Padding::VALID, 1, 1, 1));
    mb.setInputs({in});
    mb.setOutputs({out});
    const Model model = mb.build();

    // The input quantized as the kernel does (one batch, asymmetric), then both orders.
    std::vector<int8_t> q(input.size());
    const auto p = rt::conv::asymmetricQuantize(input, q);
    std::vector<float> channelThenInput(input.size()), inputThenChannel(input.size());
    size_t orderDiffers = 0;
    for (size_t i = 0; i < input.size(); ++i) {
        const size_t c = i % C;
        const int32_t acc = int32_t(filter[c]) * (int32_t(q[i]) - p.zeroPoint);
        channelThenInput[i] = float(acc) * (channelScale[c] * p.scale) + bias[c];
        inputThenChannel[i] = (float(acc) * p.scale) * channelScale[c] + bias[c];
        orderDiffers += channelThenInput[i] != inputThenChannel[i] ? 1 : 0;
    }
    REQUIRE(orderDiffers > 0); // the case tells the two orders apart

    for (Target target : {Target::TfliteCpu, Target::TfliteReference}) {
        rt::RunOptions run;
        run.target = target;
        const OpRun r = runModel(model, {bytesOf(input)}, run);
        REQUIRE(r.ok());
        INFO(targetName(target));
        CHECK(r.output<float>(0) == (target == Target::TfliteCpu ? inputThenChannel : channelThenInput));
    }
}

TEST_CASE("conv: TRANSPOSE_CONV float scatter by hand", "[conv]") {
    // 1x2x2x1 input [1 2; 3 4], 3x3 filter of ones, stride 2, VALID, output 5x5: each input
    // value paints a 3x3 block at (2y, 2x); the blocks overlap on row and column 2.
    ModelBuilder mb;
    const auto shape = mb.addConstant("shape", TensorType::INT32, {4}, std::vector<int32_t>{1, 5, 5, 1});
    const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 1});
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 5, 5, 1});
    mb.addOperator(BuiltinOp::TRANSPOSE_CONV, {shape, w, in}, {out}, transposeOptions(Padding::VALID, 2, 2));
    mb.setInputs({in});
    mb.setOutputs({out});
    const OpRun r = runModel(mb.build(), {bytesOf(std::vector<float>{1, 2, 3, 4})});
    REQUIRE(r.ok());
    const std::vector<float> expected = {1, 1, 3, 2, 2, //
                                         1, 1, 3, 2, 2, //
                                         4, 4, 10, 6, 6, //
                                         3, 3, 7, 4, 4, //
                                         3, 3, 7, 4, 4};
    CHECK(r.output<float>(0) == expected);
}

TEST_CASE("conv: TRANSPOSE_CONV with a non-constant output_shape resizes at eval", "[conv]") {
    ModelBuilder mb;
    const auto shape = mb.addTensor("shape", TensorType::INT32, {4});
    const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 1, 1, 1}, std::vector<float>{2.0f});
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 1});
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 3, 3, 1});
    mb.addOperator(BuiltinOp::TRANSPOSE_CONV, {shape, w, in}, {out}, transposeOptions(Padding::VALID, 2, 2));
    mb.setInputs({shape, in});
    mb.setOutputs({out});
    const OpRun r = runModel(mb.build(), {bytesOf(std::vector<int32_t>{1, 3, 3, 1}), bytesOf(std::vector<float>{1, 2, 3, 4})});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 3, 3, 1});
    CHECK(r.output<float>(0) == std::vector<float>{2, 0, 4, 0, 0, 0, 6, 0, 8});
}

TEST_CASE("conv: Convolution2DTransposeBias (MediaPipe) output size and values", "[conv]") {
    // Options are the raw TfLiteTransposeConvParams {padding=SAME(1), stride_w=2, stride_h=2}.
    std::vector<uint8_t> options(12);
    const int32_t raw[3] = {1, 2, 2};
    std::memcpy(options.data(), raw, 12);
    ModelBuilder mb;
    const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 1});
    const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 2, 2, 1}, std::vector<float>{1, 10, 100, 1000});
    const auto b = mb.addConstant("b", TensorType::FLOAT32, {1}, std::vector<float>{0.5f});
    // SAME: pad = max(0, 2 - (2 - 1) % 2 - 1) = 0, out = 2 * 1 + 2 - 0 = 4.
    const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 4, 4, 1});
    mb.addCustomOperator("Convolution2DTransposeBias", {in, w, b}, {out}, options);
    mb.setInputs({in});
    mb.setOutputs({out});
    const OpRun r = runModel(mb.build(), {bytesOf(std::vector<float>{1, 2, 3, 4})});
    REQUIRE(r.ok());
    REQUIRE(r.shapes[0] == std::vector<int32_t>{1, 4, 4, 1});
    const auto o = r.output<float>(0);
    CHECK(o[0] == 1.5f);      // input 1 * w(0,0) + bias
    CHECK(o[1] == 10.5f);     // input 1 * w(0,1)
    CHECK(o[2] == 2.5f);      // input 2 * w(0,0)
    CHECK(o[15] == 4000.5f);  // input 4 * w(1,1)
}

TEST_CASE("conv: int8 CONV_2D by hand (zero points, per-channel scales, rounding)", "[conv]") {
    // input 1x1x1x2 q = [13, -7] with zp 3 (real 10 and -10 at scale 1); two 1x1 filters with
    // scales 0.5 and 0.25: w0 = [2, 1] (real 1, 0.5), w1 = [4, -4] (real 1, -1).
    // acc0 = 2*10 + 1*(-10) = 10 -> real 10 * 0.5 = 5; acc1 = 4*10 - 4*(-10) = 80 -> 20.
    // Output scale 2, zp -1: q0 = round(2.5) - 1 = 2 (ties away from zero), q1 = 10 - 1 = 9.
    ModelBuilder mb;
    const auto in = mb.addTensor("in", TensorType::INT8, {1, 1, 1, 2}, q1(1.0f, 3));
    const auto w = mb.addConstant("w", TensorType::INT8, {2, 1, 1, 2}, std::vector<int8_t>{2, 1, 4, -4},
                                  convcases::quant({0.5f, 0.25f}, {0, 0}));
    const auto b = mb.addConstant("b", TensorType::INT32, {2}, std::vector<int32_t>{0, 0}, convcases::quant({0.5f, 0.25f}, {0, 0}));
    const auto out = mb.addTensor("out", TensorType::INT8, {1, 1, 1, 2}, q1(2.0f, -1));
    mb.addOperator(BuiltinOp::CONV_2D, {in, w, b}, {out}, conv2dOptions(Padding::VALID, 1, 1));
    mb.setInputs({in});
    mb.setOutputs({out});
    const Model model = mb.build();
    rt::RunOptions reference;
    reference.target = Target::TfliteReference;
    const OpRun r = runModel(model, {bytesOf(std::vector<int8_t>{13, -7})}, reference);
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{2, 9});
    // tflite-cpu: XNNPACK's fp32 requantization rounds the tie 2.5 to even: q0 = 2 - 1 = 1.
    const OpRun cpu = runModel(model, {bytesOf(std::vector<int8_t>{13, -7})});
    REQUIRE(cpu.ok());
    CHECK(cpu.output<int8_t>(0) == std::vector<int8_t>{1, 9});
}

TEST_CASE("conv: operators fail at prepare with a message naming them", "[conv]") {
    auto convWith = [](std::vector<int32_t> filterShape, QuantParams fq, TensorType biasType, int biasCount) {
        ModelBuilder mb;
        const auto in = mb.addTensor("in", TensorType::INT8, {1, 4, 4, 2}, q1(0.1f, 0));
        size_t n = 1;
        for (int32_t d : filterShape) n *= size_t(d);
        const auto w = mb.addConstant("weights", TensorType::INT8, filterShape, std::vector<int8_t>(n, 1), fq);
        const auto b = biasType == TensorType::INT32
                           ? mb.addConstant("bias", TensorType::INT32, {biasCount}, std::vector<int32_t>(size_t(biasCount), 0))
                           : mb.addConstant("bias", biasType, {biasCount}, std::vector<float>(size_t(biasCount), 0.0f));
        const auto out = mb.addTensor("out", TensorType::INT8, {1, 4, 4, 3}, q1(0.1f, 0));
        mb.addOperator(BuiltinOp::CONV_2D, {in, w, b}, {out}, conv2dOptions(Padding::SAME, 1, 1));
        mb.setInputs({in});
        mb.setOutputs({out});
        return prepareError(mb.build());
    };
    const QuantParams three = convcases::quant({0.1f, 0.2f, 0.3f}, {0, 0, 0});

    SECTION("wrong filter rank") {
        const std::string e = convWith({3, 3, 2}, three, TensorType::INT32, 3);
        CHECK_THAT(e, Catch::Contains("CONV_2D") && Catch::Contains("'weights'") && Catch::Contains("rank 4"));
    }
    SECTION("scale count differs from the output channels") {
        const std::string e = convWith({3, 3, 3, 2}, convcases::quant({0.1f, 0.2f}, {0, 0}), TensorType::INT32, 3);
        CHECK_THAT(e, Catch::Contains("CONV_2D") && Catch::Contains("2 scales") && Catch::Contains("expected 1 or 3"));
    }
    SECTION("bias of the wrong type") {
        const std::string e = convWith({3, 3, 3, 2}, three, TensorType::FLOAT32, 3);
        CHECK_THAT(e, Catch::Contains("CONV_2D") && Catch::Contains("'bias'") && Catch::Contains("must be int32"));
    }
    SECTION("bias of the wrong size") {
        const std::string e = convWith({3, 3, 3, 2}, three, TensorType::INT32, 2);
        CHECK_THAT(e, Catch::Contains("CONV_2D") && Catch::Contains("expected 3"));
    }
    SECTION("int8 weights with a non-zero zero point") {
        const std::string e = convWith({3, 3, 3, 2}, convcases::quant({0.1f, 0.2f, 0.3f}, {0, 4, 0}), TensorType::INT32, 3);
        CHECK_THAT(e, Catch::Contains("CONV_2D") && Catch::Contains("zero point 4"));
    }
    SECTION("filter input channels differ from the input") {
        const std::string e = convWith({3, 3, 3, 5}, three, TensorType::INT32, 3);
        CHECK_THAT(e, Catch::Contains("CONV_2D") && Catch::Contains("5 input channels"));
    }
    SECTION("per-channel on the wrong axis for depthwise") {
        ModelBuilder mb;
        const auto in = mb.addTensor("in", TensorType::INT8, {1, 4, 4, 2}, q1(0.1f, 0));
        const auto w = mb.addConstant("dw_weights", TensorType::INT8, {1, 3, 3, 2}, std::vector<int8_t>(18, 1),
                                      convcases::quant({0.1f, 0.2f}, {0, 0}, 0));
        const auto out = mb.addTensor("out", TensorType::INT8, {1, 4, 4, 2}, q1(0.1f, 0));
        mb.addOperator(BuiltinOp::DEPTHWISE_CONV_2D, {in, w}, {out}, depthwiseOptions(Padding::SAME, 1, 1, 1));
        mb.setInputs({in});
        mb.setOutputs({out});
        CHECK_THAT(prepareError(mb.build()), Catch::Contains("DEPTHWISE_CONV_2D") && Catch::Contains("dimension 0") &&
                                                 Catch::Contains("expected dimension 3"));
    }
    SECTION("VALID with a filter larger than the input") {
        ModelBuilder mb;
        const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 1});
        const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
        const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 1, 1, 1});
        mb.addOperator(BuiltinOp::CONV_2D, {in, w}, {out}, conv2dOptions(Padding::VALID, 1, 1));
        mb.setInputs({in});
        mb.setOutputs({out});
        CHECK_THAT(prepareError(mb.build()), Catch::Contains("CONV_2D") && Catch::Contains("output would be empty"));
    }
    SECTION("TRANSPOSE_CONV output_shape of the wrong length") {
        ModelBuilder mb;
        const auto shape = mb.addConstant("shape", TensorType::INT32, {3}, std::vector<int32_t>{1, 4, 4});
        const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f));
        const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 1});
        const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 4, 4, 1});
        mb.addOperator(BuiltinOp::TRANSPOSE_CONV, {shape, w, in}, {out}, transposeOptions(Padding::SAME, 2, 2));
        mb.setInputs({in});
        mb.setOutputs({out});
        CHECK_THAT(prepareError(mb.build()), Catch::Contains("TRANSPOSE_CONV") && Catch::Contains("expected 4"));
    }
    SECTION("Convolution2DTransposeBias without its options") {
        ModelBuilder mb;
        const auto in = mb.addTensor("in", TensorType::FLOAT32, {1, 2, 2, 1});
        const auto w = mb.addConstant("w", TensorType::FLOAT32, {1, 2, 2, 1}, std::vector<float>(4, 1.0f));
        const auto b = mb.addConstant("b", TensorType::FLOAT32, {1}, std::vector<float>{0.0f});
        const auto out = mb.addTensor("out", TensorType::FLOAT32, {1, 4, 4, 1});
        mb.addCustomOperator("Convolution2DTransposeBias", {in, w, b}, {out});
        mb.setInputs({in});
        mb.setOutputs({out});
        CHECK_THAT(prepareError(mb.build()), Catch::Contains("Convolution2DTransposeBias") && Catch::Contains("at least 12"));
    }
}

TEST_CASE("conv: int16x8 CONV_2D and TRANSPOSE_CONV are bit-exact with the seanet goldens", "[conv][shared]") {
    const auto dir = sharedDir();
    if (!dir) {
        WARN("skipped: ../shared is absent");
        return;
    }
    const fs::path d = *dir / "models" / "int16x8";
    auto run = [&](const std::string& name, std::vector<std::vector<uint8_t>> inputs) {
        auto model = readModelFile((d / (name + ".tflite")).string());
        REQUIRE(model);
        const OpRun r = runModel(*model.value(), inputs);
        REQUIRE(r.ok());
        return r.output<int16_t>(0);
    };
    auto int16Bytes = [](const std::vector<int64_t>& v) {
        std::vector<int16_t> x(v.begin(), v.end());
        return bytesOf(x);
    };
    SECTION("conv0") {
        const auto input = readCsv((d / "conv0_input0_int16.csv").string());
        const auto golden = readCsv((d / "conv0_golden_int16.csv").string());
        REQUIRE(!input.empty());
        const auto out = run("conv0", {int16Bytes(input)});
        REQUIRE(out.size() == golden.size());
        CHECK(std::vector<int64_t>(out.begin(), out.end()) == golden);
    }
    SECTION("transpose_conv0") {
        const auto shape = readCsv((d / "transpose_conv0_input0_int32.csv").string());
        const auto input = readCsv((d / "transpose_conv0_input1_int16.csv").string());
        const auto golden = readCsv((d / "transpose_conv0_golden_int16.csv").string());
        REQUIRE(shape.size() == 4);
        const auto out = run("transpose_conv0", {bytesOf(std::vector<int32_t>(shape.begin(), shape.end())), int16Bytes(input)});
        REQUIRE(out.size() == golden.size());
        CHECK(std::vector<int64_t>(out.begin(), out.end()) == golden);
    }
}

// The committed goldens of tests/fixtures/conv/<case>/ were computed by the TFLite runtime (the
// oracle) from the model convcases::build(case) builds. Float CONV_2D and DEPTHWISE_CONV_2D
// exactly (XNNPACK's float order under tflite-cpu), TRANSPOSE_CONV within 1e-5 of the largest
// output; int16x8 and hybrid run on TFLite's builtin kernels and must match exactly; int8 and uint8 ran through XNNPACK, which requantizes in fp32 and may
// differ from TFLite's reference kernels by 1 LSB. The default target (tflite-cpu) computes
// XNNPACK's arithmetic: bit-exact; tflite-reference: the share of 1-LSB differences is bounded.
TEST_CASE("conv: oracle goldens of tests/fixtures/conv", "[conv][fixtures]") {
    size_t integerElements = 0, integerDiffering = 0;
    for (const convcases::Case& c : convcases::allCases()) {
        const fs::path dir = fs::path(QUANTLAB_SOURCE_DIR) / "tests" / "fixtures" / "conv" / c.name;
        INFO("case " << c.name);
        REQUIRE(fs::exists(dir / "output_0.npy"));
        TempDir tmp;
        const std::string path = tmp.file(c.name + ".tflite");
        REQUIRE(writeModelFile(convcases::build(c), path));
        const GoldenComparison g = compareWithGoldens(path, dir.string());
        REQUIRE(g.error.empty());
        INFO("max |diff| " << g.maxAbsDiff << ", differing " << g.differing << " of " << g.elements);
        switch (c.kind) {
        case convcases::Kind::Float:
            // tflite-cpu computes XNNPACK's portable float arithmetic for CONV_2D and
            // DEPTHWISE_CONV_2D (XnnpackFloat.cpp): the oracle's floats exactly. TRANSPOSE_CONV
            // and the other targets: within float rounding.
            if (c.op != BuiltinOp::TRANSPOSE_CONV) CHECK(g.differing == 0);
            CHECK(g.relativeError() <= 1e-5);
            break;
        case convcases::Kind::HybridPerChannel:
        case convcases::Kind::HybridPerTensor: CHECK(g.differing == 0); break; // TFLite's builtin hybrid kernels
        case convcases::Kind::Int16x8: CHECK(g.differing == 0); break;
        default: {
            CHECK(g.differing == 0);
            rt::RunOptions reference;
            reference.target = Target::TfliteReference;
            const GoldenComparison r = compareWithGoldens(path, dir.string(), 1, reference);
            REQUIRE(r.error.empty());
            CHECK(r.beyondOneLsb == 0);
            integerElements += r.elements;
            integerDiffering += r.differing;
            break;
        }
        }
    }
    // The share measured on the committed goldens (tests/fixtures/conv/README.md): XNNPACK's
    // fp32 requantization rounds a product that lies within float precision of a .5 boundary
    // differently from TFLite's fixed-point reference arithmetic (tflite-reference).
    CHECK(integerElements > 0);
    CHECK(double(integerDiffering) <= 0.01 * double(integerElements));
}

// Writes every case's model to $QL_CONV_FIXTURE_OUT (run by tests/fixtures/conv/generate.sh).
TEST_CASE("conv: write the fixture models", "[.generate-conv-fixtures]") {
    const char* out = std::getenv("QL_CONV_FIXTURE_OUT");
    REQUIRE(out);
    for (const convcases::Case& c : convcases::allCases())
        REQUIRE(writeModelFile(convcases::build(c), (fs::path(out) / (c.name + ".tflite")).string()));
}

TEST_CASE("conv: fused activation clamps divide in float as TFLite does", "[conv]") {
    // 6 / 0.000660611084f rounds to 9083 in float and to 9082 in double; TFLite's
    // CalculateActivationRangeQuantized divides in float.
    float scale;
    const uint32_t bits = 0x3a2d2cdcu;
    std::memcpy(&scale, &bits, 4);
    const auto [lo, hi] = activationRangeQuantized(Activation::RELU6, scale, 0, TensorType::INT16);
    CHECK(lo == 0);
    CHECK(hi == 9083);
}

// Whole real models (all kernel families) against the TFLite runtime, with inference times:
// test_core "[.conv-models]". Prints; checks only fidelity.
TEST_CASE("conv: real convolutional models against the oracle", "[.conv-models]") {
    if (!oracleScript()) {
        WARN("skipped: the oracle is not installed");
        return;
    }
    for (const char* name : {"mobilenet_v2_quantized_1x3x224x224.tflite", "hand_landmark_lite.tflite", "face_detection_short_range.tflite"}) {
        const auto path = sharedModel(name);
        if (!path) continue;
        TempDir tmp;
        std::string log;
        REQUIRE(runOracle({*path, "--random", "3", "--out", tmp.path().string(), "--quiet"}, &log) == 0);
        const GoldenComparison g = compareWithGoldens(*path, tmp.path().string());
        WARN(name << ": " << (g.error.empty() ? "ran" : g.error) << "; max |diff| " << g.maxAbsDiff << " (relative "
                  << g.relativeError() << "), differing " << g.differing << " of " << g.elements << ", beyond 1 LSB "
                  << g.beyondOneLsb);
        if (!g.error.empty()) continue;
        auto model = readModelFile(*path);
        REQUIRE(model);
        for (int threads : {1, 2}) {
            std::vector<std::vector<uint8_t>> inputs;
            for (int i = 0;; ++i) {
                const NpyArray a = readNpy((tmp.path() / ("input_" + std::to_string(i) + ".npy")).string());
                if (a.dtype.empty()) break;
                inputs.push_back(a.data);
            }
            rt::RunOptions options;
            options.threads = threads;
            const auto t0 = std::chrono::steady_clock::now();
            const OpRun r = runModel(*model.value(), inputs, options, 11);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            REQUIRE(r.ok());
            WARN(name << ": " << threads << " thread(s), prepare + 11 runs " << ms << " ms");
        }
    }
}

// Every CONV_2D / DEPTHWISE_CONV_2D of the int8 MobileNet V2 cut out as a single-operator model
// (same shapes, weights and quantization), run on the oracle's random inputs: the share of
// outputs where XNNPACK (the oracle's int8 path, fp32 requantization) and TFLite's reference
// arithmetic (ours) differ, layer by layer. test_core "[.conv-mobilenet-layers]".
TEST_CASE("conv: int8 MobileNet V2 layers, one by one, against the oracle", "[.conv-mobilenet-layers]") {
    const auto path = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
    if (!path || !oracleScript()) {
        WARN("skipped: ../shared or the oracle is absent");
        return;
    }
    auto model = readModelFile(*path);
    REQUIRE(model);
    const Model& m = *model.value();
    const Subgraph& sg = m.subgraphs[0];
    size_t elements = 0, differing = 0, beyond = 0, layers = 0;
    for (size_t o = 0; o < sg.operators.size(); ++o) {
        const Operator& op = sg.operators[o];
        if (op.op != BuiltinOp::CONV_2D && op.op != BuiltinOp::DEPTHWISE_CONV_2D) continue;
        ModelBuilder mb;
        std::vector<TensorIndex> ins;
        for (size_t i = 0; i < op.inputs.size(); ++i) {
            const Tensor& t = sg.tensor(op.inputs[i]);
            const Buffer& buf = m.buffer(t.buffer);
            ins.push_back(i == 0 ? mb.addTensor(t.name, t.type, t.shape, t.quant)
                                 : mb.addConstantBytes(t.name, t.type, t.shape, std::vector<uint8_t>(buf.data, buf.data + buf.size), t.quant));
        }
        const Tensor& ot = sg.tensor(op.outputs[0]);
        const TensorIndex out = mb.addTensor(ot.name, ot.type, ot.shape, ot.quant);
        mb.addOperator(op.op, ins, {out}, op.options, op.version);
        mb.setInputs({ins[0]});
        mb.setOutputs({out});
        TempDir tmp;
        const std::string file = tmp.file("layer.tflite");
        REQUIRE(writeModelFile(mb.build(), file));
        REQUIRE(runOracle({file, "--random", std::to_string(o), "--out", tmp.path().string(), "--quiet"}) == 0);
        const GoldenComparison g = compareWithGoldens(file, tmp.path().string());
        REQUIRE(g.error.empty());
        CHECK(g.beyondOneLsb == 0);
        elements += g.elements;
        differing += g.differing;
        beyond += g.beyondOneLsb;
        ++layers;
    }
    WARN(layers << " layers: " << differing << " of " << elements << " outputs differ by 1 LSB ("
                << 100.0 * double(differing) / double(std::max<size_t>(elements, 1)) << " %), " << beyond << " by more");
}

// FULLY_CONNECTED and BATCH_MATMUL: hand-checked values, prepare failures, the optimised
// paths against the reference kernels, and goldens from the TFLite oracle
// (tests/fixtures/matmul, see its README).
#include "TestModels.h"
#include "SingleOp.h"
#include "TestSupport.h"

#include "model/ModelBuilder.h"
#include "runtime/kernels/matmul/FullyConnectedOpt.h"
#include "runtime/ThreadPool.h"
#include "runtime/kernels/UnfusedFloat.h"
#include "runtime/kernels/matmul/Int8Dot.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstring>
#include <random>

using namespace ql;
using namespace ql::test;

namespace {

QuantParams qpc(std::vector<float> scales, int axis = 0) {
    QuantParams q;
    q.zeroPoint.assign(scales.size(), 0);
    q.scale = std::move(scales);
    q.quantizedDimension = axis;
    return q;
}

tflite::BuiltinOptionsUnion fcOptions(Activation act, bool keepDims = false, bool asymmetric = false,
                                      tflite::FullyConnectedOptionsWeightsFormat format = tflite::FullyConnectedOptionsWeightsFormat::DEFAULT) {
    tflite::FullyConnectedOptionsT o;
    o.fused_activation_function = act;
    o.keep_num_dims = keepDims;
    o.asymmetric_quantize_inputs = asymmetric;
    o.weights_format = format;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(o));
    return u;
}

tflite::BuiltinOptionsUnion bmmOptions(bool adjX, bool adjY, bool asymmetric = false) {
    tflite::BuiltinOptionsUnion u;
    tflite::BatchMatMulOptionsT o;
    o.adj_x = adjX;
    o.adj_y = adjY;
    o.asymmetric_quantize_inputs = asymmetric;
    u.Set(std::move(o));
    return u;
}

template <class T> std::vector<T> randomInts(std::mt19937& rng, size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(d(rng));
    return v;
}

std::vector<float> randomFloats(std::mt19937& rng, size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

// One FULLY_CONNECTED with graph input 0 and constant weights/bias.
struct FcSpec {
    TensorType in = TensorType::FLOAT32, w = TensorType::FLOAT32, bias = TensorType::FLOAT32, out = TensorType::FLOAT32;
    std::vector<int32_t> inShape, wShape, outShape;
    QuantParams inQ, wQ, biasQ, outQ;
    std::vector<uint8_t> weights, biasBytes; // biasBytes empty: bias omitted (-1)
    tflite::BuiltinOptionsUnion options = fcOptions(Activation::NONE);
};

Model buildFc(FcSpec s) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", s.in, s.inShape, s.inQ);
    const TensorIndex w = b.addConstantBytes("weights", s.w, s.wShape, s.weights, s.wQ);
    TensorIndex bias{-1};
    if (!s.biasBytes.empty()) bias = b.addConstantBytes("bias", s.bias, {s.wShape[0]}, s.biasBytes, s.biasQ);
    const TensorIndex out = b.addTensor("output", s.out, s.outShape, s.outQ);
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, std::move(s.options), 1);
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

std::string fixtureDir(const std::string& family) { return std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/" + family; }

// The models whose TFLite outputs are committed as goldens (tests/fixtures/matmul).
std::vector<std::pair<std::string, Model>> matmulFixtureModels() {
    std::vector<std::pair<std::string, Model>> models;
    std::mt19937 rng(20261122);
    {
        FcSpec s;
        s.inShape = {2, 5}, s.wShape = {3, 5}, s.outShape = {2, 3};
        s.weights = bytesOf(randomFloats(rng, 15));
        s.biasBytes = bytesOf(randomFloats(rng, 3));
        s.options = fcOptions(Activation::RELU);
        models.emplace_back("fc_float_relu", buildFc(s));
    }
    {
        FcSpec s;
        s.inShape = {2, 3, 4}, s.wShape = {5, 4}, s.outShape = {2, 3, 5};
        s.weights = bytesOf(randomFloats(rng, 20));
        s.options = fcOptions(Activation::NONE, /*keepDims=*/true);
        models.emplace_back("fc_float_keepdims_nobias", buildFc(s));
    }
    const float inScale = 0.05f;
    {
        FcSpec s;
        s.in = s.w = s.out = TensorType::INT8, s.bias = TensorType::INT32;
        s.inShape = {2, 16}, s.wShape = {8, 16}, s.outShape = {2, 8};
        s.inQ = qp(inScale, 3), s.wQ = qp(0.02f, 0), s.biasQ = qp(inScale * 0.02f, 0), s.outQ = qp(0.1f, -5);
        s.weights = bytesOf(randomInts<int8_t>(rng, 128, -127, 127));
        s.biasBytes = bytesOf(randomInts<int32_t>(rng, 8, -3000, 3000));
        models.emplace_back("fc_int8", buildFc(s));
    }
    {
        FcSpec s;
        s.in = s.w = s.out = TensorType::INT8, s.bias = TensorType::INT32;
        s.inShape = {3, 24}, s.wShape = {10, 24}, s.outShape = {3, 10};
        std::vector<float> ws = randomFloats(rng, 10, 0.005f, 0.03f), bs;
        for (float w : ws) bs.push_back(inScale * w);
        s.inQ = qp(inScale, -7), s.wQ = qpc(ws), s.biasQ = qpc(bs), s.outQ = qp(0.08f, 2);
        s.weights = bytesOf(randomInts<int8_t>(rng, 240, -127, 127));
        s.biasBytes = bytesOf(randomInts<int32_t>(rng, 10, -2000, 2000));
        s.options = fcOptions(Activation::RELU);
        models.emplace_back("fc_int8_per_channel_relu", buildFc(s));
    }
    {
        FcSpec s;
        s.in = s.w = s.out = TensorType::UINT8, s.bias = TensorType::INT32;
        s.inShape = {2, 12}, s.wShape = {6, 12}, s.outShape = {2, 6};
        s.inQ = qp(inScale, 128), s.wQ = qp(0.02f, 120), s.biasQ = qp(inScale * 0.02f, 0), s.outQ = qp(0.1f, 100);
        s.weights = bytesOf(randomInts<uint8_t>(rng, 72, 0, 255));
        s.biasBytes = bytesOf(randomInts<int32_t>(rng, 6, -3000, 3000));
        models.emplace_back("fc_uint8", buildFc(s));
    }
    {
        FcSpec s;
        s.in = s.out = TensorType::INT16, s.w = TensorType::INT8, s.bias = TensorType::INT64;
        s.inShape = {2, 16}, s.wShape = {6, 16}, s.outShape = {2, 6};
        std::vector<float> ws = randomFloats(rng, 6, 0.005f, 0.02f), bs;
        for (float w : ws) bs.push_back(0.0005f * w);
        s.inQ = qp(0.0005f, 0), s.wQ = qpc(ws), s.biasQ = qpc(bs), s.outQ = qp(0.001f, 0);
        s.weights = bytesOf(randomInts<int8_t>(rng, 96, -127, 127));
        s.biasBytes = bytesOf(randomInts<int64_t>(rng, 6, -100000, 100000));
        models.emplace_back("fc_int16x8", buildFc(s));
    }
    for (int variant = 0; variant < 3; variant += 2) { // variant 1 (per-channel hybrid) has no golden: the oracle outputs the bias alone
        FcSpec s;
        s.w = TensorType::INT8;
        s.inShape = {2, 16}, s.wShape = {5, 16}, s.outShape = {2, 5};
        s.wQ = variant == 1 ? qpc(randomFloats(rng, 5, 0.005f, 0.02f)) : qp(0.01f, 0);
        s.weights = bytesOf(randomInts<int8_t>(rng, 80, -127, 127));
        s.biasBytes = bytesOf(randomFloats(rng, 5));
        s.options = fcOptions(Activation::NONE, false, /*asymmetric=*/variant >= 1);
        models.emplace_back(variant == 0 ? "fc_hybrid" : (variant == 1 ? "fc_hybrid_per_channel_asymmetric" : "fc_hybrid_asymmetric"), buildFc(s));
    }
    // BATCH_MATMUL: both operands are graph inputs (random), except the hybrid's int8 rhs.
    auto bmm = [&](const std::string& name, TensorType t, std::vector<int32_t> l, std::vector<int32_t> r, std::vector<int32_t> o, bool adjX,
                   bool adjY, QuantParams lq, QuantParams rq, QuantParams oq) {
        ModelBuilder b;
        const TensorIndex lhs = b.addTensor("lhs", t, l, lq);
        const TensorIndex rhs = b.addTensor("rhs", t, r, rq);
        const TensorIndex out = b.addTensor("output", t, o, oq);
        b.addOperator(BuiltinOp::BATCH_MATMUL, {lhs, rhs}, {out}, bmmOptions(adjX, adjY), 1);
        b.setInputs({lhs, rhs});
        b.setOutputs({out});
        models.emplace_back(name, b.build());
    };
    bmm("bmm_float_broadcast", TensorType::FLOAT32, {2, 1, 3, 4}, {3, 4, 5}, {2, 3, 3, 5}, false, false, {}, {}, {});
    bmm("bmm_float_adj", TensorType::FLOAT32, {2, 4, 3}, {2, 5, 4}, {2, 3, 5}, true, true, {}, {}, {});
    bmm("bmm_int8", TensorType::INT8, {2, 3, 6}, {2, 6, 4}, {2, 3, 4}, false, false, qp(0.02f, 1), qp(0.03f, -2), qp(0.5f, 3));
    bmm("bmm_int16", TensorType::INT16, {2, 3, 6}, {4, 6}, {2, 3, 4}, false, true, qp(0.001f, 0), qp(0.002f, 0), qp(0.05f, 0));
    {
        ModelBuilder b;
        const TensorIndex lhs = b.addTensor("lhs", TensorType::FLOAT32, {2, 3, 8});
        const TensorIndex rhs = b.addConstant("rhs", TensorType::INT8, {8, 4}, randomInts<int8_t>(rng, 32, -127, 127), qp(0.02f, 0));
        const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {2, 3, 4});
        b.addOperator(BuiltinOp::BATCH_MATMUL, {lhs, rhs}, {out}, bmmOptions(false, false), 1);
        b.setInputs({lhs});
        b.setOutputs({out});
        models.emplace_back("bmm_hybrid", b.build());
    }
    return models;
}

} // namespace

TEST_CASE("FULLY_CONNECTED float: hand-checked values, bias, activation, keep_num_dims", "[kernels][matmul]") {
    // W = [[1, 0, -1], [0.5, 0.5, 0.5]], b = [0.5, -1], x = [1, 2, 3]:
    // y = [1 - 3 + 0.5, 3 - 1] = [-1.5, 2]; RELU -> [0, 2].
    FcSpec s;
    s.inShape = {1, 3}, s.wShape = {2, 3}, s.outShape = {1, 2};
    s.weights = bytesOf(std::vector<float>{1, 0, -1, 0.5f, 0.5f, 0.5f});
    s.biasBytes = bytesOf(std::vector<float>{0.5f, -1});
    OpRun r = runModel(buildFc(s), {bytesOf(std::vector<float>{1, 2, 3})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{-1.5f, 2.0f});
    s.options = fcOptions(Activation::RELU);
    r = runModel(buildFc(s), {bytesOf(std::vector<float>{1, 2, 3})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0.0f, 2.0f});
    // No bias (input -1), keep_num_dims on [2, 1, 3]: output [2, 1, 2].
    s.biasBytes.clear();
    s.inShape = {2, 1, 3}, s.outShape = {2, 1, 2};
    s.options = fcOptions(Activation::NONE, true);
    r = runModel(buildFc(s), {bytesOf(std::vector<float>{1, 2, 3, -1, 0, 1})});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 1, 2});
    CHECK(r.output<float>(0) == std::vector<float>{-2.0f, 3.0f, -2.0f, 0.0f});
}

TEST_CASE("FULLY_CONNECTED int8, uint8, int16x8: hand-checked requantization", "[kernels][matmul]") {
    // int8: x = 0.5 (q + 1), w = 0.25 q, bias scale 0.125, y = 1.0 (q - 3). Real values:
    // x = [1, 2, 0]; unit 0 w = [1, -1, 2], b = 1 -> y = 0 -> q 3; unit 1 w = [2, 2, 2] -> 6 -> q 9.
    FcSpec s;
    s.in = s.w = s.out = TensorType::INT8, s.bias = TensorType::INT32;
    s.inShape = {1, 3}, s.wShape = {2, 3}, s.outShape = {1, 2};
    s.inQ = qp(0.5f, -1), s.wQ = qp(0.25f, 0), s.biasQ = qp(0.125f, 0), s.outQ = qp(1.0f, 3);
    s.weights = bytesOf(std::vector<int8_t>{4, -4, 8, 8, 8, 8});
    s.biasBytes = bytesOf(std::vector<int32_t>{8, 0});
    OpRun r = runModel(buildFc(s), {bytesOf(std::vector<int8_t>{1, 3, -1})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{3, 9});
    // RELU6 on a 1.0-scale output with zero point 3 clamps to [3, 9]; saturation at the top.
    s.options = fcOptions(Activation::RELU6);
    s.biasBytes = bytesOf(std::vector<int32_t>{-80, 80}); // -10 and +10 in real terms
    r = runModel(buildFc(s), {bytesOf(std::vector<int8_t>{1, 3, -1})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{3, 9});

    // uint8 with both zero points: x = 0.5 (q - 10), w = 0.25 (q - 100), y = 1.0 (q - 50).
    FcSpec u;
    u.in = u.w = u.out = TensorType::UINT8, u.bias = TensorType::INT32;
    u.inShape = {1, 2}, u.wShape = {1, 2}, u.outShape = {1, 1};
    u.inQ = qp(0.5f, 10), u.wQ = qp(0.25f, 100), u.biasQ = qp(0.125f, 0), u.outQ = qp(1.0f, 50);
    u.weights = bytesOf(std::vector<uint8_t>{104, 92}); // w = [1, -2]
    u.biasBytes = bytesOf(std::vector<int32_t>{16});   // 2.0
    r = runModel(buildFc(u), {bytesOf(std::vector<uint8_t>{16, 12})}); // x = [3, 1]: 3 - 2 + 2 = 3
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{53});

    // int16x8 with an int64 bias: x = 2^-10 q, w = 2^-4 q, y = 2^-8 q.
    FcSpec h;
    h.in = h.out = TensorType::INT16, h.w = TensorType::INT8, h.bias = TensorType::INT64;
    h.inShape = {1, 2}, h.wShape = {1, 2}, h.outShape = {1, 1};
    h.inQ = qp(1.0f / 1024, 0), h.wQ = qp(1.0f / 16, 0), h.biasQ = qp(1.0f / 16384, 0), h.outQ = qp(1.0f / 256, 0);
    h.weights = bytesOf(std::vector<int8_t>{16, -32});                            // [1, -2]
    h.biasBytes = bytesOf(std::vector<int64_t>{int64_t(1) << 14});              // 1.0
    r = runModel(buildFc(h), {bytesOf(std::vector<int16_t>{3072, -1024})});      // x = [3, -1]: 3 + 2 + 1 = 6
    REQUIRE(r.ok());
    CHECK(r.output<int16_t>(0) == std::vector<int16_t>{6 * 256});
}

TEST_CASE("FULLY_CONNECTED hybrid with per-channel weights: hand-checked", "[kernels][matmul]") {
    // Input {1.27, -1.27} quantizes symmetrically to {127, -127} with scaling factor 0.01.
    // Weights {{10, 20}, {-5, 7}} with scales {0.1, 0.5} are {{1, 2}, {-2.5, 3.5}}:
    // unit 0: (1270 - 2540) * 0.01 * 0.1 = -1.27 (+1); unit 1: (-635 - 889) * 0.01 * 0.5 = -7.62 (+2).
    FcSpec s;
    s.w = TensorType::INT8;
    s.inShape = {1, 2}, s.wShape = {2, 2}, s.outShape = {1, 2};
    s.wQ = qpc({0.1f, 0.5f});
    s.weights = bytesOf(std::vector<int8_t>{10, 20, -5, 7});
    s.biasBytes = bytesOf(std::vector<float>{1.0f, 2.0f});
    for (bool asymmetric : {false, true}) {
        INFO((asymmetric ? "asymmetric" : "symmetric") << " input quantization");
        s.options = fcOptions(Activation::NONE, false, asymmetric);
        OpRun r = runModel(buildFc(s), {bytesOf(std::vector<float>{1.27f, -1.27f})});
        REQUIRE(r.ok());
        const auto y = r.output<float>(0);
        CHECK(y[0] == Approx(-0.27f).margin(0.02));
        CHECK(y[1] == Approx(-5.62f).margin(0.05));
        if (!asymmetric) { // exact integer dots, one float scaling
            CHECK(y[0] == Approx(1.0f + float(-1270) * (0.01f * 0.1f)).margin(1e-6));
            CHECK(y[1] == Approx(2.0f + float(-1524) * (0.01f * 0.5f)).margin(1e-6));
        }
    }
    // Per-channel along the depth is refused.
    s.wQ = qpc({0.1f, 0.5f}, 1);
    CHECK_THAT(prepareError(buildFc(s)), Catch::Contains("FULLY_CONNECTED") && Catch::Contains("dimension 1"));
}

TEST_CASE("FULLY_CONNECTED fails at prepare with the operator named", "[kernels][matmul]") {
    FcSpec s;
    s.inShape = {1, 3}, s.wShape = {2, 3}, s.outShape = {1, 2};
    s.weights = bytesOf(std::vector<float>(6, 1.0f));
    SECTION("shuffled weights format") {
        s.in = s.w = TensorType::UINT8, s.out = TensorType::INT16;
        s.inQ = qp(1, 0), s.wQ = qp(1, 0), s.outQ = qp(1, 0);
        s.weights = std::vector<uint8_t>(6, 1);
        s.options = fcOptions(Activation::NONE, false, false, tflite::FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8);
        const std::string e = prepareError(buildFc(s));
        CHECK_THAT(e, Catch::Contains("FULLY_CONNECTED") && Catch::Contains("SHUFFLED4x16INT8"));
    }
    SECTION("input size not a multiple of the depth") {
        s.inShape = {1, 4};
        CHECK_THAT(prepareError(buildFc(s)), Catch::Contains("FULLY_CONNECTED") && Catch::Contains("not a multiple"));
    }
    SECTION("bias of the wrong size") {
        ModelBuilder b;
        const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {1, 3});
        const TensorIndex w = b.addConstant("weights", TensorType::FLOAT32, {2, 3}, std::vector<float>(6, 1.0f));
        const TensorIndex bias = b.addConstant("bias", TensorType::FLOAT32, {3}, std::vector<float>(3, 1.0f));
        const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {1, 2});
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, fcOptions(Activation::NONE));
        b.setInputs({in});
        b.setOutputs({out});
        CHECK_THAT(prepareError(b.build()), Catch::Contains("FULLY_CONNECTED") && Catch::Contains("'bias'") && Catch::Contains("expected 2"));
    }
    SECTION("int8 tensors without quantization") {
        s.in = s.w = s.out = TensorType::INT8;
        s.weights = std::vector<uint8_t>(6, 1);
        CHECK_THAT(prepareError(buildFc(s)), Catch::Contains("FULLY_CONNECTED") && Catch::Contains("no quantization"));
    }
    SECTION("unsupported type combination") {
        s.out = TensorType::INT8;
        s.outQ = qp(1, 0);
        CHECK_THAT(prepareError(buildFc(s)), Catch::Contains("FULLY_CONNECTED") && Catch::Contains("unsupported type combination"));
    }
    SECTION("bias scale that is not input scale * weights scale") {
        s.in = s.w = s.out = TensorType::INT8, s.bias = TensorType::INT32;
        s.inQ = qp(0.5f, 0), s.wQ = qp(0.25f, 0), s.biasQ = qp(0.3f, 0), s.outQ = qp(1.0f, 0);
        s.weights = std::vector<uint8_t>(6, 1);
        s.biasBytes = bytesOf(std::vector<int32_t>{1, 2});
        CHECK_THAT(prepareError(buildFc(s)), Catch::Contains("FULLY_CONNECTED") && Catch::Contains("scale"));
    }
}

// tflite-cpu's float FULLY_CONNECTED is XNNPACK's portable gemm: for each unit, acc = bias,
// then acc = acc + round(x[k] * w[k]) for k in order. Computed here from that rule, unit by unit.
TEST_CASE("FULLY_CONNECTED float under tflite-cpu sums as XNNPACK's gemm on random shapes", "[kernels][matmul]") {
    using namespace ql::rt::fc;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    ql::rt::ThreadPool pool(2);
    for (int trial = 0; trial < 40; ++trial) {
        FcShape s{std::uniform_int_distribution<int>(1, 3)(rng), std::uniform_int_distribution<int>(1, 300)(rng),
                  std::uniform_int_distribution<int>(1, 41)(rng)};
        std::vector<float> in(size_t(s.batches) * s.depth), w(size_t(s.units) * s.depth), bias(size_t(s.units));
        for (float& v : in) v = value(rng);
        for (float& v : w) v = value(rng);
        for (float& v : bias) v = value(rng);
        const bool withBias = trial % 3 != 0;
        const float lo = trial % 2 ? 0.0f : -INFINITY, hi = trial % 4 == 1 ? 6.0f : INFINITY;
        std::vector<float> expected(size_t(s.batches) * s.units), got(expected.size(), -99.0f);
        for (int b = 0; b < s.batches; ++b)
            for (int o = 0; o < s.units; ++o) {
                float acc = withBias ? bias[size_t(o)] : 0.0f;
                for (int k = 0; k < s.depth; ++k)
                    acc = ql::rt::mulThenAdd(acc, in[size_t(b) * s.depth + k], w[size_t(o) * s.depth + k]);
                expected[size_t(b) * s.units + o] = std::min(std::max(acc, lo), hi);
            }
        fullyConnectedFloatXnnpack(in.data(), w.data(), withBias ? bias.data() : nullptr, got.data(), s, lo, hi,
                                   trial % 2 ? &pool : nullptr);
        INFO("trial " << trial << ": batches " << s.batches << " depth " << s.depth << " units " << s.units);
        REQUIRE(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("FULLY_CONNECTED int8: every vectorised variant equals the reference on random shapes", "[kernels][matmul]") {
    using namespace ql::rt::fc;
    std::mt19937 rng(7);
    std::vector<Int8Isa> isas;
    for (Int8Isa isa : {Int8Isa::Scalar, Int8Isa::Avx2, Int8Isa::Avx512Bw, Int8Isa::Avx512Vnni})
        if (int8IsaSupported(isa)) isas.push_back(isa);
    INFO("best variant on this machine: " << int8IsaName(int8DotIsa()));
    for (int trial = 0; trial < 60; ++trial) {
        FcShape s{std::uniform_int_distribution<int>(1, 4)(rng), std::uniform_int_distribution<int>(1, 300)(rng),
                  std::uniform_int_distribution<int>(1, 40)(rng)};
        const auto in = randomInts<int8_t>(rng, size_t(s.batches) * s.depth, -128, 127);
        const auto w = randomInts<int8_t>(rng, size_t(s.units) * s.depth, -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(s.units), -20000, 20000);
        std::vector<QuantizedMultiplier> ms;
        const bool perChannel = trial % 2 == 1;
        for (int o = 0; o < (perChannel ? s.units : 1); ++o)
            ms.push_back(quantizeMultiplier(std::uniform_real_distribution<double>(1e-5, 0.02)(rng)));
        QuantFcParams p;
        p.multipliers = ms;
        p.inputOffset = std::uniform_int_distribution<int>(-127, 128)(rng);
        p.outputOffset = std::uniform_int_distribution<int>(-20, 20)(rng);
        p.actMin = -128, p.actMax = 127;
        std::vector<int8_t> ref(size_t(s.batches) * s.units), opt(ref.size());
        fullyConnectedQuantRef(in.data(), w.data(), bias.data(), ref.data(), s, p);
        Int8FcPlan plan;
        prepareInt8Plan(w.data(), bias.data(), s, p.inputOffset, plan);
        std::vector<int32_t> acc(ref.size());
        for (Int8Isa isa : isas) {
            setInt8IsaOverride(isa);
            std::fill(opt.begin(), opt.end(), int8_t(0));
            fullyConnectedInt8Opt(in.data(), w.data(), plan, opt.data(), s, p, acc.data(), nullptr);
            INFO("variant " << int8IsaName(isa) << " batches " << s.batches << " depth " << s.depth << " units " << s.units);
            REQUIRE(opt == ref);
        }
        // XNNPACK's fp32 requantization (the default target tflite-cpu): float scales per unit or
        // one for all; 2^-7 makes half-way products common (rounded to even), a RELU-like clamp.
        const std::vector<float> fpScales =
            perChannel ? randomFloats(rng, size_t(s.units), 1e-5f, 0.02f) : std::vector<float>{trial % 4 == 0 ? 0.0078125f : 0.004f};
        QuantFcParams fp = p;
        fp.fpScales = fpScales;
        fp.actMin = trial % 3 == 1 ? fp.outputOffset : -128;
        std::vector<int8_t> fpRef(ref.size()), fpOpt(ref.size());
        fullyConnectedQuantRef(in.data(), w.data(), bias.data(), fpRef.data(), s, fp);
        for (Int8Isa isa : isas) {
            setInt8IsaOverride(isa);
            std::fill(fpOpt.begin(), fpOpt.end(), int8_t(0));
            fullyConnectedInt8Opt(in.data(), w.data(), plan, fpOpt.data(), s, fp, acc.data(), nullptr);
            INFO("fp32 variant " << int8IsaName(isa) << " batches " << s.batches << " depth " << s.depth << " units " << s.units);
            REQUIRE(fpOpt == fpRef);
        }
        clearInt8IsaOverride();

        // Hybrid: the optimised path does the same float steps after exact integer dots.
        const auto fin = randomFloats(rng, size_t(s.batches) * s.depth);
        std::vector<float> scales = perChannel ? randomFloats(rng, size_t(s.units), 0.001f, 0.02f) : std::vector<float>{0.01f};
        const bool asym = trial % 3 == 0;
        std::vector<int8_t> q(fin.size());
        std::vector<float> sf(size_t(s.batches));
        std::vector<int32_t> zp(size_t(s.batches)), rows(size_t(s.units));
        std::vector<float> fref(ref.size()), fopt(ref.size());
        const auto fbias = randomFloats(rng, size_t(s.units));
        fullyConnectedHybridRef(fin.data(), w.data(), scales, fbias.data(), fref.data(), s, asym, Activation::NONE, {q, sf, zp, rows});
        fullyConnectedHybridOpt(fin.data(), w.data(), scales, plan.rowSums.data(), fbias.data(), fopt.data(), s, asym, Activation::NONE,
                                {q, sf, zp, rows}, acc.data(), nullptr);
        REQUIRE(fopt == fref);
    }
}

TEST_CASE("FULLY_CONNECTED float: the Eigen path agrees with the reference loop", "[kernels][matmul]") {
    using namespace ql::rt::fc;
    std::mt19937 rng(11);
    for (int trial = 0; trial < 20; ++trial) {
        FcShape s{std::uniform_int_distribution<int>(1, 5)(rng), std::uniform_int_distribution<int>(1, 200)(rng),
                  std::uniform_int_distribution<int>(1, 50)(rng)};
        const auto in = randomFloats(rng, size_t(s.batches) * s.depth), w = randomFloats(rng, size_t(s.units) * s.depth),
                   bias = randomFloats(rng, size_t(s.units));
        std::vector<float> ref(size_t(s.batches) * s.units), opt(ref.size());
        fullyConnectedFloatRef(in.data(), w.data(), bias.data(), ref.data(), s, -2.0f, 2.0f);
        fullyConnectedFloatOpt(in.data(), w.data(), bias.data(), opt.data(), s, -2.0f, 2.0f, nullptr);
        for (size_t i = 0; i < ref.size(); ++i) REQUIRE(opt[i] == Approx(ref[i]).margin(1e-4));
    }
}

TEST_CASE("BATCH_MATMUL: hand-checked broadcast, adj_x/adj_y and prepare failures", "[kernels][matmul]") {
    // lhs [2, 1, 2] (two 1x2 rows), rhs [2, 2] shared: out[b] = lhs[b] * rhs.
    ModelBuilder b;
    const TensorIndex lhs = b.addTensor("lhs", TensorType::FLOAT32, {2, 1, 2});
    const TensorIndex rhs = b.addConstant("rhs", TensorType::FLOAT32, {2, 2}, std::vector<float>{1, 2, 3, 4});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {2, 1, 2});
    b.addOperator(BuiltinOp::BATCH_MATMUL, {lhs, rhs}, {out}, bmmOptions(false, false));
    b.setInputs({lhs});
    b.setOutputs({out});
    Model m = b.build();
    OpRun r = runModel(m, {bytesOf(std::vector<float>{1, 1, 2, -1})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{4, 6, -1, 0});
    // adj_y: rhs^T = [[1, 3], [2, 4]].
    m.subgraphs[0].operators[0].options = bmmOptions(false, true);
    r = runModel(m, {bytesOf(std::vector<float>{1, 1, 2, -1})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{3, 7, 0, 2});
    // Mismatched contraction.
    m.subgraphs[0].tensors[lhs.index()].shape = {2, 1, 3};
    CHECK_THAT(prepareError(m), Catch::Contains("BATCH_MATMUL") && Catch::Contains("contracted dimensions differ"));
}

TEST_CASE("write the matmul fixture models", "[.generate]") {
    const std::string dir = fixtureDir("matmul");
    std::filesystem::create_directories(dir);
    for (auto& [name, model] : matmulFixtureModels()) REQUIRE(writeModelFile(model, dir + "/" + name + ".tflite"));
}

TEST_CASE("matmul goldens computed by the TFLite runtime", "[kernels][matmul][golden]") {
    // Each fixture model ran in the oracle (XNNPACK on) on seeded random inputs; see
    // tests/fixtures/matmul/README.md. Float: within 1e-4 of the largest output (float FC:
    // exactly). Integer:
    // bit-exact, except where XNNPACK's int8 fully-connected requantizes in float (fp32 scale,
    // round to nearest even) instead of TFLite's fixed-point multiplier: at most 1 LSB there.
    const std::string dir = fixtureDir("matmul");
    int checked = 0;
    for (const auto& [name, unused] : matmulFixtureModels()) {
        const std::string model = dir + "/" + name + ".tflite";
        if (!std::filesystem::exists(model)) continue;
        GoldenComparison c = compareWithGoldens(model, dir + "/" + name);
        INFO(name << ": " << c.error << " elements " << c.elements << " differing " << c.differing << " max diff " << c.maxAbsDiff);
        REQUIRE(c.error.empty());
        if (c.isFloat) CHECK(c.relativeError() <= 1e-4);
        else CHECK(c.beyondOneLsb == 0);
        // A float FULLY_CONNECTED runs in XNNPACK: tflite-cpu sums as its portable gemm does (bias,
        // then each product rounded and added in order), so the floats are the oracle's exactly.
        if (name.rfind("fc_float", 0) == 0) CHECK(c.differing == 0);
        if (!c.isFloat && c.differing) WARN(name << ": " << c.differing << " of " << c.elements << " elements differ by 1 LSB from TFLite");
        ++checked;
    }
    CHECK(checked == int(matmulFixtureModels().size()));
}

TEST_CASE("real FULLY_CONNECTED models agree with the TFLite oracle", "[kernels][matmul][oracle]") {
    const auto oracle = oracleScript();
    if (!oracle) {
        WARN("skipped: the TFLite oracle is not installed");
        return;
    }
    for (const std::string name : {"hello_world_float.tflite", "hello_world_int8.tflite", "micro_speech_quantized.tflite"}) {
        const auto model = sharedModel(name);
        if (!model) {
            WARN("skipped: " << name << " not found");
            continue;
        }
        TempDir tmp;
        std::string log;
        REQUIRE(runOracle({*model, "--random", "5", "--out", tmp.path().string(), "--quiet"}, &log) == 0);
        GoldenComparison c = compareWithGoldens(*model, tmp.path().string());
        if (c.error.find("not supported") != std::string::npos) {
            WARN("skipped " << name << ": " << c.error);
            continue;
        }
        INFO(name << ": " << c.error);
        REQUIRE(c.error.empty());
        if (c.isFloat) CHECK(c.relativeError() <= 1e-4);
        else CHECK(c.beyondOneLsb == 0);
        // A float FULLY_CONNECTED runs in XNNPACK: tflite-cpu sums as its portable gemm does (bias,
        // then each product rounded and added in order), so the floats are the oracle's exactly.
        if (name.rfind("fc_float", 0) == 0) CHECK(c.differing == 0);
        WARN(name << ": " << c.differing << " of " << c.elements << " elements differ, max |diff| " << c.maxAbsDiff);
    }
}

TEST_CASE("FULLY_CONNECTED speed: optimised against reference (prints, asserts nothing about time)", "[.bench]") {
    using namespace ql::rt::fc;
    using Clock = std::chrono::steady_clock;
    std::mt19937 rng(3);
    for (FcShape s : {FcShape{1, 1024, 1000}, FcShape{8, 512, 512}, FcShape{1, 4096, 256}}) {
        const auto in = randomInts<int8_t>(rng, size_t(s.batches) * s.depth, -128, 127);
        const auto w = randomInts<int8_t>(rng, size_t(s.units) * s.depth, -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(s.units), -1000, 1000);
        const QuantizedMultiplier m = quantizeMultiplier(0.001);
        QuantFcParams p;
        p.multipliers = {&m, 1};
        p.inputOffset = 12;
        p.actMin = -128, p.actMax = 127;
        std::vector<int8_t> out(size_t(s.batches) * s.units);
        std::vector<int32_t> acc(out.size());
        Int8FcPlan plan;
        prepareInt8Plan(w.data(), bias.data(), s, p.inputOffset, plan);
        auto time = [&](auto&& fn) {
            const int reps = 50;
            fn();
            const auto t0 = Clock::now();
            for (int i = 0; i < reps; ++i) fn();
            return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / reps;
        };
        const double ref = time([&] { fullyConnectedQuantRef(in.data(), w.data(), bias.data(), out.data(), s, p); });
        std::string line = "int8 FC " + std::to_string(s.batches) + "x" + std::to_string(s.depth) + "->" + std::to_string(s.units) +
                           ": reference " + std::to_string(ref) + " us";
        for (Int8Isa isa : {Int8Isa::Scalar, Int8Isa::Avx2, Int8Isa::Avx512Bw, Int8Isa::Avx512Vnni}) {
            if (!int8IsaSupported(isa)) continue;
            setInt8IsaOverride(isa);
            const double t = time([&] { fullyConnectedInt8Opt(in.data(), w.data(), plan, out.data(), s, p, acc.data(), nullptr); });
            line += ", " + std::string(int8IsaName(isa)) + " " + std::to_string(t) + " us";
        }
        clearInt8IsaOverride();
        WARN(line);
        const auto fin = randomFloats(rng, in.size()), fw = randomFloats(rng, w.size()), fb = randomFloats(rng, bias.size());
        std::vector<float> fout(out.size());
        const double fref = time([&] { fullyConnectedFloatRef(fin.data(), fw.data(), fb.data(), fout.data(), s, -1e30f, 1e30f); });
        const double fopt = time([&] { fullyConnectedFloatOpt(fin.data(), fw.data(), fb.data(), fout.data(), s, -1e30f, 1e30f, nullptr); });
        auto& pool = ql::rt::ThreadPool::shared(2);
        const double fopt2 = time([&] { fullyConnectedFloatOpt(fin.data(), fw.data(), fb.data(), fout.data(), s, -1e30f, 1e30f, &pool); });
        const double iopt2 = time([&] { fullyConnectedInt8Opt(in.data(), w.data(), plan, out.data(), s, p, acc.data(), &pool); });
        WARN("float FC: reference " << fref << " us, Eigen " << fopt << " us, Eigen 2 threads " << fopt2 << " us; int8 2 threads " << iopt2
                                    << " us");
    }
}

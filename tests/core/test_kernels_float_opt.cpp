// The optimised float convolution kernels (AVX2 depthwise, prepacked CONV_2D plan) against the
// reference kernels of Reference.h on random shapes: paddings, strides, dilations, channel
// counts that are not multiples of 8 (masked tails) and above 32 (register blocks), with and
// without bias, each fused activation range; 1 and 2 threads. Float results may differ from
// the reference only by the rounding of another summation order (FMA, bias first).
#include "runtime/Interpreter.h"
#include "runtime/RandomInputs.h"
#include "runtime/ThreadPool.h"
#include "runtime/kernels/conv/FloatConvPlan.h"
#include "runtime/kernels/conv/Optimized.h"
#include "runtime/kernels/conv/Reference.h"
#include "tflite/ModelReader.h"

#include "TestSupport.h"

#include <catch2/catch.hpp>

#include <cstring>

#include <cmath>
#include <limits>
#include <random>

using namespace ql;
using namespace ql::rt;
using conv::ConvGeometry;

namespace {

int uniform(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

ConvGeometry randomGeometry(std::mt19937& rng, bool depthwise, int maxChannels) {
    ConvGeometry g;
    g.batches = uniform(rng, 1, 2);
    g.inH = uniform(rng, 1, 17);
    g.inW = uniform(rng, 1, 17);
    g.inC = uniform(rng, 1, maxChannels);
    g.depthMultiplier = depthwise && uniform(rng, 0, 4) == 0 ? uniform(rng, 2, 3) : 1;
    g.outC = depthwise ? g.inC * g.depthMultiplier : uniform(rng, 1, 80);
    // Mostly the common 1x1 / 3x3 / 5x5 filters, sometimes any size up to 6.
    const int kinds[] = {1, 3, 5};
    g.filterH = uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 6) : kinds[uniform(rng, 0, 2)];
    g.filterW = uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 6) : g.filterH;
    g.strideH = uniform(rng, 1, 3);
    g.strideW = uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 3) : g.strideH;
    g.dilationH = uniform(rng, 0, 4) == 0 ? uniform(rng, 2, 3) : 1;
    g.dilationW = uniform(rng, 0, 4) == 0 ? uniform(rng, 2, 3) : 1;
    const Padding padding = uniform(rng, 0, 2) ? Padding::SAME : Padding::VALID;
    g.outH = conv::computeOutSize(padding, g.inH, g.filterH, g.strideH, g.dilationH);
    g.outW = conv::computeOutSize(padding, g.inW, g.filterW, g.strideW, g.dilationW);
    if (g.outH <= 0 || g.outW <= 0) return randomGeometry(rng, depthwise, maxChannels);
    g.padTop = conv::computePadding(g.strideH, g.dilationH, g.inH, g.filterH, g.outH);
    g.padLeft = conv::computePadding(g.strideW, g.dilationW, g.inW, g.filterW, g.outW);
    return g;
}

std::vector<float> randomFloats(std::mt19937& rng, size_t n) {
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

conv::FloatActivation randomActivation(std::mt19937& rng) {
    switch (uniform(rng, 0, 3)) {
    case 0: return {0.0f, std::numeric_limits<float>::infinity()}; // RELU
    case 1: return {0.0f, 6.0f};                                     // RELU6
    case 2: return {-1.0f, 1.0f};                                    // RELU_N1_TO_1
    default: return {};                                              // NONE
    }
}

// |got - expected| within a few ulps of a sum of `terms` products of values in [-1, 1].
void requireClose(const std::vector<float>& got, const std::vector<float>& expected, int64_t terms) {
    REQUIRE(got.size() == expected.size());
    const double tolerance = 1e-5 * std::sqrt(double(terms) + 1.0);
    for (size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i << ": " << got[i] << " vs " << expected[i]);
        REQUIRE(std::abs(double(got[i]) - double(expected[i])) <= tolerance);
    }
}

size_t inputSize(const ConvGeometry& g) { return size_t(g.batches) * g.inH * g.inW * g.inC; }
size_t outputSize(const ConvGeometry& g) { return size_t(g.outputPixels()) * g.outC; }

std::string describe(const ConvGeometry& g) {
    return "in " + std::to_string(g.batches) + "x" + std::to_string(g.inH) + "x" + std::to_string(g.inW) + "x" + std::to_string(g.inC) +
           " filter " + std::to_string(g.filterH) + "x" + std::to_string(g.filterW) + " out C " + std::to_string(g.outC) + " stride " +
           std::to_string(g.strideH) + "," + std::to_string(g.strideW) + " dilation " + std::to_string(g.dilationH) + "," +
           std::to_string(g.dilationW) + " pad " + std::to_string(g.padTop) + "," + std::to_string(g.padLeft) + " out " +
           std::to_string(g.outH) + "x" + std::to_string(g.outW);
}

} // namespace

TEST_CASE("float-opt: DEPTHWISE_CONV_2D agrees with the reference", "[conv][opt][float-opt]") {
    std::mt19937 rng(11);
    ThreadPool pool(2);
    for (int round = 0; round < 300; ++round) {
        const ConvGeometry g = randomGeometry(rng, /*depthwise=*/true, round % 3 == 0 ? 80 : 20);
        INFO("round " << round << ": " << describe(g));
        const auto input = randomFloats(rng, inputSize(g));
        const auto filter = randomFloats(rng, size_t(g.filterH) * g.filterW * g.outC);
        const auto bias = randomFloats(rng, size_t(g.outC));
        const bool withBias = round % 5 != 0;
        const conv::FloatActivation act = randomActivation(rng);
        std::vector<float> expected(outputSize(g)), got(outputSize(g), -99.0f);
        reference::depthwiseFloat(g, input, filter, withBias ? bias.data() : nullptr, act, expected);
        optimized::depthwiseFloat(g, input.data(), filter.data(), withBias ? bias.data() : nullptr, act, got.data(),
                                  round % 2 ? &pool : nullptr);
        requireClose(got, expected, int64_t(g.filterH) * g.filterW);
    }
}

TEST_CASE("float-opt: DEPTHWISE_CONV_2D border pixels and empty tap ranges", "[conv][opt][float-opt]") {
    // A 5x5 filter with dilation 3 on a 2x2 image: most output pixels see only part of the
    // filter, and with a large padding some rows see no tap at all (output = act(bias)).
    std::mt19937 rng(3);
    ConvGeometry g;
    g.inH = 2, g.inW = 2, g.inC = 13, g.outC = 13;
    g.filterH = 5, g.filterW = 5, g.dilationH = 3, g.dilationW = 3;
    g.outH = 4, g.outW = 4, g.padTop = 7, g.padLeft = 6;
    const auto input = randomFloats(rng, inputSize(g));
    const auto filter = randomFloats(rng, size_t(25 * g.outC));
    const auto bias = randomFloats(rng, size_t(g.outC));
    std::vector<float> expected(outputSize(g)), got(outputSize(g));
    reference::depthwiseFloat(g, input, filter, bias.data(), {}, expected);
    optimized::depthwiseFloat(g, input.data(), filter.data(), bias.data(), {}, got.data(), nullptr);
    requireClose(got, expected, 25);
}

TEST_CASE("float-opt: packed CONV_2D plan agrees with the reference", "[conv][opt][float-opt]") {
    if (!optimized::FloatConvPlan::supported()) {
        WARN("skipped: this CPU or build has no AVX2 + FMA");
        return;
    }
    std::mt19937 rng(5);
    ThreadPool pool(2);
    bool usedAvx512 = false;
    for (int round = 0; round < 200; ++round) {
        ConvGeometry g = randomGeometry(rng, /*depthwise=*/false, round % 4 == 0 ? 70 : 24);
        if (round % 6 == 0) { // the direct path: 1x1, stride 1, no padding, with many rows
            g.filterH = g.filterW = g.strideH = g.strideW = g.dilationH = g.dilationW = 1;
            g.padTop = g.padLeft = 0;
            g.inH = uniform(rng, 1, 40);
            g.outH = g.inH, g.outW = g.inW;
        }
        INFO("round " << round << ": " << describe(g));
        const auto input = randomFloats(rng, inputSize(g));
        const auto filter = randomFloats(rng, size_t(g.outC) * size_t(g.patchSize()));
        const auto bias = randomFloats(rng, size_t(g.outC));
        const bool withBias = round % 5 != 0;
        const conv::FloatActivation act = randomActivation(rng);
        std::vector<float> expected(outputSize(g)), got(outputSize(g), -99.0f);
        reference::convFloat(g, input, filter, withBias ? bias.data() : nullptr, act, expected);
        optimized::FloatConvPlan plan(g, act);
        plan.pack(filter.data(), withBias ? bias.data() : nullptr);
        plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
        requireClose(got, expected, g.patchSize());
        // The AVX-512 micro-kernel (where the CPU has it) sums in the AVX2 kernel's order:
        // the same floats, bit for bit.
        optimized::FloatConvPlan avx2Plan(g, act, /*allowAvx512=*/false);
        avx2Plan.pack(filter.data(), withBias ? bias.data() : nullptr);
        std::vector<float> gotAvx2(outputSize(g), -99.0f);
        avx2Plan.run(input.data(), gotAvx2.data(), nullptr);
        CHECK_FALSE(avx2Plan.usesAvx512());
        usedAvx512 = usedAvx512 || plan.usesAvx512();
        REQUIRE(std::memcmp(got.data(), gotAvx2.data(), got.size() * sizeof(float)) == 0);
    }
    if (__builtin_cpu_supports("avx512f")) CHECK(usedAvx512);
}

// Target::TfliteCpu: the plan's unfused mode rounds every product before the add, in the
// plain kernel's order (optimized::convFloatXnnpack, XNNPACK's portable igemm): the same floats.
TEST_CASE("float-opt: unfused CONV_2D plan equals the plain XNNPACK-order kernel bit for bit", "[conv][opt][float-opt]") {
    if (!optimized::FloatConvPlan::supported()) {
        WARN("skipped: this CPU or build has no AVX2 + FMA");
        return;
    }
    std::mt19937 rng(17);
    ThreadPool pool(2);
    size_t fusedDiffers = 0;
    for (int round = 0; round < 120; ++round) {
        ConvGeometry g = randomGeometry(rng, /*depthwise=*/false, round % 4 == 0 ? 70 : 24);
        if (round % 6 == 0) { // the direct path
            g.filterH = g.filterW = g.strideH = g.strideW = g.dilationH = g.dilationW = 1;
            g.padTop = g.padLeft = 0;
            g.outH = g.inH, g.outW = g.inW;
        }
        INFO("round " << round << ": " << describe(g));
        const auto input = randomFloats(rng, inputSize(g));
        const auto filter = randomFloats(rng, size_t(g.outC) * size_t(g.patchSize()));
        const auto bias = randomFloats(rng, size_t(g.outC));
        const float* b = round % 5 != 0 ? bias.data() : nullptr;
        const conv::FloatActivation act = randomActivation(rng);
        std::vector<float> expected(outputSize(g)), got(outputSize(g), -99.0f), fused(outputSize(g), -99.0f);
        optimized::convFloatXnnpack(g, input.data(), filter.data(), b, act, expected.data(), nullptr);
        for (bool allowAvx512 : {true, false}) {
            optimized::FloatConvPlan plan(g, act, allowAvx512, optimized::FloatProducts::Unfused);
            plan.pack(filter.data(), b);
            plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
            INFO("AVX-512 " << plan.usesAvx512());
            REQUIRE(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
        }
        optimized::FloatConvPlan fusedPlan(g, act, false);
        fusedPlan.pack(filter.data(), b);
        fusedPlan.run(input.data(), fused.data(), nullptr);
        fusedDiffers += std::memcmp(fused.data(), expected.data(), got.size() * sizeof(float)) != 0 ? 1 : 0;
    }
    CHECK(fusedDiffers > 0); // the two modes are told apart
}

// Target::TfliteCpu's float depthwise: the AVX2 kernel computes the plain XNNPACK-order
// kernel's operations eight channels at a time, so the same floats bit for bit.
TEST_CASE("float-opt: AVX2 XNNPACK-order DEPTHWISE_CONV_2D equals the plain kernel bit for bit", "[conv][opt][float-opt]") {
    if (!__builtin_cpu_supports("avx2")) {
        WARN("skipped: this CPU has no AVX2");
        return;
    }
    std::mt19937 rng(23);
    ThreadPool pool(2);
    int checked = 0;
    for (int round = 0; round < 150; ++round) {
        const ConvGeometry g = randomGeometry(rng, /*depthwise=*/true, 40);
        INFO("round " << round << ": " << describe(g));
        const auto input = randomFloats(rng, inputSize(g));
        const auto filter = randomFloats(rng, size_t(g.filterH * g.filterW * g.outC));
        const auto bias = randomFloats(rng, size_t(g.outC));
        const float* b = round % 5 != 0 ? bias.data() : nullptr;
        const conv::FloatActivation act = randomActivation(rng);
        std::vector<float> expected(outputSize(g)), got(outputSize(g), -99.0f);
        optimized::depthwiseFloatXnnpack(g, input.data(), filter.data(), b, act, expected.data(), nullptr);
        const bool ran = optimized::depthwiseFloatXnnpackAvx2(g, input.data(), filter.data(), b, act, got.data(), round % 2 ? &pool : nullptr);
        // multiplier > 1 is XNNPACK's igemm and more than 25 taps its multipass kernels: not taken
        CHECK(ran == (g.depthMultiplier == 1 && g.filterH * g.filterW <= 25));
        if (!ran) continue;
        REQUIRE(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
        ++checked;
    }
    CHECK(checked > 100);
}

TEST_CASE("float-opt: a re-packed CONV_2D plan uses the new filter", "[conv][opt][float-opt]") {
    if (!optimized::FloatConvPlan::supported()) {
        WARN("skipped: this CPU or build has no AVX2 + FMA");
        return;
    }
    std::mt19937 rng(9);
    ConvGeometry g;
    g.inH = 5, g.inW = 7, g.inC = 19, g.outC = 35, g.filterH = 3, g.filterW = 3, g.outH = 5, g.outW = 7, g.padTop = 1, g.padLeft = 1;
    const auto input = randomFloats(rng, inputSize(g));
    optimized::FloatConvPlan plan(g, {});
    for (int i = 0; i < 2; ++i) {
        const auto filter = randomFloats(rng, size_t(g.outC) * size_t(g.patchSize()));
        const auto bias = randomFloats(rng, size_t(g.outC));
        std::vector<float> expected(outputSize(g)), got(outputSize(g));
        reference::convFloat(g, input, filter, bias.data(), {}, expected);
        plan.pack(filter.data(), bias.data());
        plan.run(input.data(), got.data(), nullptr);
        requireClose(got, expected, g.patchSize());
    }
}

// The CONV_2D plan packs a folded float16 filter once, but must use the hooked bytes while an
// input hook overwrites it, and the folded values again after the hook: outputs equal those
// of an interpreter without folding (which packs on every eval), byte for byte.
TEST_CASE("float-opt: packed folded CONV_2D filters follow input hooks", "[conv][opt][float-opt][shared]") {
    const auto path = test::sharedModel("hand_landmark_lite.tflite");
    if (!path) {
        WARN("skipped: ../shared/models/hand_landmark_lite.tflite is absent");
        return;
    }
    auto model = readModelFile(*path);
    REQUIRE(model);
    auto make = [&](bool fold) {
        InterpreterOptions o;
        o.foldConstants = fold;
        auto it = Interpreter::create(model.value(), o);
        REQUIRE(it);
        return std::move(it.value());
    };
    auto on = make(true), off = make(false);
    const Subgraph& sg = model.value()->subgraphs.front();
    // Scale the filter and bias of every CONV_2D (folded DEQUANTIZE outputs when folding).
    const InputHook scaleWeights = [&sg](const InputEvent& e) {
        if (sg.operators[e.op.index()].op != BuiltinOp::CONV_2D) return;
        for (size_t i = 1; i < e.inputs.size(); ++i)
            if (RtTensor* t = e.inputs[i]; t && !t->constant && t->type == TensorType::FLOAT32)
                for (float& v : t->values<float>()) v = v * 0.5f + 0.001f;
    };
    auto outputs = [](Interpreter& it) {
        std::vector<std::vector<uint8_t>> out;
        for (size_t i = 0; i < it.outputCount(); ++i) out.emplace_back(it.output(i).data, it.output(i).data + it.output(i).bytes);
        return out;
    };
    auto fill = [](Interpreter& it) {
        OracleRng rng(4);
        for (size_t i = 0; i < it.inputCount(); ++i) REQUIRE(fillRandom({it.input(i).data, it.input(i).bytes}, it.input(i).type, false, rng));
    };
    fill(*on);
    fill(*off);
    std::vector<std::vector<uint8_t>> plain, hooked;
    for (int round = 0; round < 4; ++round) {
        const bool hook = round % 2 == 1;
        REQUIRE(on->invoke({}, hook ? scaleWeights : InputHook{}));
        REQUIRE(off->invoke({}, hook ? scaleWeights : InputHook{}));
        INFO("round " << round);
        CHECK(outputs(*on) == outputs(*off));
        (hook ? hooked : plain) = outputs(*on);
    }
    CHECK(plain != hooked); // the hook changed the result
}

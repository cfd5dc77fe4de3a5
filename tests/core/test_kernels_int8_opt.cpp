// The int8 SIMD kernels (Int8DepthwisePlan, the vector requantization) against the reference
// kernels, bit for bit, on random shapes and on extreme quantization parameters, for every ISA
// this CPU supports (forced through the plans' Isa argument), with 1 and 2 threads.
#include "runtime/ThreadPool.h"
#include "runtime/kernels/conv/Int16ConvVnni.h"
#include "runtime/kernels/conv/Int16DepthwiseVnni.h"
#include "runtime/kernels/conv/Optimized.h"
#include "runtime/kernels/conv/Reference.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace ql;
using namespace ql::rt;
using conv::ConvGeometry;
using Isa = optimized::Int8ConvPlan::Isa;

namespace {

int uniform(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Depthwise shapes: channel counts around the 8 / 16 lane blocks, strides 1-3, dilation,
// SAME/VALID, filters up to 5x5, images smaller than the filter.
ConvGeometry randomDepthwise(std::mt19937& rng, int depthMultiplier) {
    ConvGeometry g;
    g.batches = uniform(rng, 1, 2);
    g.inH = uniform(rng, 1, 12);
    g.inW = uniform(rng, 1, 12);
    const int channelChoices[] = {1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40, 47};
    g.inC = channelChoices[uniform(rng, 0, 12)];
    g.depthMultiplier = depthMultiplier;
    g.outC = g.inC * depthMultiplier;
    g.filterH = uniform(rng, 1, 5);
    g.filterW = uniform(rng, 1, 5);
    g.strideH = uniform(rng, 1, 3);
    g.strideW = uniform(rng, 1, 3);
    g.dilationH = uniform(rng, 0, 3) == 0 ? 2 : 1;
    g.dilationW = uniform(rng, 0, 3) == 0 ? 3 : 1;
    const Padding padding = uniform(rng, 0, 1) ? Padding::SAME : Padding::VALID;
    g.outH = conv::computeOutSize(padding, g.inH, g.filterH, g.strideH, g.dilationH);
    g.outW = conv::computeOutSize(padding, g.inW, g.filterW, g.strideW, g.dilationW);
    if (g.outH <= 0 || g.outW <= 0) return randomDepthwise(rng, depthMultiplier);
    g.padTop = conv::computePadding(g.strideH, g.dilationH, g.inH, g.filterH, g.outH);
    g.padLeft = conv::computePadding(g.strideW, g.dilationW, g.inW, g.filterW, g.outW);
    return g;
}

// Per-channel (or one repeated) multipliers from 2^-35 to 2^4 in `extreme` rounds, so that
// left shifts, large right shifts and saturating clamps occur; zero points at the int8 ends.
conv::RequantParams randomRequant(std::mt19937& rng, int channels, bool perChannel, bool extreme) {
    conv::RequantParams p;
    double shared = 0;
    for (int c = 0; c < channels; ++c) {
        double real;
        if (perChannel || c == 0)
            real = extreme ? std::ldexp(std::uniform_real_distribution<double>(0.5, 1.0)(rng), uniform(rng, -35, 4))
                           : std::uniform_real_distribution<double>(0.0005, 0.02)(rng);
        else
            real = shared;
        shared = real;
        const QuantizedMultiplier m = quantizeMultiplier(real);
        p.multiplier.push_back(m.multiplier);
        p.shift.push_back(m.shift);
    }
    const int zeroPoints[] = {-128, 127, 0, -1, 5};
    p.inputOffset = -(extreme ? zeroPoints[uniform(rng, 0, 4)] : uniform(rng, -128, 127));
    p.outputOffset = extreme ? zeroPoints[uniform(rng, 0, 4)] : uniform(rng, -20, 20);
    switch (uniform(rng, 0, 2)) {
    case 0: p.actMin = -128, p.actMax = 127; break;                                        // none
    case 1: p.actMin = std::max(-128, p.outputOffset), p.actMax = 127; break;              // RELU
    default: p.actMin = std::max(-128, p.outputOffset), p.actMax = std::min(127, p.outputOffset + 40); break; // RELU6-like
    }
    return p;
}

template <class T> std::vector<T> randomInts(std::mt19937& rng, size_t n, int lo, int hi) {
    std::vector<T> v(n);
    for (T& x : v) x = static_cast<T>(uniform(rng, lo, hi));
    return v;
}

size_t inputSize(const ConvGeometry& g) { return size_t(g.batches) * g.inH * g.inW * g.inC; }
size_t outputSize(const ConvGeometry& g) { return size_t(g.outputPixels()) * g.outC; }

const Isa kAllIsas[] = {Isa::Generic, Isa::Avx2, Isa::Avx512Vnni};

} // namespace

TEST_CASE("int8-opt: DEPTHWISE_CONV_2D plan is bit-exact with the reference on every ISA", "[conv][opt][int8]") {
    std::mt19937 rng(2024);
    ThreadPool pool(2);
    int vectorRuns = 0;
    for (int round = 0; round < 150; ++round) {
        const int dm = round % 5 == 4 ? uniform(rng, 2, 3) : 1;
        const ConvGeometry g = randomDepthwise(rng, dm);
        const bool extreme = round % 3 == 2;
        const conv::RequantParams p = randomRequant(rng, g.outC, round % 4 != 0, extreme);
        const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
        // Weights include -128 (outside TFLite's symmetric range, but the arithmetic must hold).
        const auto filter = randomInts<int8_t>(rng, size_t(g.filterH * g.filterW * g.outC), extreme ? -128 : -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(g.outC), extreme ? -2000000000 : -20000, extreme ? 2000000000 : 20000);
        const int32_t* b = round % 6 == 1 ? nullptr : bias.data();
        std::vector<int8_t> expected(outputSize(g));
        reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, b, expected);
        for (Isa isa : kAllIsas) {
            if (!optimized::Int8ConvPlan::supported(isa)) continue;
            const optimized::Int8DepthwisePlan plan(g, p, filter, b, isa);
            if (dm == 1) CHECK(plan.isa() == isa);
            else CHECK(plan.isa() == Isa::Generic);
            vectorRuns += plan.isa() != Isa::Generic;
            std::vector<int8_t> got(expected.size(), 0x55);
            plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
            INFO("round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " in " << g.batches << "x" << g.inH << "x"
                          << g.inW << "x" << g.inC << " dm " << dm << " filter " << g.filterH << "x" << g.filterW << " stride "
                          << g.strideH << "x" << g.strideW << " dilation " << g.dilationH << "x" << g.dilationW << " pad " << g.padTop
                          << "," << g.padLeft << " inputOffset " << p.inputOffset << " outputOffset " << p.outputOffset);
            REQUIRE(got == expected);
        }
    }
    if (optimized::Int8ConvPlan::supported(Isa::Avx2)) CHECK(vectorRuns > 100);
}

TEST_CASE("int8-opt: DEPTHWISE_CONV_2D plan repacks a changed filter", "[conv][opt][int8]") {
    std::mt19937 rng(5);
    const ConvGeometry g = randomDepthwise(rng, 1);
    const conv::RequantParams p = randomRequant(rng, g.outC, true, false);
    const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
    auto filter = randomInts<int8_t>(rng, size_t(g.filterH * g.filterW * g.outC), -127, 127);
    const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -20000, 20000);
    optimized::Int8DepthwisePlan plan(g, p, filter, bias.data());
    filter = randomInts<int8_t>(rng, filter.size(), -127, 127);
    plan.repack(filter, bias.data());
    std::vector<int8_t> expected(outputSize(g)), got(outputSize(g));
    reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, bias.data(), expected);
    plan.run(input.data(), got.data(), nullptr);
    REQUIRE(got == expected);
}

TEST_CASE("int8-opt: a single-rounding plan falls back to the scalar epilogue exactly", "[conv][opt][int8]") {
    std::mt19937 rng(77);
    for (int round = 0; round < 20; ++round) {
        const ConvGeometry g = randomDepthwise(rng, 1);
        conv::RequantParams p = randomRequant(rng, g.outC, true, round % 2 == 1);
        p.rounding = Rounding::Single;
        const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
        const auto filter = randomInts<int8_t>(rng, size_t(g.filterH * g.filterW * g.outC), -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -20000, 20000);
        std::vector<int8_t> expected(outputSize(g)), got(outputSize(g));
        reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, bias.data(), expected);
        const optimized::Int8DepthwisePlan plan(g, p, filter, bias.data());
        plan.run(input.data(), got.data(), nullptr);
        REQUIRE(got == expected);
    }
}

namespace {

ConvGeometry randomConv(std::mt19937& rng) {
    ConvGeometry g;
    g.batches = uniform(rng, 1, 2);
    g.inH = uniform(rng, 1, 11);
    g.inW = uniform(rng, 1, 11);
    g.inC = uniform(rng, 1, 37);
    g.outC = uniform(rng, 1, 70);
    const bool pointwise = uniform(rng, 0, 2) == 0;
    g.filterH = pointwise ? 1 : uniform(rng, 1, 4);
    g.filterW = pointwise ? 1 : uniform(rng, 1, 4);
    g.strideH = uniform(rng, 1, 2);
    g.strideW = uniform(rng, 1, 2);
    g.dilationH = uniform(rng, 0, 3) == 0 ? 2 : 1;
    g.dilationW = uniform(rng, 0, 3) == 0 ? 2 : 1;
    const Padding padding = uniform(rng, 0, 1) ? Padding::SAME : Padding::VALID;
    g.outH = conv::computeOutSize(padding, g.inH, g.filterH, g.strideH, g.dilationH);
    g.outW = conv::computeOutSize(padding, g.inW, g.filterW, g.strideW, g.dilationW);
    if (g.outH <= 0 || g.outW <= 0) return randomConv(rng);
    g.padTop = conv::computePadding(g.strideH, g.dilationH, g.inH, g.filterH, g.outH);
    g.padLeft = conv::computePadding(g.strideW, g.dilationW, g.inW, g.filterW, g.outW);
    return g;
}

// A hybrid input: values quantized per batch with the given zero points, random scales.
struct HybridData {
    std::vector<int8_t> values;
    std::vector<float> scale;
    std::vector<int32_t> zeroPoint;
    reference::HybridInput view() const { return {values, scale, zeroPoint}; }
};

HybridData randomHybridInput(std::mt19937& rng, const ConvGeometry& g, bool asymmetric) {
    HybridData d;
    d.values = randomInts<int8_t>(rng, inputSize(g), asymmetric ? -128 : -127, 127);
    for (int b = 0; b < g.batches; ++b) {
        d.scale.push_back(std::uniform_real_distribution<float>(0.001f, 0.1f)(rng));
        d.zeroPoint.push_back(asymmetric ? uniform(rng, -128, 127) : 0);
    }
    return d;
}

std::vector<float> randomFloats(std::mt19937& rng, size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (float& x : v) x = std::uniform_real_distribution<float>(lo, hi)(rng);
    return v;
}

conv::RequantParams unusedRequant(int channels) {
    conv::RequantParams p;
    p.multiplier.assign(size_t(channels), 0);
    p.shift.assign(size_t(channels), 0);
    return p;
}

} // namespace

TEST_CASE("int8-opt: CONV_2D plan with extreme quantization parameters is bit-exact on every ISA", "[conv][opt][int8]") {
    std::mt19937 rng(31337);
    ThreadPool pool(2);
    for (int round = 0; round < 80; ++round) {
        const ConvGeometry g = randomConv(rng);
        const conv::RequantParams p = randomRequant(rng, g.outC, round % 3 != 0, true);
        const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
        const auto filter = randomInts<int8_t>(rng, size_t(g.outC * g.patchSize()), -128, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -2000000000, 2000000000);
        std::vector<int8_t> expected(outputSize(g));
        reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, bias.data(), expected);
        for (Isa isa : kAllIsas) {
            if (!optimized::Int8ConvPlan::supported(isa)) continue;
            const optimized::Int8ConvPlan plan(g, p, filter, bias.data(), isa);
            std::vector<int8_t> got(expected.size(), 0x55);
            plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
            INFO("round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " in " << g.inH << "x" << g.inW << "x" << g.inC
                          << " filter " << g.filterH << "x" << g.filterW << " out C " << g.outC);
            REQUIRE(got == expected);
        }
    }
}

TEST_CASE("int8-opt: hybrid CONV_2D plan equals reference::convHybrid bit for bit", "[conv][opt][hybrid]") {
    std::mt19937 rng(4242);
    ThreadPool pool(2);
    for (int round = 0; round < 60; ++round) {
        const ConvGeometry g = randomConv(rng);
        const bool asymmetric = round % 2 == 0;
        const HybridData in = randomHybridInput(rng, g, asymmetric);
        const auto filter = randomInts<int8_t>(rng, size_t(g.outC * g.patchSize()), -127, 127);
        const auto filterScale = randomFloats(rng, size_t(g.outC), 0.001f, 0.05f);
        const auto bias = randomFloats(rng, size_t(g.outC), -2.0f, 2.0f);
        const conv::FloatActivation act = round % 3 == 0 ? conv::FloatActivation{0.0f, 6.0f} : conv::FloatActivation{};
        const float* b = round % 4 == 3 ? nullptr : bias.data();
        std::vector<float> expected(outputSize(g));
        reference::convHybrid(g, in.view(), filter, filterScale, b, act, expected);
        for (Isa isa : kAllIsas) {
            if (!optimized::Int8ConvPlan::supported(isa)) continue;
            const optimized::Int8ConvPlan plan(g, unusedRequant(g.outC), filter, nullptr, isa);
            std::vector<float> got(expected.size(), -99.0f);
            plan.runHybrid(in.values.data(), in.scale, in.zeroPoint, filterScale, b, act, got.data(), round % 2 ? &pool : nullptr);
            INFO("round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " asymmetric " << asymmetric);
            REQUIRE(got == expected); // the same float operations on the same int32 sums
        }
    }
}

TEST_CASE("int8-opt: hybrid DEPTHWISE_CONV_2D plan equals reference::depthwiseHybrid bit for bit", "[conv][opt][hybrid]") {
    std::mt19937 rng(777);
    ThreadPool pool(2);
    int checked = 0;
    for (int round = 0; round < 60; ++round) {
        const ConvGeometry g = randomDepthwise(rng, 1);
        const HybridData in = randomHybridInput(rng, g, true);
        const auto filter = randomInts<int8_t>(rng, size_t(g.filterH * g.filterW * g.outC), -127, 127);
        const auto filterScale = randomFloats(rng, size_t(g.outC), 0.001f, 0.05f);
        const auto bias = randomFloats(rng, size_t(g.outC), -2.0f, 2.0f);
        const conv::FloatActivation act = round % 3 == 0 ? conv::FloatActivation{-1.0f, 1.0f} : conv::FloatActivation{};
        const float* b = round % 4 == 3 ? nullptr : bias.data();
        // Both accumulator scalings: TFLite's reference order and its optimized kernel's.
        const auto order = round % 2 ? conv::HybridScaleOrder::InputThenChannel : conv::HybridScaleOrder::ChannelTimesInput;
        std::vector<float> expected(outputSize(g));
        reference::depthwiseHybrid(g, in.view(), filter, filterScale, b, act, expected, order);
        for (Isa isa : {Isa::Avx2, Isa::Avx512Vnni}) {
            if (!optimized::Int8ConvPlan::supported(isa)) continue;
            const optimized::Int8DepthwisePlan plan(g, unusedRequant(g.outC), filter, nullptr, isa);
            REQUIRE(plan.isa() == isa);
            std::vector<float> got(expected.size(), -99.0f);
            plan.runHybrid(in.values.data(), in.scale, in.zeroPoint, filterScale, b, act, got.data(), round % 2 ? &pool : nullptr,
                           order);
            INFO("round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa));
            REQUIRE(got == expected);
            ++checked;
        }
    }
    if (!optimized::Int8ConvPlan::supported(Isa::Avx2)) WARN("skipped: the CPU has no AVX2");
    else CHECK(checked >= 60);
}

TEST_CASE("int8-opt: int16x8 CONV_2D and DEPTHWISE_CONV_2D plans are bit-exact with the reference", "[conv][opt][int16]") {
    std::mt19937 rng(1616);
    ThreadPool pool(2);
    for (int round = 0; round < 80; ++round) {
        const bool depthwise = round % 2 == 1;
        const ConvGeometry g = depthwise ? randomDepthwise(rng, 1) : randomConv(rng);
        conv::RequantParams p = randomRequant(rng, g.outC, round % 3 != 0, round % 4 >= 2);
        p.inputOffset = round % 5 == 0 ? uniform(rng, -300, 300) : 0; // TFLite: int16 zero point 0
        p.outputOffset = 0;
        p.actMin = round % 3 == 0 ? 0 : -32768;
        p.actMax = 32767;
        // Full int16 range including -32768 and large K, where int32 partial sums must not overflow.
        const auto input = randomInts<int16_t>(rng, inputSize(g), round % 7 == 0 ? -32768 : -20000, round % 7 == 0 ? -32700 : 20000);
        const size_t filterSize = depthwise ? size_t(g.filterH * g.filterW * g.outC) : size_t(g.outC * g.patchSize());
        const auto filter = randomInts<int8_t>(rng, filterSize, round % 7 == 0 ? -128 : -127, round % 7 == 0 ? -120 : 127);
        const bool bias32 = !depthwise && round % 4 == 0;
        const auto b64 = randomInts<int64_t>(rng, size_t(g.outC), -2000000, 2000000);
        const auto b32 = randomInts<int32_t>(rng, size_t(g.outC), -2000000, 2000000);
        std::vector<int16_t> expected(outputSize(g)), got(outputSize(g), 0x5555);
        if (depthwise)
            reference::depthwiseQuantized<int16_t, int8_t, int64_t, int64_t>(g, p, input, filter, b64.data(), expected);
        else if (bias32)
            reference::convQuantized<int16_t, int8_t, int32_t, int32_t>(g, p, input, filter, b32.data(), expected);
        else
            reference::convQuantized<int16_t, int8_t, int64_t, int64_t>(g, p, input, filter, b64.data(), expected);
        REQUIRE(optimized::Int16ConvPlan::handles(g, depthwise));
        const optimized::Int16ConvPlan plan(g, p, filter, bias32 ? nullptr : b64.data(), bias32 ? b32.data() : nullptr, depthwise);
        // The VNNI pair-packed paths where the CPU has them (Int16ConvVnni.h, Int16DepthwiseVnni.h).
        CHECK(plan.usesVnni() == (depthwise ? optimized::int16DepthwiseVnniAvailable() : optimized::int16VnniAvailable()));
        plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
        INFO("round " << round << (depthwise ? " depthwise" : " conv") << " K " << g.patchSize() << " out C " << g.outC);
        REQUIRE(got == expected);
        // The portable loops (no AVX-512 tap sums or requantization) give the same integers.
        const optimized::Int16ConvPlan portable(g, p, filter, bias32 ? nullptr : b64.data(), bias32 ? b32.data() : nullptr, depthwise,
                                                /*simd=*/false);
        CHECK_FALSE(portable.usesVnni());
        std::fill(got.begin(), got.end(), int16_t(0x5555));
        portable.run(input.data(), got.data(), round % 2 ? nullptr : &pool);
        REQUIRE(got == expected);
    }
}

TEST_CASE("int8-opt: int16x8 CONV_2D with a long patch (K > 256) keeps 64-bit sums exact", "[conv][opt][int16]") {
    std::mt19937 rng(99);
    ConvGeometry g;
    g.inH = g.inW = g.outH = g.outW = 3;
    g.inC = 300;
    g.outC = 5;
    g.filterH = g.filterW = 3;
    g.padTop = g.padLeft = 1;
    conv::RequantParams p = randomRequant(rng, g.outC, true, false);
    p.inputOffset = 0;
    p.outputOffset = 0;
    p.actMin = -32768;
    p.actMax = 32767;
    // Every product is +2^22: 2700 of them overflow int32 many times over.
    const std::vector<int16_t> input(inputSize(g), -32768);
    const std::vector<int8_t> filter(size_t(g.outC * g.patchSize()), -128);
    const std::vector<int64_t> bias(size_t(g.outC), 0);
    std::vector<int16_t> expected(outputSize(g)), got(outputSize(g));
    reference::convQuantized<int16_t, int8_t, int64_t, int64_t>(g, p, input, filter, bias.data(), expected);
    const optimized::Int16ConvPlan plan(g, p, filter, bias.data(), nullptr, false);
    plan.run(input.data(), got.data(), nullptr);
    REQUIRE(got == expected);
}

#include "runtime/kernels/conv/HybridQuantize.h"

TEST_CASE("int8-opt: hybrid input quantization equals TFLite's scalar formulas (ties, signs, sizes)", "[conv][opt][hybrid]") {
    std::mt19937 rng(8);
    for (int round = 0; round < 60; ++round) {
        const size_t n = size_t(uniform(rng, 1, 300));
        std::vector<float> v(n);
        const float spread = std::ldexp(1.0f, uniform(rng, -10, 10));
        for (float& x : v) x = std::uniform_real_distribution<float>(round % 3 == 0 ? 0.0f : -spread, spread)(rng);
        // Values that land on .5 ties after scaling: multiples of range / 254.
        if (round % 2 == 0)
            for (size_t i = 0; i < n; i += 3) v[i] = float(uniform(rng, -254, 254)) * spread / 254.0f;
        if (round % 5 == 0) v[0] = -0.0f;
        std::vector<int8_t> got(n), expected(n);

        const float scale = conv::symmetricQuantize(v, got);
        float lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
        const float range = std::max(std::abs(lo), std::abs(hi));
        REQUIRE(scale == range / 127);
        for (size_t i = 0; i < n; ++i)
            expected[i] = static_cast<int8_t>(std::min(127, std::max(-127, static_cast<int32_t>(std::round(v[i] * (127 / range))))));
        REQUIRE(got == expected);

        const conv::AsymmetricParams a = conv::asymmetricQuantize(v, got);
        const float inverse = 1.0f / a.scale;
        for (size_t i = 0; i < n; ++i)
            expected[i] = static_cast<int8_t>(
                std::min(127, std::max(-128, static_cast<int32_t>(std::round(float(a.zeroPoint) + v[i] * inverse)))));
        REQUIRE(got == expected);
    }
}

TEST_CASE("int8-opt: pointwise CONV_2D read in place (1x1, stride 1) is bit-exact on every ISA", "[conv][opt][int8]") {
    std::mt19937 rng(404);
    ThreadPool pool(2);
    for (int round = 0; round < 40; ++round) {
        ConvGeometry g;
        g.batches = uniform(rng, 1, 2);
        g.inH = g.outH = uniform(rng, 1, 12);
        g.inW = g.outW = uniform(rng, 1, 12);
        g.inC = 4 * uniform(rng, 1, 24) + (round % 4 == 3 ? 1 : 0); // mostly multiples of 4
        g.outC = uniform(rng, 1, 70);
        const conv::RequantParams p = randomRequant(rng, g.outC, round % 2 == 0, round % 3 == 0);
        const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
        const auto filter = randomInts<int8_t>(rng, size_t(g.outC * g.patchSize()), -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -50000, 50000);
        std::vector<int8_t> expected(outputSize(g));
        reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, bias.data(), expected);
        for (Isa isa : kAllIsas) {
            if (!optimized::Int8ConvPlan::supported(isa)) continue;
            const optimized::Int8ConvPlan plan(g, p, filter, bias.data(), isa);
            std::vector<int8_t> got(expected.size(), 0x55);
            plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
            INFO("round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " inC " << g.inC << " outC " << g.outC);
            REQUIRE(got == expected);
        }
    }
}

namespace {

// XNNPACK's fp32 requantization (the default target, tflite-cpu) on top of randomRequant's
// offsets and clamp: one float scale per channel (or one repeated). Every fourth round uses
// powers of two, so that half-way products (rounded to even) are common.
void addFp32Scales(std::mt19937& rng, conv::RequantParams& p, int channels, bool perChannel, int round) {
    p.fpScale.clear();
    float shared = 0;
    for (int c = 0; c < channels; ++c) {
        if (perChannel || c == 0)
            shared = round % 4 == 3 ? std::ldexp(1.0f, -uniform(rng, 1, 12)) : std::uniform_real_distribution<float>(1e-5f, 0.02f)(rng);
        p.fpScale.push_back(shared);
    }
}

} // namespace

TEST_CASE("int8-opt: fp32 requantization (tflite-cpu) in the CONV_2D and DEPTHWISE_CONV_2D plans is bit-exact on every ISA",
          "[conv][opt][int8][xnnpack]") {
    std::mt19937 rng(2025);
    ThreadPool pool(2);
    int vectorDepthwise = 0;
    for (int round = 0; round < 120; ++round) {
        const bool perChannel = round % 3 != 0;
        const int32_t* noBias = nullptr;
        {
            const ConvGeometry g = randomConv(rng);
            conv::RequantParams p = randomRequant(rng, g.outC, perChannel, round % 5 == 4);
            addFp32Scales(rng, p, g.outC, perChannel, round);
            const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
            const auto filter = randomInts<int8_t>(rng, size_t(g.outC * g.patchSize()), -127, 127);
            const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -50000, 50000);
            const int32_t* b = round % 7 == 1 ? noBias : bias.data();
            std::vector<int8_t> expected(outputSize(g));
            reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, b, expected);
            for (Isa isa : kAllIsas) {
                if (!optimized::Int8ConvPlan::supported(isa)) continue;
                const optimized::Int8ConvPlan plan(g, p, filter, b, isa);
                std::vector<int8_t> got(expected.size(), 0x55);
                plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
                INFO("conv round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " in " << g.inH << "x" << g.inW << "x"
                                   << g.inC << " filter " << g.filterH << "x" << g.filterW << " outC " << g.outC);
                REQUIRE(got == expected);
            }
        }
        {
            const int dm = round % 6 == 5 ? 2 : 1;
            const ConvGeometry g = randomDepthwise(rng, dm);
            conv::RequantParams p = randomRequant(rng, g.outC, perChannel, round % 5 == 4);
            addFp32Scales(rng, p, g.outC, perChannel, round);
            const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
            const auto filter = randomInts<int8_t>(rng, size_t(g.filterH * g.filterW * g.outC), -127, 127);
            const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -50000, 50000);
            const int32_t* b = round % 7 == 2 ? noBias : bias.data();
            std::vector<int8_t> expected(outputSize(g));
            reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, b, expected);
            for (Isa isa : kAllIsas) {
                if (!optimized::Int8ConvPlan::supported(isa)) continue;
                const optimized::Int8DepthwisePlan plan(g, p, filter, b, isa);
                vectorDepthwise += plan.isa() != Isa::Generic;
                std::vector<int8_t> got(expected.size(), 0x55);
                plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
                INFO("depthwise round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " in " << g.inH << "x" << g.inW
                                        << "x" << g.inC << " dm " << dm << " filter " << g.filterH << "x" << g.filterW);
                REQUIRE(got == expected);
            }
        }
    }
    if (optimized::Int8ConvPlan::supported(Isa::Avx2)) CHECK(vectorDepthwise > 100);
}

TEST_CASE("int8-opt: the vector fp32 requantization rounds like xnn::requantizeFp32 (ties to even, large sums, clamps)",
          "[conv][opt][int8][xnnpack]") {
    // Accumulators beyond 2^24 (float(acc) itself rounds), exact half-way products with scale
    // 2^-k, and bounds on both sides; 37 channels leave a scalar tail after the 8-lane blocks.
    std::mt19937 rng(99);
    const int channels = 37;
    for (int round = 0; round < 200; ++round) {
        conv::RequantParams p;
        p.outputOffset = uniform(rng, -128, 127);
        p.actMin = uniform(rng, -128, p.outputOffset);
        p.actMax = uniform(rng, p.actMin, 127);
        for (int c = 0; c < channels; ++c)
            p.fpScale.push_back(round % 2 ? std::ldexp(1.0f, -uniform(rng, 1, 26)) : std::uniform_real_distribution<float>(1e-9f, 2.0f)(rng));
        std::vector<int32_t> acc(channels);
        for (int32_t& a : acc) a = round % 3 == 0 ? uniform(rng, -2147483647, 2147483647) : uniform(rng, -4000, 4000);
        std::vector<int8_t> got(channels), expected(channels);
        for (int c = 0; c < channels; ++c) expected[size_t(c)] = static_cast<int8_t>(reference::requantize(acc[size_t(c)], p, c));
        optimized::requantizeRow(acc.data(), channels, p, got.data());
        INFO("round " << round << " zp " << p.outputOffset << " [" << p.actMin << ", " << p.actMax << "]");
        REQUIRE(got == expected);
    }
}

// The optimised convolution kernels against their references (Reference.h) on random shapes,
// strides, dilations, paddings and per-channel scales: integers must be equal, floats within
// float rounding. Every int8 GEMM variant this CPU supports is checked, with 1 and 2 threads.
#include "runtime/ThreadPool.h"
#include "runtime/kernels/conv/Optimized.h"
#include "runtime/kernels/conv/Reference.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <random>

using namespace ql;
using namespace ql::rt;
using conv::ConvGeometry;

namespace {

ConvGeometry randomGeometry(std::mt19937& rng, bool depthwise) {
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    ConvGeometry g;
    g.batches = r(1, 2);
    g.inH = r(1, 13);
    g.inW = r(1, 13);
    g.inC = depthwise ? r(1, 20) : r(1, 40);
    g.depthMultiplier = depthwise ? (r(0, 3) == 0 ? r(2, 3) : 1) : 1;
    g.outC = depthwise ? g.inC * g.depthMultiplier : r(1, 70);
    g.filterH = r(1, 4);
    g.filterW = r(1, 4);
    g.strideH = r(1, 3);
    g.strideW = r(1, 3);
    g.dilationH = r(0, 2) == 0 ? r(2, 3) : 1;
    g.dilationW = r(0, 2) == 0 ? r(2, 3) : 1;
    const Padding padding = r(0, 1) ? Padding::SAME : Padding::VALID;
    g.outH = conv::computeOutSize(padding, g.inH, g.filterH, g.strideH, g.dilationH);
    g.outW = conv::computeOutSize(padding, g.inW, g.filterW, g.strideW, g.dilationW);
    if (g.outH <= 0 || g.outW <= 0) return randomGeometry(rng, depthwise);
    g.padTop = conv::computePadding(g.strideH, g.dilationH, g.inH, g.filterH, g.outH);
    g.padLeft = conv::computePadding(g.strideW, g.dilationW, g.inW, g.filterW, g.outW);
    return g;
}

conv::RequantParams randomRequant(std::mt19937& rng, int channels) {
    std::uniform_real_distribution<float> scale(0.0005f, 0.02f);
    conv::RequantParams p;
    std::vector<float> filterScales(static_cast<size_t>(channels));
    for (float& s : filterScales) s = scale(rng);
    const float inputScale = 0.05f, outputScale = std::uniform_real_distribution<float>(0.01f, 0.2f)(rng);
    conv::perChannelMultipliers(inputScale, filterScales, outputScale, channels, p);
    p.inputOffset = -std::uniform_int_distribution<int>(-128, 127)(rng);
    p.outputOffset = std::uniform_int_distribution<int>(-20, 20)(rng);
    const int lo = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? -20 : -128;
    p.actMin = lo;
    p.actMax = 127;
    return p;
}

template <class T> std::vector<T> randomInts(std::mt19937& rng, size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<T> v(n);
    for (T& x : v) x = static_cast<T>(d(rng));
    return v;
}

std::vector<float> randomFloats(std::mt19937& rng, size_t n) {
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

size_t inputSize(const ConvGeometry& g) { return size_t(g.batches) * g.inH * g.inW * g.inC; }
size_t outputSize(const ConvGeometry& g) { return size_t(g.outputPixels()) * g.outC; }

} // namespace

TEST_CASE("conv-opt: vectorised multiplyByQuantizedMultiplier equals the scalar one", "[conv][opt]") {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
    std::uniform_int_distribution<int32_t> small(-200000, 200000);
    for (int round = 0; round < 200; ++round) {
        const int channels = std::uniform_int_distribution<int>(1, 67)(rng);
        conv::RequantParams p;
        for (int c = 0; c < channels; ++c) {
            // Multipliers from 2^-40 to 2^10, so that both shift directions and the
            // flush-to-zero case occur.
            const double real = std::ldexp(std::uniform_real_distribution<double>(0.5, 1.0)(rng),
                                           std::uniform_int_distribution<int>(-40, 10)(rng));
            const QuantizedMultiplier m = quantizeMultiplier(real);
            p.multiplier.push_back(m.multiplier);
            p.shift.push_back(m.shift);
        }
        p.outputOffset = std::uniform_int_distribution<int>(-128, 127)(rng);
        p.actMin = -128;
        p.actMax = 127;
        std::vector<int32_t> acc(static_cast<size_t>(channels));
        for (int32_t& a : acc) a = round % 2 ? any(rng) : small(rng);
        std::vector<int8_t> fast(static_cast<size_t>(channels)), slow(static_cast<size_t>(channels));
        optimized::requantizeRow(acc.data(), channels, p, fast.data());
        for (int c = 0; c < channels; ++c) slow[size_t(c)] = static_cast<int8_t>(reference::requantize(acc[size_t(c)], p, c));
        REQUIRE(fast == slow);
    }
}

TEST_CASE("conv-opt: int8 CONV_2D GEMM paths are bit-exact with the reference", "[conv][opt]") {
    using Isa = optimized::Int8ConvPlan::Isa;
    std::mt19937 rng(1234);
    ThreadPool pool(2);
    int checked = 0;
    for (int round = 0; round < 60; ++round) {
        const ConvGeometry g = randomGeometry(rng, false);
        const conv::RequantParams p = randomRequant(rng, g.outC);
        const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
        const auto filter = randomInts<int8_t>(rng, size_t(g.outC * g.patchSize()), -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -20000, 20000);
        std::vector<int8_t> expected(outputSize(g));
        reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, bias.data(), expected);
        for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512Vnni}) {
            if (!optimized::Int8ConvPlan::supported(isa)) continue;
            optimized::Int8ConvPlan plan(g, p, filter, round % 3 ? bias.data() : nullptr, isa);
            if (round % 3 == 0) { // without bias
                reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, nullptr, expected);
            }
            std::vector<int8_t> got(expected.size());
            plan.run(input.data(), got.data(), round % 2 ? &pool : nullptr);
            INFO("round " << round << " isa " << optimized::Int8ConvPlan::isaName(isa) << " in " << g.inH << "x" << g.inW << "x"
                          << g.inC << " filter " << g.filterH << "x" << g.filterW << " out C " << g.outC << " stride " << g.strideH
                          << "x" << g.strideW << " dilation " << g.dilationH << "x" << g.dilationW);
            REQUIRE(got == expected);
            ++checked;
        }
    }
    CHECK(checked >= 60);
}

TEST_CASE("conv-opt: int8 DEPTHWISE_CONV_2D is bit-exact with the reference", "[conv][opt]") {
    std::mt19937 rng(99);
    ThreadPool pool(2);
    for (int round = 0; round < 60; ++round) {
        const ConvGeometry g = randomGeometry(rng, true);
        const conv::RequantParams p = randomRequant(rng, g.outC);
        const auto input = randomInts<int8_t>(rng, inputSize(g), -128, 127);
        const auto filter = randomInts<int8_t>(rng, size_t(g.filterH * g.filterW * g.outC), -127, 127);
        const auto bias = randomInts<int32_t>(rng, size_t(g.outC), -20000, 20000);
        const int32_t* b = round % 4 ? bias.data() : nullptr;
        std::vector<int8_t> expected(outputSize(g)), got(outputSize(g));
        reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, input, filter, b, expected);
        optimized::depthwiseInt8(g, p, input.data(), filter.data(), b, got.data(), round % 2 ? &pool : nullptr);
        INFO("round " << round << " multiplier " << g.depthMultiplier);
        REQUIRE(got == expected);
    }
}

TEST_CASE("conv-opt: float CONV_2D and DEPTHWISE_CONV_2D agree with the reference", "[conv][opt]") {
    std::mt19937 rng(7);
    ThreadPool pool(2);
    for (int round = 0; round < 60; ++round) {
        const bool dw = round % 2 == 1;
        const ConvGeometry g = randomGeometry(rng, dw);
        const auto input = randomFloats(rng, inputSize(g));
        const auto filter = randomFloats(rng, dw ? size_t(g.filterH * g.filterW * g.outC) : size_t(g.outC * g.patchSize()));
        const auto bias = randomFloats(rng, size_t(g.outC));
        const conv::FloatActivation act = round % 3 == 0 ? conv::FloatActivation{0.0f, 6.0f} : conv::FloatActivation{};
        std::vector<float> expected(outputSize(g)), got(outputSize(g));
        if (dw) {
            reference::depthwiseFloat(g, input, filter, bias.data(), act, expected);
            optimized::depthwiseFloat(g, input.data(), filter.data(), bias.data(), act, got.data(), round % 4 == 1 ? &pool : nullptr);
        } else {
            reference::convFloat(g, input, filter, bias.data(), act, expected);
            optimized::convFloat(g, input.data(), filter.data(), bias.data(), act, got.data(), round % 4 == 0 ? &pool : nullptr);
        }
        // Sums of up to a few hundred products of values in [-1, 1]: a few ulps of the sum.
        const double tolerance = 1e-5 * std::sqrt(double(g.patchSize()) + 1.0);
        for (size_t i = 0; i < got.size(); ++i) REQUIRE(std::abs(got[i] - expected[i]) <= tolerance);
    }
}

// Timings of the optimised kernels against their references (prints, asserts only equality):
// test_core "[.bench-conv]". Not part of the normal run.
TEST_CASE("conv-opt: timings of optimised vs reference kernels", "[.bench-conv]") {
    auto time = [](auto&& fn, int runs) {
        fn();
        double best = 1e30;
        for (int i = 0; i < runs; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            fn();
            best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        return best;
    };
    std::mt19937 rng(5);
    ThreadPool pool(2);
    ConvGeometry g;
    g.inH = g.inW = g.outH = g.outW = 56;
    g.inC = g.outC = 64;
    g.filterH = g.filterW = 3;
    g.padTop = g.padLeft = 1;
    const double macs = double(g.outputPixels()) * g.outC * g.patchSize();
    const auto fin = randomFloats(rng, inputSize(g));
    const auto fw = randomFloats(rng, size_t(g.outC * g.patchSize()));
    const auto fb = randomFloats(rng, size_t(g.outC));
    std::vector<float> fo(outputSize(g)), fr(outputSize(g));
    const double fref = time([&] { reference::convFloat(g, fin, fw, fb.data(), {}, fr); }, 2);
    const double fopt = time([&] { optimized::convFloat(g, fin.data(), fw.data(), fb.data(), {}, fo.data(), nullptr); }, 5);
    const double fopt2 = time([&] { optimized::convFloat(g, fin.data(), fw.data(), fb.data(), {}, fo.data(), &pool); }, 5);
    WARN("float conv 56x56x64 3x3 -> 64: reference " << fref << " ms, optimised " << fopt << " ms (" << 2 * macs / fopt / 1e6
                                                      << " GFLOP/s, AVX2 GEMM " << optimized::gemmFloatUsesAvx2() << "), 2 threads "
                                                      << fopt2 << " ms");

    const conv::RequantParams p = randomRequant(rng, g.outC);
    const auto qin = randomInts<int8_t>(rng, inputSize(g), -128, 127);
    const auto qw = randomInts<int8_t>(rng, size_t(g.outC * g.patchSize()), -127, 127);
    const auto qb = randomInts<int32_t>(rng, size_t(g.outC), -2000, 2000);
    std::vector<int8_t> qo(outputSize(g)), qr(outputSize(g));
    const double qref = time([&] { reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, p, qin, qw, qb.data(), qr); }, 2);
    using Isa = optimized::Int8ConvPlan::Isa;
    for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512Vnni}) {
        if (!optimized::Int8ConvPlan::supported(isa)) continue;
        optimized::Int8ConvPlan plan(g, p, qw, qb.data(), isa);
        const double t1 = time([&] { plan.run(qin.data(), qo.data(), nullptr); }, 5);
        CHECK(qo == qr);
        const double t2 = time([&] { plan.run(qin.data(), qo.data(), &pool); }, 5);
        WARN("int8 conv 56x56x64 3x3 -> 64: reference " << qref << " ms, " << optimized::Int8ConvPlan::isaName(isa) << " " << t1
                                                        << " ms (" << macs / t1 / 1e6 << " GMAC/s), 2 threads " << t2 << " ms");
    }

    ConvGeometry d = g;
    d.inC = d.outC = 144;
    d.depthMultiplier = 1;
    const auto din = randomFloats(rng, inputSize(d));
    const auto dw = randomFloats(rng, size_t(9 * d.outC));
    const auto db = randomFloats(rng, size_t(d.outC));
    std::vector<float> dout(outputSize(d));
    const double dref = time([&] { reference::depthwiseFloat(d, din, dw, db.data(), {}, dout); }, 2);
    const double dopt = time([&] { optimized::depthwiseFloat(d, din.data(), dw.data(), db.data(), {}, dout.data(), nullptr); }, 5);
    const conv::RequantParams dp = randomRequant(rng, d.outC);
    const auto dqin = randomInts<int8_t>(rng, inputSize(d), -128, 127);
    const auto dqw = randomInts<int8_t>(rng, size_t(9 * d.outC), -127, 127);
    std::vector<int8_t> dqo(outputSize(d));
    const double dqref =
        time([&] { reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(d, dp, dqin, dqw, nullptr, dqo); }, 2);
    const double dqopt = time([&] { optimized::depthwiseInt8(d, dp, dqin.data(), dqw.data(), nullptr, dqo.data(), nullptr); }, 5);
    WARN("depthwise 56x56x144 3x3: float reference " << dref << " ms, optimised " << dopt << " ms; int8 reference " << dqref
                                                     << " ms, optimised " << dqopt << " ms");
}

// int8 CONV_2D / DEPTHWISE_CONV_2D on MobileNetV2-like layer shapes: the reference loop against
// the optimised plans (Int8ConvPlan, Int8DepthwisePlan), with TFLite's fixed-point
// requantization (tflite-reference) and XNNPACK's fp32 requantization (tflite-cpu, the default
// target). One thread; prints milliseconds per layer and checks that plan and reference agree.
#include "runtime/kernels/conv/Optimized.h"
#include "runtime/kernels/conv/Reference.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using namespace ql;
using namespace ql::rt;
using conv::ConvGeometry;

namespace {

template <class F> double millisecondsPerRun(F&& run, int reps) {
    run(); // warm-up (packing caches, page faults)
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i)
        run();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
               .count() /
           reps;
}

struct Layer {
    const char* name;
    int size, channels, outChannels, filter, stride;
    bool depthwise;
};

ConvGeometry geometryOf(const Layer& l) {
    ConvGeometry g;
    g.inH = g.inW = l.size;
    g.inC = l.channels;
    g.outC = l.outChannels;
    g.filterH = g.filterW = l.filter;
    g.strideH = g.strideW = l.stride;
    g.outH = g.outW = conv::computeOutSize(Padding::SAME, l.size, l.filter, l.stride, 1);
    g.padTop = g.padLeft = conv::computePadding(l.stride, 1, l.size, l.filter, g.outH);
    return g;
}

} // namespace

int main() {
    std::mt19937 rng(1);
    const Layer layers[] = {{"conv 3x3 s2 224x224x3->32", 224, 3, 32, 3, 2, false},
                            {"conv 1x1 56x56x24->144", 56, 24, 144, 1, 1, false},
                            {"conv 1x1 28x28x192->32", 28, 192, 32, 1, 1, false},
                            {"dw 3x3 56x56x144", 56, 144, 144, 3, 1, true},
                            {"dw 3x3 s2 112x112x96", 112, 96, 96, 3, 2, true}};
    for (const Layer& l : layers) {
        const ConvGeometry g = geometryOf(l);
        conv::RequantParams p;
        p.inputOffset = 3;
        p.outputOffset = -5;
        p.actMin = -5, p.actMax = 127;
        for (int c = 0; c < l.outChannels; ++c) {
            const double real = 0.0005 + 0.00001 * c;
            const QuantizedMultiplier m = quantizeMultiplier(real);
            p.multiplier.push_back(m.multiplier);
            p.shift.push_back(m.shift);
        }
        std::vector<int8_t> input(size_t(l.size) * l.size * l.channels);
        std::vector<int8_t> filter(size_t(l.outChannels) * l.filter * l.filter *
                                   (l.depthwise ? 1 : l.channels));
        for (int8_t& x : input)
            x = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
        for (int8_t& x : filter)
            x = static_cast<int8_t>(std::uniform_int_distribution<int>(-127, 127)(rng));
        const std::vector<int32_t> bias(size_t(l.outChannels), 100);
        std::vector<int8_t> expected(size_t(g.outputPixels()) * g.outC), got(expected.size());
        for (bool fp32 : {false, true}) {
            if (fp32)
                for (int c = 0; c < l.outChannels; ++c)
                    p.fpScale.push_back(static_cast<float>(0.0005 + 0.00001 * c));
            double reference = 0, plan = 0;
            if (l.depthwise) {
                reference = millisecondsPerRun(
                    [&] {
                        reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(
                            g, p, input, filter, bias.data(), expected);
                    },
                    3);
                const optimized::Int8DepthwisePlan opt(g, p, filter, bias.data());
                plan = millisecondsPerRun([&] { opt.run(input.data(), got.data(), nullptr); }, 20);
            } else {
                reference = millisecondsPerRun(
                    [&] {
                        reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(
                            g, p, input, filter, bias.data(), expected);
                    },
                    3);
                const optimized::Int8ConvPlan opt(g, p, filter, bias.data());
                plan = millisecondsPerRun([&] { opt.run(input.data(), got.data(), nullptr); }, 20);
            }
            std::printf("%-28s %-11s reference %9.3f ms   plan %8.3f ms   %6.1fx   %s\n", l.name,
                        fp32 ? "fp32" : "fixed-point", reference, plan, reference / plan,
                        got == expected ? "bit-exact" : "DIFFERENT");
        }
    }
    return 0;
}

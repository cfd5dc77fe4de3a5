// core/analysis: tensor values and statistics, the what-if quantizer, operator quantization.
#include "TestModels.h"

#include "analysis/OperatorQuant.h"
#include "analysis/TensorStats.h"
#include "analysis/WhatIf.h"
#include "model/ModelBuilder.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ql;


TEST_CASE("tensor values decode every dtype and dequantize per channel", "[analysis]") {
    ModelBuilder b;
    QuantParams q;
    q.scale = {0.5f, 0.25f};
    q.zeroPoint = {0, 2};
    q.quantizedDimension = 0;
    const auto w = b.addConstant("w", TensorType::INT8, {2, 3}, std::vector<int8_t>{-4, 0, 4, 2, 6, -2}, q);
    const auto h = b.addConstant("h", TensorType::FLOAT16, {3}, std::vector<uint16_t>{0x3C00, 0xC000, 0x0001});
    const auto i4 = b.addConstantBytes("i4", TensorType::INT4, {3}, {0x8F, 0x07});
    const auto act = b.addTensor("act", TensorType::FLOAT32, {3});
    Model m = b.build();
    const Subgraph& sg = m.subgraphs[0];

    auto raw = decodeTensorValues(m, sg.tensor(w));
    REQUIRE(raw);
    CHECK(raw.value() == std::vector<double>{-4, 0, 4, 2, 6, -2});
    const auto deq = dequantizeValues(sg.tensor(w), raw.value());
    CHECK(deq == std::vector<double>{-2, 0, 2, 0, 1, -1}); // r = s_c * (q - z_c)

    auto half = decodeTensorValues(m, sg.tensor(h));
    REQUIRE(half);
    CHECK(half.value()[0] == 1.0);
    CHECK(half.value()[1] == -2.0);
    CHECK(half.value()[2] == std::ldexp(1.0, -24)); // smallest subnormal

    auto nibbles = decodeTensorValues(m, sg.tensor(i4));
    REQUIRE(nibbles);
    CHECK(nibbles.value() == std::vector<double>{-1, -8, 7}); // low nibble first, sign-extended

    CHECK_FALSE(decodeTensorValues(m, sg.tensor(act)));

    const auto table = quantizationTable(sg.tensor(w));
    REQUIRE(table.size() == 2);
    CHECK(table[1].minFloat == Approx(0.25 * (-128 - 2)));
    CHECK(table[1].maxFloat == Approx(0.25 * (127 - 2)));
}

TEST_CASE("value statistics: mean, std, sparsity, per channel, histogram", "[analysis]") {
    const std::vector<double> v{0, 0, 1, 3, -2, NAN};
    const ValueStats s = computeValueStats(v);
    CHECK(s.count == 5);
    CHECK(s.nonFinite == 1);
    CHECK(s.min == -2);
    CHECK(s.max == 3);
    CHECK(s.mean == Approx(0.4));
    CHECK(s.stddev == Approx(std::sqrt((0.16 * 2 + 0.36 + 6.76 + 5.76) / 5)));
    CHECK(s.sparsity == Approx(0.4));
    CHECK(s.absMax == 3);

    // shape [2, 3], axis 1: channels are columns {1, 4}, {2, 5}, {3, 6}
    const std::vector<double> m{1, 2, 3, 4, 5, 6};
    const auto ch = perChannelStats(m, {2, 3}, 1);
    REQUIRE(ch.size() == 3);
    CHECK(ch[2].min == 3);
    CHECK(ch[2].max == 6);
    CHECK(channelValues(m, {2, 3}, 1, 1) == std::vector<double>{2, 5});
    CHECK(perChannelStats(m, {2, 3}, 0)[1].mean == 5);

    const Histogram hist = makeHistogram(m, 5);
    CHECK(hist.lo == 1);
    CHECK(hist.hi == 6);
    uint64_t total = 0;
    for (auto c : hist.counts) total += c;
    CHECK(total == 6);
    CHECK(hist.counts.back() == 2); // 5 and 6 (the maximum lands in the last bin)
}

TEST_CASE("what-if: symmetric and asymmetric grids, MSE and SQNR", "[analysis]") {
    WhatIfParams p{-1.0, 1.0, 8, true};
    const WhatIfResult g = quantizationGrid(p);
    CHECK(g.qmin == -127);
    CHECK(g.qmax == 127);
    CHECK(g.scale == Approx(1.0 / 127));
    CHECK(g.zeroPoint == 0);

    // values on the grid are exact
    std::vector<double> onGrid;
    for (int q = -127; q <= 127; ++q) onGrid.push_back(q / 127.0);
    const WhatIfResult exact = simulateQuantization(onGrid, p);
    CHECK(exact.mse < 1e-20);
    CHECK(exact.sqnrDb > 200); // only rounding noise of q / 127 in double

    // clipping: 2.0 is clipped to 1.0
    const std::vector<double> v{0.5, 2.0};
    const WhatIfResult c = simulateQuantization(v, p);
    CHECK(c.clippedFraction == Approx(0.5));
    CHECK(c.maxAbsError == Approx(1.0).margin(1e-9));
    CHECK(c.mse == Approx((std::pow(0.5 - std::round(0.5 * 127) / 127, 2) + 1.0) / 2));

    // fewer bits, more noise
    std::vector<double> ramp;
    for (int i = 0; i < 1000; ++i) ramp.push_back(std::sin(i * 0.01));
    const double s8 = simulateQuantization(ramp, {-1, 1, 8, true}).sqnrDb;
    const double s4 = simulateQuantization(ramp, {-1, 1, 4, true}).sqnrDb;
    CHECK(s8 > s4 + 20); // about 6 dB per bit

    // asymmetric: [0.5, 2] widens to [0, 2]; zero point at qmin
    const WhatIfResult a = quantizationGrid({0.5, 2.0, 8, false});
    CHECK(a.qmin == -128);
    CHECK(a.scale == Approx(2.0 / 255));
    CHECK(a.zeroPoint == -128);
    CHECK(a.gridMin == Approx(0.0).margin(1e-12));
}

TEST_CASE("operator quantization: kinds and the per-channel effective scale", "[analysis]") {
    const Model f = test::makeFloatFullyConnected();
    CHECK(classifyOperator(f, f.subgraphs[0], f.subgraphs[0].operators[0]) == QuantKind::Float);
    CHECK(operatorRequantization(f.subgraphs[0], f.subgraphs[0].operators[0]).rows.empty());

    const Model q = test::makeInt8FullyConnected();
    const Subgraph& sg = q.subgraphs[0];
    const Operator& fc = sg.operators[0];
    CHECK(classifyOperator(q, sg, fc) == QuantKind::Int8);
    const Requantization r = operatorRequantization(sg, fc);
    const Tensor& in = sg.tensor(fc.inputs[0]);
    const Tensor& w = sg.tensor(fc.inputs[1]);
    const Tensor& out = sg.tensor(fc.outputs[0]);
    REQUIRE(r.rows.size() == w.quant.scale.size());
    for (size_t c = 0; c < r.rows.size(); ++c) {
        const double expected = double(in.quant.scale[0]) * double(w.quant.scale[c]) / double(out.quant.scale[0]);
        CHECK(r.rows[c].effectiveScale == Approx(expected));
        const auto m = r.rows[c].multiplier;
        CHECK(double(m.multiplier) * std::ldexp(1.0, m.shift - 31) == Approx(expected).epsilon(1e-8));
    }

    // hybrid: float activations, int8 constant weights
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 2});
    QuantParams wq;
    wq.scale = {0.1f};
    wq.zeroPoint = {0};
    const auto wt = b.addConstant("w", TensorType::INT8, {1, 2}, std::vector<int8_t>{1, 2}, wq);
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 1});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, wt, TensorIndex{-1}}, {y}, fullyConnectedOptions());
    const Model h = b.build();
    CHECK(classifyOperator(h, h.subgraphs[0], h.subgraphs[0].operators[0]) == QuantKind::Hybrid);
}

// Data-aware weight rounding (quantize/GptqRounding.h): the GPTQ update against nearest rounding
// on hand-made second moments, and the quantizer's --rounding gptq pass on a small model.
#include "TestModels.h"
#include "model/ModelBuilder.h"
#include "quant/SubByte.h"
#include "quantize/GptqRounding.h"
#include "test_quantize_support.h"

#include <random>

using namespace ql;
using namespace ql::quantize;
using namespace ql::test;

namespace {

// H = X^T X for n rows of x = z A (z standard normal): inputs correlated through A.
std::vector<double> correlatedHessian(size_t depth, size_t n, uint32_t seed, double mixing) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> a(depth * depth);
    for (size_t i = 0; i < depth; ++i)
        for (size_t j = 0; j < depth; ++j)
            a[i * depth + j] = (i == j ? 1.0 : 0.0) + mixing * normal(rng);
    std::vector<double> h(depth * depth, 0.0), x(depth);
    for (size_t k = 0; k < n; ++k) {
        std::vector<double> z(depth);
        for (double& v : z)
            v = normal(rng);
        for (size_t j = 0; j < depth; ++j) {
            x[j] = 0;
            for (size_t i = 0; i < depth; ++i)
                x[j] += z[i] * a[i * depth + j];
        }
        for (size_t i = 0; i < depth; ++i)
            for (size_t j = 0; j < depth; ++j)
                h[i * depth + j] += x[i] * x[j];
    }
    return h;
}

std::vector<float> randomWeights(size_t count, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.2f);
    std::vector<float> w(count);
    for (float& v : w)
        v = normal(rng);
    return w;
}

WeightGrid perRowGrid(std::span<const float> w, size_t rows, size_t depth, int qmax) {
    WeightGrid g;
    g.qmax = qmax;
    for (size_t r = 0; r < rows; ++r) {
        float m = 0;
        for (size_t c = 0; c < depth; ++c)
            m = std::max(m, std::fabs(w[r * depth + c]));
        g.scales.push_back(m > 0 ? m / float(qmax) : 1.0f);
    }
    return g;
}

} // namespace

TEST_CASE("GPTQ: with uncorrelated inputs it is nearest rounding", "[quantize][gptq]") {
    const size_t rows = 5, depth = 12;
    const auto w = randomWeights(rows * depth, 3);
    std::vector<double> h(depth * depth, 0.0);
    for (size_t i = 0; i < depth; ++i)
        h[i * depth + i] = 1.0 + double(i); // diagonal: no error to spread
    for (int qmax : {7, 127}) {
        const WeightGrid g = perRowGrid(w, rows, depth, qmax);
        CHECK(gptqRound(w, rows, depth, h, g) == nearestRound(w, rows, depth, g));
    }
}

TEST_CASE("GPTQ: correlated inputs, smaller output error than nearest rounding on the same grid",
          "[quantize][gptq]") {
    const size_t rows = 16, depth = 64;
    const auto w = randomWeights(rows * depth, 7);
    const auto h = correlatedHessian(depth, 512, 11, 0.3);
    SECTION("int4 per row") {
        const WeightGrid g = perRowGrid(w, rows, depth, 7);
        const auto nearest = nearestRound(w, rows, depth, g),
                   gptq = gptqRound(w, rows, depth, h, g);
        const double a = layerOutputSqnrDb(w, nearest, rows, depth, h, g),
                     b = layerOutputSqnrDb(w, gptq, rows, depth, h, g);
        INFO("nearest " << a << " dB, gptq " << b << " dB");
        CHECK(b > a + 1.0);
        for (int8_t v : gptq)
            CHECK(std::abs(int(v)) <= 7); // on the grid
    }
    SECTION("int4 blocks of 16") {
        WeightGrid g;
        g.qmax = 7;
        g.blockSize = 16;
        for (size_t r = 0; r < rows; ++r)
            for (size_t b = 0; b < depth / 16; ++b) {
                float m = 0;
                for (size_t c = b * 16; c < (b + 1) * 16; ++c)
                    m = std::max(m, std::fabs(w[r * depth + c]));
                g.scales.push_back(m / 7.0f);
            }
        const auto nearest = nearestRound(w, rows, depth, g),
                   gptq = gptqRound(w, rows, depth, h, g);
        CHECK(layerOutputSqnrDb(w, gptq, rows, depth, h, g) >
              layerOutputSqnrDb(w, nearest, rows, depth, h, g) + 1.0);
    }
    SECTION("int8 per tensor") {
        float m = 0;
        for (float v : w)
            m = std::max(m, std::fabs(v));
        WeightGrid g;
        g.scales = {m / 127.0f};
        const auto nearest = nearestRound(w, rows, depth, g),
                   gptq = gptqRound(w, rows, depth, h, g);
        CHECK(layerOutputSqnrDb(w, gptq, rows, depth, h, g) >
              layerOutputSqnrDb(w, nearest, rows, depth, h, g));
    }
}

TEST_CASE(
    "GPTQ: an input that never carries a value keeps its weights at nearest, nothing non-finite",
    "[quantize][gptq]") {
    const size_t rows = 4, depth = 10;
    const auto w = randomWeights(rows * depth, 5);
    auto h = correlatedHessian(depth, 200, 9, 0.4);
    for (size_t j = 0; j < depth; ++j)
        h[3 * depth + j] = h[j * depth + 3] = 0.0; // input 3 is always 0
    const WeightGrid g = perRowGrid(w, rows, depth, 7);
    const auto gptq = gptqRound(w, rows, depth, h, g), nearest = nearestRound(w, rows, depth, g);
    for (size_t r = 0; r < rows; ++r)
        CHECK(gptq[r * depth + 3] == nearest[r * depth + 3]);
    CHECK(std::isfinite(layerOutputSqnrDb(w, gptq, rows, depth, h, g)));
    // An all-zero H: nothing to weigh, every weight at nearest, the SQNR undefined but not a crash.
    const std::vector<double> zero(depth * depth, 0.0);
    CHECK(gptqRound(w, rows, depth, zero, g) == nearest);
}

namespace {

// input [1,16] -> FULLY_CONNECTED 16x16 (mixes the inputs) -> FULLY_CONNECTED 16 -> 8 -> output.
// The second layer's inputs are correlated, which is where GPTQ differs from nearest.
Model twoLayerFc() {
    ModelBuilder b;
    const auto in = b.addTensor("x", TensorType::FLOAT32, {1, 16});
    const auto w1 =
        b.addConstant("mix/weights", TensorType::FLOAT32, {16, 16}, randomWeights(256, 21));
    const auto b1 =
        b.addConstant("mix/bias", TensorType::FLOAT32, {16}, std::vector<float>(16, 0.05f));
    const auto mid = b.addTensor("mix/out", TensorType::FLOAT32, {1, 16});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w1, b1}, {mid}, fullyConnectedOptions());
    const auto w2 =
        b.addConstant("head/weights", TensorType::FLOAT32, {8, 16}, randomWeights(128, 22));
    const auto b2 =
        b.addConstant("head/bias", TensorType::FLOAT32, {8}, std::vector<float>(8, -0.1f));
    const auto out = b.addTensor("head/out", TensorType::FLOAT32, {1, 8});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {mid, w2, b2}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

} // namespace

TEST_CASE(
    "quantize --rounding gptq: int4 weights re-rounded per layer, only where better, recorded",
    "[quantize][gptq]") {
    auto model = std::make_shared<const Model>(twoLayerFc());
    QuantizeJobOptions o;
    o.quantize.mode = Mode::Int8;
    o.quantize.weights = WeightType::Int4;
    o.calibSpec = "random:64:5";
    auto nearest = runQuantize(model, o);
    REQUIRE(nearest.ok());
    o.quantize.rounding = WeightRounding::Gptq;
    auto gptq = runQuantize(model, o);
    REQUIRE(gptq.ok());
    const auto& layers = gptq->result.report.rounded;
    REQUIRE(layers.size() == 2);
    bool headApplied = false;
    for (const RoundedLayer& l : layers) {
        CHECK(l.weightType == "int4");
        CHECK(l.opType == "FULLY_CONNECTED");
        CHECK(l.applied == (l.gptqDb > l.nearestDb));
        if (l.name.rfind("head/out", 0) == 0) { // "head/out_int": the graph output's integer copy
            INFO("head: nearest " << l.nearestDb << " dB, gptq " << l.gptqDb << " dB");
            CHECK(l.op == 1); // numbered as in the input model
            headApplied = l.applied;
        }
    }
    CHECK(headApplied);
    // The written weights: the same grid (scales), other integers, no buffer left behind.
    const auto weightsOf = [](const Model& m) {
        for (const Tensor& t : m.subgraphs[0].tensors)
            if (t.name.rfind("head/weights", 0) == 0) return t;
        FAIL("no head weights");
        return Tensor{};
    };
    const Tensor a = weightsOf(nearest->result.model), b = weightsOf(gptq->result.model);
    CHECK(a.type == TensorType::INT4);
    CHECK(a.quant.scale == b.quant.scale);
    const auto av = nearest->result.model.buffer(a.buffer).bytes(),
               bv = gptq->result.model.buffer(b.buffer).bytes();
    CHECK(std::vector<uint8_t>(av.begin(), av.end()) != std::vector<uint8_t>(bv.begin(), bv.end()));
    CHECK(gptq->result.model.buffers.size() == nearest->result.model.buffers.size());
    const auto meta = gptq->result.model.metadataBytes("quantlab");
    CHECK(std::string(meta.begin(), meta.end()).find("\"rounding\":\"gptq\"") != std::string::npos);
    // The model runs.
    auto interp = rt::Interpreter::create(std::make_shared<const Model>(gptq->result.model));
    REQUIRE(interp.ok());
    REQUIRE((*interp)->invoke().ok());
}

TEST_CASE(
    "quantize --rounding gptq: dynamic range reads --calib; modes without integer weights refuse",
    "[quantize][gptq]") {
    auto model = std::make_shared<const Model>(twoLayerFc());
    QuantizeJobOptions o;
    o.quantize.rounding = WeightRounding::Gptq;
    o.quantize.mode = Mode::Dynamic;
    o.quantize.dynamicMinElements = 1;
    o.quantize.weights = WeightType::Int4;
    o.quantize.blockSize = 0;
    auto missing = runQuantize(model, o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.message().find("--calib") != std::string::npos);
    o.calibSpec = "random:32:2";
    auto d = runQuantize(model, o);
    REQUIRE(d.ok());
    CHECK(d->result.report.rounded.size() == 2);
    o.quantize.mode = Mode::Float16;
    o.quantize.weights = WeightType::Int8;
    auto f = runQuantize(model, o);
    REQUIRE_FALSE(f.ok());
    CHECK(f.message().find("--rounding gptq") != std::string::npos);
}

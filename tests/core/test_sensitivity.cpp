// Sensitivity: a chain of FULLY_CONNECTED layers where one layer is destroyed by int8 (per
// output channel its weights are one huge value on an input that is always 0 plus small values
// that carry the signal: the per-channel scale max|w| / 127 rounds every small weight to 0).
#include "TestSupport.h"

#include "analysis/Sensitivity.h"
#include "data/DataSource.h"
#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

using namespace ql;
using namespace ql::analysis;

namespace {

constexpr int kWidth = 16;
const char* kSensitiveName = "fc1/out";

// input [1,8] -> fc0 (16) -> fc1 (16, sensitive) -> fc2 (16) -> fc3 (4) -> output.
// fc0's output channel 0 is always 0 (zero weights and bias); fc1 reads it with weight 1000.
Model makeChainWithOutlierLayer() {
    ModelBuilder b;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    auto weights = [&](int out, int in) {
        std::vector<float> w(size_t(out * in));
        for (float& x : w) x = u(rng);
        return w;
    };
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {1, 8});
    TensorIndex x = in;
    const int widths[] = {kWidth, kWidth, kWidth, 4};
    for (int l = 0; l < 4; ++l) {
        const int inW = l == 0 ? 8 : kWidth, outW = widths[l];
        std::vector<float> w = weights(outW, inW), bias(size_t(outW), 0.05f);
        if (l == 0) { // channel 0 is exactly 0
            for (int i = 0; i < inW; ++i) w[size_t(i)] = 0;
            bias[0] = 0;
        }
        if (l == 1) // the outlier column on the always-zero input
            for (int o = 0; o < outW; ++o) w[size_t(o * inW)] = 1000.0f;
        const std::string name = "fc" + std::to_string(l);
        const TensorIndex wt = b.addConstant(name + "/w", TensorType::FLOAT32, {outW, inW}, w);
        const TensorIndex bt = b.addConstant(name + "/b", TensorType::FLOAT32, {outW}, bias);
        const TensorIndex out = b.addTensor(name + "/out", TensorType::FLOAT32, {1, outW});
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, wt, bt}, {out}, fullyConnectedOptions());
        x = out;
    }
    b.setInputs({in});
    b.setOutputs({x});
    return b.build();
}

// input [1,8] -> fc0 -> fc1 -> fc2 -> fc3 [1,4], where fc1's output channel 0 is an activation
// outlier (weights 300x the others) that fc2 ignores (zero weights): int8 on the tensor fc1/out
// (step ~ max / 127) rounds every other channel away. That tensor is int8 as soon as fc1
// (its producer) or fc2 (its consumer) is quantized, so only {fc1, fc2} float together help.
Model makeChainWithActivationOutlier() {
    ModelBuilder b;
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {1, 8});
    TensorIndex x = in;
    for (int l = 0; l < 4; ++l) {
        const int inW = l == 0 ? 8 : kWidth, outW = l == 3 ? 4 : kWidth;
        std::vector<float> w(size_t(outW * inW)), bias(size_t(outW), 0.05f);
        for (float& v : w) v = u(rng);
        if (l == 1)
            for (int i = 0; i < inW; ++i) w[size_t(i)] *= 300.0f;
        if (l == 2)
            for (int o = 0; o < outW; ++o) w[size_t(o * inW)] = 0.0f;
        const std::string name = "fc" + std::to_string(l);
        const TensorIndex wt = b.addConstant(name + "/w", TensorType::FLOAT32, {outW, inW}, w);
        const TensorIndex bt = b.addConstant(name + "/b", TensorType::FLOAT32, {outW}, bias);
        const TensorIndex out = b.addTensor(name + "/out", TensorType::FLOAT32, {1, outW});
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, wt, bt}, {out}, fullyConnectedOptions());
        x = out;
    }
    b.setInputs({in});
    b.setOutputs({x});
    return b.build();
}

std::unique_ptr<data::DataSource> randomSource(const Model& m, const std::string& spec) {
    auto s = data::openDataSource(spec, data::ModelInputInfo::fromModel(m));
    REQUIRE(s.ok());
    return std::move(*s);
}

// A source with labels: the float model's own top-1 class, except every `flipEvery`-th sample.
class LabelledSource : public data::DataSource {
public:
    LabelledSource(std::unique_ptr<data::DataSource> inner, std::vector<int> labels)
        : m_inner(std::move(inner)), m_labels(std::move(labels)) {}
    size_t size() const override { return m_inner->size(); }
    Result<data::Sample> get(size_t i) const override { return m_inner->get(i); }
    std::optional<int> label(size_t i) const override { return m_labels[i]; }
    std::string describe() const override { return "labelled"; }

private:
    std::unique_ptr<data::DataSource> m_inner;
    std::vector<int> m_labels;
};

std::vector<int> floatTop1(std::shared_ptr<const Model> m, const data::DataSource& src) {
    auto interp = rt::Interpreter::create(m);
    REQUIRE(interp.ok());
    std::vector<int> labels;
    for (size_t i = 0; i < src.size(); ++i) {
        auto s = src.get(i);
        REQUIRE(s.ok());
        REQUIRE((*interp)->setInput(0, s->tensors[0].type, s->tensors[0].bytes).ok());
        REQUIRE((*interp)->invoke().ok());
        auto v = (*interp)->output(0).values<float>();
        labels.push_back(int(std::max_element(v.begin(), v.end()) - v.begin()));
    }
    return labels;
}

} // namespace

TEST_CASE("sensitivity: the layer int8 destroys ranks first and is the one kept float", "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithOutlierLayer());
    // Calibration covers the measured samples (the same ones): the error is rounding, not clipping.
    auto calib = randomSource(*model, "random:24:1");
    auto data = randomSource(*model, "random:24:1");
    SensitivityOptions o;
    o.targetSqnrDb = 25.0;
    auto r = runSensitivity(model, *calib, *data, o);
    REQUIRE(r.ok());
    REQUIRE(r->layers.size() == 4);
    CHECK(r->layers[0].name == kSensitiveName);
    CHECK(r->layers[0].type == "FULLY_CONNECTED");
    CHECK_FALSE(r->layers[0].nameAmbiguous);
    // (a) alone it ruins the output; every other layer alone stays above the target.
    CHECK(r->layers[0].onlyThis.sqnrDb < 10.0);
    for (size_t i = 1; i < r->layers.size(); ++i) CHECK(r->layers[i].onlyThis.sqnrDb > 30.0);
    // (b) keeping it float recovers the model; keeping another float does not.
    CHECK(r->layers[0].allButThis.sqnrDb > 25.0);
    for (size_t i = 1; i < r->layers.size(); ++i) CHECK(r->layers[i].allButThis.sqnrDb < 10.0);
    CHECK(r->allQuantized.sqnrDb < 10.0);
    // Greedy: exactly that layer, one step, target met.
    CHECK(r->hasTarget);
    CHECK(r->targetMet);
    REQUIRE(r->steps.size() == 1);
    CHECK(r->keepFloat == std::vector<std::string>{kSensitiveName});
    // Mode int8: every FULLY_CONNECTED has an int16x8 kernel, so each is a keep-float and an
    // int16 move.
    for (const auto& l : r->layers) CHECK(l.int16Capable);
    CHECK(r->steps[0].candidatesMeasured == 8);
    CHECK_FALSE(r->steps[0].int16); // int16 activations keep fc1's ruined int8 weights
    CHECK(r->int16.empty());
    CHECK(r->samples == 24);
    CHECK(r->calibrationSamples == 24);
    // 1 all-quantized + 4 x (a, b, c); no greedy round after the target was met.
    CHECK(r->measurements == 13);
}

TEST_CASE("sensitivity: the greedy loop stops as soon as the target is met", "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithOutlierLayer());
    auto calib = randomSource(*model, "random:16:1");
    auto data = randomSource(*model, "random:16:1");
    SECTION("a target the quantized model already meets: no float layer") {
        SensitivityOptions o;
        o.targetSqnrDb = -100.0;
        auto r = runSensitivity(model, *calib, *data, o);
        REQUIRE(r.ok());
        CHECK(r->targetMet);
        CHECK(r->steps.empty());
        CHECK(r->keepFloat.empty());
    }
    SECTION("a target above what one layer gives: every step but the last misses it") {
        SensitivityOptions o;
        auto first = runSensitivity(model, *calib, *data, o);
        REQUIRE(first.ok());
        CHECK_FALSE(first->hasTarget);
        CHECK(first->steps.empty());
        o.targetSqnrDb = first->layers[0].allButThis.sqnrDb + 3.0; // more than fc1 alone gives
        auto r = runSensitivity(model, *calib, *data, o);
        REQUIRE(r.ok());
        REQUIRE(r->steps.size() >= 2);
        CHECK(r->keepFloat[0] == kSensitiveName);
        for (size_t i = 0; i + 1 < r->steps.size(); ++i) CHECK_FALSE(r->steps[i].targetMet);
        CHECK(r->steps.back().targetMet == r->targetMet);
        if (r->targetMet) CHECK(r->steps.back().after.sqnrDb >= *o.targetSqnrDb);
        size_t kept = 0;
        for (const auto& st : r->steps) {
            CHECK(st.candidatesMeasured >= 1);
            REQUIRE(st.ops.size() == st.names.size());
            kept += st.ops.size();
        }
        CHECK(r->keepFloat.size() == kept);
    }
    SECTION("greedyWidth bounds the candidates re-measured per step") {
        SensitivityOptions o;
        o.targetSqnrDb = 1000.0;
        o.greedyWidth = 1;
        o.maxFloatLayers = 3;
        o.groupMoves = 0;
        auto r = runSensitivity(model, *calib, *data, o);
        REQUIRE(r.ok());
        // At most maxFloatLayers steps; fewer when a step no longer improves the SQNR (such a
        // step is measured, not kept). After the first step only greedyWidth candidates are
        // re-measured, so at most 13 (1 + 4 x (a, b, c)) + 2 measurements.
        REQUIRE(r->steps.size() >= 1);
        REQUIRE(r->steps.size() <= 3);
        for (size_t i = 1; i < r->steps.size(); ++i) CHECK(r->steps[i].candidatesMeasured == 1);
        CHECK(r->measurements >= 13);
        CHECK(r->measurements <= 13 + 2);
    }
}

TEST_CASE("sensitivity: an activation outlier needs its producer and consumer float together", "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithActivationOutlier());
    auto calib = randomSource(*model, "random:24:1");
    auto data = randomSource(*model, "random:24:1");
    SensitivityOptions o;
    o.targetSqnrDb = 25.0;
    SECTION("group moves find the pair") {
        auto r = runSensitivity(model, *calib, *data, o);
        REQUIRE(r.ok());
        // Quantizing either side alone quantizes the tensor: both rank above the others.
        std::vector<std::string> top{r->layers[0].name, r->layers[1].name};
        std::sort(top.begin(), top.end());
        CHECK(top == std::vector<std::string>{"fc1/out", "fc2/out"});
        CHECK(r->layers[0].onlyThis.sqnrDb < 10.0);
        CHECK(r->layers[1].onlyThis.sqnrDb < 10.0);
        CHECK(r->layers[2].onlyThis.sqnrDb > 30.0);
        // No single operator float helps; the pair does.
        for (const auto& l : r->layers) CHECK(l.allButThis.sqnrDb < 10.0);
        CHECK(r->targetMet);
        REQUIRE(r->steps.size() == 1);
        std::vector<std::string> kept = r->keepFloat;
        std::sort(kept.begin(), kept.end());
        CHECK(kept == std::vector<std::string>{"fc1/out", "fc2/out"});
        CHECK(r->steps[0].ops.size() == 2);
        CHECK(r->steps[0].after.sqnrDb >= 25.0);
    }
    SECTION("singles only need more operators or miss the target") {
        o.groupMoves = 0;
        o.maxFloatLayers = 2;
        auto r = runSensitivity(model, *calib, *data, o);
        REQUIRE(r.ok());
        for (const auto& st : r->steps) CHECK(st.ops.size() == 1);
        if (r->targetMet) CHECK(r->keepFloat.size() == 2);
    }
}

TEST_CASE("sensitivity: accuracy with labels and a target drop", "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithOutlierLayer());
    auto calib = randomSource(*model, "random:40:3");
    auto inner = randomSource(*model, "random:40:3");
    const std::vector<int> labels = floatTop1(model, *inner);
    LabelledSource data(std::move(inner), labels);
    SensitivityOptions o;
    o.metric = SensitivityMetric::Accuracy;
    o.targetDrop = 0.05;
    auto r = runSensitivity(model, *calib, data, o);
    REQUIRE(r.ok());
    CHECK(r->floatAccuracy == 1.0);
    CHECK(r->allQuantized.accuracy < 0.9);
    CHECK(r->layers[0].name == kSensitiveName);
    CHECK(r->keepFloat == std::vector<std::string>{kSensitiveName});
    CHECK(r->floatAccuracy - r->steps.back().after.accuracy <= 0.05);

    SECTION("accuracy without labels is an error") {
        auto plain = randomSource(*model, "random:4:3");
        auto bad = runSensitivity(model, *calib, *plain, o);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.message().find("label") != std::string::npos);
    }
}

TEST_CASE("sensitivity: modes without a per-layer choice are refused", "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithOutlierLayer());
    auto src = randomSource(*model, "random:2:1");
    for (auto mode : {quantize::Mode::Int8Only, quantize::Mode::Float16, quantize::Mode::None}) {
        SensitivityOptions o;
        o.quantize.mode = mode;
        auto r = runSensitivity(model, *src, *src, o);
        REQUIRE_FALSE(r.ok());
        CHECK(r.message().find("mode") != std::string::npos);
    }
}

TEST_CASE("sensitivity: duplicate output names are made unique and flagged", "[analysis][sensitivity]") {
    Model m = makeChainWithOutlierLayer();
    m.subgraphs[0].tensors[m.subgraphs[0].operators[2].outputs[0].index()].name = "fc1/out"; // fc2 shares fc1's name
    auto model = std::make_shared<const Model>(std::move(m));
    auto calib = randomSource(*model, "random:16:1");
    auto data = randomSource(*model, "random:16:1");
    SensitivityOptions o;
    o.targetSqnrDb = 25.0;
    auto r = runSensitivity(model, *calib, *data, o);
    REQUIRE(r.ok());
    size_t flagged = 0;
    for (const auto& l : r->layers) flagged += l.nameAmbiguous;
    CHECK(flagged == 2);
    // The measurement still keeps exactly operator 1 float.
    CHECK(r->layers[0].op.index() == 1);
    CHECK(r->layers[0].allButThis.sqnrDb > 25.0);
    REQUIRE(r->steps.size() == 1);
    CHECK(r->steps[0].op.index() == 1);
}

TEST_CASE("sensitivity: value movers are no candidates and stay float in (a)", "[analysis][sensitivity]") {
    // input [1,8] -> FC 16 -> RESHAPE [1,4,4] -> RESHAPE [1,16] -> FC 4
    ModelBuilder b;
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    auto w = [&](size_t n) { std::vector<float> v(n); for (float& x : v) x = u(rng); return v; };
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {1, 8});
    const TensorIndex h = b.addTensor("h", TensorType::FLOAT32, {1, 16});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, b.addConstant("w0", TensorType::FLOAT32, {16, 8}, w(128)),
                                               b.addConstant("b0", TensorType::FLOAT32, {16}, w(16))}, {h}, fullyConnectedOptions());
    const TensorIndex r1 = b.addTensor("r1", TensorType::FLOAT32, {1, 4, 4});
    b.addOperator(BuiltinOp::RESHAPE, {h, b.addConstant<int32_t>("s1", TensorType::INT32, {3}, {1, 4, 4})}, {r1}, reshapeOptions({1, 4, 4}));
    const TensorIndex r2 = b.addTensor("r2", TensorType::FLOAT32, {1, 16});
    b.addOperator(BuiltinOp::RESHAPE, {r1, b.addConstant<int32_t>("s2", TensorType::INT32, {2}, {1, 16})}, {r2}, reshapeOptions({1, 16}));
    const TensorIndex out = b.addTensor("out", TensorType::FLOAT32, {1, 4});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {r2, b.addConstant("w1", TensorType::FLOAT32, {4, 16}, w(64)),
                                               b.addConstant("b1", TensorType::FLOAT32, {4}, w(4))}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    auto model = std::make_shared<const Model>(b.build());
    auto src = randomSource(*model, "random:16:1");
    SensitivityOptions o;
    auto r = runSensitivity(model, *src, *src, o);
    REQUIRE(r.ok());
    REQUIRE(r->layers.size() == 2);
    for (const auto& l : r->layers) CHECK(l.type == "FULLY_CONNECTED");
    // One FC quantized alone adds rounding noise only (~40 dB for this model).
    for (const auto& l : r->layers) CHECK(l.onlyThis.sqnrDb > 25.0);
    CHECK(std::isfinite(r->allQuantized.sqnrDb));
}

TEST_CASE("sensitivity: dynamic mode ranks the hybrid layers", "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithOutlierLayer());
    auto src = randomSource(*model, "random:8:1");
    SensitivityOptions o;
    o.quantize.mode = quantize::Mode::Dynamic;
    o.quantize.dynamicMinElements = 1;
    o.targetSqnrDb = 25.0;
    auto r = runSensitivity(model, *src, *src, o);
    REQUIRE(r.ok());
    REQUIRE(r->layers.size() == 4);
    CHECK(r->layers[0].name == kSensitiveName);
    CHECK(r->keepFloat == std::vector<std::string>{kSensitiveName});
}

TEST_CASE("sensitivity: a shared model", "[analysis][sensitivity][shared]") {
    auto path = test::sharedModel("face_detection_short_range.tflite");
    if (!path) {
        WARN("skipped: ../shared/models/face_detection_short_range.tflite is absent");
        return;
    }
    auto model = readModelFile(*path);
    REQUIRE(model.ok());
    auto calib = randomSource(**model, "random:4:1");
    auto data = randomSource(**model, "random:2:2");
    SensitivityOptions o;
    o.targetSqnrDb = 30.0;
    o.greedyWidth = 4;
    o.maxFloatLayers = 2;
    auto r = runSensitivity(*model, *calib, *data, o);
    REQUIRE(r.ok());
    CHECK(r->layers.size() > 20);
    CHECK(r->samples == 2);
    // Every layer quantized alone costs less than all of them quantized together.
    for (const auto& l : r->layers) CHECK(l.onlyThis.sqnrDb >= r->allQuantized.sqnrDb - 1.0);
    // The ranking is sorted by (a).
    for (size_t i = 1; i < r->layers.size(); ++i) CHECK(r->layers[i - 1].onlyThis.sqnrDb <= r->layers[i].onlyThis.sqnrDb);
    CHECK(r->steps.size() <= 2);
    if (!r->steps.empty()) CHECK(r->steps[0].after.sqnrDb >= r->allQuantized.sqnrDb);
}

TEST_CASE("sensitivity: every kept step improves the measured target; the suggestion is the best measured",
          "[analysis][sensitivity]") {
    auto model = std::make_shared<const Model>(makeChainWithOutlierLayer());
    auto calib = randomSource(*model, "random:16:1");
    auto data = randomSource(*model, "random:16:1");
    SensitivityOptions o;
    o.targetSqnrDb = 1000.0; // out of reach: the search runs until no move improves
    // 3 of the 4 layers at most: with all 4 float the model is the float one (SQNR +inf), which
    // meets any target.
    o.maxFloatLayers = 3;
    auto r = runSensitivity(model, *calib, *data, o);
    REQUIRE(r.ok());
    CHECK_FALSE(r->targetMet);
    double previous = r->allQuantized.sqnrDb;
    for (const auto& st : r->steps) {
        CHECK(st.after.sqnrDb > previous); // ties and losses are not kept
        previous = st.after.sqnrDb;
        CHECK(r->suggested.sqnrDb >= st.after.sqnrDb);
    }
    CHECK(r->suggested.sqnrDb >= r->allQuantized.sqnrDb);
    if (!r->steps.empty()) CHECK_FALSE((r->keepFloat.empty() && r->int16.empty()));
}

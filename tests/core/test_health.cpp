// analysis/HealthCheck: each check fires on a model crafted to trigger it and stays silent on
// a clean one; the shared quantized models' findings are listed.
#include "TestModels.h"
#include "TestSupport.h"

#include "analysis/HealthCheck.h"
#include "data/DataSource.h"
#include "model/ModelBuilder.h"
#include "quantize/GraphEdit.h"
#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>

using namespace ql;
using namespace ql::analysis;
using namespace ql::test;

namespace {

// One int8 FULLY_CONNECTED: input [1,k] (inScale, inZp) x weights [n,k] -> output [1,n].
// Defaults: makeInt8FullyConnected's values, which are consistent (bias scale = s_in * s_w).
struct FcSpec {
    int k = 4, n = 3;
    std::vector<int8_t> w = {-127, -50, 0, 50, 127, 1, 2, 3, -4, -5, 60, -70};
    std::vector<float> wScale = {0.01f, 0.02f, 0.015f};
    std::vector<int64_t> wZp;          // default: zeros
    std::vector<int32_t> bias = {100, -200, 300};
    std::vector<float> bScale;         // default: inScale * wScale
    float inScale = 0.02f;
    int64_t inZp = -3;
    float outScale = 0.05f;
    int64_t outZp = 10;
    Activation act = Activation::NONE;
};

QuantParams qp(std::vector<float> s, std::vector<int64_t> z) {
    QuantParams q;
    q.scale = std::move(s);
    q.zeroPoint = std::move(z);
    return q;
}

std::shared_ptr<const Model> buildFc(FcSpec s) {
    ModelBuilder b;
    const auto in = b.addTensor("input", TensorType::INT8, {1, s.k}, qp({s.inScale}, {s.inZp}));
    if (s.wZp.empty()) s.wZp.assign(s.wScale.size(), 0);
    const auto w = b.addConstant("w", TensorType::INT8, {s.n, s.k}, s.w, qp(s.wScale, s.wZp));
    if (s.bScale.empty())
        for (float ws : s.wScale) s.bScale.push_back(s.inScale * ws);
    const auto bias = b.addConstant("b", TensorType::INT32, {s.n}, s.bias,
                                    qp(s.bScale, std::vector<int64_t>(s.bScale.size(), 0)));
    const auto out = b.addTensor("output", TensorType::INT8, {1, s.n}, qp({s.outScale}, {s.outZp}));
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, fullyConnectedOptions(s.act), 4);
    b.setInputs({in});
    b.setOutputs({out});
    return std::make_shared<const Model>(b.build());
}

std::vector<HealthFinding> findingsOf(const HealthReport& r, const std::string& check) {
    std::vector<HealthFinding> out;
    for (const HealthFinding& f : r.findings)
        if (f.check == check) out.push_back(f);
    return out;
}

std::string dump(const HealthReport& r) {
    std::string s;
    for (const HealthFinding& f : r.findings)
        s += std::string(severityName(f.severity)) + " " + f.check + " #" + std::to_string(f.op.value) + " " + f.opType + " '" +
             f.tensorName + "': " + f.figures + "\n";
    return s;
}

} // namespace

TEST_CASE("health: clean int8 models give no finding", "[health]") {
    const HealthReport a = checkHealth(makeInt8FullyConnected());
    INFO(dump(a));
    CHECK(a.findings.empty());
    CHECK(a.operatorsChecked == 1);
    CHECK(a.tensorsChecked == 4);
    const HealthReport b = checkHealth(*buildFc({}));
    INFO(dump(b));
    CHECK(b.findings.empty());
    FcSpec relu;
    relu.outZp = -128; // a ReLU output: [0, max] is its whole range
    relu.act = Activation::RELU;
    const HealthReport c = checkHealth(*buildFc(relu));
    INFO(dump(c));
    CHECK(c.findings.empty());
}

TEST_CASE("health: the quantizer's own int8 and int16x8 models have no error or warning", "[health]") {
    auto cnn = std::make_shared<const Model>(makeSmallCnn());
    for (quantize::Mode mode : {quantize::Mode::Int8, quantize::Mode::Int8Only, quantize::Mode::Int16x8}) {
        quantize::QuantizeJobOptions o;
        o.quantize.mode = mode;
        o.calibSpec = "random:16:1";
        auto q = quantize::runQuantize(cnn, o);
        REQUIRE(q.ok());
        auto model = std::make_shared<const Model>(q->result.model);
        HealthReport r = checkHealth(*model);
        if (mode != quantize::Mode::Int8Only) {
            // Float input: the calibration samples themselves, whose minmax ranges cover them,
            // so nothing saturates.
            auto src = data::openDataSource("random:16:1", data::ModelInputInfo::fromModel(*cnn));
            REQUIRE(src.ok());
            auto withData = checkHealthWithData(model, **src);
            REQUIRE(withData.ok());
            r = std::move(withData.value());
            CHECK(r.samples == 16);
        }
        INFO(quantize::modeName(mode) << "\n" << dump(r));
        CHECK(r.count(Severity::Error) == 0);
        CHECK(r.count(Severity::Warning) == 0);
        CHECK(r.tensorsChecked > 10);
        // The int8 model's QUANTIZE of the float input: its range is the data's, not a finding.
        for (const HealthFinding& f : r.findings) CHECK(f.opType != "QUANTIZE");
    }
}

TEST_CASE("health: per-channel scale outliers (max/median)", "[health]") {
    FcSpec s;
    s.wScale = {0.01f, 0.01f, 2.0f}; // max/median = 200
    auto r = checkHealth(*buildFc(s));
    auto f = findingsOf(r, "scale-outlier");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Warning);
    CHECK(f[0].value == Approx(200.0));
    CHECK(f[0].op.value == 0);
    CHECK(f[0].opType == "FULLY_CONNECTED");
    CHECK(f[0].tensorName == "w");
    CHECK(f[0].figures.find("channel 2") != std::string::npos);
    CHECK_FALSE(f[0].why.empty());

    s.wScale = {0.01f, 0.01f, 20.0f}; // 2000 >= 10 x the threshold
    f = findingsOf(checkHealth(*buildFc(s)), "scale-outlier");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);

    // Per-tensor weights: channel ranges 127, 2, 3 of +-127 -> max/median = 127 / 3.
    FcSpec t;
    t.w = {-127, 5, 0, 1, 2, 0, 0, 1, 3, -1, 0, 0};
    t.wScale = {0.01f};
    f = findingsOf(checkHealth(*buildFc(t)), "scale-outlier");
    REQUIRE(f.size() == 1);
    CHECK(f[0].value == Approx(127.0 / 3.0));
}

TEST_CASE("health: zero points at the edge or outside the range; asymmetric weights", "[health]") {
    FcSpec s;
    s.outZp = -128; // no ReLU: negative outputs all become 0
    auto f = findingsOf(checkHealth(*buildFc(s)), "zero-point");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Warning);
    CHECK(f[0].tensorName == "output");
    CHECK(f[0].value == -128);

    // A RESHAPE after it keeps the same parameters: reported once, at the FC's output.
    {
        auto m = buildFc(s);
        Model copy = *m;
        Subgraph& sg = copy.subgraphs[0];
        Tensor reshaped = sg.tensors[sg.outputs[0].index()];
        reshaped.name = "reshaped";
        reshaped.shape = {3};
        sg.tensors.push_back(reshaped);
        const TensorIndex ri{int32_t(sg.tensors.size() - 1)};
        Operator op;
        op.op = BuiltinOp::RESHAPE;
        op.inputs = {sg.outputs[0]};
        op.outputs = {ri};
        sg.operators.push_back(op);
        sg.outputs = {ri};
        copy.rebuildIndex();
        f = findingsOf(checkHealth(copy), "zero-point");
        REQUIRE(f.size() == 1);
        CHECK(f[0].tensorName == "output");
    }

    s.outZp = 127;
    f = findingsOf(checkHealth(*buildFc(s)), "zero-point");
    REQUIRE(f.size() == 1);
    CHECK(f[0].figures.find("= qmax") != std::string::npos);

    s.outZp = 200;
    f = findingsOf(checkHealth(*buildFc(s)), "zero-point");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);

    FcSpec w;
    w.wZp = {0, 5, 0};
    f = findingsOf(checkHealth(*buildFc(w)), "zero-point");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
    CHECK(f[0].tensorName == "w");
}

TEST_CASE("health: bias scale != input scale x weight scale", "[health]") {
    FcSpec s;
    s.bias = {10000, -200, 300};
    s.bScale = {0.0003f, 0.0004f, 0.0003f}; // channel 0 should be 0.02 * 0.01 = 0.0002
    auto f = findingsOf(checkHealth(*buildFc(s)), "bias-scale");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Warning);
    // |q_b| |s_b - s_in s_w| / s_out = 10000 * 0.0001 / 0.05 = 20 output steps.
    CHECK(f[0].value == Approx(20.0).epsilon(1e-3));
    CHECK(f[0].tensorName == "b");

    s.bScale = {0.002f, 0.0004f, 0.0003f}; // |diff| / s_out = 0.036 > 0.02: TFLite refuses
    f = findingsOf(checkHealth(*buildFc(s)), "bias-scale");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);

    s.bScale = {0.0002f, 0.0004f}; // two scales for three channels
    f = findingsOf(checkHealth(*buildFc(s)), "bias-scale");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Error);
}

TEST_CASE("health: int32 bias overflow risk", "[health]") {
    FcSpec s;
    s.bias = {100, std::numeric_limits<int32_t>::max(), 300};
    auto f = findingsOf(checkHealth(*buildFc(s)), "bias-overflow");
    REQUIRE_FALSE(f.empty());
    CHECK(f[0].severity == Severity::Error);
    CHECK(f[0].figures.find("channels 1") != std::string::npos);

    s.bias = {100, 1 << 30, 300};
    f = findingsOf(checkHealth(*buildFc(s)), "bias-overflow");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Warning);

    // Accumulator bound: K = 140000 weights of 127, input zero point -3 -> max |q - z| = 130:
    // 140000 * 127 * 130 = 2.3114e9 > 2^31 - 1.
    FcSpec big;
    big.k = 140000;
    big.n = 1;
    big.w.assign(140000, 127);
    big.wScale = {0.01f};
    big.bias = {0};
    f = findingsOf(checkHealth(*buildFc(big)), "bias-overflow");
    REQUIRE(f.size() == 1);
    CHECK(f[0].value == Approx(140000.0 * 127 * 130));
    big.k = 120000; // 1.98e9: fits
    big.w.assign(120000, 127);
    CHECK(findingsOf(checkHealth(*buildFc(big)), "bias-overflow").empty());
}

TEST_CASE("health: dead channels, flushed multipliers, tiny and zero scales", "[health]") {
    FcSpec s;
    s.w = {-127, -50, 0, 50, 0, 0, 0, 0, -4, -5, 60, -70}; // channel 1 all zero
    auto f = findingsOf(checkHealth(*buildFc(s)), "dead-channel");
    REQUIRE(f.size() == 1);
    CHECK(f[0].figures.find("1 of 3 channels") != std::string::npos);

    FcSpec m;
    m.wScale = {0.01f, 1e-10f, 0.015f}; // 0.02 * 1e-10 / 0.05 = 4e-11 < 2^-32
    f = findingsOf(checkHealth(*buildFc(m)), "dead-channel");
    REQUIRE(f.size() == 1);
    CHECK(f[0].figures.find("below 2^-32") != std::string::npos);

    FcSpec t;
    t.outScale = 1e-8f;
    f = findingsOf(checkHealth(*buildFc(t)), "dead-channel");
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::Warning);
    CHECK(f[0].tensorName == "output");

    t.outScale = 0.0f;
    f = findingsOf(checkHealth(*buildFc(t)), "dead-channel");
    REQUIRE_FALSE(f.empty());
    CHECK(f[0].severity == Severity::Error);
}

TEST_CASE("health: activations saturating on data", "[health]") {
    FcSpec clean;
    clean.outScale = 0.1f; // outputs of the random int8 inputs stay within +-12
    auto model = buildFc(clean);
    auto src = data::openDataSource("random:32:4", data::ModelInputInfo::fromModel(*model));
    REQUIRE(src.ok());
    auto r = checkHealthWithData(model, **src);
    REQUIRE(r.ok());
    INFO(dump(*r));
    CHECK(r->samples == 32);
    CHECK(findingsOf(*r, "saturation").empty());

    FcSpec narrow;
    narrow.outScale = 0.005f; // range about [-0.69, 0.59]: most outputs clip
    model = buildFc(narrow);
    r = checkHealthWithData(model, **src);
    REQUIRE(r.ok());
    auto f = findingsOf(*r, "saturation");
    REQUIRE_FALSE(f.empty());
    CHECK(f[0].severity == Severity::Warning);
    CHECK(f[0].tensorName == "output");
    CHECK(f[0].value > 0.2);
    CHECK(f[0].figures.find("over 32 samples") != std::string::npos);
    // Advice for this tensor: an int8 output may go int16; without a recorded calibrator no
    // other calibrator is named (minmax is the widest).
    CHECK(f[0].why.find("int16 activations") != std::string::npos);
    CHECK(f[0].why.find("minmax instead") == std::string::npos);
    // A model that records a narrowing calibrator: minmax widens the range.
    Model recorded = *model;
    quantize::setMetadata(recorded, "quantlab", "{\"mode\":\"int8\",\"calibrator\":\"percentile:99\"}");
    r = checkHealthWithData(std::make_shared<const Model>(std::move(recorded)), **src);
    REQUIRE(r.ok());
    f = findingsOf(*r, "saturation");
    REQUIRE_FALSE(f.empty());
    CHECK(f[0].why.find("minmax instead of percentile:99") != std::string::npos);
}

TEST_CASE("health: shared quantized models", "[health][shared]") {
    const auto all = allSharedModels();
    if (all.empty()) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    for (const std::string& path : all) {
        auto m = readModelFile(path);
        if (!m) continue;
        const HealthReport r = checkHealth(**m);
        std::map<std::string, int> byCheck;
        for (const HealthFinding& f : r.findings) byCheck[std::string(severityName(f.severity)) + " " + f.check]++;
        std::string line;
        for (const auto& [k, n] : byCheck) line += " " + k + " x" + std::to_string(n) + ";";
        WARN(std::filesystem::path(path).filename().string() << ": " << r.findings.size() << " findings" << line);
        if (path.find("person_detect") != std::string::npos) {
            // The README: TFLite refuses it for quantized_dimension 3 on 14 bias tensors.
            size_t dims = 0;
            for (const HealthFinding& f : findingsOf(r, "bias-scale"))
                dims += f.figures.find("quantized_dimension 3") != std::string::npos;
            CHECK(dims == 14);
        }
    }
}

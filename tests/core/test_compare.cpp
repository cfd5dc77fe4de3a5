// Compare: both error views against errors computed by hand; clipping; weights per channel;
// our quantizer's output; cancellation; shared models.
#include "TestModels.h"
#include "TestSupport.h"

#include "analysis/Compare.h"
#include "analysis/CompareReport.h"
#include "model/ModelBuilder.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace ql;
using namespace ql::analysis;

using ql::test::qp;

namespace {

// A data source of fixed float samples for a single input of `shape`.
class VectorSource : public data::DataSource {
public:
    VectorSource(std::vector<int32_t> shape, std::vector<std::vector<float>> samples)
        : m_shape(std::move(shape)), m_samples(std::move(samples)) {}
    size_t size() const override { return m_samples.size(); }
    Result<data::Sample> get(size_t i) const override {
        data::SampleTensor t;
        t.type = TensorType::FLOAT32;
        t.shape = m_shape;
        t.bytes.resize(m_samples[i].size() * sizeof(float));
        std::memcpy(t.bytes.data(), m_samples[i].data(), t.bytes.size());
        data::Sample s;
        s.tensors.push_back(std::move(t));
        return s;
    }
    std::string describe() const override { return "vectors"; }

private:
    std::vector<int32_t> m_shape;
    std::vector<std::vector<float>> m_samples;
};

// r -> round(r / s) * s (int8, zero point 0; the values here stay far inside the range).
float q(float r, float s) { return std::round(r / s) * s; }

// float: x[4,1] -> FC(w=1) -> h -> FC(w=1) -> y, identity twice.
Model floatTwoFc() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {4, 1});
    const auto w1 = b.addConstant("w1", TensorType::FLOAT32, {1, 1}, std::vector<float>{1.0f});
    const auto w2 = b.addConstant("w2", TensorType::FLOAT32, {1, 1}, std::vector<float>{1.0f});
    const auto h = b.addTensor("h", TensorType::FLOAT32, {4, 1});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {4, 1});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w1, TensorIndex{}}, {h}, fullyConnectedOptions());
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {h, w2, TensorIndex{}}, {y}, fullyConnectedOptions());
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

constexpr float kSx = 0.1f, kSh = 0.03f, kSy = 0.01f;

// int8: x -> QUANTIZE(0.1) -> FC(w = 127 * 1/127) -> h_q(0.03) -> FC -> y_q(0.01) -> DEQUANTIZE -> y
Model int8TwoFc() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {4, 1});
    const auto xq = b.addTensor("x_int8", TensorType::INT8, {4, 1}, qp(kSx, 0));
    const auto w1 = b.addConstant("w1_int8", TensorType::INT8, {1, 1}, std::vector<int8_t>{127}, qp(1.0f / 127, 0));
    const auto w2 = b.addConstant("w2_int8", TensorType::INT8, {1, 1}, std::vector<int8_t>{127}, qp(1.0f / 127, 0));
    const auto hq = b.addTensor("hidden", TensorType::INT8, {4, 1}, qp(kSh, 0));
    const auto yq = b.addTensor("y_int8", TensorType::INT8, {4, 1}, qp(kSy, 0));
    const auto y = b.addTensor("y_out", TensorType::FLOAT32, {4, 1});
    b.addOperator(BuiltinOp::QUANTIZE, {x}, {xq});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {xq, w1, TensorIndex{}}, {hq}, fullyConnectedOptions(), 4);
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {hq, w2, TensorIndex{}}, {yq}, fullyConnectedOptions(), 4);
    b.addOperator(BuiltinOp::DEQUANTIZE, {yq}, {y}, {}, 2);
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

const TensorComparison& named(const CompareResult& r, const std::string& name) {
    for (const auto& t : r.tensors)
        if (t.name == name) return t;
    FAIL("no compared tensor " << name);
    return r.tensors[0];
}

void checkStats(const ErrorStats& got, const ErrorStats& want) {
    CHECK(got.count == want.count);
    CHECK(got.mse == Approx(want.mse).epsilon(1e-4));
    CHECK(got.sqnrDb == Approx(want.sqnrDb).margin(1e-3));
    CHECK(got.maxAbsError == Approx(want.maxAbsError).epsilon(1e-4));
    CHECK(got.meanError == Approx(want.meanError).margin(1e-6));
}

} // namespace

TEST_CASE("compare: two FULLY_CONNECTED, per-layer and accumulated errors known by hand", "[compare]") {
    const std::vector<std::vector<float>> samples = {{0.26f, -0.14f, 0.52f, 0.07f}, {0.33f, -0.41f, 0.18f, 0.0f}};
    VectorSource src({4, 1}, samples);
    auto r = compareModels(std::make_shared<const Model>(floatTwoFc()), std::make_shared<const Model>(int8TwoFc()), src);
    REQUIRE(r.ok());
    CHECK(r->samples == 2);
    CHECK(r->matching.complete());

    // Expected values, element by element. Float: h = y = x.
    std::vector<float> ref, xq, hAcc, yAcc, hLayer, yLayer;
    for (const auto& s : samples)
        for (float x : s) {
            ref.push_back(x);
            xq.push_back(q(x, kSx));                // the input's quantization
            hAcc.push_back(q(q(x, kSx), kSh));      // end to end
            yAcc.push_back(q(q(q(x, kSx), kSh), kSy));
            hLayer.push_back(q(q(x, kSx), kSh));    // FC1 fed quantize(x, 0.1)
            yLayer.push_back(q(q(x, kSh), kSy));    // FC2 fed quantize(h_float = x, 0.03)
        }
    checkStats(named(*r, "x_int8").accumulated, compareValues(ref, xq));
    checkStats(named(*r, "hidden").accumulated, compareValues(ref, hAcc));
    checkStats(named(*r, "y_int8").accumulated, compareValues(ref, yAcc));
    checkStats(named(*r, "y_out").accumulated, compareValues(ref, yAcc));
    REQUIRE(named(*r, "hidden").perLayer);
    checkStats(*named(*r, "hidden").perLayer, compareValues(ref, hLayer));
    REQUIRE(named(*r, "y_int8").perLayer);
    checkStats(*named(*r, "y_int8").perLayer, compareValues(ref, yLayer));
    // The per-layer error of FC2 is much smaller than the error accumulated up to it.
    CHECK(named(*r, "y_int8").perLayer->mse < 0.5 * named(*r, "y_int8").accumulated.mse);
    // RMSE/scale in steps of the tensor's own scale.
    CHECK(named(*r, "y_int8").accumulated.rmseOverScale == Approx(named(*r, "y_int8").accumulated.rmse / kSy).epsilon(1e-5));

    // Layers in quantized order: QUANTIZE, FC, FC, DEQUANTIZE; conversions flagged.
    REQUIRE(r->layers.size() == 4);
    CHECK(r->layers[0].conversion);
    CHECK_FALSE(r->layers[1].conversion);
    CHECK(r->layers[2].opType == "FULLY_CONNECTED");
    CHECK(r->layers[2].hasPerLayer);
    CHECK(r->layers[2].perLayer.mse == Approx(named(*r, "y_int8").perLayer->mse));
    CHECK(r->layers[2].weights.size() == 1);
    // Weights 127 * (1/127) are exact: no weight error.
    const auto& w = r->tensors[size_t(r->layers[2].weights[0])];
    CHECK(w.constant);
    CHECK(w.accumulated.mse == Approx(0).margin(1e-12));
    // Graph output.
    REQUIRE(r->outputs.size() == 1);
    REQUIRE(r->outputs[0] >= 0);
    CHECK(r->tensors[size_t(r->outputs[0])].name == "y_out");
    // Worst layer by per-layer SQNR: FC1 (its error includes the 0.03 grid, FC2's only the 0.01 grid).
    const auto worst = worstLayers(*r, 1);
    REQUIRE(worst.size() == 1);
    CHECK(r->layers[worst[0]].quantOp == OperatorIndex{1});
}

TEST_CASE("compare: a tensor that clips a known share of values", "[compare]") {
    // float: x -> RELU -> y. int8: x -> QUANTIZE(0.01, 0) -> RELU -> DEQUANTIZE. The int8 range
    // holds [-1.28, 1.27]: 3 of the 10 values lie above.
    ModelBuilder fb;
    const auto fx = fb.addTensor("x", TensorType::FLOAT32, {1, 10});
    const auto fy = fb.addTensor("y", TensorType::FLOAT32, {1, 10});
    fb.addOperator(BuiltinOp::RELU, {fx}, {fy});
    fb.setInputs({fx});
    fb.setOutputs({fy});
    ModelBuilder qb;
    const auto x = qb.addTensor("x", TensorType::FLOAT32, {1, 10});
    const auto xq = qb.addTensor("xq", TensorType::INT8, {1, 10}, qp(0.01f, 0));
    const auto yq = qb.addTensor("yq", TensorType::INT8, {1, 10}, qp(0.01f, 0));
    const auto y = qb.addTensor("y", TensorType::FLOAT32, {1, 10});
    qb.addOperator(BuiltinOp::QUANTIZE, {x}, {xq});
    qb.addOperator(BuiltinOp::RELU, {xq}, {yq});
    qb.addOperator(BuiltinOp::DEQUANTIZE, {yq}, {y}, {}, 2);
    qb.setInputs({x});
    qb.setOutputs({y});
    const std::vector<float> v = {0.1f, 0.2f, 0.3f, 0.5f, 0.7f, 0.9f, 1.1f, 1.5f, 2.0f, 3.0f};
    VectorSource src({1, 10}, {v});
    auto r = compareModels(std::make_shared<const Model>(fb.build()), std::make_shared<const Model>(qb.build()), src);
    REQUIRE(r.ok());
    const auto& t = named(*r, "yq");
    CHECK(t.quantized);
    CHECK(t.clipMin == Approx(-1.28));
    CHECK(t.clipMax == Approx(1.27));
    CHECK(t.accumulated.clipRate == Approx(0.3));
    CHECK(t.perLayer->clipRate == Approx(0.3));
    CHECK(t.accumulated.maxAbsError == Approx(3.0 - 1.27).epsilon(1e-5));
    CHECK(named(*r, "xq").accumulated.clipRate == Approx(0.3));
    // Histogram of the float values: all 10 values counted, range includes the clip limit.
    uint64_t total = 0;
    for (auto c : t.values.counts) total += c;
    CHECK(total == 10);
    CHECK(t.values.hi >= 3.0);
    CHECK(t.accumulatedError.lo < -1.7);
    // The explanation names the clipping; the text table and CSV carry the layer.
    REQUIRE(r->layers.size() == 3);
    CHECK(r->layers[1].opType == "RELU");
    CHECK(explainLayer(*r, r->layers[1]).find("clips 30.00%") != std::string::npos);
    const std::string text = compareToText(*r, 1);
    CHECK(text.find("!    1 RELU") != std::string::npos);
    CHECK(text.find("Worst layers:") != std::string::npos);
    const std::string csv = compareToCsv(*r);
    CHECK(csv.find("1,RELU,\"yq\",0,per_layer,") != std::string::npos);
    CHECK(csv.find(",0.3,tflite-cpu\n") != std::string::npos); // clip rate, then the target (last column)

    // Measured advice (compare --calib) reaches the text, the JSON and the HTML report of the
    // layer it belongs to, and nothing of it appears without a measurement.
    MeasuredAdvice measured;
    measured.baselineDb = 9.5;
    measured.byLayer[1] = {{{AdviceChange::Kind::Int16, "yq", {}}, 12.25, 2.75, 0},
                           {{AdviceChange::Kind::KeepFloat, "yq", {}}, 15.0, 5.5, 1}};
    const std::string measuredLine = "measured (worst output, now 9.5 dB): int16 activations +2.8 dB, keep float +5.5 dB";
    CHECK(compareToText(*r, 1, false, &measured).find(measuredLine) != std::string::npos);
    CHECK(compareToText(*r, 1).find("measured (") == std::string::npos);
    const std::string json = test::compactJson(compareToJson(*r, {"f.tflite", "q.tflite"}, &measured));
    CHECK(json.find("\"advice_baseline_sqnr_db\":9.5") != std::string::npos);
    const size_t relu = json.find("\"op\":\"RELU\"");
    REQUIRE(relu != std::string::npos);
    const size_t list = json.find("\"measured_advice\":[{\"change\":\"int16 activations\",\"kind\":\"int16\",\"name\":\"yq\","
                                  "\"sqnr_db\":12.25,\"gain_db\":2.75}");
    CHECK(list != std::string::npos);
    CHECK(list > relu);
    CHECK(json.find("\"kind\":\"keep_float\"") != std::string::npos);
    CHECK(json.find("\"advice\":\"clips 30.00%") != std::string::npos);
    const std::string plain = compareToJson(*r, {"f.tflite", "q.tflite"});
    CHECK(plain.find("measured_advice") == std::string::npos);
    CHECK(plain.find("advice_baseline_sqnr_db") == std::string::npos);
    CHECK(compareToHtml(*r, {"f.tflite", "q.tflite"}, 1, &measured).html().find(measuredLine) != std::string::npos);
}

TEST_CASE("compare: our quantizer's int8 CNN, both views, weights per channel", "[compare][quantize]") {
    auto floatModel = std::make_shared<const Model>(test::makeSmallCnn());
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.calibSpec = "random:8:3";
    auto qr = quantize::runQuantize(floatModel, job);
    REQUIRE(qr.ok());
    auto quantModel = std::make_shared<const Model>(qr->result.model);
    CompareOptions opts;
    opts.data.maxSamples = 8;
    int calls = 0;
    Progress progress;
    progress.report = [&](std::string_view, double) { ++calls; };
    auto r = compareModels(floatModel, quantModel, "random:8:3", opts, progress);
    REQUIRE(r.ok());
    CHECK(calls >= 8);
    CHECK(r->samples == 8);
    CHECK(r->matching.complete());
    size_t layers = 0;
    for (const auto& l : r->layers) {
        if (l.conversion) continue;
        ++layers;
        INFO(l.opType << " " << l.name);
        REQUIRE(l.output >= 0);
        CHECK(l.hasPerLayer);
        CHECK(std::isfinite(l.accumulated.sqnrDb));
        CHECK(l.accumulated.sqnrDb > 10);
        CHECK(l.accumulated.clipRate >= 0);
        CHECK(l.accumulated.clipRate <= 1);
        CHECK(l.accumulated.cosine > 0.9);
    }
    CHECK(layers == floatModel->subgraphs[0].operators.size());
    // The input QUANTIZE, calibrated on the same data, only rounds: RMSE/scale ~ 1/sqrt(12)
    // (8 x 192 uniform values) and nothing clips.
    const auto& first = r->layers[0];
    REQUIRE(first.conversion);
    REQUIRE(first.opType == "QUANTIZE");
    CHECK(first.perLayer.rmseOverScale == Approx(kRoundingNoiseRmseOverScale).epsilon(0.08));
    CHECK(first.perLayer.clipRate < 0.01); // only values within half a step beyond the nudged range
    // Conv weights: per channel, one figure per output channel.
    bool sawConvWeights = false;
    for (const auto& t : r->tensors) {
        if (!t.constant || t.shape.size() != 4 || t.shape[0] != 4) continue;
        sawConvWeights = true;
        CHECK(t.perChannel.size() == 4);
        CHECK(t.channelAxis == 0);
        for (const auto& c : t.perChannel) CHECK(c.sqnrDb > 30); // 8-bit symmetric weights
        CHECK(t.accumulated.rmseOverScale < 0.35);               // rounding only (first channel's scale)
    }
    CHECK(sawConvWeights);
    // Without the per-layer view: same accumulated figures.
    opts.perLayer = false;
    auto r2 = compareModels(floatModel, quantModel, "random:8:3", opts);
    REQUIRE(r2.ok());
    REQUIRE(r2->layers.size() == r->layers.size());
    for (size_t i = 0; i < r->layers.size(); ++i) {
        CHECK_FALSE(r2->layers[i].hasPerLayer);
        CHECK(r2->layers[i].accumulated.mse == r->layers[i].accumulated.mse);
    }
}

TEST_CASE("compare: cancel, bad data and mismatched models are errors", "[compare]") {
    auto f = std::make_shared<const Model>(floatTwoFc());
    auto q = std::make_shared<const Model>(int8TwoFc());
    std::atomic<bool> cancel{true};
    Progress p;
    p.cancel = &cancel;
    auto c = compareModels(f, q, "random:4:1", {}, p);
    REQUIRE_FALSE(c.ok());
    CHECK(c.message() == "cancelled");
    CHECK_FALSE(compareModels(f, q, "/nonexistent/data.npy").ok());
    auto other = std::make_shared<const Model>(test::makeSmallCnn());
    auto bad = compareModels(other, q, "random:2:1");
    REQUIRE_FALSE(bad.ok());
    VectorSource empty({4, 1}, {});
    auto none = compareModels(f, q, empty);
    REQUIRE_FALSE(none.ok());
    CHECK(none.message().find("no samples") != std::string::npos);
}

TEST_CASE("compare: shared hello_world float vs int8, both views", "[compare][shared]") {
    // The two files are separately trained sin(x) regressors (their weights disagree: weight
    // SQNR below 0 dB), so only what holds for any two good sin(x) models is checked.
    const auto fp = test::sharedModel("hello_world_float.tflite"), qpth = test::sharedModel("hello_world_int8.tflite");
    if (!fp || !qpth) {
        WARN("skipped: ../shared/models/hello_world_*.tflite absent");
        return;
    }
    auto f = readModelFile(*fp);
    auto q = readModelFile(*qpth);
    REQUIRE(f.ok());
    REQUIRE(q.ok());
    CompareOptions opts;
    opts.data.randomLo = 0.0f;
    opts.data.randomHi = 6.28f;
    auto r = compareModels(*f, *q, "random:32:5", opts);
    REQUIRE(r.ok());
    CHECK(r->matching.complete());
    REQUIRE(r->outputs.size() == 1);
    const auto& out = r->tensors[size_t(r->outputs[0])];
    INFO("output SQNR " << out.accumulated.sqnrDb);
    CHECK(out.accumulated.sqnrDb > 15);
    CHECK(out.accumulated.cosine > 0.98);
    size_t fc = 0, weights = 0;
    for (const auto& l : r->layers)
        if (l.opType == "FULLY_CONNECTED") {
            ++fc;
            CHECK(l.hasPerLayer);
            CHECK(l.weights.size() == 2); // weights and bias
            weights += l.weights.size();
        }
    CHECK(fc == 3);
    CHECK(weights == 6);
}

TEST_CASE("compare: shared float16 model quantized to int8 by our quantizer (face_detection_short_range)", "[compare][shared]") {
    const auto fp = test::sharedModel("face_detection_short_range.tflite");
    if (!fp) {
        WARN("skipped: ../shared/models/face_detection_short_range.tflite absent");
        return;
    }
    auto f = readModelFile(*fp);
    REQUIRE(f.ok());
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.calibSpec = "random:2:1";
    auto qr = quantize::runQuantize(*f, job);
    REQUIRE(qr.ok());
    auto q = std::make_shared<const Model>(std::move(qr->result.model));
    // The float model keeps its float16 weights behind constant DEQUANTIZE operators; the int8
    // model has int8 constants: matched all the same.
    auto r = compareModels(*f, q, "random:2:1");
    REQUIRE(r.ok());
    for (const auto& w : r->warnings) INFO(w);
    CHECK(r->matching.complete());
    size_t conv = 0;
    for (const auto& l : r->layers) {
        if (l.opType != "CONV_2D" && l.opType != "DEPTHWISE_CONV_2D") continue;
        ++conv;
        CHECK(l.hasPerLayer);
        CHECK(l.weights.size() >= 1);
        CHECK(l.accumulated.cosine > 0.5);
        CHECK(l.perLayer.sqnrDb > 5);
    }
    CHECK(conv > 20);
    for (int k : r->outputs) {
        REQUIRE(k >= 0);
        CHECK(r->tensors[size_t(k)].accumulated.cosine > 0.9);
    }
}

TEST_CASE("compare: shared trained_lstm float vs int8 (stateful LSTM)", "[compare][shared]") {
    const auto fp = test::sharedModel("trained_lstm.tflite"), qpth = test::sharedModel("trained_lstm_int8.tflite");
    if (!fp || !qpth) {
        WARN("skipped: ../shared/models/trained_lstm*.tflite absent");
        return;
    }
    auto f = readModelFile(*fp);
    auto q = readModelFile(*qpth);
    REQUIRE(f.ok());
    REQUIRE(q.ok());
    CompareOptions opts;
    opts.data.randomLo = 0.0f;
    opts.data.randomHi = 1.0f;
    auto r = compareModels(*f, *q, "random:4:5", opts);
    REQUIRE(r.ok());
    REQUIRE(r->outputs.size() == 1);
    REQUIRE(r->outputs[0] >= 0);
    const auto& out = r->tensors[size_t(r->outputs[0])];
    INFO("output SQNR " << out.accumulated.sqnrDb);
    CHECK(out.accumulated.cosine > 0.9);
    bool lstm = false;
    for (const auto& l : r->layers) lstm = lstm || (l.opType == "UNIDIRECTIONAL_SEQUENCE_LSTM" && l.hasPerLayer);
    CHECK(lstm);
}

TEST_CASE("Interpreter input hook: overwrites an operator's input just before its eval", "[compare][interpreter]") {
    // x -> RELU -> h -> RELU -> y; the hook replaces h (the second RELU's input) by -1, 2, -3, 4.
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto h = b.addTensor("h", TensorType::FLOAT32, {1, 4});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 4});
    b.addOperator(BuiltinOp::RELU, {x}, {h});
    b.addOperator(BuiltinOp::RELU, {h}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    auto interp = rt::Interpreter::create(std::make_shared<const Model>(b.build()));
    REQUIRE(interp.ok());
    rt::Interpreter& in = **interp;
    const std::vector<float> ones(4, 1.0f);
    REQUIRE(in.setInput(0, TensorType::FLOAT32, std::span(reinterpret_cast<const uint8_t*>(ones.data()), 16)).ok());
    std::vector<int> seen;
    const rt::InputHook hook = [&](const rt::InputEvent& e) {
        seen.push_back(e.op.value);
        REQUIRE(e.inputs.size() == 1);
        if (e.op.value == 1) {
            const float v[4] = {-1, 2, -3, 4};
            std::memcpy(e.inputs[0]->data, v, sizeof v);
        }
    };
    REQUIRE(in.invoke({}, hook).ok());
    CHECK(seen == std::vector<int>{0, 1});
    const auto out = in.output(0).values<float>();
    CHECK(std::vector<float>(out.begin(), out.end()) == std::vector<float>{0, 2, 0, 4});
    // Without the hook, the plain run again.
    REQUIRE(in.invoke().ok());
    const auto again = in.output(0).values<float>();
    CHECK(std::vector<float>(again.begin(), again.end()) == std::vector<float>{1, 1, 1, 1});
    CHECK(seen.size() == 2);
}

TEST_CASE("compare: a model against itself has no error; int8-only with uint8 I/O", "[compare][quantize]") {
    auto floatModel = std::make_shared<const Model>(test::makeSmallCnn());
    auto same = compareModels(floatModel, floatModel, "random:2:4");
    REQUIRE(same.ok());
    CHECK(same->matching.complete());
    for (const auto& t : same->tensors) {
        INFO(t.name);
        CHECK(t.accumulated.mse == 0);
        CHECK(std::isinf(t.accumulated.sqnrDb));
        if (t.perLayer) CHECK(t.perLayer->mse == 0);
    }
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8Only;
    job.quantize.io = quantize::IoType::UInt8;
    job.calibSpec = "random:4:1";
    auto qr = quantize::runQuantize(floatModel, job);
    REQUIRE(qr.ok());
    auto q = std::make_shared<const Model>(qr->result.model);
    REQUIRE(q->subgraphs[0].tensor(q->subgraphs[0].inputs[0]).type == TensorType::UINT8);
    auto r = compareModels(floatModel, q, "random:4:1");
    REQUIRE(r.ok());
    CHECK(r->matching.complete());
    // The uint8 input holds the float input quantized: only rounding, nothing clipped.
    const auto* in = r->tensorFor(q->subgraphs[0].inputs[0]);
    REQUIRE(in);
    CHECK(in->accumulated.rmseOverScale == Approx(kRoundingNoiseRmseOverScale).epsilon(0.1));
    CHECK(in->accumulated.clipRate < 0.01);
    REQUIRE(r->outputs[0] >= 0);
    CHECK(r->tensors[size_t(r->outputs[0])].accumulated.cosine > 0.95);
}

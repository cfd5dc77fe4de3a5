// analysis/Evaluate: top-1/top-5 on a classifier whose scores are its inputs (checked by hand),
// SQNR against itself (inf) and against a perturbed copy (by hand), the all-modes table.
#include "TestModels.h"
#include "TestSupport.h"

#include "analysis/Evaluate.h"
#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "quantize/GraphEdit.h"
#include "quantize/Quantizer.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace ql;
using namespace ql::analysis;
using namespace ql::test;

namespace {

// input [1,n] -> FULLY_CONNECTED (weights gain * I, bias) -> output [1,n]: the output equals
// gain * input + bias, so a sample's class scores are the sample itself.
std::shared_ptr<const Model> diagonalModel(int n, float gain, std::vector<float> bias = {}) {
    ModelBuilder b;
    const auto in = b.addTensor("scores_in", TensorType::FLOAT32, {1, n});
    std::vector<float> w(size_t(n * n), 0.0f);
    for (int i = 0; i < n; ++i) w[size_t(i * n + i)] = gain;
    const auto wt = b.addConstant("w", TensorType::FLOAT32, {n, n}, w);
    if (bias.empty()) bias.assign(size_t(n), 0.0f);
    const auto bt = b.addConstant("b", TensorType::FLOAT32, {n}, bias);
    const auto out = b.addTensor("scores", TensorType::FLOAT32, {1, n});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, wt, bt}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    return std::make_shared<const Model>(b.build());
}

void writeFloatNpy(const std::string& path, const std::vector<std::vector<float>>& rows) {
    std::vector<uint8_t> bytes;
    for (const auto& r : rows) {
        const auto* p = reinterpret_cast<const uint8_t*>(r.data());
        bytes.insert(bytes.end(), p, p + r.size() * sizeof(float));
    }
    const std::vector<int64_t> shape = {int64_t(rows.size()), int64_t(rows[0].size())};
    REQUIRE(writeNpy(path, TensorType::FLOAT32, shape, bytes).ok());
}

void writeIdxLabels(const std::string& path, const std::vector<uint8_t>& labels) {
    std::vector<uint8_t> b = {0, 0, 0x08, 0x01};
    const uint32_t n = uint32_t(labels.size());
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(n >> s));
    b.insert(b.end(), labels.begin(), labels.end());
    writeBytes(path, b);
}

// Six classes, five samples. Ranks of the label (classes scoring higher, plus equal scores
// with a lower index): 0, 2, 5, 1, 0 -> top-1 2/5, top-5 4/5.
const std::vector<std::vector<float>> kScores = {
    {0.1f, 0.9f, 0.2f, 0.3f, 0.0f, 0.5f}, // label 1: highest             -> rank 0
    {0.1f, 0.9f, 0.2f, 0.3f, 0.0f, 0.5f}, // label 3: 0.9 and 0.5 above   -> rank 2
    {0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f}, // label 5: lowest              -> rank 5
    {0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f}, // label 1: tie, class 0 first  -> rank 1
    {0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f}, // label 0: tie, wins by index  -> rank 0
};
const std::vector<uint8_t> kLabels = {1, 3, 5, 1, 0};

} // namespace

TEST_CASE("eval: label rank follows argmax's tie rule", "[eval]") {
    const std::vector<float> s = {0.2f, 0.7f, 0.7f, 0.1f};
    CHECK(labelRank(s, 1) == 0);
    CHECK(labelRank(s, 2) == 1);
    CHECK(labelRank(s, 0) == 2);
    CHECK(labelRank(s, 3) == 3);
}

TEST_CASE("eval: top-1 and top-5 of a classifier with known scores (IDX and .npy labels)", "[eval]") {
    TempDir dir;
    const std::string data = dir.file("scores.npy");
    writeFloatNpy(data, kScores);
    auto model = diagonalModel(6, 1.0f);

    SECTION("IDX labels") {
        const std::string labels = dir.file("labels-idx1-ubyte");
        writeIdxLabels(labels, kLabels);
        EvalOptions o;
        o.dataSpec = data;
        o.data.labels = labels;
        auto r = evaluateModel(model, o);
        REQUIRE(r.ok());
        CHECK(r->samples == 5);
        CHECK(r->labelled == 5);
        CHECK(r->classes == 6);
        CHECK(r->top1 == Approx(2.0 / 5.0));
        CHECK(r->top5 == Approx(4.0 / 5.0));
        CHECK_FALSE(r->hasReference);
        CHECK(std::isnan(r->referenceTop1));
        CHECK(r->latencyMedianMs >= 0.0);
        CHECK(r->latencyMinMs <= r->latencyMedianMs);
        CHECK(r->fileBytes > 0);
    }
    SECTION(".npy labels, with a reference (the same model) and a sample limit") {
        const std::string labels = dir.file("labels.npy");
        const std::vector<int32_t> l(kLabels.begin(), kLabels.end());
        const std::vector<int64_t> shape = {int64_t(l.size())};
        REQUIRE(writeNpy(labels, TensorType::INT32, shape,
                         std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(l.data()), l.size() * 4)).ok());
        EvalOptions o;
        o.dataSpec = data;
        o.data.labels = labels;
        o.data.maxSamples = 3; // ranks 0, 2, 5
        o.reference = model;
        auto r = evaluateModel(model, o);
        REQUIRE(r.ok());
        CHECK(r->labelled == 3);
        CHECK(r->top1 == Approx(1.0 / 3.0));
        CHECK(r->top5 == Approx(2.0 / 3.0));
        CHECK(r->referenceTop1 == Approx(1.0 / 3.0));
        CHECK(std::isinf(r->pooled.sqnrDb));
        CHECK(r->pooled.sqnrDb > 0);
        CHECK(r->pooled.cosine == Approx(1.0));
    }
    SECTION("a label outside the classes is an error naming the sample") {
        const std::string labels = dir.file("bad-idx1-ubyte");
        writeIdxLabels(labels, {1, 3, 9, 1, 0});
        EvalOptions o;
        o.dataSpec = data;
        o.data.labels = labels;
        auto r = evaluateModel(model, o);
        REQUIRE_FALSE(r.ok());
        CHECK(r.message().find("sample 2: label 9 is outside the 6 classes") != std::string::npos);
    }
}

TEST_CASE("eval: SQNR of a model against itself is inf, against a perturbed copy as computed by hand", "[eval]") {
    auto ref = diagonalModel(4, 1.0f);
    EvalOptions o;
    o.dataSpec = "random:6:3";
    o.reference = ref;
    auto self = evaluateModel(ref, o);
    REQUIRE(self.ok());
    CHECK(std::isinf(self->pooled.sqnrDb));
    CHECK(self->pooled.cosine == Approx(1.0));
    CHECK(self->pooled.maxAbsError == 0.0);

    // y = 1.1 x: noise = 0.1 x, SQNR = 10 log10(sum x^2 / sum (0.1 x)^2) = 20 dB whatever x is.
    auto gain = evaluateModel(diagonalModel(4, 1.1f), o);
    REQUIRE(gain.ok());
    CHECK(gain->pooled.sqnrDb == Approx(20.0).margin(1e-4));
    CHECK(gain->pooled.cosine == Approx(1.0));

    // One sample x = (1, 2, 3, 4) and y = x + (0.1, 0, 0, -0.2):
    // SQNR = 10 log10(30 / (0.01 + 0.04)) = 10 log10(600) = 27.7815 dB;
    // cosine = x.y / (|x| |y|) = 29.3 / sqrt(30 * 28.65).
    TempDir dir;
    writeFloatNpy(dir.file("x.npy"), {{1.0f, 2.0f, 3.0f, 4.0f}});
    o.dataSpec = dir.file("x.npy");
    auto shifted = evaluateModel(diagonalModel(4, 1.0f, {0.1f, 0.0f, 0.0f, -0.2f}), o);
    REQUIRE(shifted.ok());
    CHECK(shifted->pooled.sqnrDb == Approx(10.0 * std::log10(600.0)).margin(1e-4));
    CHECK(shifted->pooled.cosine == Approx(29.3 / std::sqrt(30.0 * 28.65)).epsilon(1e-6));
    CHECK(shifted->pooled.maxAbsError == Approx(0.2).epsilon(1e-5));
    REQUIRE(shifted->outputs.size() == 1);
    CHECK(shifted->outputs[0].name == "scores");
}

TEST_CASE("eval: an int8 model is fed the float reference's samples quantized with its input parameters", "[eval]") {
    // makeInt8FullyConnected's input is int8 (0.02, -3). A float reference that computes the
    // same function on the dequantized input gives the int8 model's error only.
    auto q = std::make_shared<const Model>(makeInt8FullyConnected());
    EvalOptions o;
    o.dataSpec = "random:8:5";
    o.reference = q; // the int8 model against itself through the conversion path: exact
    auto r = evaluateModel(q, o);
    REQUIRE(r.ok());
    CHECK(std::isinf(r->pooled.sqnrDb));

    auto f = std::make_shared<const Model>(makeFloatFullyConnected());
    o.reference = f;
    auto mismatch = evaluateModel(diagonalModel(6, 1.0f), o);
    REQUIRE_FALSE(mismatch.ok()); // 6 inputs vs the reference's 4
}

TEST_CASE("eval: all modes side by side, calibrated once", "[eval][modes]") {
    auto cnn = std::make_shared<const Model>(makeSmallCnn());
    AllModesOptions o;
    o.calibSpec = "random:8:1";
    o.eval.dataSpec = "random:4:2";
    std::vector<std::string> stages;
    double last = -1;
    bool monotone = true;
    Progress p;
    p.report = [&](std::string_view stage, double f) {
        if (stages.empty() || stages.back() != stage) stages.emplace_back(stage);
        monotone = monotone && f >= last - 1e-12;
        last = f;
    };
    auto r = evaluateAllModes(cnn, o, p);
    REQUIRE(r.ok());
    CHECK(r->calibrationSamples == 8);
    CHECK(r->calibrationError.empty());
    REQUIRE(r->rows.size() == 6);
    CHECK(monotone);
    CHECK(last == Approx(1.0));
    CHECK(std::find(stages.begin(), stages.end(), "calibrating") != stages.end());
    for (const ModeRow& row : r->rows) {
        INFO(std::string(quantize::modeName(row.mode)) << ": " << row.error);
        CHECK(row.ok);
        if (!row.ok) continue;
        CHECK(row.eval.samples == 4);
        CHECK(row.eval.hasReference);
        CHECK(row.eval.fileBytes > 0);
    }
    const auto& none = r->rows[0].eval;
    CHECK(std::isinf(none.pooled.sqnrDb));
    const auto& f16 = r->rows[1].eval;
    const auto& i8 = r->rows[3].eval;
    const auto& i16 = r->rows[5].eval;
    CHECK(f16.pooled.sqnrDb > 50.0);
    CHECK(i8.pooled.sqnrDb > 10.0);
    CHECK(i16.pooled.sqnrDb > i8.pooled.sqnrDb); // int16 activations: finer steps
    CHECK(f16.fileBytes < none.fileBytes);

    const std::string json = allModesToJson(*r, "cnn.tflite");
    CHECK(json.find("\"mode\": \"int16x8\"") != std::string::npos);
    CHECK(json.find("\"sqnr_db\": \"inf\"") != std::string::npos);
    const std::string csv = allModesToCsv(*r, "cnn.tflite");
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 7);
}

TEST_CASE("eval: all modes: rows after the first reuse the float outputs, same figures as a direct evaluation", "[eval][modes]") {
    auto cnn = std::make_shared<const Model>(makeSmallCnn());
    AllModesOptions o;
    o.eval.dataSpec = "random:3:7";
    o.modes = {quantize::Mode::None, quantize::Mode::Float16, quantize::Mode::Dynamic};
    auto r = evaluateAllModes(cnn, o);
    REQUIRE(r.ok());
    REQUIRE(r->rows.size() == 3);
    for (size_t i = 1; i < 3; ++i) {
        REQUIRE(r->rows[i].ok);
        quantize::QuantizeOptions qo;
        qo.mode = r->rows[i].mode;
        auto q = quantize::quantizeModel(quantize::foldConstantDequantize(*cnn), nullptr, qo);
        REQUIRE(q.ok());
        EvalOptions eo;
        eo.dataSpec = "random:3:7";
        eo.reference = cnn;
        auto direct = evaluateModel(std::make_shared<const Model>(std::move(q->model)), eo);
        REQUIRE(direct.ok());
        CHECK(direct->pooled.sqnrDb == Approx(r->rows[i].eval.pooled.sqnrDb).epsilon(1e-9));
        CHECK(direct->pooled.maxAbsError == r->rows[i].eval.pooled.maxAbsError);
    }
}

TEST_CASE("eval: all modes: a failing mode is a row with the reason; cancel stops the run", "[eval][modes]") {
    auto cnn = std::make_shared<const Model>(makeSmallCnn());
    AllModesOptions o;
    o.eval.dataSpec = "random:2:2";
    o.modes = {quantize::Mode::None, quantize::Mode::Int8};
    // No calibration data: the integer row fails and says why, the float row still runs.
    auto r = evaluateAllModes(cnn, o);
    REQUIRE(r.ok());
    REQUIRE(r->rows.size() == 2);
    CHECK(r->rows[0].ok);
    CHECK_FALSE(r->rows[1].ok);
    CHECK(r->rows[1].error.find("calibration data") != std::string::npos);

    std::atomic<bool> cancel{true};
    Progress p;
    p.cancel = &cancel;
    o.calibSpec = "random:4:1";
    auto c = evaluateAllModes(cnn, o, p);
    REQUIRE_FALSE(c.ok());
    CHECK(c.message() == "cancelled");
}

TEST_CASE("eval: the Fashion-MNIST demo classifier on the test images", "[eval][fashion]") {
    const std::filesystem::path model = std::filesystem::path(QUANTLAB_SOURCE_DIR) / "resources/models/fashion_mnist_demo.tflite";
    const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    if (!std::filesystem::exists(model) || !std::filesystem::exists(images)) {
        WARN("skipped: " << model.string() << " or " << images << " is absent");
        return;
    }
    auto m = readModelFile(model.string());
    REQUIRE(m.ok());
    EvalOptions o;
    o.dataSpec = images;
    o.data.maxSamples = 1000;
    auto r = evaluateModel(*m, o);
    REQUIRE(r.ok());
    CHECK(r->labelled == 1000);
    CHECK(r->classes == 10);
    CHECK(r->top1 > 0.6); // a trained demo model; chance is 0.1
    CHECK(r->top5 >= r->top1);
}

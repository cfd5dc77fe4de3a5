// Per-sample predictions of a float and a quantized model (analysis/Predictions.h): the
// workshop's mistakes grid is built from these.
#include "analysis/Evaluate.h"
#include "analysis/Predictions.h"
#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>

using namespace ql;
using namespace ql::analysis;

namespace {

const std::filesystem::path kSource(QUANTLAB_SOURCE_DIR);
const std::string kModel = (kSource / "resources/models/fashion_mnist_demo.tflite").string();
const std::string kSample = (kSource / "resources/data/fashion-mnist-sample-images-idx3-ubyte.gz").string();

std::shared_ptr<const Model> readDemo() {
    auto m = readModelFile(kModel);
    REQUIRE(m.ok());
    return *m;
}

std::shared_ptr<const Model> quantizeInt8(std::shared_ptr<const Model> model) {
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.calibSpec = kSample;
    auto q = quantize::runQuantize(model, o);
    REQUIRE(q.ok());
    return std::make_shared<const Model>(std::move(q->result.model));
}

} // namespace

TEST_CASE("predictions: arg max picks the first maximum", "[predictions]") {
    const std::vector<float> a = {0.1f, 0.7f, 0.7f, 0.2f};
    CHECK(argMax(a) == 1);
    CHECK(argMax(std::span<const float>()) == -1);
    const std::vector<float> b = {-3.0f, -2.0f};
    CHECK(argMax(b) == 1);
}

TEST_CASE("predictions: a model against itself makes no mistakes the float model does not", "[predictions]") {
    if (!std::filesystem::exists(kModel) || !std::filesystem::exists(kSample)) {
        WARN("skipped: the bundled demo is absent");
        return;
    }
    auto model = readDemo();
    auto r = comparePredictions(model, model, kSample, {}, 1000);
    REQUIRE(r.ok());
    CHECK(r->samples == 256);
    CHECK(r->labelled == 256);
    CHECK(r->disagreements == 0);
    CHECK(r->lostByQuantization == 0);
    CHECK(r->floatCorrect == 235); // resources/data/fashion-mnist-sample.json
    CHECK(r->quantCorrect == r->floatCorrect);
    CHECK(r->mistakesTotal == 256 - 235);
    for (const SamplePrediction& p : r->mistakes) {
        CHECK(p.floatClass == p.quantClass);
        CHECK(p.quantClass != p.label);
    }
}

TEST_CASE("predictions: int8 demo model, mistakes agree with the evaluation's top-1", "[predictions]") {
    if (!std::filesystem::exists(kModel) || !std::filesystem::exists(kSample)) {
        WARN("skipped: the bundled demo is absent");
        return;
    }
    auto model = readDemo();
    auto q = quantizeInt8(model);
    auto r = comparePredictions(model, q, kSample, {}, 8);
    REQUIRE(r.ok());
    CHECK(r->labelled == 256);
    CHECK(r->floatCorrect == 235);
    CHECK(r->mistakesTotal == r->labelled - r->quantCorrect);
    CHECK(r->mistakes.size() == std::min<size_t>(8, r->mistakesTotal));
    REQUIRE_FALSE(r->mistakes.empty());
    // The ones lost by quantization (float right) come first.
    CHECK(r->lostByQuantization <= r->mistakesTotal);
    // float right = (both right) + (lost), and both right <= quantized right
    CHECK(r->floatCorrect - r->lostByQuantization <= r->quantCorrect);
    bool sharedSeen = false;
    for (const SamplePrediction& p : r->mistakes) {
        if (p.floatClass != p.label) sharedSeen = true;
        else CHECK_FALSE(sharedSeen);
    }
    for (const SamplePrediction& p : r->mistakes) {
        CHECK(p.quantClass != p.label);
        CHECK(p.width == 28);
        CHECK(p.height == 28);
        REQUIRE(p.pixels.size() == 28 * 28);
        CHECK(*std::max_element(p.pixels.begin(), p.pixels.end()) == 255); // scaled to the full range
    }

    // The same count as the evaluation's top-1 of the quantized model on the same samples.
    EvalOptions eo;
    eo.dataSpec = kSample;
    eo.reference = model;
    auto e = evaluateModel(q, eo);
    REQUIRE(e.ok());
    CHECK(double(r->quantCorrect) / double(r->labelled) == Approx(e->top1));
    CHECK(double(r->floatCorrect) / double(r->labelled) == Approx(e->referenceTop1));
}

TEST_CASE("predictions: cancelled", "[predictions]") {
    if (!std::filesystem::exists(kModel) || !std::filesystem::exists(kSample)) {
        WARN("skipped: the bundled demo is absent");
        return;
    }
    auto model = readDemo();
    std::atomic<bool> stop{true};
    Progress p;
    p.cancel = &stop;
    auto r = comparePredictions(model, model, kSample, {}, 8, p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message() == "cancelled");
}

// core/train: training lowers the loss and is bit-identical for a seed (any thread count); the
// exported .tflite carries names, signature and metadata, runs in QuantLab's interpreter like
// the trainer's own forward pass and in the real TFLite runtime (the oracle) with the same
// outputs; the bundled demo model scores the recorded accuracy on the bundled sample.
#include "TestSupport.h"

#include "data/DataSource.h"
#include "io/Npy.h"
#include "runtime/Interpreter.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"
#include "train/DemoSample.h"
#include "train/Export.h"
#include "train/Trainer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace ql;
using namespace ql::train;

namespace {

std::optional<FashionMnist> fashionMnist() {
    static std::optional<FashionMnist> cached;
    static bool tried = false;
    if (!tried) {
        tried = true;
        if (std::filesystem::is_directory(kFashionMnistDir)) {
            auto d = loadFashionMnist(kFashionMnistDir);
            if (d) cached = std::move(d.value());
            else WARN("fashion-mnist: " << d.message());
        }
    }
    return cached;
}

Dataset firstItems(const Dataset& d, int count) {
    Dataset s;
    s.count = count;
    s.shape = d.shape;
    s.images.assign(d.images.begin(), d.images.begin() + ptrdiff_t(count) * ptrdiff_t(d.shape.size()));
    s.labels.assign(d.labels.begin(), d.labels.begin() + count);
    return s;
}

std::vector<float> allParams(const Sequential& net) {
    std::vector<float> v;
    for (size_t l = 0; l < net.layerCount(); ++l)
        for (const Param& p : net.layer(l).params()) v.insert(v.end(), p.value.begin(), p.value.end());
    return v;
}

bool bitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct RunResult {
    double before = 0, after = 0;
    std::vector<float> params;
};

RunResult trainFraction(const Dataset& subset, uint64_t seed, int threads) {
    Sequential net = fashionMnistNetwork(seed);
    TrainOptions opt;
    opt.seed = seed;
    opt.threads = threads;
    opt.stepsPerEpoch = 40; // 2560 images: 4% of an epoch
    Trainer t(net, opt);
    RunResult r;
    t.evaluate(subset, &r.before);
    const EpochStats s = t.trainEpoch(subset);
    CHECK(s.steps == 40);
    t.evaluate(subset, &r.after);
    r.params = allParams(net);
    return r;
}

} // namespace

TEST_CASE("train: a fraction of an epoch lowers the loss, bit-identical for a seed and any thread count", "[train]") {
    const auto data = fashionMnist();
    if (!data) {
        WARN("skipped: " << kFashionMnistDir << " is absent (Debian package dataset-fashion-mnist)");
        return;
    }
    const Dataset subset = firstItems(data->train, 4096);
    const RunResult a = trainFraction(subset, 7, 2);
    INFO("loss before " << a.before << ", after " << a.after);
    CHECK(a.before > 2.0);          // about ln 10 at initialisation
    CHECK(a.after < 0.8 * a.before);
    const RunResult b = trainFraction(subset, 7, 2);
    CHECK(bitIdentical(a.params, b.params));
    CHECK(a.after == b.after);
    const RunResult c = trainFraction(subset, 7, 1);
    CHECK(bitIdentical(a.params, c.params));
    const RunResult d = trainFraction(subset, 8, 2);
    CHECK_FALSE(bitIdentical(a.params, d.params));
}

TEST_CASE("train: the exported model has names, signature, metadata and runs like the trainer", "[train]") {
    Sequential net = fashionMnistNetwork(3);
    // Non-zero biases so that the export of every parameter array is exercised.
    Rng rng(4);
    for (size_t l = 0; l < net.layerCount(); ++l)
        if (net.layer(l).params().size() == 2)
            for (float& b : net.layer(l).params()[1].value) b = rng.uniform(-0.1f, 0.1f);
    ExportInfo info;
    info.labels = fashionMnistLabels();
    auto exported = exportModel(net, info);
    REQUIRE(exported.ok());
    const Model& m = exported.value();
    const Subgraph& sg = m.subgraphs.at(0);
    std::vector<std::string> names;
    for (const Tensor& t : sg.tensors) names.push_back(t.name);
    for (const char* want : {"input", "conv1/Conv2D", "conv1/kernel", "pool1/MaxPool", "conv3/Conv2D", "flatten/Reshape",
                             "dense1/MatMul", "dense2/MatMul", "softmax/Softmax"})
        CHECK(std::find(names.begin(), names.end(), want) != names.end());
    CHECK(sg.operators.size() == 10); // 3 conv, 3 pool, reshape, 2 fully connected, softmax
    REQUIRE(m.signatures.size() == 1);
    CHECK(m.signatures[0].key == "serving_default");
    CHECK(m.signatures[0].outputs.at(0).name == "probabilities");
    CHECK(modelLabels(m) == fashionMnistLabels());
    const auto norm = data::normalizationFromMetadata(m, 0);
    REQUIRE(norm.has_value());
    CHECK(norm->mean == std::vector<float>{0.0f});
    CHECK(norm->stddev == std::vector<float>{255.0f});
    const auto meta = decodeModelMetadata(m);
    REQUIRE(meta.has_value());
    REQUIRE(meta->ok());
    CHECK(meta->value().inputs.at(0).colorSpace == "GRAYSCALE");

    // QuantLab's interpreter on the exported model = the trainer's forward pass.
    auto interp = rt::Interpreter::create(std::make_shared<const Model>(m));
    REQUIRE(interp.ok());
    ShardWork work;
    std::vector<float> image(28 * 28);
    for (int k = 0; k < 3; ++k) {
        for (float& v : image) v = rng.uniform(0.0f, 1.0f);
        forwardShard(net, image.data(), 1, work, PassInfo{false, 0});
        const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image.data()), image.size() * 4);
        REQUIRE(interp.value()->setInput(0, TensorType::FLOAT32, bytes).ok());
        REQUIRE(interp.value()->invoke().ok());
        const auto out = interp.value()->output(0).values<float>();
        REQUIRE(out.size() == 10);
        for (size_t i = 0; i < 10; ++i) CHECK(out[i] == Approx(work.acts.back().data[i]).margin(1e-5));
    }

    // The real TFLite runtime loads the written file and computes the same probabilities.
    test::TempDir tmp;
    const std::string path = tmp.file("trained.tflite");
    REQUIRE(writeTrainedModel(net, info, path).ok());
    auto reread = readModelFile(path);
    REQUIRE(reread.ok());
    CHECK(test::compareModels(m, *reread.value()).empty());
    if (!test::oracleScript()) {
        WARN("skipped: the TFLite oracle is not installed");
        return;
    }
    std::string log;
    const std::string out = tmp.file("oracle");
    REQUIRE(test::runOracle({path, "--random", "7", "--float-range", "0,1", "--out", out, "--quiet"}, &log) == 0);
    auto in = readNpy(out + "/input_0.npy");
    auto expected = readNpy(out + "/output_0.npy");
    REQUIRE(in.ok());
    REQUIRE(expected.ok());
    REQUIRE(interp.value()->setInput(0, TensorType::FLOAT32, in->data).ok());
    REQUIRE(interp.value()->invoke().ok());
    const auto ours = interp.value()->output(0).values<float>();
    const auto theirs = expected->values<float>();
    REQUIRE(ours.size() == theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) CHECK(ours[i] == Approx(theirs[i]).margin(1e-4));
}

TEST_CASE("train: the bundled demo model scores the recorded accuracy on the bundled sample", "[train]") {
    const std::string root = QUANTLAB_SOURCE_DIR;
    const std::string model = root + "/resources/models/fashion_mnist_demo.tflite";
    const std::string sample = root + "/resources/data/" + kSampleImages;
    const std::string record = root + "/resources/data/fashion-mnist-sample.json";
    REQUIRE(std::filesystem::exists(model));
    CHECK(std::filesystem::file_size(model) < 200 * 1024);
    auto m = readModelFile(model);
    REQUIRE(m.ok());
    CHECK(modelLabels(*m.value()) == fashionMnistLabels());
    std::ifstream f(record);
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string json = ss.str();
    auto number = [&](const std::string& key) {
        const size_t at = json.find("\"" + key + "\":");
        REQUIRE(at != std::string::npos);
        return std::stod(json.substr(at + key.size() + 3));
    };
    auto acc = interpreterAccuracy(*m.value(), sample);
    REQUIRE(acc.ok());
    CHECK(acc->total == int64_t(number("samples")));
    CHECK(acc->correct == int64_t(number("correct")));
    CHECK(acc->fraction() >= 0.85);
}

TEST_CASE("train: running figures every few batches add up to the epoch's", "[train]") {
    const auto data = fashionMnist();
    if (!data) {
        WARN("skipped: " << kFashionMnistDir << " is absent (Debian package dataset-fashion-mnist)");
        return;
    }
    const Dataset subset = firstItems(data->train, 1024);
    Sequential net = fashionMnistNetwork(3);
    TrainOptions opt;
    opt.seed = 3;
    opt.stepsPerEpoch = 10;
    opt.reportEvery = 4;
    std::vector<BatchReport> reports;
    opt.onBatches = [&](const BatchReport& r) { reports.push_back(r); };
    Trainer t(net, opt);
    const EpochStats s = t.trainEpoch(subset);
    REQUIRE(reports.size() == 3); // after batches 4, 8 and the last (10)
    CHECK(reports[0].step == 4);
    CHECK(reports[1].step == 8);
    CHECK(reports[2].step == 10);
    // windows of 4, 4 and 2 batches of 32 samples: their sample-weighted mean is the epoch's
    const double loss = (4 * reports[0].loss + 4 * reports[1].loss + 2 * reports[2].loss) / 10;
    const double acc = (4 * reports[0].accuracy + 4 * reports[1].accuracy + 2 * reports[2].accuracy) / 10;
    CHECK(loss == Approx(s.loss).epsilon(1e-9));
    CHECK(acc == Approx(s.trainAccuracy).epsilon(1e-9));
    for (const auto& r : reports) {
        CHECK(r.epoch == 1);
        CHECK(r.steps == 10);
    }
}

// quantlab-cli eval (accuracy, SQNR against --float, --all-modes, --json/--csv/--report) and
// quantlab-cli inspect --health; exit 2 with one line for bad input; no output over an input.
#include "TestModels.h"
#include "CliTest.h"
#include "TestSupport.h"

#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using namespace ql;
using namespace ql::test;

namespace {

// input [1,3] -> FULLY_CONNECTED (identity) -> output [1,3]: the scores are the sample.
std::string writeIdentityClassifier(const TempDir& dir, const std::string& name, float gain) {
    ModelBuilder b;
    const auto in = b.addTensor("x", TensorType::FLOAT32, {1, 3});
    std::vector<float> w = {gain, 0, 0, 0, gain, 0, 0, 0, gain};
    const auto wt = b.addConstant("w", TensorType::FLOAT32, {3, 3}, w);
    const auto bt = b.addConstant("b", TensorType::FLOAT32, {3}, std::vector<float>{0, 0, 0});
    const auto out = b.addTensor("scores", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, wt, bt}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    const std::string p = dir.file(name);
    REQUIRE(writeModelFile(b.build(), p).ok());
    return p;
}

// Four samples; labels 0, 2, 1, 1 have ranks 0, 0, 2, 1: top-1 50%, top-5 100%.
void writeScoresAndLabels(const TempDir& dir) {
    const std::vector<float> x = {0.9f, 0.1f, 0.0f, 0.1f, 0.2f, 0.7f, 0.5f, 0.1f, 0.4f, 0.6f, 0.3f, 0.1f};
    const std::vector<int64_t> shape = {4, 3};
    REQUIRE(writeNpy(dir.file("x.npy"), TensorType::FLOAT32, shape,
                     std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(x.data()), x.size() * 4)).ok());
    const std::vector<int64_t> l = {0, 2, 1, 1};
    const std::vector<int64_t> lshape = {4};
    REQUIRE(writeNpy(dir.file("y.npy"), TensorType::INT64, lshape,
                     std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(l.data()), l.size() * 8)).ok());
}

} // namespace

TEST_CASE("quantlab-cli eval: accuracy with labels, JSON and CSV", "[cli][eval]") {
    TempDir dir;
    const std::string model = writeIdentityClassifier(dir, "clf.tflite", 1.0f);
    writeScoresAndLabels(dir);
    std::string log;
    REQUIRE(cli("eval " + shellQuote(model) + " --data " + shellQuote(dir.file("x.npy")) + " --labels " +
                    shellQuote(dir.file("y.npy")) + " --json " + shellQuote(dir.file("r.json")) + " --csv " +
                    shellQuote(dir.file("r.csv")),
                &log) == 0);
    INFO(log);
    CHECK(log.find("top-1 50.00%, top-5 100.00% (4 labelled samples, 3 classes)") != std::string::npos);
    CHECK(log.find("ms median per sample") != std::string::npos);
    const std::string json = readText(dir.file("r.json"));
    CHECK(json.find("\"top1\": 0.5") != std::string::npos);
    CHECK(json.find("\"top5\": 1") != std::string::npos);
    const std::string csv = readText(dir.file("r.csv"));
    CHECK(lineCount(csv) == 2);
    CHECK(csv.find(",0.5,1,") != std::string::npos);
    // The target is recorded: tflite-cpu by default.
    CHECK(log.find("tflite-cpu") != std::string::npos);
    CHECK(json.find("\"target\": \"tflite-cpu\"") != std::string::npos);
    CHECK(csv.find(",error,target\n") != std::string::npos);
    CHECK(csv.find(",tflite-cpu\n") != std::string::npos);
}

TEST_CASE("quantlab-cli eval: SQNR against --float, JSON on standard output", "[cli][eval]") {
    TempDir dir;
    const std::string ref = writeIdentityClassifier(dir, "ref.tflite", 1.0f);
    const std::string test = writeIdentityClassifier(dir, "gain.tflite", 1.1f);
    std::string log;
    const std::string json = dir.file("out.json");
    // Standard output to the file, standard error (the summary) to the log.
    REQUIRE(runCommand("{ " + shellQuote(QUANTLAB_CLI) + " eval " + shellQuote(test) + " --data random:5:1 --float " +
                           shellQuote(ref) + " --json - >" + shellQuote(json) + "; }",
                       &log) == 0);
    const std::string out = readText(json); // standard output: the JSON alone (the summary went to stderr)
    INFO(out << log);
    REQUIRE(out.rfind("{", 0) == 0);
    // y = 1.1 x: SQNR = 10 log10(1 / 0.01) = 20 dB.
    const size_t at = out.find("\"sqnr_db\": ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stod(out.substr(at + 11)) == Approx(20.0).margin(1e-3));
    CHECK(out.find("\"accuracy\": null") != std::string::npos);
    CHECK(log.find("vs float   SQNR 20.0 dB") != std::string::npos);

    // The same as a report: summary and the per-output table.
    REQUIRE(cli("eval " + shellQuote(test) + " --data random:5:1 --float " + shellQuote(ref) + " --report " +
                    shellQuote(dir.file("r.html")),
                &log) == 0);
    const std::string html = readText(dir.file("r.html"));
    CHECK(html.find("<!DOCTYPE html>") == 0);
    CHECK(html.find("Outputs against the float model") != std::string::npos);
    CHECK(html.find("scores") != std::string::npos);
    CHECK(html.find("20.00") != std::string::npos);
}

TEST_CASE("quantlab-cli eval --all-modes: one row per mode, report", "[cli][eval]") {
    TempDir dir;
    const std::string cnn = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(makeSmallCnn(), cnn).ok());
    std::string log;
    REQUIRE(cli("eval " + shellQuote(cnn) + " --data random:3:2 --all-modes --calib random:6:1 --csv " +
                    shellQuote(dir.file("modes.csv")) + " --report " + shellQuote(dir.file("modes.html")),
                &log) == 0);
    INFO(log);
    for (const char* mode : {"none", "float16", "dynamic", "int8", "int8-only", "int16x8"})
        CHECK(log.find(std::string("\n  ") + mode + " ") != std::string::npos);
    CHECK(log.find("Calibrated 6 samples once") != std::string::npos);
    CHECK(lineCount(readText(dir.file("modes.csv"))) == 7);
    const std::string html = readText(dir.file("modes.html"));
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("int16x8") != std::string::npos);
}

TEST_CASE("quantlab-cli eval: bad input exits 2 with one line, writes nothing", "[cli][eval]") {
    TempDir dir;
    const std::string model = writeIdentityClassifier(dir, "clf.tflite", 1.0f);
    writeScoresAndLabels(dir);
    const std::string m = shellQuote(model);
    const std::vector<std::string> bad = {
        "eval " + m,                                                          // no --data
        "eval " + m + " --data " + shellQuote(dir.file("missing.npy")),        // unreadable data
        "eval " + m + " --data random:2 --float " + shellQuote(dir.file("x.npy")), // not a model
        "eval " + m + " --data random:2 --all-modes",                          // no --calib
        "eval " + m + " --data random:2 --calib random:2",                     // --calib without --all-modes
        "eval " + m + " --data random:2 --samples -1",
        "eval " + m + " --data " + shellQuote(dir.file("x.npy")) + " --labels " + shellQuote(dir.file("x.npy")), // float labels
        "eval " + m + " --data random:2 --json " + m,                          // output over the input
        "eval " + shellQuote(dir.file("x.npy")) + " --data random:2",         // not a model
    };
    for (const std::string& args : bad) {
        std::string out;
        const int code = cli(args, &out);
        INFO(args << "\n" << out);
        CHECK(code == 2);
        CHECK(lineCount(out) == 1);
        CHECK(out.rfind("quantlab-cli: error: ", 0) == 0);
    }
    CHECK(readBytes(model) == readBytes(model)); // still readable
    CHECK(std::filesystem::file_size(model) > 0);
}

TEST_CASE("quantlab-cli inspect --health: findings with operator, tensor and why", "[cli][health]") {
    TempDir dir;
    // makeInt8FullyConnected with a bias scale 1.5x too large on channel 0.
    Model m = makeInt8FullyConnected();
    Subgraph& sg = m.subgraphs[0];
    for (Tensor& t : sg.tensors)
        if (t.name == "dense/bias") t.quant.scale[0] *= 1.5f;
    const std::string bad = dir.file("bad.tflite");
    REQUIRE(writeModelFile(m, bad).ok());
    const std::string good = dir.file("good.tflite");
    REQUIRE(writeModelFile(makeInt8FullyConnected(), good).ok());

    std::string out;
    REQUIRE(cli("inspect " + shellQuote(bad) + " --health", &out) == 0);
    INFO(out);
    CHECK(out.find("bias-scale: #0 FULLY_CONNECTED, tensor") != std::string::npos);
    CHECK(out.find("'dense/bias'") != std::string::npos);
    CHECK(out.find("why: ") != std::string::npos);

    REQUIRE(cli("inspect " + shellQuote(good) + " --health --data random:8:1", &out) == 0);
    CHECK(out.find("0 errors, 0 warnings, 0 notes") != std::string::npos);
    CHECK(out.find("saturation over 8 samples") != std::string::npos);
    CHECK(out.find("no findings") != std::string::npos);

    REQUIRE(cli("inspect " + shellQuote(bad) + " --health --json", &out) == 0);
    CHECK(out.find("\"check\": \"bias-scale\"") != std::string::npos);
    CHECK(out.find("\"operator_type\": \"FULLY_CONNECTED\"") != std::string::npos);

    CHECK(cli("inspect " + shellQuote(good) + " --data random:2", &out) == 2);
    CHECK(lineCount(out) == 1);
    CHECK(cli("inspect " + shellQuote(good) + " --health --data nothing.npy", &out) == 2);
    CHECK(lineCount(out) == 1);
}

TEST_CASE("quantlab-cli eval: Fashion-MNIST IDX images find their labels file", "[cli][eval][fashion]") {
    const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    if (!std::filesystem::exists(images)) {
        WARN("skipped: " << images << " is absent");
        return;
    }
    // [1,28,28,1] -> RESHAPE [1,784] -> FULLY_CONNECTED 10 whose class c sums row c of the image:
    // not a good classifier, but every sample gets a label from t10k-labels-idx1-ubyte.gz.
    TempDir dir;
    ModelBuilder b;
    const auto in = b.addTensor("image", TensorType::FLOAT32, {1, 28, 28, 1});
    const auto shape = b.addConstant("shape", TensorType::INT32, {2}, std::vector<int32_t>{1, 784});
    const auto flat = b.addTensor("flat", TensorType::FLOAT32, {1, 784});
    b.addOperator(BuiltinOp::RESHAPE, {in, shape}, {flat}, reshapeOptions({1, 784}));
    std::vector<float> w(10 * 784, 0.0f);
    for (int c = 0; c < 10; ++c)
        for (int x = 0; x < 28; ++x) w[size_t(c * 784 + (c * 2 + 4) * 28 + x)] = 1.0f;
    const auto wt = b.addConstant("w", TensorType::FLOAT32, {10, 784}, w);
    const auto bt = b.addConstant("b", TensorType::FLOAT32, {10}, std::vector<float>(10, 0.0f));
    const auto out = b.addTensor("logits", TensorType::FLOAT32, {1, 10});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {flat, wt, bt}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    const std::string model = dir.file("rows.tflite");
    REQUIRE(writeModelFile(b.build(), model).ok());
    std::string log;
    REQUIRE(cli("eval " + shellQuote(model) + " --data " + shellQuote(images) + " --samples 200 --json " +
                    shellQuote(dir.file("r.json")),
                &log) == 0);
    INFO(log);
    CHECK(log.find("200 labelled samples, 10 classes") != std::string::npos);
    CHECK(readText(dir.file("r.json")).find("\"labelled\": 200") != std::string::npos);
}

TEST_CASE("quantlab-cli eval: Fashion-MNIST demo model end to end", "[cli][eval][fashion]") {
    const std::string model = std::string(QUANTLAB_SOURCE_DIR) + "/resources/models/fashion_mnist_demo.tflite";
    const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    if (!std::filesystem::exists(model) || !std::filesystem::exists(images)) {
        WARN("skipped: " << model << " or " << images << " is absent");
        return;
    }
    std::string out;
    REQUIRE(cli("eval " + shellQuote(model) + " --data " + shellQuote(images) + " --samples 500", &out) == 0);
    INFO(out);
    CHECK(out.find("500 labelled samples, 10 classes") != std::string::npos);
}

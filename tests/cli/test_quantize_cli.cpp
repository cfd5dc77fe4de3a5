// quantlab-cli quantize: output, metadata, errors (exit 2 + one line), no partial files.
#include "TestModels.h"
#include "CliTest.h"
#include "TestSupport.h"

#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using namespace ql;
using namespace ql::test;

namespace {

std::string writeCnn(const TempDir& dir) {
    const std::string p = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(makeSmallCnn(), p).ok());
    return p;
}

} // namespace

TEST_CASE("quantlab-cli quantize: int8 writes a model with sizes, ranges and metadata", "[cli][quantize]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string out = dir.file("cnn_int8.tflite");
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:6:2 --calibrator percentile:99.9 --out " +
                    shellQuote(out),
                &log) == 0);
    INFO(log);
    CHECK(log.find("Size") != std::string::npos);
    CHECK(log.find("->") != std::string::npos);
    CHECK(log.find("clipped=") != std::string::npos);
    CHECK(log.find("Calibrated 6 samples with percentile:99.9") != std::string::npos);
    auto m = readModelFile(out);
    REQUIRE(m.ok());
    const auto meta = (*m)->metadataBytes("quantlab");
    const std::string json(meta.begin(), meta.end());
    CHECK(json.find("\"mode\":\"int8\"") != std::string::npos);
    CHECK(json.find("\"samples\":6") != std::string::npos);
    CHECK(json.find("\"calibrator\":\"percentile:99.9") != std::string::npos);
    bool anyInt8 = false;
    for (const Tensor& t : (*m)->subgraphs[0].tensors) anyInt8 = anyInt8 || t.type == TensorType::INT8;
    CHECK(anyInt8);
}

TEST_CASE("quantlab-cli quantize: weight-only modes need no calibration data", "[cli][quantize]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    for (const char* mode : {"none", "float16", "dynamic"}) {
        const std::string out = dir.file(std::string(mode) + ".tflite");
        std::string log;
        CHECK(cli("quantize " + shellQuote(in) + " --mode " + mode + " --out " + shellQuote(out), &log) == 0);
        CHECK(std::filesystem::exists(out));
    }
}

TEST_CASE("quantlab-cli quantize: bad input exits 2 with one line and writes nothing", "[cli][quantize]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string out = dir.file("out.tflite");
    struct Bad {
        std::string args;
        std::string expect;
    };
    const std::vector<Bad> bad = {
        {"--mode int4 --calib random:2", "unknown mode"},
        {"--mode int8", "needs calibration data"},
        {"--mode int8 --calib " + shellQuote(dir.file("missing.npy")), "missing.npy"},
        {"--mode int8 --calib random:2 --calibrator foo", "--calibrator"},
        {"--mode int8 --calib random:2 --io int16", "--io"},
    };
    for (const Bad& b : bad) {
        std::string log;
        const int rc = cli("quantize " + shellQuote(in) + " " + b.args + " --out " + shellQuote(out), &log);
        INFO(b.args << "\n" << log);
        CHECK(rc == 2);
        CHECK(lineCount(log) == 1);
        CHECK(log.rfind("quantlab-cli: error: ", 0) == 0);
        CHECK(log.find(b.expect) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(out));
    }
    // output = input
    std::string log;
    CHECK(cli("quantize " + shellQuote(in) + " --mode float16 --out " + shellQuote(in), &log) == 2);
    CHECK(lineCount(log) == 1);
    auto still = readModelFile(in);
    CHECK(still.ok());
}

TEST_CASE("quantlab-cli quantize: int8-only with a float-only op names it", "[cli][quantize]") {
    TempDir dir;
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto e = b.addTensor("e", TensorType::FLOAT32, {1, 4});
    b.addOperator(BuiltinOp::EXP, {x}, {e});
    b.setInputs({x});
    b.setOutputs({e});
    const std::string in = dir.file("exp.tflite");
    REQUIRE(writeModelFile(b.build(), in).ok());
    const std::string out = dir.file("exp_q.tflite");
    std::string log;
    CHECK(cli("quantize " + shellQuote(in) + " --mode int8-only --calib random:2 --out " + shellQuote(out), &log) == 2);
    CHECK(lineCount(log) == 1);
    CHECK(log.find("#0 EXP") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out));
    // int8 keeps it in float and succeeds
    CHECK(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:2 --out " + shellQuote(out), &log) == 0);
    CHECK(log.find("float: #0 EXP") != std::string::npos);
}

TEST_CASE("quantlab-cli quantize: a failed quantize leaves nothing in the output folder", "[cli][quantize]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    // Data that opens but does not fit the model's [1,8,8,3] input: fails during calibration.
    const std::string badNpy = dir.file("bad.npy");
    const std::vector<int64_t> shape = {2, 5};
    REQUIRE(writeNpy(badNpy, TensorType::FLOAT32, shape, std::vector<uint8_t>(2 * 5 * 4, 0)).ok());
    const std::filesystem::path outDir = dir.path() / "out";
    std::filesystem::create_directories(outDir);
    const std::string out = (outDir / "q.tflite").string();
    const std::vector<std::string> bad = {
        "--mode int8 --calib " + shellQuote(badNpy),
        "--mode dynamic --bias-correction",
        "--mode none --equalize",
        "--mode int8 --calib random:0",
    };
    for (const std::string& args : bad) {
        std::string log;
        const int rc = cli("quantize " + shellQuote(in) + " " + args + " --out " + shellQuote(out), &log);
        INFO(args << "\n" << log);
        CHECK(rc == 2);
        CHECK(lineCount(log) == 1);
        CHECK(log.rfind("quantlab-cli: error: ", 0) == 0);
        CHECK(std::filesystem::is_empty(outDir)); // no output, no temporary file
    }
}

TEST_CASE("quantlab-cli quantize: --equalize and --bias-correction report what they did", "[cli][quantize]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string out = dir.file("q.tflite");
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:6:2 --equalize --bias-correction --out " +
                    shellQuote(out),
                &log) == 0);
    INFO(log);
    CHECK(log.find("Equalized  0 layer pairs") != std::string::npos); // its only pair has a consumer besides the DW
    CHECK(log.find("Bias       corrected") != std::string::npos);
    auto m = readModelFile(out);
    REQUIRE(m.ok());
    const auto meta = (*m)->metadataBytes("quantlab");
    const std::string json(meta.begin(), meta.end());
    CHECK(json.find("\"equalize\":true") != std::string::npos);
    CHECK(json.find("\"biasCorrection\":true") != std::string::npos);
    CHECK_FALSE((*m)->metadataBytes("CONVERSION_METADATA").empty());
}

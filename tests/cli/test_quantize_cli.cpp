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
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

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
        {"--mode int8 --calib random:2 --pixel-range 1", "--pixel-range"},
        {"--mode int8 --calib random:2 --pixel-range 1,-1", "LO must be less than HI"},
        {"--mode int8 --calib random:2 --pixel-range nan,1", "--pixel-range"},
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
        "--mode float16 --rounding gptq --calib random:2",
        "--mode dynamic --rounding gptq",
        "--mode int8 --calib random:2 --rounding stochastic",
        "--mode int8 --calib random:2 --range-for image=1:-1",
        "--mode int8 --calib random:2 --range-for image=0:nan",
        "--mode int8 --calib random:2 --range-for image",
        "--mode int8 --calib random:2 --range-for no_such_tensor=-1:1",
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

TEST_CASE("quantlab-cli quantize --rounding gptq: each layer's gain printed, recorded in the metadata", "[cli][quantize][gptq]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string out = dir.file("q.tflite");
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:6:2 --rounding gptq --out " + shellQuote(out), &log) ==
            0);
    INFO(log);
    const size_t at = log.find("Rounding   gptq: ");
    REQUIRE(at != std::string::npos);
    // One line per CONV_2D / FULLY_CONNECTED with both figures.
    const size_t layers = std::stoul(log.substr(log.find(" of ", at) + 4));
    CHECK(layers >= 1);
    CHECK(log.find(" dB  ", at) != std::string::npos);
    auto m = readModelFile(out);
    REQUIRE(m.ok());
    const auto meta = (*m)->metadataBytes("quantlab");
    CHECK(std::string(meta.begin(), meta.end()).find("\"rounding\":\"gptq\"") != std::string::npos);
}

TEST_CASE("quantlab-cli quantize --range-for: the named activation gets exactly that range", "[cli][quantize]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string out = dir.file("q.tflite");
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:4:2 --range-for image=-2:2 --out " + shellQuote(out), &log) ==
            0);
    INFO(log);
    auto m = readModelFile(out);
    REQUIRE(m.ok());
    bool found = false;
    for (const Tensor& t : (*m)->subgraphs[0].tensors)
        if (t.type == TensorType::INT8 && t.name.rfind("image", 0) == 0 && t.quant.scale.size() == 1) {
            found = true;
            CHECK(t.quant.scale[0] == Approx(4.0f / 255.0f)); // [-2, 2] over 255 steps
        }
    CHECK(found);
}

// Refusals of what would be silently ignored or meaningless (exit 2, one line), warnings about
// random data and clipping, NaN/inf calibration data, operators numbered as in the file.
namespace {

void expectRefused(const std::string& args, const std::string& expect) {
    std::string log;
    const int rc = cli(args, &log);
    INFO(args << "\n" << log);
    CHECK(rc == 2);
    CHECK(lineCount(log) == 1);
    CHECK(log.rfind("quantlab-cli: error: ", 0) == 0);
    CHECK(log.find(expect) != std::string::npos);
}

// Calibration samples for the small CNN's [1, 8, 8, 3] input; sample `bad` holds a NaN and an inf.
std::string writeCalibration(const TempDir& dir, size_t samples, size_t bad) {
    const size_t per = 8 * 8 * 3;
    std::vector<float> v(samples * per);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = float(i % 17) / 17.0f;
    v[bad * per + 5] = std::numeric_limits<float>::quiet_NaN();
    v[bad * per + 9] = std::numeric_limits<float>::infinity();
    std::vector<uint8_t> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    const std::string p = dir.file("calib.npy");
    const std::vector<int64_t> shape = {int64_t(samples), 8, 8, 3};
    REQUIRE(writeNpy(p, TensorType::FLOAT32, shape, bytes).ok());
    return p;
}

} // namespace

TEST_CASE("quantlab-cli quantize: flags that match nothing or contradict the mode exit 2",
          "[cli][quantize][checks]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string q =
        "quantize " + shellQuote(in) + " --out " + shellQuote(dir.file("o.tflite")) + " ";
    expectRefused(q + "--mode int8 --calib random:2 --keep-float CONV_2E", "nearest: CONV_2D");
    expectRefused(q + "--mode dynamic --keep-float nothing_like_it",
                  "keep-float 'nothing_like_it'");
    expectRefused(q + "--mode int8-only --io float --calib random:2", "use --mode int8");
    expectRefused(q + "--mode int8 --calib random:2 --calibrator-for no_such_tensor=kl",
                  "no_such_tensor=kl");
    expectRefused(q + "--mode int8 --calib random:2 --calibrator-for conv=entropy",
                  "unknown calibrator 'entropy'");
    expectRefused(q + "--mode int8 --calib random:2 --calibrator-for =kl", "expected TENSOR=C");
    expectRefused(q + "--mode float16 --calibrator-for x=kl", "calibrates no activation");
    CHECK_FALSE(std::filesystem::exists(dir.file("o.tflite")));
}

TEST_CASE("quantlab-cli: --labels with random data exits 2; random data is warned about",
          "[cli][checks]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string labels = dir.file("labels.npy");
    const std::vector<int64_t> shape = {4};
    REQUIRE(writeNpy(labels, TensorType::INT32, shape, std::vector<uint8_t>(16, 0)).ok());
    expectRefused("eval " + shellQuote(in) + " --data random:4 --labels " + shellQuote(labels),
                  "random noise");
    expectRefused("sensitivity " + shellQuote(in) +
                      " --mode int8 --calib random:4 --data random:4 --labels " +
                      shellQuote(labels),
                  "random noise");
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:4 --out " +
                    shellQuote(dir.file("q.tflite")),
                &log) == 0);
    CHECK(log.find("quantlab-cli: warning: --calib random:4 is random noise") != std::string::npos);
}

TEST_CASE("quantlab-cli quantize: NaN/inf calibration data is refused naming the sample, or "
          "skipped and counted",
          "[cli][quantize][checks]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string calib = writeCalibration(dir, 3, 1);
    const std::string out = dir.file("q.tflite");
    expectRefused("quantize " + shellQuote(in) + " --mode int8 --calib " + shellQuote(calib) +
                      " --out " + shellQuote(out),
                  "calibration sample 1, input 0");
    CHECK_FALSE(std::filesystem::exists(out));
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib " + shellQuote(calib) +
                    " --skip-nonfinite --out " + shellQuote(out),
                &log) == 0);
    INFO(log);
    CHECK(log.find("Calibrated 2 samples") != std::string::npos);
    CHECK(log.find("1 calibration sample(s) with NaN/inf inputs left out") != std::string::npos);
}

TEST_CASE("quantlab-cli quantize: a clipping calibrator is warned about per tensor",
          "[cli][quantize][checks]") {
    TempDir dir;
    const std::string in = writeCnn(dir);
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(in) +
                    " --mode int8 --calib random:6:1 --calibrator percentile:90 --out " +
                    shellQuote(dir.file("q.tflite")),
                &log) == 0);
    CHECK(log.find("% of calibration values clipped by percentile:90") != std::string::npos);
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:6:1 --out " +
                    shellQuote(dir.file("q2.tflite")),
                &log) == 0);
    CHECK(log.find("clipped by") == std::string::npos);
}

TEST_CASE("quantlab-cli quantize: operators are numbered as in the input file",
          "[cli][quantize][checks]") {
    // #0 DEQUANTIZE of a float16 constant (folded away before quantizing), #1 ADD, #2 COS (no
    // integer kernel in TFLite).
    TempDir dir;
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const uint16_t one = 0x3C00; // 1.0 in float16
    std::vector<uint8_t> half(8);
    for (int i = 0; i < 4; ++i)
        std::memcpy(half.data() + 2 * i, &one, 2);
    const auto w16 = b.addConstantBytes("w16", TensorType::FLOAT16, {1, 4}, half);
    const auto w = b.addTensor("w", TensorType::FLOAT32, {1, 4});
    const auto a = b.addTensor("a", TensorType::FLOAT32, {1, 4});
    const auto e = b.addTensor("e", TensorType::FLOAT32, {1, 4});
    b.addOperator(BuiltinOp::DEQUANTIZE, {w16}, {w});
    b.addOperator(BuiltinOp::ADD, {x, w}, {a});
    b.addOperator(BuiltinOp::COS, {a}, {e});
    b.setInputs({x});
    b.setOutputs({e});
    const std::string in = dir.file("cos.tflite");
    REQUIRE(writeModelFile(b.build(), in).ok());
    expectRefused("quantize " + shellQuote(in) + " --mode int8-only --calib random:2 --out " +
                      shellQuote(dir.file("q.tflite")),
                  "#2 COS");
}

TEST_CASE("quantlab-cli quantize: --pixel-range sets the real range image pixels map onto", "[cli][quantize]") {
    // Calibration photos whose pixels span 0..255: with --pixel-range -1,1 the int8 input
    // covers [-1, 1] (zero point near 0), with 0,1 it covers [0, 1] (zero point -128).
    TempDir dir;
    const std::string in = writeCnn(dir);
    const std::string photos = dir.file("photos");
    std::filesystem::create_directories(photos);
    for (int k = 0; k < 2; ++k) {
        std::string ppm = "P6\n8 8\n255\n";
        for (int i = 0; i < 64 * 3; ++i) ppm += char(uint8_t((i * 4 + k) % 256));
        ppm.back() = char(255); // the darkest (0) and brightest (255) pixel values both occur
        std::FILE* f = std::fopen((photos + "/p" + std::to_string(k) + ".ppm").c_str(), "wb");
        REQUIRE(f);
        std::fwrite(ppm.data(), 1, ppm.size(), f);
        std::fclose(f);
    }
    auto inputZeroPoint = [&](const std::string& range) {
        const std::string out = dir.file("q" + range + ".tflite");
        std::string log;
        const int rc = cli("quantize " + shellQuote(in) + " --mode int8 --io int8 --calib " + shellQuote(photos) +
                               " --pixel-range " + range + " --out " + shellQuote(out),
                           &log);
        INFO(log);
        REQUIRE(rc == 0);
        auto m = readModelFile(out);
        REQUIRE(m.ok());
        const Subgraph& sg = (*m)->subgraphs[0];
        const Tensor& t = sg.tensor(sg.inputs[0]);
        REQUIRE(t.type == TensorType::INT8);
        REQUIRE(t.quant.zeroPoint.size() == 1);
        return t.quant.zeroPoint[0];
    };
    CHECK(inputZeroPoint("0,1") == -128);
    CHECK(std::abs(inputZeroPoint("-1,1")) <= 1);
}

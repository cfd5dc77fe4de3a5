// quantlab-cli run and bench: flags, inputs, outputs and the oracle's file conventions.
#include "TestModels.h"
#include "CliTest.h"
#include "TestSupport.h"
#include "../core/test_xnnpack_cases.h"

#include "io/Npy.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace ql;
using namespace ql::test;

namespace {

// One line "quantlab-cli: error: ..." containing `part`, exit status 2.
void expectUsageError(const std::string& args, const std::string& part) {
    std::string out;
    INFO("quantlab-cli " << args);
    CHECK(cli(args, &out) == 2);
    INFO(out);
    CHECK(out.rfind("quantlab-cli: error: ", 0) == 0);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    CHECK(out.find(part) != std::string::npos);
}

// The float FULLY_CONNECTED test model written to DIR/fc.tflite.
std::string writeFcModel(const TempDir& dir) {
    const std::string path = dir.file("fc.tflite");
    REQUIRE(writeModelFile(makeFloatFullyConnected(), path));
    return path;
}

// y = relu(W x + b) for the test model (W = ramp(12, -0.5, 0.1) as [3,4], b = {0.1,-0.2,0.3}).
std::vector<float> expectedFc(std::span<const float> x) {
    const float b[3] = {0.1f, -0.2f, 0.3f};
    std::vector<float> y(3);
    for (int o = 0; o < 3; ++o) {
        float acc = b[o];
        for (int i = 0; i < 4; ++i) acc += (-0.5f + 0.1f * static_cast<float>(o * 4 + i)) * x[static_cast<size_t>(i)];
        y[static_cast<size_t>(o)] = std::max(acc, 0.0f);
    }
    return y;
}

} // namespace

TEST_CASE("quantlab-cli: an unknown command exits 2 with one line", "[cli][run]") {
    expectUsageError("no-such-command", "unknown command");
}

TEST_CASE("quantlab-cli run: bad flags and missing files exit 2 with one line", "[cli][run]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    const std::string out = shellQuote(dir.file("out"));
    expectUsageError("run", "missing MODEL");
    expectUsageError("run " + shellQuote(model) + " --out " + out, "either --inputs or --random");
    expectUsageError("run " + shellQuote(model) + " --random 1 --inputs x.npy --out " + out, "either --inputs or --random");
    expectUsageError("run " + shellQuote(model) + " --random 1", "--out is required");
    expectUsageError("run " + shellQuote(model) + " --random abc --out " + out, "--random wants a seed");
    expectUsageError("run " + shellQuote(model) + " --random 1 --out " + out + " --bogus", "unknown option '--bogus'");
    expectUsageError("run " + shellQuote(dir.file("missing.tflite")) + " --random 1 --out " + out, "missing.tflite");
    expectUsageError("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("nope.npy")) + " --out " + out, "nope.npy");
    expectUsageError("run " + shellQuote(model) + " --inputs a.npy,b.npy --out " + out, "the model has 1 input(s), --inputs gives 2");
    // Not a model at all.
    writeBytes(dir.file("junk.tflite"), {1, 2, 3, 4, 5, 6, 7, 8});
    expectUsageError("run " + shellQuote(dir.file("junk.tflite")) + " --random 1 --out " + out, "junk.tflite");
}

TEST_CASE("quantlab-cli run: inputs of the wrong dtype or shape are refused", "[cli][run]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    REQUIRE(writeNpy(dir.file("int.npy"), TensorType::INT32, std::vector<int64_t>{1, 4}, std::vector<uint8_t>(16)));
    expectUsageError("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("int.npy")) + " --out " + shellQuote(dir.file("o")),
                     "input 0 'input' is float32, but the data is int32");
    REQUIRE(writeNpy(dir.file("shape.npy"), TensorType::FLOAT32, std::vector<int64_t>{2, 4}, std::vector<uint8_t>(32)));
    expectUsageError("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("shape.npy")) + " --out " + shellQuote(dir.file("o")),
                     "has shape [1,4], but the data has shape [2,4]");
    writeBytes(dir.file("bad.npy"), {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0});
    expectUsageError("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("bad.npy")) + " --out " + shellQuote(dir.file("o")),
                     "bad.npy");
}

TEST_CASE("quantlab-cli run: --random writes inputs and correct outputs; DIR replays them", "[cli][run]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    std::string log;
    REQUIRE(cli("run " + shellQuote(model) + " --random 7 --out " + shellQuote(dir.file("r")), &log) == 0);
    auto in = readNpy(dir.file("r/input_0.npy"));
    auto out = readNpy(dir.file("r/output_0.npy"));
    REQUIRE(in);
    REQUIRE(out);
    CHECK(in->shape == std::vector<int64_t>{1, 4});
    CHECK(out->shape == std::vector<int64_t>{1, 3});
    for (float v : in->values<float>()) CHECK((v >= -1.0f && v < 1.0f));
    const auto want = expectedFc(in->values<float>());
    for (size_t i = 0; i < 3; ++i) CHECK(out->values<float>()[i] == Approx(want[i]).margin(1e-6));
    // Another seed gives other inputs; the same seed the same bytes.
    REQUIRE(cli("run " + shellQuote(model) + " --random 8 --out " + shellQuote(dir.file("r8"))) == 0);
    CHECK(readBytes(dir.file("r8/input_0.npy")) != readBytes(dir.file("r/input_0.npy")));
    REQUIRE(cli("run " + shellQuote(model) + " --random 7 --out " + shellQuote(dir.file("r7"))) == 0);
    CHECK(readBytes(dir.file("r7/input_0.npy")) == readBytes(dir.file("r/input_0.npy")));
    // Replay from the directory and from a file list.
    REQUIRE(cli("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("r")) + " --out " + shellQuote(dir.file("d"))) == 0);
    CHECK(readBytes(dir.file("d/output_0.npy")) == readBytes(dir.file("r/output_0.npy")));
    CHECK_FALSE(fs::exists(dir.file("d/input_0.npy")));
    REQUIRE(cli("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("r/input_0.npy")) + " --out " + shellQuote(dir.file("f"))) ==
            0);
    CHECK(readBytes(dir.file("f/output_0.npy")) == readBytes(dir.file("r/output_0.npy")));
}

TEST_CASE("quantlab-cli run: never writes over an input file", "[cli][run]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    REQUIRE(cli("run " + shellQuote(model) + " --random 1 --out " + shellQuote(dir.file("r"))) == 0);
    // Feed output_0.npy's sibling as input named output_0.npy in the out dir.
    REQUIRE(writeNpy(dir.file("r/output_0.npy"), TensorType::FLOAT32, std::vector<int64_t>{1, 4}, std::vector<uint8_t>(16)));
    const auto before = readBytes(dir.file("r/output_0.npy"));
    expectUsageError("run " + shellQuote(model) + " --inputs " + shellQuote(dir.file("r/output_0.npy")) + " --out " + shellQuote(dir.file("r")),
                     "output_0.npy");
    CHECK(readBytes(dir.file("r/output_0.npy")) == before);
}

TEST_CASE("quantlab-cli run --all-tensors writes every tensor and an index", "[cli][run]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    REQUIRE(cli("run " + shellQuote(model) + " --random 3 --out " + shellQuote(dir.file("a")) + " --all-tensors") == 0);
    const auto json = readBytes(dir.file("a/tensors.json"));
    const std::string text(json.begin(), json.end());
    for (int t = 0; t < 4; ++t) {
        CHECK(fs::exists(dir.file("a/tensor_" + std::to_string(t) + ".npy")));
        CHECK(text.find("\"file\": \"tensor_" + std::to_string(t) + ".npy\"") != std::string::npos);
    }
    CHECK(text.find("\"kind\": \"constant\"") != std::string::npos);
    // The output tensor's file equals output_0.npy.
    auto out = readNpy(dir.file("a/output_0.npy"));
    REQUIRE(out);
    bool found = false;
    for (int t = 0; t < 4; ++t) {
        auto a = readNpy(dir.file("a/tensor_" + std::to_string(t) + ".npy"));
        REQUIRE(a);
        found = found || (a->shape == out->shape && a->data == out->data);
    }
    CHECK(found);
}

TEST_CASE("quantlab-cli run --random feeds the same bytes as the oracle", "[cli][run][oracle]") {
    if (!oracleScript()) {
        WARN("skipped: the TFLite oracle is not installed");
        return;
    }
    TempDir dir;
    const std::string model = dir.file("int8.tflite");
    REQUIRE(writeModelFile(makeInt8FullyConnected(), model));
    const std::string fmodel = writeFcModel(dir);
    for (const std::string& m : {model, fmodel}) {
        REQUIRE(cli("run " + shellQuote(m) + " --random 7 --out " + shellQuote(dir.file("q"))) == 0);
        std::string log;
        REQUIRE(runOracle({m, "--random", "7", "--out", dir.file("o"), "--quiet"}, &log) == 0);
        CHECK(readBytes(dir.file("q/input_0.npy")) == readBytes(dir.file("o/input_0.npy")));
        auto ours = readNpy(dir.file("q/output_0.npy"));
        auto theirs = readNpy(dir.file("o/output_0.npy"));
        REQUIRE(ours);
        REQUIRE(theirs);
        CHECK(ours->type == theirs->type);
        CHECK(ours->shape == theirs->shape);
    }
}

TEST_CASE("quantlab-cli bench prints timing and memory", "[cli][bench]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    std::string out;
    REQUIRE(cli("bench " + shellQuote(model) + " --runs 5 --threads 2", &out) == 0);
    CHECK(out.find("median: ") != std::string::npos);
    CHECK(out.find("arena: ") != std::string::npos);
    CHECK(out.find("peak RSS: ") != std::string::npos);
    expectUsageError("bench " + shellQuote(model) + " --runs 0", "--runs is 0");
    expectUsageError("bench " + shellQuote(model) + " --threads x", "--threads 'x' is not a whole number");
    expectUsageError("bench " + shellQuote(dir.file("none.tflite")), "none.tflite");
}

TEST_CASE("quantlab-cli bench --per-op prints and writes the per-operator profile", "[cli][bench]") {
    TempDir dir;
    const std::string model = writeFcModel(dir);
    std::string out;
    REQUIRE(cli("bench " + shellQuote(model) + " --runs 3 --per-op", &out) == 0);
    CHECK(out.find("per operator type") != std::string::npos);
    CHECK(out.find("FULLY_CONNECTED") != std::string::npos);
    CHECK(out.find("of peak") != std::string::npos);
    // --json -: only the JSON on standard output.
    REQUIRE(cli("bench " + shellQuote(model) + " --runs 3 --json -", &out) == 0);
    CHECK(out.rfind("{", 0) == 0);
    CHECK(out.find("\"operators\"") != std::string::npos);
    CHECK(out.find("\"type\": \"FULLY_CONNECTED\"") != std::string::npos);
    CHECK(out.find("median: ") == std::string::npos);
    // --json FILE: the file, and the tables on standard output.
    REQUIRE(cli("bench " + shellQuote(model) + " --runs 3 --json " + shellQuote(dir.file("p.json")), &out) == 0);
    CHECK(readText(dir.file("p.json")).find("\"peak\"") != std::string::npos);
    CHECK(out.find("median: ") != std::string::npos);
    expectUsageError("bench " + shellQuote(model) + " --json " + shellQuote(model), "is an input");
}

TEST_CASE("quantlab-cli run --target: tflite-cpu (default) reproduces the runtime's int8 ADD ties, tflite-reference rounds them "
          "TFLite's reference way",
          "[cli][run][xnnpack]") {
    TempDir dir;
    const std::string model = dir.file("add.tflite");
    REQUIRE(writeModelFile(xnncases::addModel({1, 8, 8, 16}, {1, 8, 8, 16}, Activation::NONE, true), model));
    const fs::path golden = fs::path(QUANTLAB_SOURCE_DIR) / "tests" / "fixtures" / "xnnpack" / "add_i8_ties";
    const std::string inputs = shellQuote((golden / "input_0.npy").string() + "," + (golden / "input_1.npy").string());
    const auto want = readBytes((golden / "output_0.npy").string());
    REQUIRE_FALSE(want.empty());
    const std::string run = "run " + shellQuote(model) + " --inputs " + inputs;
    std::string out;
    REQUIRE(cli(run + " --out " + shellQuote(dir.file("d")), &out) == 0);
    CHECK(out.find("target: tflite-cpu") != std::string::npos);
    CHECK(readBytes(dir.file("d/output_0.npy")) == want);
    REQUIRE(cli(run + " --target tflite-cpu --out " + shellQuote(dir.file("x"))) == 0);
    CHECK(readBytes(dir.file("x/output_0.npy")) == want);
    REQUIRE(cli(run + " --target tflite-reference --out " + shellQuote(dir.file("r")), &out) == 0);
    CHECK(out.find("target: tflite-reference") != std::string::npos);
    const auto reference = readBytes(dir.file("r/output_0.npy"));
    CHECK(reference != want); // ties: TFLite's reference rounds away from zero
    // tflite-micro shares the builtin kernels here.
    REQUIRE(cli(run + " --target tflite-micro --out " + shellQuote(dir.file("m"))) == 0);
    CHECK(readBytes(dir.file("m/output_0.npy")) == reference);
    // The old spelling, kept for a release: --arithmetic xnnpack|reference.
    REQUIRE(cli(run + " --arithmetic xnnpack --out " + shellQuote(dir.file("ax"))) == 0);
    CHECK(readBytes(dir.file("ax/output_0.npy")) == want);
    REQUIRE(cli(run + " --arithmetic reference --out " + shellQuote(dir.file("ar"))) == 0);
    CHECK(readBytes(dir.file("ar/output_0.npy")) == reference);
    expectUsageError(run + " --target tflite-gpu --out " + shellQuote(dir.file("b")), "--target");
    expectUsageError(run + " --arithmetic fast --out " + shellQuote(dir.file("b")), "--arithmetic");
    expectUsageError(run + " --arithmetic xnnpack --target tflite-cpu --out " + shellQuote(dir.file("b")), "not both");
    std::string help;
    REQUIRE(cli("run --help", &help) == 0);
    CHECK(help.find("--target") != std::string::npos);
    CHECK(help.find("--arithmetic") == std::string::npos); // hidden
}

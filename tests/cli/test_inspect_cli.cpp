// quantlab-cli inspect: the readable table, --json, and one-line errors with exit status 2.
#include "TestModels.h"
#include "CliTest.h"
#include "TestSupport.h"

#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::test;

TEST_CASE("inspect prints the model's facts as a table and as JSON", "[cli][inspect]") {
    TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(makeSmallCnn(), path).ok());
    std::string out;
    REQUIRE(cli("inspect " + shellQuote(path), &out) == 0);
    CHECK_THAT(out, Catch::Contains("7 operators"));
    CHECK_THAT(out, Catch::Contains("CONV_2D"));
    CHECK_THAT(out, Catch::Contains("[1,8,8,3]"));
    CHECK_THAT(out, Catch::Contains("Signature    'serving_default'"));
    CHECK_THAT(out, Catch::Contains("Min runtime  1.14.0"));

    REQUIRE(cli("inspect --json " + shellQuote(path), &out) == 0);
    CHECK(out.front() == '{');
    CHECK_THAT(out, Catch::Contains("\"padding\": \"SAME\""));
    CHECK_THAT(out, Catch::Contains("\"fused_activation_function\": \"RELU6\""));
    CHECK_THAT(out, Catch::Contains("\"macs\": 9856"));
    CHECK_THAT(out, Catch::Contains("\"name\": \"conv/filter\""));
}

TEST_CASE("inspect shows per-channel quantization and diagnostics", "[cli][inspect]") {
    TempDir dir;
    Model m = makeInt8FullyConnected();
    m.subgraphs[0].tensors[2].quant.quantizedDimension = 3; // out of the bias's rank
    const std::string path = dir.file("fc.tflite");
    REQUIRE(writeModelFile(m, path).ok());
    std::string out;
    REQUIRE(cli("inspect " + shellQuote(path), &out) == 0);
    CHECK_THAT(out, Catch::Contains("scale=0.02 zero_point=-3"));
    CHECK_THAT(out, Catch::Contains("error: tensor 2 'dense/bias'"));
    REQUIRE(cli("inspect --json " + shellQuote(path), &out) == 0);
    CHECK_THAT(out, Catch::Contains("\"quantized_dimension\": 3"));
    CHECK_THAT(out, Catch::Contains("\"severity\": \"error\""));
}

TEST_CASE("inspect refuses bad input with one line and exit status 2", "[cli][inspect]") {
    TempDir dir;
    std::string out;
    CHECK(cli("inspect " + shellQuote(dir.file("missing.tflite")), &out) == 2);
    CHECK_THAT(out, Catch::StartsWith("quantlab-cli: error: ") && Catch::Contains("missing.tflite: cannot open"));
    CHECK(lineCount(out) == 1);

    writeBytes(dir.file("tiny.tflite"), {1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(cli("inspect " + shellQuote(dir.file("tiny.tflite")), &out) == 2);
    CHECK_THAT(out, Catch::Contains("tiny.tflite: not a TFLite model"));
    CHECK(lineCount(out) == 1);

    auto bytes = serialize(makeSmallCnn());
    bytes.resize(bytes.size() / 2);
    writeBytes(dir.file("half.tflite"), bytes);
    CHECK(cli("inspect " + shellQuote(dir.file("half.tflite")), &out) == 2);
    CHECK_THAT(out, Catch::Contains("half.tflite: the flatbuffer is damaged or truncated"));

    CHECK(cli("inspect " + shellQuote(dir.path().string()), &out) == 2);
    CHECK_THAT(out, Catch::Contains("not a regular file"));
    CHECK(cli("inspect --jsn x.tflite", &out) == 2);
    CHECK_THAT(out, Catch::Contains("unknown option '--jsn'") && Catch::Contains("--json"));
    CHECK(cli("inspect", &out) == 2);
    CHECK_THAT(out, Catch::Contains("missing MODEL"));
    CHECK(cli("frobnicate", &out) == 2);
    CHECK_THAT(out, Catch::Contains("unknown command 'frobnicate'"));
}

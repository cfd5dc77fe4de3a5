// quantlab-cli quantize --weights int4 [--block-size N] [--weights-for NAME=TYPE]: what is
// written, inspect's view of it, the refusals (exit 2, nothing written), and, with the LiteRT
// oracle installed, that the runtime runs the written models with QuantLab's outputs.
#include "CliTest.h"
#include "SingleOp.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <random>

using namespace ql;
using namespace ql::test;

namespace {

// float input [2, 64] -> FULLY_CONNECTED (16 units, 1024 weights, bias, RELU) -> [2, 16] ->
// FULLY_CONNECTED (8 units, 128 weights) -> [2, 8].
std::string writeMlp(const TempDir& dir) {
    std::mt19937 rng(11);
    std::normal_distribution<float> d(0.0f, 0.2f);
    auto values = [&](size_t n) {
        std::vector<float> v(n);
        for (float& x : v)
            x = d(rng);
        return v;
    };
    ModelBuilder b;
    tflite::FullyConnectedOptionsT relu;
    relu.fused_activation_function = Activation::RELU;
    tflite::BuiltinOptionsUnion o1, o2;
    o1.Set(relu);
    o2.Set(tflite::FullyConnectedOptionsT{});
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {2, 64});
    const TensorIndex w1 =
        b.addConstant("dense1/kernel", TensorType::FLOAT32, {16, 64}, values(1024));
    const TensorIndex b1 = b.addConstant("dense1/bias", TensorType::FLOAT32, {16}, values(16));
    const TensorIndex h = b.addTensor("hidden", TensorType::FLOAT32, {2, 16});
    const TensorIndex w2 =
        b.addConstant("dense2/kernel", TensorType::FLOAT32, {8, 16}, values(128));
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {2, 8});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w1, b1}, {h}, o1);
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {h, w2, TensorIndex{-1}}, {out}, o2);
    b.setInputs({in});
    b.setOutputs({out});
    const std::string p = dir.file("mlp.tflite");
    REQUIRE(writeModelFile(b.build(), p).ok());
    return p;
}

const Tensor* findType(const Model& m, TensorType t) {
    for (const Tensor& x : m.subgraphs[0].tensors)
        if (x.type == t) return &x;
    return nullptr;
}

} // namespace

TEST_CASE("quantlab-cli quantize --weights int4: dynamic per channel, blocks and full integer",
          "[cli][quantize][int4]") {
    TempDir dir;
    const std::string in = writeMlp(dir);
    {
        const std::string out = dir.file("dyn_int4.tflite");
        std::string log;
        REQUIRE(cli("quantize " + shellQuote(in) + " --mode dynamic --weights int4 --out " +
                        shellQuote(out),
                    &log) == 0);
        INFO(log);
        CHECK(log.find("1 FULLY_CONNECTED with int4 weights") != std::string::npos);
        auto m = readModelFile(out);
        REQUIRE(m.ok());
        const Tensor* w = findType(**m, TensorType::INT4);
        REQUIRE(w);
        CHECK(w->shape == std::vector<int32_t>{16, 64});
        CHECK(w->quant.scale.size() == 16); // per channel
        CHECK((*m)->buffer(w->buffer).size == 512);
        // The 128-weight layer is under the dynamic mode's 1024-element threshold: float.
        CHECK(findType(**m, TensorType::INT8) == nullptr);
    }
    {
        const std::string out = dir.file("dyn_int4_b32.tflite");
        std::string log;
        REQUIRE(cli("quantize " + shellQuote(in) +
                        " --mode dynamic --weights int4 --block-size 32 --out " + shellQuote(out),
                    &log) == 0);
        INFO(log);
        CHECK(log.find("in blocks of 32") != std::string::npos);
        auto m = readModelFile(out);
        REQUIRE(m.ok());
        const Tensor* w = findType(**m, TensorType::INT4);
        REQUIRE(w);
        REQUIRE(w->quant.blockwise);
        CHECK(w->quant.blockwise->blockSize == 32);
        const Tensor& scales = (*m)->subgraphs[0].tensor(w->quant.blockwise->scales);
        CHECK(scales.type == TensorType::FLOAT16);
        CHECK(scales.shape == std::vector<int32_t>{16, 2});
        std::string text;
        REQUIRE(cli("inspect " + shellQuote(out), &text) == 0);
        CHECK(text.find("Low-bit and blockwise tensors") != std::string::npos);
        CHECK(text.find("blockwise: block_size 32") != std::string::npos);
        CHECK(text.find("16 x 2 float16") != std::string::npos);
        std::string json;
        REQUIRE(cli("inspect " + shellQuote(out) + " --json", &json) == 0);
        CHECK(json.find("\"blockwise\": {") != std::string::npos);
        CHECK(json.find("\"blocks_per_row\": 2") != std::string::npos);
        CHECK(json.find("\"dtype\": \"int4\"") != std::string::npos);
    }
    {
        const std::string out = dir.file("int8_int4.tflite");
        std::string log;
        REQUIRE(cli("quantize " + shellQuote(in) +
                        " --mode int8 --calib random:4:1 --weights int4 --out " + shellQuote(out),
                    &log) == 0);
        INFO(log);
        auto m = readModelFile(out);
        REQUIRE(m.ok());
        size_t int4 = 0;
        for (const Operator& op : (*m)->subgraphs[0].operators)
            if (op.op == BuiltinOp::FULLY_CONNECTED &&
                (*m)->subgraphs[0].tensor(op.inputs[1]).type == TensorType::INT4) {
                ++int4;
                CHECK(op.version == 10);
            }
        CHECK(int4 == 2);
        // --weights-for overrides per layer: the second layer keeps int8 weights.
        const std::string out2 = dir.file("int8_mixed.tflite");
        REQUIRE(cli("quantize " + shellQuote(in) +
                        " --mode int8 --calib random:4:1 --weights int4 --weights-for "
                        "dense2/kernel=int8 --out " +
                        shellQuote(out2),
                    &log) == 0);
        auto m2 = readModelFile(out2);
        REQUIRE(m2.ok());
        CHECK(findType(**m2, TensorType::INT4));
        CHECK(findType(**m2, TensorType::INT8));
    }
}

TEST_CASE("quantlab-cli quantize: int4 combinations the runtime cannot run are refused",
          "[cli][quantize][int4]") {
    TempDir dir;
    const std::string mlp = writeMlp(dir);
    const std::string cnn = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(makeSmallCnn(), cnn).ok());
    const std::string out = dir.file("out.tflite");
    struct Bad {
        std::string model, args, expect;
    };
    const std::vector<Bad> bad = {
        {mlp, "--mode int16x8 --calib random:2 --weights int4", "int4 weights with mode int16x8"},
        {mlp, "--mode float16 --weights int4", "int4 weights with mode float16"},
        {mlp, "--mode int8 --calib random:2 --weights int4 --block-size 32",
         "only with float activations"},
        {mlp, "--mode dynamic --weights int4 --block-size 48", "--block-size 48"},
        {mlp, "--mode dynamic --block-size 32", "needs int4 weights"},
        {mlp, "--mode dynamic --weights int4 --block-size 32 --per-tensor", "--per-tensor"},
        {mlp, "--mode dynamic --weights int2", "--weights"},
        {mlp, "--mode dynamic --weights-for dense9=int4", "weights-for 'dense9'"},
        {mlp, "--mode dynamic --weights-for dense1/kernel", "expected OP_OR_TENSOR="},
        {cnn, "--mode int8 --calib random:2 --weights-for CONV_2D=int4", "FULLY_CONNECTED only"},
    };
    for (const Bad& b : bad) {
        std::string log;
        const int rc = cli(
            "quantize " + shellQuote(b.model) + " " + b.args + " --out " + shellQuote(out), &log);
        INFO(b.args << "\n" << log);
        CHECK(rc == 2);
        CHECK(lineCount(log) == 1);
        CHECK(log.find(b.expect) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(out));
    }
}

TEST_CASE("quantlab-cli quantize --weights int4: the LiteRT runtime runs what is written, with "
          "QuantLab's outputs",
          "[cli][quantize][int4][oracle]") {
    if (!litertOracleScript()) {
        WARN("skipped: the LiteRT oracle is not installed");
        return;
    }
    TempDir dir;
    const std::string in = writeMlp(dir);
    struct Case {
        std::string name, args;
    };
    const std::vector<Case> cases = {
        {"int8_int4", "--mode int8 --calib random:8:1 --weights int4"},
        {"dyn_int4", "--mode dynamic --weights int4"},
        {"dyn_int4_pt", "--mode dynamic --weights int4 --per-tensor"},
        {"dyn_int4_b32", "--mode dynamic --weights int4 --block-size 32"},
        {"dyn_int4_b64", "--mode dynamic --weights int4 --block-size 64"},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        const std::string model = dir.file(c.name + ".tflite");
        REQUIRE(cli("quantize " + shellQuote(in) + " " + c.args + " --out " + shellQuote(model)) ==
                0);
        const std::string oracleOut = dir.file(c.name + "_oracle");
        std::string log;
        REQUIRE(runLitertOracle({model, "--random", "5", "--out", oracleOut, "--quiet"}, &log) ==
                0);
        const GoldenComparison g = compareWithGoldens(model, oracleOut);
        INFO(g.error << " differing " << g.differing << " max diff " << g.maxAbsDiff);
        REQUIRE(g.error.empty());
        if (g.isFloat)
            CHECK(g.relativeError() <= 1e-5);
        else
            CHECK(g.differing == 0);
    }
}

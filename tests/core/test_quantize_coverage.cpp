// Operator coverage of the integer quantizer (OpRules.cpp, TFLite's operator_property.cc) and
// the converter's clean-up (GraphCleanup.h): one-operator float models quantized int8-only
// must come out fully integer with TFLite's parameter constraints, run in QuantLab, and give
// the real runtime's integers bit for bit (QuantLab with the XNNPACK arithmetic).
#include "InterpreterTest.h"
#include "SingleOp.h"
#include "model/ModelBuilder.h"
#include "quantize/GraphCleanup.h"
#include "test_quantize_support.h"
#include "tflite/ModelWriter.h"

#include <functional>

using namespace ql;
using namespace ql::test;

namespace {

struct CoverageCase {
    const char* name;
    std::function<void(ModelBuilder&)> build; // adds tensors, the operator, inputs and outputs
};

TensorIndex floatIn(ModelBuilder& b, const char* name, std::vector<int32_t> shape) {
    return b.addTensor(name, TensorType::FLOAT32, std::move(shape));
}

struct IntConstant {
    std::vector<int32_t> shape, values;
};

// in (float) + int32 constants [+ one more constant] -> op -> out (float): the shape operators.
void oneInput(ModelBuilder& b, BuiltinOp op, std::vector<int32_t> inShape,
              std::vector<int32_t> outShape, const std::vector<IntConstant>& constants,
              tflite::BuiltinOptionsUnion options, TensorIndex extra = {}, int version = 1) {
    const auto in = floatIn(b, "in", std::move(inShape));
    std::vector<TensorIndex> inputs = {in};
    for (const IntConstant& k : constants)
        inputs.push_back(b.addConstant("c" + std::to_string(inputs.size()), TensorType::INT32,
                                       k.shape, k.values));
    if (extra.valid()) inputs.push_back(extra);
    const auto out = floatIn(b, "out", std::move(outShape));
    b.addOperator(op, inputs, {out}, std::move(options), version);
    b.setInputs({in});
    b.setOutputs({out});
}

std::vector<CoverageCase> coverageCases() {
    std::vector<CoverageCase> c;
    c.push_back({"PRELU", [](ModelBuilder& b) {
                     const auto in = floatIn(b, "in", {1, 4, 4, 3});
                     const auto alpha = b.addConstant("alpha", TensorType::FLOAT32, {1, 1, 3},
                                                      std::vector<float>{0.1f, 0.25f, -0.2f});
                     const auto out = floatIn(b, "out", {1, 4, 4, 3});
                     b.addOperator(BuiltinOp::PRELU, {in, alpha}, {out});
                     b.setInputs({in});
                     b.setOutputs({out});
                 }});
    c.push_back({"GELU", [](ModelBuilder& b) {
                     const auto in = floatIn(b, "in", {1, 16});
                     const auto out = floatIn(b, "out", {1, 16});
                     b.addOperator(BuiltinOp::GELU, {in}, {out}, optionsOf(tflite::GeluOptionsT{}));
                     b.setInputs({in});
                     b.setOutputs({out});
                 }});
    c.push_back({"BATCH_MATMUL", [](ModelBuilder& b) {
                     const auto in = floatIn(b, "in", {1, 2, 3});
                     const auto rhs =
                         b.addConstant("rhs", TensorType::FLOAT32, {3, 4},
                                       std::vector<float>{0.5f, -1.f, 0.2f, 0.f, 1.5f, 0.3f, -0.7f,
                                                          0.9f, -0.2f, 0.4f, 1.1f, -1.3f});
                     const auto out = floatIn(b, "out", {1, 2, 4});
                     b.addOperator(BuiltinOp::BATCH_MATMUL, {in, rhs}, {out},
                                   optionsOf(tflite::BatchMatMulOptionsT{}));
                     b.setInputs({in});
                     b.setOutputs({out});
                 }});
    c.push_back({"EXPAND_DIMS", [](ModelBuilder& b) {
                     oneInput(b, BuiltinOp::EXPAND_DIMS, {2, 3}, {1, 2, 3}, {{{1}, {0}}},
                              optionsOf(tflite::ExpandDimsOptionsT{}));
                 }});
    c.push_back({"PADV2", [](ModelBuilder& b) {
                     const auto value =
                         b.addConstant("value", TensorType::FLOAT32, {}, std::vector<float>{0.5f});
                     oneInput(b, BuiltinOp::PADV2, {1, 2, 2, 1}, {1, 4, 4, 1},
                              {{{4, 2}, {0, 0, 1, 1, 1, 1, 0, 0}}},
                              optionsOf(tflite::PadV2OptionsT{}), value);
                 }});
    c.push_back({"MIRROR_PAD", [](ModelBuilder& b) {
                     tflite::MirrorPadOptionsT o;
                     o.mode = tflite::MirrorPadMode::REFLECT;
                     oneInput(b, BuiltinOp::MIRROR_PAD, {1, 3, 3, 2}, {1, 5, 7, 2},
                              {{{4, 2}, {0, 0, 1, 1, 2, 2, 0, 0}}}, optionsOf(o));
                 }});
    c.push_back({"SPACE_TO_BATCH_ND", [](ModelBuilder& b) {
                     oneInput(b, BuiltinOp::SPACE_TO_BATCH_ND, {1, 4, 4, 1}, {4, 2, 2, 1},
                              {{{2}, {2, 2}}, {{2, 2}, {0, 0, 0, 0}}},
                              optionsOf(tflite::SpaceToBatchNDOptionsT{}));
                 }});
    c.push_back({"BATCH_TO_SPACE_ND", [](ModelBuilder& b) {
                     oneInput(b, BuiltinOp::BATCH_TO_SPACE_ND, {4, 2, 2, 1}, {1, 4, 4, 1},
                              {{{2}, {2, 2}}, {{2, 2}, {0, 0, 0, 0}}},
                              optionsOf(tflite::BatchToSpaceNDOptionsT{}));
                 }});
    c.push_back({"REDUCE_MIN", [](ModelBuilder& b) {
                     tflite::ReducerOptionsT o;
                     o.keep_dims = true;
                     oneInput(b, BuiltinOp::REDUCE_MIN, {1, 4, 4, 3}, {1, 1, 1, 3}, {{{2}, {1, 2}}},
                              optionsOf(o));
                 }});
    c.push_back({"BROADCAST_TO", [](ModelBuilder& b) {
                     oneInput(b, BuiltinOp::BROADCAST_TO, {1, 3}, {4, 3}, {{{2}, {4, 3}}},
                              optionsOf(tflite::BroadcastToOptionsT{}), {}, 2);
                 }});
    c.push_back({"SELECT_V2", [](ModelBuilder& b) {
                     const auto cond = b.addConstant("cond", TensorType::BOOL, {6},
                                                     std::vector<uint8_t>{1, 0, 1, 1, 0, 0});
                     const auto x = floatIn(b, "x", {6});
                     const auto y = floatIn(b, "y", {6});
                     const auto out = floatIn(b, "out", {6});
                     b.addOperator(BuiltinOp::SELECT_V2, {cond, x, y}, {out},
                                   optionsOf(tflite::SelectV2OptionsT{}));
                     b.setInputs({x, y});
                     b.setOutputs({out});
                 }});
    c.push_back({"ABS_RSQRT", [](ModelBuilder& b) {
                     // ABS first: RSQRT's integer kernel refuses negative inputs.
                     const auto in = floatIn(b, "in", {1, 16});
                     const auto mag = floatIn(b, "mag", {1, 16});
                     const auto out = floatIn(b, "out", {1, 16});
                     b.addOperator(BuiltinOp::ABS, {in}, {mag});
                     b.addOperator(BuiltinOp::RSQRT, {mag}, {out});
                     b.setInputs({in});
                     b.setOutputs({out});
                 }});
    return c;
}

// Runs the oracle on `path` with random inputs and QuantLab (XNNPACK arithmetic) on the same
// inputs; returns the number of differing integer output values, or -1 with `why` set.
long oracleDifferences(const std::string& path, const std::string& dir, std::string* why) {
    std::string log;
    if (runOracle({path, "--random", "7", "--out", dir, "--quiet"}, &log) != 0) {
        *why = "oracle failed: " + log.substr(0, 400);
        return -1;
    }
    rt::RunOptions run;
    run.target = Target::TfliteCpu;
    const GoldenComparison g = compareWithGoldens(path, dir, 1, run);
    if (!g.error.empty()) {
        *why = g.error;
        return -1;
    }
    return long(g.differing);
}

} // namespace

TEST_CASE("quantize coverage: each operator with a TFLite integer kernel ends integer and equals "
          "the runtime",
          "[quantize][coverage]") {
    TempDir dir;
    for (const CoverageCase& c : coverageCases()) {
        INFO(c.name);
        ModelBuilder b;
        c.build(b);
        auto model = std::make_shared<const Model>(b.build());
        auto q = quantizeWith(model, quantize::Mode::Int8Only, "random:8:3");
        REQUIRE(q.ok());
        const Model& qm = q->result.model;
        CHECK(q->result.report.floatOps.empty());
        // Fully integer: no float tensor, so no DEQUANTIZE and no float QUANTIZE (an int8 ->
        // int8 QUANTIZE requantizes an operand of a shared-parameter operator, as TFLite's).
        for (const Tensor& t : qm.subgraphs[0].tensors) {
            INFO(t.name);
            CHECK(t.type != TensorType::FLOAT32);
        }
        for (const Operator& op : qm.subgraphs[0].operators)
            CHECK(op.op != BuiltinOp::DEQUANTIZE);
        const std::string path = dir.file(std::string(c.name) + ".tflite");
        REQUIRE(writeModelFile(qm, path).ok());
        CHECK(prepareError(qm).empty());
        if (!oracleScript()) continue;
        std::string why;
        const long differing =
            oracleDifferences(path, dir.file(std::string(c.name) + "_oracle"), &why);
        INFO(why);
        CHECK(differing == 0);
    }
    if (!oracleScript()) WARN("oracle comparison skipped: the TFLite oracle is not installed");
}

TEST_CASE(
    "quantize coverage: PADV2's pad value and SELECT_V2's operands share the output's parameters",
    "[quantize][coverage]") {
    for (const char* name : {"PADV2", "SELECT_V2"}) {
        INFO(name);
        ModelBuilder b;
        for (const CoverageCase& c : coverageCases())
            if (std::string(c.name) == name) c.build(b);
        auto model = std::make_shared<const Model>(b.build());
        auto q = quantizeWith(model, quantize::Mode::Int8, "random:8:3");
        REQUIRE(q.ok());
        const Subgraph& sg = q->result.model.subgraphs[0];
        const Operator* op = nullptr;
        for (const Operator& o : sg.operators)
            if (o.op == BuiltinOp::PADV2 || o.op == BuiltinOp::SELECT_V2) op = &o;
        REQUIRE(op);
        const QuantParams& out = sg.tensor(op->outputs[0]).quant;
        REQUIRE(out.isQuantized());
        const std::vector<size_t> shared =
            name == std::string("PADV2") ? std::vector<size_t>{0, 2} : std::vector<size_t>{1, 2};
        for (size_t i : shared) {
            const Tensor& t = sg.tensor(op->inputs[i]);
            CHECK(t.type == TensorType::INT8);
            CHECK(t.quant.scale == out.scale);
            CHECK(t.quant.zeroPoint == out.zeroPoint);
        }
    }
}

TEST_CASE("quantize coverage: PRELU's alpha is an int8 constant with its own asymmetric range",
          "[quantize][coverage]") {
    ModelBuilder b;
    coverageCases()[0].build(b);
    auto model = std::make_shared<const Model>(b.build());
    auto q = quantizeWith(model, quantize::Mode::Int8Only, "random:8:3");
    REQUIRE(q.ok());
    const Subgraph& sg = q->result.model.subgraphs[0];
    REQUIRE(sg.operators.size() == 1);
    const Tensor& alpha = sg.tensor(sg.operators[0].inputs[1]);
    REQUIRE(alpha.type == TensorType::INT8);
    REQUIRE(alpha.quant.scale.size() == 1);
    // alpha in [-0.2, 0.25]: r = s * (q - z) recovers each value within half a step.
    const float s = alpha.quant.scale[0];
    const int64_t z = alpha.quant.zeroPoint[0];
    const Buffer& buf = q->result.model.buffer(alpha.buffer);
    REQUIRE(buf.size == 3);
    const float expected[3] = {0.1f, 0.25f, -0.2f};
    for (size_t i = 0; i < 3; ++i)
        CHECK(std::fabs(s * float(int8_t(buf.data[i]) - z) - expected[i]) <= s * 0.5f + 1e-7f);
    CHECK(z != 0); // asymmetric: the range is not centred on 0
}

TEST_CASE("graph clean-up: RELU, RELU6 and RELU_N1_TO_1 fuse into their only producer",
          "[quantize][cleanup]") {
    struct FuseCase {
        BuiltinOp producer;
        BuiltinOp activation;
        Activation fused;
    };
    for (const FuseCase fc :
         {FuseCase{BuiltinOp::ADD, BuiltinOp::RELU, Activation::RELU},
          FuseCase{BuiltinOp::MUL, BuiltinOp::RELU6, Activation::RELU6},
          FuseCase{BuiltinOp::SUB, BuiltinOp::RELU_N1_TO_1, Activation::RELU_N1_TO_1}}) {
        ModelBuilder b;
        const auto x = floatIn(b, "x", {1, 8});
        const auto y = floatIn(b, "y", {1, 8});
        const auto mid = floatIn(b, "mid", {1, 8});
        const auto out = floatIn(b, "out", {1, 8});
        tflite::BuiltinOptionsUnion o = fc.producer == BuiltinOp::ADD   ? addOptions()
                                        : fc.producer == BuiltinOp::MUL ? mulOptions()
                                                                        : subOptions();
        b.addOperator(fc.producer, {x, y}, {mid}, std::move(o));
        b.addOperator(fc.activation, {mid}, {out});
        b.setInputs({x, y});
        b.setOutputs({out});
        auto model = std::make_shared<const Model>(b.build());
        for (auto mode : {quantize::Mode::Float16, quantize::Mode::Dynamic, quantize::Mode::Int8,
                          quantize::Mode::Int8Only}) {
            INFO(quantize::modeName(mode));
            auto q = quantizeWith(model, mode, "random:8:3");
            REQUIRE(q.ok());
            const Subgraph& sg = q->result.model.subgraphs[0];
            size_t producers = 0;
            for (const Operator& op : sg.operators) {
                CHECK(op.op != fc.activation);
                if (op.op != fc.producer) continue;
                ++producers;
                Activation a = Activation::NONE;
                if (const auto* ao = op.options.AsAddOptions()) a = ao->fused_activation_function;
                if (const auto* mo = op.options.AsMulOptions()) a = mo->fused_activation_function;
                if (const auto* so = op.options.AsSubOptions()) a = so->fused_activation_function;
                CHECK(a == fc.fused);
                CHECK(sg.tensor(op.outputs[0]).name.rfind("out", 0) ==
                      0); // writes the activation's output
            }
            CHECK(producers == 1);
            // int8-only: one integer operator, nothing converted around it.
            if (mode == quantize::Mode::Int8Only) CHECK(sg.operators.size() == 1);
        }
    }
}

namespace {

// x + y -> mid -> `act` -> out; `midReader`: mid also feeds a MUL; `midOutput`: mid is a graph
// output too.
Model addThenActivation(BuiltinOp act, bool midReader, bool midOutput) {
    ModelBuilder b;
    const auto x = floatIn(b, "x", {1, 8});
    const auto y = floatIn(b, "y", {1, 8});
    const auto mid = floatIn(b, "mid", {1, 8});
    const auto out = floatIn(b, "out", {1, 8});
    b.addOperator(BuiltinOp::ADD, {x, y}, {mid}, addOptions());
    b.addOperator(act, {mid}, {out});
    b.setInputs({x, y});
    std::vector<TensorIndex> outputs = {out};
    if (midOutput) outputs.push_back(mid);
    if (midReader) {
        const auto other = floatIn(b, "other", {1, 8});
        b.addOperator(BuiltinOp::MUL, {mid, y}, {other}, mulOptions());
        outputs.push_back(other);
    }
    b.setOutputs(outputs);
    return b.build();
}

} // namespace

TEST_CASE("graph clean-up: an activation is not fused when the producer's output has another "
          "reader or is a graph output",
          "[quantize][cleanup]") {
    for (bool graphOutput : {false, true}) {
        Model m = addThenActivation(BuiltinOp::RELU, !graphOutput, graphOutput);
        CHECK(quantize::fuseActivations(m) == 0);
        size_t relus = 0;
        for (const Operator& op : m.subgraphs[0].operators)
            relus += op.op == BuiltinOp::RELU ? 1 : 0;
        CHECK(relus == 1);
    }
}

TEST_CASE("graph clean-up: a TANH after an operator stays a separate operator (the converter fuses "
          "clamps only)",
          "[quantize][cleanup]") {
    Model m = addThenActivation(BuiltinOp::TANH, false, false);
    CHECK(quantize::fuseActivations(m) == 0);
    CHECK(m.subgraphs[0].operators.size() == 2);
}

// TensorMatching: float <-> quantized tensors through QUANTIZE/DEQUANTIZE, renames, branches,
// commutative inputs; what stays unmatched and why; our own quantizer's output; shared pairs.
#include "TestModels.h"
#include "TestSupport.h"

#include "analysis/TensorMatching.h"
#include "model/ModelBuilder.h"
#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::analysis;

namespace {

QuantParams qp(float scale, int64_t zp) {
    QuantParams q;
    q.scale = {scale};
    q.zeroPoint = {zp};
    return q;
}

TensorIndex byName(const Model& m, const std::string& name) {
    const auto& ts = m.subgraphs[0].tensors;
    for (size_t i = 0; i < ts.size(); ++i)
        if (ts[i].name == name) return TensorIndex{i};
    FAIL("no tensor " << name);
    return {};
}

std::string refName(const Model& f, const Model& q, const ModelMatching& m, const std::string& quantName) {
    const TensorIndex r = m.refOfTensor[byName(q, quantName).index()];
    return r.valid() ? f.subgraphs[0].tensor(r).name : std::string("<none>");
}

// float: x -> FC(w1) -> h -> LOGISTIC -> y
Model floatChain() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto w = b.addConstant("w1", TensorType::FLOAT32, {3, 4}, std::vector<float>(12, 0.5f));
    const auto h = b.addTensor("h", TensorType::FLOAT32, {1, 3});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w, TensorIndex{}}, {h}, fullyConnectedOptions());
    b.addOperator(BuiltinOp::LOGISTIC, {h}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

// quantized, every tensor renamed: x -> QUANTIZE -> a -> FC -> b -> DEQUANTIZE -> c -> LOGISTIC (float) -> d
Model quantChainRenamed() {
    ModelBuilder b;
    const auto x = b.addTensor("input_0", TensorType::FLOAT32, {1, 4});
    const auto a = b.addTensor("a", TensorType::INT8, {1, 4}, qp(0.01f, 0));
    QuantParams wq = qp(0.5f / 127, 0);
    const auto w = b.addConstant("weights", TensorType::INT8, {3, 4}, std::vector<int8_t>(12, 127), wq);
    const auto bt = b.addTensor("b", TensorType::INT8, {1, 3}, qp(0.02f, 0));
    const auto c = b.addTensor("c", TensorType::FLOAT32, {1, 3});
    const auto d = b.addTensor("d", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::QUANTIZE, {x}, {a});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {a, w, TensorIndex{}}, {bt}, fullyConnectedOptions(), 4);
    b.addOperator(BuiltinOp::DEQUANTIZE, {bt}, {c}, {}, 2);
    b.addOperator(BuiltinOp::LOGISTIC, {c}, {d});
    b.setInputs({x});
    b.setOutputs({d});
    return b.build();
}

// x feeds two FULLY_CONNECTED with different weight shapes; listed in `order`.
Model branches(bool quantized, bool reversed) {
    ModelBuilder b;
    const TensorType t = quantized ? TensorType::INT8 : TensorType::FLOAT32;
    const QuantParams q = quantized ? qp(0.1f, 0) : QuantParams{};
    const auto x = b.addTensor("x", t, {1, 4}, q);
    auto weights = [&](const std::string& n, int rows) {
        return quantized ? b.addConstant(n, t, {rows, 4}, std::vector<int8_t>(size_t(rows) * 4, 1), qp(0.1f, 0))
                         : b.addConstant(n, t, {rows, 4}, std::vector<float>(size_t(rows) * 4, 0.1f));
    };
    const auto w3 = weights(quantized ? "k3" : "w3", 3), w5 = weights(quantized ? "k5" : "w5", 5);
    const auto y3 = b.addTensor(quantized ? "p" : "y3", t, {1, 3}, q), y5 = b.addTensor(quantized ? "r" : "y5", t, {1, 5}, q);
    if (reversed) b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w5, TensorIndex{}}, {y5}, fullyConnectedOptions(), 4);
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w3, TensorIndex{}}, {y3}, fullyConnectedOptions(), 4);
    if (!reversed) b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w5, TensorIndex{}}, {y5}, fullyConnectedOptions(), 4);
    b.setInputs({x});
    b.setOutputs({y3, y5});
    return b.build();
}

Model addOf(bool swapped) {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 4});
    const auto r = b.addTensor("r", TensorType::FLOAT32, {1, 4});
    const auto s = b.addTensor("s", TensorType::FLOAT32, {1, 4});
    b.addOperator(BuiltinOp::RELU, {x}, {r});
    b.addOperator(BuiltinOp::ADD, swapped ? std::vector<TensorIndex>{y, r} : std::vector<TensorIndex>{r, y}, {s}, addOptions());
    b.setInputs({x, y});
    b.setOutputs({s});
    return b.build();
}

} // namespace

TEST_CASE("matching: through QUANTIZE/DEQUANTIZE with every tensor renamed", "[matching]") {
    const Model f = floatChain(), q = quantChainRenamed();
    auto m = matchModels(f, q);
    REQUIRE(m.ok());
    CHECK(m->complete());
    CHECK(refName(f, q, *m, "input_0") == "x");
    CHECK(refName(f, q, *m, "a") == "x"); // QUANTIZE output: the same real values as x
    CHECK(refName(f, q, *m, "b") == "h");
    CHECK(refName(f, q, *m, "c") == "h"); // DEQUANTIZE output
    CHECK(refName(f, q, *m, "d") == "y");
    CHECK(refName(f, q, *m, "weights") == "w1");
    REQUIRE(m->operators.size() == 2);
    CHECK(m->conversion == std::vector<bool>{true, false, true, false});
    CHECK(m->refOfOperator[1] == OperatorIndex{0});
    CHECK(m->refOfOperator[3] == OperatorIndex{1});
    for (const auto& om : m->operators) CHECK(om.basis == MatchBasis::Topology);
}

TEST_CASE("matching: branches of the same op type are told apart by weight shapes, not order", "[matching]") {
    const Model f = branches(false, false), q = branches(true, true);
    auto m = matchModels(f, q);
    REQUIRE(m.ok());
    CHECK(m->complete());
    CHECK(refName(f, q, *m, "p") == "y3");
    CHECK(refName(f, q, *m, "r") == "y5");
    CHECK(refName(f, q, *m, "k3") == "w3");
    CHECK(refName(f, q, *m, "k5") == "w5");
}

TEST_CASE("matching: commutative ADD with swapped inputs", "[matching]") {
    const Model f = addOf(false), q = addOf(true);
    auto m = matchModels(f, q);
    REQUIRE(m.ok());
    CHECK(m->complete());
    CHECK(refName(f, q, *m, "s") == "s");
}

TEST_CASE("matching: an operator without float counterpart is listed with the reason", "[matching]") {
    // float: x -> FC -> y ; quantized: x -> FC -> y1 -> RELU -> y2 (the RELU has no counterpart)
    const Model f = floatChain();
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto w = b.addConstant("w1", TensorType::FLOAT32, {3, 4}, std::vector<float>(12, 0.5f));
    const auto h = b.addTensor("h", TensorType::FLOAT32, {1, 3});
    const auto r = b.addTensor("relu_out", TensorType::FLOAT32, {1, 3});
    const auto y = b.addTensor("y2", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, w, TensorIndex{}}, {h}, fullyConnectedOptions());
    b.addOperator(BuiltinOp::RELU, {h}, {r});
    b.addOperator(BuiltinOp::LOGISTIC, {r}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    const Model q = b.build();
    auto m = matchModels(f, q);
    REQUIRE(m.ok());
    CHECK_FALSE(m->complete());
    REQUIRE(m->unmatchedQuant.size() >= 1);
    CHECK(m->unmatchedQuant[0].index == 1);
    CHECK(m->unmatchedQuant[0].what.find("RELU") != std::string::npos);
    CHECK(m->unmatchedQuant[0].reason.find("RELU") != std::string::npos);
    // The LOGISTIC reads an unmatched tensor: unmatched, and the float LOGISTIC is listed.
    CHECK(m->refOfOperator[2].valid() == false);
    REQUIRE(m->unmatchedFloat.size() == 1);
    CHECK(m->unmatchedFloat[0].what.find("LOGISTIC") != std::string::npos);
    // The graph output still falls back to position.
    CHECK(refName(f, q, *m, "y2") == "y");
    CHECK(refName(f, q, *m, "h") == "h");
}

TEST_CASE("matching: the name hint matches where topology cannot", "[matching]") {
    // Quantized model where the FC's input comes from an op the float model lacks, but the
    // FC output keeps its name (with a quantizer suffix).
    const Model f = floatChain();
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto x2 = b.addTensor("x_relu", TensorType::FLOAT32, {1, 4});
    const auto w = b.addConstant("w1", TensorType::FLOAT32, {3, 4}, std::vector<float>(12, 0.5f));
    const auto h = b.addTensor("h_int8", TensorType::FLOAT32, {1, 3});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::RELU, {x}, {x2});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x2, w, TensorIndex{}}, {h}, fullyConnectedOptions());
    b.addOperator(BuiltinOp::LOGISTIC, {h}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    const Model q = b.build();
    auto m = matchModels(f, q);
    REQUIRE(m.ok());
    CHECK(m->refOfOperator[1] == OperatorIndex{0});
    bool byName = false;
    for (const auto& om : m->operators) byName = byName || (om.quant == OperatorIndex{1} && om.basis == MatchBasis::Name);
    CHECK(byName);
    CHECK(refName(f, q, *m, "y") == "y"); // topology again after the name match
}

TEST_CASE("matching: models with different inputs cannot be matched", "[matching]") {
    const Model f = floatChain();
    const Model two = addOf(false);
    auto m = matchModels(f, two);
    REQUIRE_FALSE(m.ok());
    CHECK(m.message().find("inputs") != std::string::npos);
    Model empty;
    CHECK_FALSE(matchModels(f, empty).ok());
}

TEST_CASE("matching: normalised names drop quantizer suffixes", "[matching]") {
    CHECK(normalizedTensorName("Conv1/Relu_int8") == "conv1/relu");
    CHECK(normalizedTensorName("x_requant_int8") == "x");
    CHECK(normalizedTensorName("dense/bias_int32") == "dense/bias");
    CHECK(normalizedTensorName("_int8") == "_int8"); // never to empty
}

TEST_CASE("matching: our quantizer's int8 model of the small CNN matches completely", "[matching][quantize]") {
    auto floatModel = std::make_shared<const Model>(test::makeSmallCnn());
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.calibSpec = "random:4:1";
    auto r = quantize::runQuantize(floatModel, job);
    REQUIRE(r.ok());
    const Model& q = r->result.model;
    auto m = matchModels(*floatModel, q);
    REQUIRE(m.ok());
    INFO((m->unmatchedQuant.empty() ? std::string() : m->unmatchedQuant[0].what + ": " + m->unmatchedQuant[0].reason));
    CHECK(m->complete());
    size_t conversions = 0;
    for (bool c : m->conversion) conversions += c;
    CHECK(conversions == r->result.report.insertedQuantize + r->result.report.insertedDequantize);
    CHECK(m->operators.size() == floatModel->subgraphs[0].operators.size());
    for (const auto& om : m->operators)
        CHECK(q.subgraphs[0].op(om.quant).op == floatModel->subgraphs[0].op(om.ref).op);
    // Every operator's output and every weight has its counterpart; outputs map to outputs.
    const Subgraph& qs = q.subgraphs[0];
    for (const Operator& op : qs.operators)
        for (TensorIndex t : op.outputs) CHECK(m->refOfTensor[t.index()].valid());
    CHECK(m->refOfTensor[qs.outputs[0].index()] == floatModel->subgraphs[0].outputs[0]);
    size_t weights = 0;
    for (const auto& tm : m->tensors) weights += tm.constant;
    CHECK(weights >= 6); // conv, depthwise, FC: weights and biases
}

TEST_CASE("matching: shared float/int8 pairs (hello_world, trained_lstm)", "[matching][shared]") {
    for (const auto& [fn, qn] : {std::pair<std::string, std::string>{"hello_world_float.tflite", "hello_world_int8.tflite"},
                                 {"trained_lstm.tflite", "trained_lstm_int8.tflite"}}) {
        const auto fp = test::sharedModel(fn), qpth = test::sharedModel(qn);
        if (!fp || !qpth) {
            WARN("skipped: ../shared/models/" << fn << " absent");
            continue;
        }
        auto f = readModelFile(*fp);
        auto q = readModelFile(*qpth);
        REQUIRE(f.ok());
        REQUIRE(q.ok());
        auto m = matchModels(**f, **q);
        REQUIRE(m.ok());
        INFO(fn);
        for (const auto& u : m->unmatchedQuant) INFO("quant: " << u.what << ": " << u.reason);
        for (const auto& u : m->unmatchedFloat) INFO("float: " << u.what << ": " << u.reason);
        CHECK(m->unmatchedFloat.empty());
        CHECK(m->unmatchedQuant.empty());
        const Subgraph& qs = (*q)->subgraphs[0];
        for (size_t i = 0; i < qs.outputs.size(); ++i)
            CHECK(m->refOfTensor[qs.outputs[i].index()] == (*f)->subgraphs[0].outputs[i]);
    }
}

// WHILE, IF, CALL_ONCE and resource variables on models with 2-3 subgraphs built by ModelBuilder,
// written and read back like a user's file.
#include "InterpreterTest.h"
#include "SingleOp.h"
#include "io/MappedFile.h"
#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

using namespace ql;
using namespace ql::rt;
using namespace ql::test;

namespace {

// Subgraph 0: (i, acc) = WHILE(i0, acc0) with cond = subgraph 1 (i < limit) and
// body = subgraph 2 (i + 1, acc * 2).
Model whileModel(int condIndex = 1, int bodyIndex = 2) {
    ModelBuilder b;
    const auto i0 = b.addTensor("i0", TensorType::INT32, {1});
    const auto acc0 = b.addTensor("acc0", TensorType::FLOAT32, {2});
    const auto i = b.addTensor("i", TensorType::INT32, {1});
    const auto acc = b.addTensor("acc", TensorType::FLOAT32, {2});
    tflite::WhileOptionsT w;
    w.cond_subgraph_index = condIndex;
    w.body_subgraph_index = bodyIndex;
    b.addOperator(BuiltinOp::WHILE, {i0, acc0}, {i, acc}, optionsOf(w));
    b.setInputs({i0, acc0});
    b.setOutputs({i, acc});

    b.addSubgraph("cond");
    const auto ci = b.addTensor("ci", TensorType::INT32, {1});
    const auto cacc = b.addTensor("cacc", TensorType::FLOAT32, {2});
    const auto limit = b.addConstant("limit", TensorType::INT32, {1}, std::vector<int32_t>{5});
    const auto less = b.addTensor("less", TensorType::BOOL, {1});
    b.addOperator(BuiltinOp::LESS, {ci, limit}, {less});
    b.setInputs({ci, cacc});
    b.setOutputs({less});

    b.addSubgraph("body");
    const auto bi = b.addTensor("bi", TensorType::INT32, {1});
    const auto bacc = b.addTensor("bacc", TensorType::FLOAT32, {2});
    const auto one = b.addConstant("one", TensorType::INT32, {1}, std::vector<int32_t>{1});
    const auto two = b.addConstant("two", TensorType::FLOAT32, {1}, std::vector<float>{2.0f});
    const auto ni = b.addTensor("ni", TensorType::INT32, {1});
    const auto nacc = b.addTensor("nacc", TensorType::FLOAT32, {2});
    b.addOperator(BuiltinOp::ADD, {bi, one}, {ni}, addOptions());
    b.addOperator(BuiltinOp::MUL, {bacc, two}, {nacc}, mulOptions());
    b.setInputs({bi, bacc});
    b.setOutputs({ni, nacc});
    return b.build();
}

// A running sum kept in a resource variable: the init subgraph (CALL_ONCE) assigns `start`;
// each invoke reads it, adds x, assigns the sum back and outputs it.
Model accumulatorModel() {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {2, 3});
    const auto h = b.addTensor("handle", TensorType::RESOURCE, {});
    const auto v = b.addTensor("value", TensorType::FLOAT32, {2, 3});
    const auto y = b.addTensor("sum", TensorType::FLOAT32, {2, 3});
    tflite::CallOnceOptionsT once;
    once.init_subgraph_index = 1;
    b.addOperator(BuiltinOp::CALL_ONCE, {}, {}, optionsOf(once));
    tflite::VarHandleOptionsT vh;
    vh.shared_name = "acc";
    b.addOperator(BuiltinOp::VAR_HANDLE, {}, {h}, optionsOf(vh));
    b.addOperator(BuiltinOp::READ_VARIABLE, {h}, {v}, optionsOf(tflite::ReadVariableOptionsT{}));
    b.addOperator(BuiltinOp::ADD, {v, x}, {y}, addOptions());
    b.addOperator(BuiltinOp::ASSIGN_VARIABLE, {h, y}, {},
                  optionsOf(tflite::AssignVariableOptionsT{}));
    b.setInputs({x});
    b.setOutputs({y});
    b.addSubgraph("init");
    const auto h1 = b.addTensor("init_handle", TensorType::RESOURCE, {});
    const auto start = b.addConstant("start", TensorType::FLOAT32, {2, 3},
                                     std::vector<float>{0.5f, -1, 2, 0, 3.25f, -0.75f});
    b.addOperator(BuiltinOp::VAR_HANDLE, {}, {h1}, optionsOf(vh));
    b.addOperator(BuiltinOp::ASSIGN_VARIABLE, {h1, start}, {},
                  optionsOf(tflite::AssignVariableOptionsT{}));
    return b.build();
}

} // namespace

TEST_CASE("resource variables keep their value across invokes and subgraphs",
          "[interpreter][control_flow]") {
    auto made = Interpreter::create(roundTrip(accumulatorModel()));
    REQUIRE(made);
    Interpreter& it = *made.value();
    const std::vector<float> x = {1, 2, 3, 4, 5, 6};
    REQUIRE(it.setInput(0, TensorType::FLOAT32, asBytes(x)));
    REQUIRE(it.invoke());
    CHECK(valuesOf<float>(it.output(0)) == std::vector<float>{1.5f, 1, 5, 4, 8.25f, 5.25f});
    REQUIRE(it.invoke());
    CHECK(valuesOf<float>(it.output(0)) == std::vector<float>{2.5f, 3, 8, 8, 13.25f, 11.25f});
    // The same value computed by the TFLite runtime for the first invoke (oracle golden).
    const std::string dir =
        std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/control_flow/resource_accumulator";
    GoldenComparison c = compareWithGoldens(dir + "/model.tflite", dir);
    INFO(c.error);
    REQUIRE(c.error.empty());
    CHECK(c.differing == 0);
}

TEST_CASE("a variable read before any assignment is an error naming the operator",
          "[interpreter][control_flow]") {
    Model m = accumulatorModel();
    m.subgraphs[1].operators.pop_back(); // the init subgraph no longer assigns
    auto made = Interpreter::create(roundTrip(m));
    REQUIRE(made);
    REQUIRE(made.value()->setInput(0, TensorType::FLOAT32, asBytes(std::vector<float>(6, 1.f))));
    const Status s = made.value()->invoke();
    REQUIRE_FALSE(s);
    CHECK(
        s.message().find("operator 2 (READ_VARIABLE): reads a variable that was never assigned") !=
        std::string::npos);
}

TEST_CASE("a resource tensor holds one id whatever shape the file declares",
          "[interpreter][control_flow]") {
    // A variable resource tensor declared [2^30]: 4 bytes of storage, not 4 GiB (the fuzzer's
    // out-of-memory input).
    Model m = accumulatorModel();
    Tensor& handle = m.subgraphs[0].tensors[1];
    REQUIRE(handle.type == TensorType::RESOURCE);
    handle.shape = {1 << 30};
    handle.isVariable = true;
    auto made = Interpreter::create(roundTrip(m));
    REQUIRE(made);
    CHECK(made.value()->memoryStats().variableBytes == 4);
}

TEST_CASE("write the control-flow fixture models", "[.generate]") {
    const std::string dir =
        std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/control_flow/resource_accumulator";
    std::filesystem::create_directories(dir);
    REQUIRE(writeModelFile(accumulatorModel(), dir + "/model.tflite"));
}

TEST_CASE("WHILE loops the body while cond holds", "[interpreter][control_flow]") {
    auto model = roundTrip(whileModel());
    REQUIRE(model->subgraphs.size() == 3);
    auto made = Interpreter::create(model);
    REQUIRE(made);
    Interpreter& it = *made.value();
    size_t bodyOps = 0;
    for (int start : {0, 3, 7}) {
        REQUIRE(it.setInput(0, TensorType::INT32, asBytes(std::vector<int32_t>{start})));
        REQUIRE(it.setInput(1, TensorType::FLOAT32, asBytes(std::vector<float>{1.0f, -0.5f})));
        bodyOps = 0;
        REQUIRE(it.invoke([&](const NodeEvent& e) { bodyOps += e.subgraph == 2 ? 1 : 0; }));
        const int iterations = std::max(5 - start, 0);
        CHECK(valuesOf<int32_t>(it.output(0))[0] == std::max(start, 5));
        const float f = static_cast<float>(1 << iterations);
        CHECK(valuesOf<float>(it.output(1)) == std::vector<float>{f, -0.5f * f});
        CHECK(bodyOps == static_cast<size_t>(2 * iterations)); // the observer sees the body's ops
    }
    CHECK(it.memoryStats().arenaBytes > 0);
}

TEST_CASE("WHILE with a bad or recursive subgraph index is refused",
          "[interpreter][control_flow]") {
    // A missing subgraph and a WHILE calling its own subgraph are refused when the file is read
    // (the load-time validation), before any kernel sees them.
    auto readError = [](const Model& model) {
        auto bytes = serializeModel(model);
        REQUIRE(bytes);
        auto read = readModel(MappedFile::fromBytes(std::move(bytes.value())), "while.tflite");
        REQUIRE_FALSE(read);
        return read.message();
    };
    const std::string missing = readError(whileModel(1, 7));
    CHECK(missing.find("operator 0 (WHILE)") != std::string::npos);
    CHECK(missing.find("7") != std::string::npos);
    const std::string recursive = readError(whileModel(0, 2));
    CHECK(recursive.find("operator 0 (WHILE)") != std::string::npos);
    // Body and cond swapped: cond (1 output) used as body (2 outputs expected): fails at prepare.
    auto swapped = Interpreter::create(roundTrip(whileModel(2, 1)));
    REQUIRE_FALSE(swapped);
    CHECK(swapped.message().find("operator 0 (WHILE)") != std::string::npos);
}

TEST_CASE("IF runs the then or the else subgraph", "[interpreter][control_flow]") {
    ModelBuilder b;
    const auto c = b.addTensor("c", TensorType::BOOL, {1});
    const auto x = b.addTensor("x", TensorType::FLOAT32, {3});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {3});
    tflite::IfOptionsT o;
    o.then_subgraph_index = 1;
    o.else_subgraph_index = 2;
    b.addOperator(BuiltinOp::IF, {c, x}, {y}, optionsOf(o));
    b.setInputs({c, x});
    b.setOutputs({y});
    for (auto [name, op] :
         {std::pair{"then_add", BuiltinOp::ADD}, std::pair{"else_mul", BuiltinOp::MUL}}) {
        b.addSubgraph(name);
        const auto in = b.addTensor("in", TensorType::FLOAT32, {3});
        const auto k = b.addConstant("k", TensorType::FLOAT32, {1}, std::vector<float>{10.0f});
        const auto out = b.addTensor("out", TensorType::FLOAT32, {3});
        b.addOperator(op, {in, k}, {out}, op == BuiltinOp::ADD ? addOptions() : mulOptions());
        b.setInputs({in});
        b.setOutputs({out});
    }
    auto made = Interpreter::create(roundTrip(b.build()));
    REQUIRE(made);
    Interpreter& it = *made.value();
    REQUIRE(it.setInput(1, TensorType::FLOAT32, asBytes(std::vector<float>{1, 2, 3})));
    const std::vector<uint8_t> yes{1}, no{0};
    REQUIRE(it.setInput(0, TensorType::BOOL, yes));
    REQUIRE(it.invoke());
    CHECK(valuesOf<float>(it.output(0)) == std::vector<float>{11, 12, 13});
    REQUIRE(it.setInput(0, TensorType::BOOL, no));
    REQUIRE(it.invoke());
    CHECK(valuesOf<float>(it.output(0)) == std::vector<float>{10, 20, 30});
}

TEST_CASE("CALL_ONCE runs its init subgraph on the first invoke only",
          "[interpreter][control_flow]") {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {2});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {2});
    tflite::CallOnceOptionsT o;
    o.init_subgraph_index = 1;
    b.addOperator(BuiltinOp::CALL_ONCE, {}, {}, optionsOf(o));
    b.addOperator(BuiltinOp::ADD, {x, x}, {y}, addOptions());
    b.setInputs({x});
    b.setOutputs({y});
    b.addSubgraph("init");
    const auto k = b.addConstant("k", TensorType::FLOAT32, {1}, std::vector<float>{1.0f});
    const auto t = b.addTensor("t", TensorType::FLOAT32, {1});
    b.addOperator(BuiltinOp::ADD, {k, k}, {t}, addOptions());
    auto made = Interpreter::create(roundTrip(b.build()));
    REQUIRE(made);
    Interpreter& it = *made.value();
    REQUIRE(it.setInput(0, TensorType::FLOAT32, asBytes(std::vector<float>{1, 2})));
    std::vector<size_t> initRuns;
    for (int r = 0; r < 3; ++r) {
        size_t n = 0;
        REQUIRE(it.invoke([&](const NodeEvent& e) { n += e.subgraph == 1 ? 1 : 0; }));
        initRuns.push_back(n);
        CHECK(valuesOf<float>(it.output(0)) == std::vector<float>{2, 4});
    }
    CHECK(initRuns == std::vector<size_t>{1, 0, 0});
}

// Interpreter: arena planning and reuse, tensors kept alive, inputs checked, prepare errors,
// variable state, dynamic outputs.
#include "InterpreterTest.h"
#include "io/MappedFile.h"
#include "model/ModelBuilder.h"
#include "runtime/ArenaPlanner.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace ql;
using namespace ql::rt;
using namespace ql::test;

namespace {

// x [1,N] -> ADD(x, c1) -> t1 -> ADD(t1, c1) -> t2 -> ... (depth steps) -> output; with c1 = 1.
Model chain(int depth, int n = 256) {
    ModelBuilder b;
    const auto one = b.addConstant("one", TensorType::FLOAT32, {1}, std::vector<float>{1.0f});
    TensorIndex prev = b.addTensor("x", TensorType::FLOAT32, {1, n});
    b.setInputs({prev});
    for (int i = 0; i < depth; ++i) {
        const auto next = b.addTensor("t" + std::to_string(i), TensorType::FLOAT32, {1, n});
        b.addOperator(BuiltinOp::ADD, {prev, one}, {next}, addOptions());
        prev = next;
    }
    b.setOutputs({prev});
    return b.build();
}

} // namespace

TEST_CASE("ArenaPlanner keeps overlapping lifetimes apart and reuses the rest", "[interpreter][arena]") {
    // A chain: each buffer lives from its producer to its one consumer.
    std::vector<ArenaRequest> chainReq;
    for (int i = 0; i < 10; ++i) chainReq.push_back({1000, i, i + 1});
    const ArenaPlan p = planArena(chainReq);
    CHECK(planIsValid(chainReq, p));
    CHECK(p.naiveBytes == 10 * 1024);
    CHECK(p.arenaBytes == 2 * 1024); // two live at a time
    // Random requests: always valid, never worse than no sharing.
    std::mt19937 rng(5);
    for (int round = 0; round < 200; ++round) {
        std::vector<ArenaRequest> req;
        const int n = 1 + static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            const int a = static_cast<int>(rng() % 30), len = static_cast<int>(rng() % 8);
            req.push_back({static_cast<size_t>(rng() % 5000), a, a + len});
        }
        const ArenaPlan q = planArena(req);
        REQUIRE(planIsValid(req, q));
        REQUIRE(q.arenaBytes <= q.naiveBytes);
    }
    // The checker itself catches an overlap.
    ArenaPlan bad = p;
    bad.offsets[1] = bad.offsets[0];
    CHECK_FALSE(planIsValid(chainReq, bad));
}

TEST_CASE("Interpreter reuses arena memory along a chain and computes correctly", "[interpreter][arena]") {
    auto model = roundTrip(chain(8));
    auto made = Interpreter::create(model);
    REQUIRE(made);
    Interpreter& it = *made.value();
    const MemoryStats m = it.memoryStats();
    // input + output kept (2 x 1024) + intermediates need two slots at a time.
    CHECK(m.naiveBytes == 9 * 1024);
    CHECK(m.arenaBytes == 4 * 1024);
    CHECK(it.arenaBytes() == m.arenaBytes);
    std::vector<float> x(256);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.5f;
    REQUIRE(it.setInput(0, TensorType::FLOAT32, asBytes(x)));
    REQUIRE(it.invoke());
    const auto y = valuesOf<float>(it.output(0));
    for (size_t i = 0; i < y.size(); ++i) REQUIRE(y[i] == x[i] + 8.0f);
    // The input is still intact and readable after the run.
    CHECK(valuesOf<float>(it.input(0)) == x);
    // Some intermediate was overwritten by a later tensor.
    int dead = 0;
    for (size_t t = 0; t < it.tensorCount(); ++t) dead += it.isLive(TensorIndex{t}) ? 0 : 1;
    CHECK(dead > 0);
}

TEST_CASE("Interpreter keepAllTensors keeps every intermediate readable", "[interpreter][arena]") {
    auto model = roundTrip(chain(6, 16));
    InterpreterOptions opt;
    opt.keepAllTensors = true;
    auto made = Interpreter::create(model, opt);
    REQUIRE(made);
    Interpreter& it = *made.value();
    CHECK(it.memoryStats().arenaBytes == it.memoryStats().naiveBytes);
    std::vector<float> x(16, 2.0f);
    REQUIRE(it.setInput(0, TensorType::FLOAT32, asBytes(x)));
    REQUIRE(it.invoke());
    const Subgraph& sg = model->subgraphs[0];
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
        if (sg.tensors[t].name.rfind("t", 0) != 0) continue;
        const int step = std::stoi(sg.tensors[t].name.substr(1));
        REQUIRE(it.isLive(TensorIndex{t}));
        CHECK(valuesOf<float>(it.tensor(TensorIndex{t}))[3] == 2.0f + static_cast<float>(step + 1));
    }
}

TEST_CASE("Interpreter gives the same results with 2 threads", "[interpreter]") {
    auto model = roundTrip(chain(3));
    InterpreterOptions opt;
    opt.run.threads = 2;
    auto made = Interpreter::create(model, opt);
    REQUIRE(made);
    CHECK(made.value()->pool()->threadCount() == 2);
    std::vector<float> x(256, -1.0f);
    REQUIRE(made.value()->setInput(0, TensorType::FLOAT32, asBytes(x)));
    REQUIRE(made.value()->invoke());
    CHECK(valuesOf<float>(made.value()->output(0))[255] == 2.0f);
}

TEST_CASE("Interpreter refuses inputs of the wrong dtype or shape", "[interpreter]") {
    auto model = roundTrip(chain(1, 4));
    auto made = Interpreter::create(model);
    REQUIRE(made);
    Interpreter& it = *made.value();
    const std::vector<int32_t> ints(4);
    Status s = it.setInput(0, TensorType::INT32, asBytes(ints));
    REQUIRE_FALSE(s);
    CHECK(s.message() == "input 0 'x' is float32, but the data is int32");
    const std::vector<float> three(3);
    s = it.setInput(0, TensorType::FLOAT32, asBytes(three));
    REQUIRE_FALSE(s);
    CHECK(s.message() == "input 0 'x' needs 16 bytes (4 elements), but the data has 12");
    const std::vector<float> four(4);
    s = it.setInput(0, TensorType::FLOAT32, std::vector<int64_t>{4, 1}, asBytes(four));
    REQUIRE_FALSE(s);
    CHECK(s.message() == "input 0 'x' has shape [1,4], but the data has shape [4,1]");
    CHECK(it.setInput(0, TensorType::FLOAT32, std::vector<int64_t>{1, 4}, asBytes(four)));
    CHECK_FALSE(it.setInput(1, TensorType::FLOAT32, asBytes(four)));
}

TEST_CASE("Interpreter prepare errors name the operator index and type", "[interpreter]") {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    TensorIndex prev = x;
    for (int i = 0; i < 5; ++i) {
        const auto t = b.addTensor("t" + std::to_string(i), TensorType::FLOAT32, {1, 4});
        b.addOperator(BuiltinOp::ADD, {prev, prev}, {t}, addOptions());
        prev = t;
    }
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 4});
    b.addCustomOperator("Foo", {prev}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    auto made = Interpreter::create(roundTrip(b.build()));
    REQUIRE_FALSE(made);
    CHECK(made.message() == "operator 5 (CUSTOM 'Foo'): custom operator 'Foo' is not supported");
}

TEST_CASE("Interpreter names every operator without a kernel at once", "[interpreter]") {
    // Two operators of one unknown custom code, one of another, and one builtin QuantLab has no
    // kernel for (HASHTABLE_SIZE): one message, grouped by reason, in operator order.
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto t0 = b.addTensor("t0", TensorType::FLOAT32, {1, 4});
    const auto t1 = b.addTensor("t1", TensorType::FLOAT32, {1, 4});
    const auto t2 = b.addTensor("t2", TensorType::FLOAT32, {1, 4});
    const auto t3 = b.addTensor("t3", TensorType::FLOAT32, {1, 4});
    const auto y = b.addTensor("y", TensorType::INT64, {});
    b.addCustomOperator("Foo", {x}, {t0});
    b.addOperator(BuiltinOp::ADD, {t0, t0}, {t1}, addOptions());
    b.addCustomOperator("Bar", {t1}, {t2});
    b.addCustomOperator("Foo", {t2}, {t3});
    b.addOperator(BuiltinOp::HASHTABLE_SIZE, {t3}, {y});
    b.setInputs({x});
    b.setOutputs({y});
    auto made = Interpreter::create(roundTrip(b.build()));
    REQUIRE_FALSE(made);
    CHECK(made.message() == "4 operators have no kernel: operator 0 (CUSTOM 'Foo'), operator 3 (CUSTOM 'Foo'): custom operator "
                            "'Foo' is not supported; operator 2 (CUSTOM 'Bar'): custom operator 'Bar' is not supported; "
                            "operator 4 (HASHTABLE_SIZE): HASHTABLE_SIZE is not supported by QuantLab's interpreter");
}

TEST_CASE("A tensor that is its own operator's input and output is refused, as TFLite refuses it", "[interpreter]") {
    // acc (variable) = ADD(acc, x): TFLite's Subgraph::AddNodeWithParameters refuses a node whose
    // output is one of its inputs (CheckInputAndOutputForOverlap); QuantLab's load-time
    // validation does the same, naming the operator. Variable state itself is exercised by the
    // stateful LSTM tests.
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 2});
    const auto acc = b.addConstant("acc", TensorType::FLOAT32, {1, 2}, std::vector<float>{10.0f, 20.0f});
    b.subgraph().tensors[acc.index()].isVariable = true;
    b.addOperator(BuiltinOp::ADD, {acc, x}, {acc}, addOptions());
    b.setInputs({x});
    b.setOutputs({acc});
    auto bytes = serializeModel(b.build());
    REQUIRE(bytes);
    auto read = readModel(MappedFile::fromBytes(std::move(bytes.value())), "self.tflite");
    REQUIRE_FALSE(read);
    CHECK(read.message().find("operator 0 (ADD)") != std::string::npos);
}

TEST_CASE("Interpreter handles outputs whose shape depends on data", "[interpreter][dynamic]") {
    // RESHAPE(x [6], shape input) -> r -> ADD(r, r) -> y: r and y get their shapes at eval.
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {6});
    const auto shape = b.addTensor("shape", TensorType::INT32, {2});
    const auto r = b.addTensor("r", TensorType::FLOAT32, {6});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {6});
    b.addOperator(BuiltinOp::RESHAPE, {x, shape}, {r});
    b.addOperator(BuiltinOp::ADD, {r, r}, {y}, addOptions());
    b.setInputs({x, shape});
    b.setOutputs({y});
    auto made = Interpreter::create(roundTrip(b.build()));
    REQUIRE(made);
    Interpreter& it = *made.value();
    const std::vector<float> xs{1, 2, 3, 4, 5, 6};
    REQUIRE(it.setInput(0, TensorType::FLOAT32, asBytes(xs)));
    for (auto dims : {std::vector<int32_t>{2, 3}, std::vector<int32_t>{3, 2}, std::vector<int32_t>{6, 1}}) {
        REQUIRE(it.setInput(1, TensorType::INT32, asBytes(dims)));
        REQUIRE(it.invoke());
        CHECK(it.output(0).shape == dims);
        CHECK(valuesOf<float>(it.output(0)) == std::vector<float>{2, 4, 6, 8, 10, 12});
    }
}

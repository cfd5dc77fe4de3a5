// Interpreter constant folding: operators whose inputs are all constant run once at prepare,
// their outputs live outside the arena, and every observable value (outputs, every tensor with
// keepAllTensors, observer events, calibration statistics, input-hook overwrites) is byte for
// byte what the unfolded run gives.
#include "calib/CalibrationCollector.h"
#include "calib/CalibrationStats.h"
#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "runtime/RandomInputs.h"
#include "tflite/ModelReader.h"
#include "util/Float16.h"

#include "TestSupport.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <map>

using namespace ql;
using namespace ql::rt;

namespace {

std::vector<uint16_t> halves(const std::vector<float>& v) {
    std::vector<uint16_t> h(v.size());
    floatToHalf(v, h);
    return h;
}

// x[1,8] -> FULLY_CONNECTED(x, w, b2) -> y, with w = DEQUANTIZE(float16 [4,8]) and
// b2 = ADD(DEQUANTIZE(float16 [4]), one): two folded DEQUANTIZE and one folded ADD on top of
// a folded tensor. Operators: 0 DEQUANTIZE w, 1 DEQUANTIZE b, 2 ADD, 3 FULLY_CONNECTED.
std::shared_ptr<const Model> fp16Model() {
    ModelBuilder b;
    std::vector<float> w(32), bias{0.5f, -0.25f, 1.0f, 2.0f};
    for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * float(int(i % 7) - 3);
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 8});
    const auto w16 = b.addConstant("w16", TensorType::FLOAT16, {4, 8}, halves(w));
    const auto wf = b.addTensor("w", TensorType::FLOAT32, {4, 8});
    const auto b16 = b.addConstant("b16", TensorType::FLOAT16, {4}, halves(bias));
    const auto bf = b.addTensor("b", TensorType::FLOAT32, {4});
    const auto one = b.addConstant("one", TensorType::FLOAT32, {1}, std::vector<float>{1.0f});
    const auto b2 = b.addTensor("b2", TensorType::FLOAT32, {4});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 4});
    b.setInputs({x});
    b.addOperator(BuiltinOp::DEQUANTIZE, {w16}, {wf});
    b.addOperator(BuiltinOp::DEQUANTIZE, {b16}, {bf});
    b.addOperator(BuiltinOp::ADD, {bf, one}, {b2}, addOptions());
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, wf, b2}, {y}, fullyConnectedOptions());
    b.setOutputs({y});
    return std::make_shared<const Model>(b.build());
}

std::unique_ptr<Interpreter> make(std::shared_ptr<const Model> model, bool fold, bool keepAll = true) {
    InterpreterOptions o;
    o.foldConstants = fold;
    o.keepAllTensors = keepAll;
    auto it = Interpreter::create(std::move(model), o);
    REQUIRE(it);
    return std::move(it.value());
}

void fillInputs(Interpreter& it, uint32_t seed) {
    OracleRng rng(seed);
    for (size_t i = 0; i < it.inputCount(); ++i) {
        RtTensor& in = it.input(i);
        REQUIRE(fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng));
    }
}

std::vector<uint8_t> bytesOf(const RtTensor& t) { return t.data ? std::vector<uint8_t>(t.data, t.data + t.bytes) : std::vector<uint8_t>{}; }

// Every readable tensor of subgraph 0, byte for byte; returns how many were compared.
size_t requireSameTensors(const Interpreter& a, const Interpreter& b) {
    REQUIRE(a.tensorCount() == b.tensorCount());
    size_t compared = 0;
    for (size_t t = 0; t < a.tensorCount(); ++t) {
        const TensorIndex ti{t};
        if (!a.isLive(ti) || !b.isLive(ti)) continue;
        INFO("tensor " << t << " '" << a.tensor(ti).source->name << "'");
        REQUIRE(a.tensor(ti).shape == b.tensor(ti).shape);
        REQUIRE(bytesOf(a.tensor(ti)) == bytesOf(b.tensor(ti)));
        ++compared;
    }
    return compared;
}

// (operator, output bytes) in the order the observer saw them.
using Events = std::vector<std::pair<size_t, std::vector<uint8_t>>>;
Observer recorder(Events& events) {
    return [&events](const NodeEvent& e) {
        if (e.subgraph != 0) return;
        for (const RtTensor* t : e.outputs) events.emplace_back(e.op.index(), bytesOf(*t));
    };
}

} // namespace

TEST_CASE("Constant folding: constant DEQUANTIZE and ops on top run at prepare, outside the arena", "[interpreter][folding]") {
    const auto model = fp16Model();
    auto on = make(model, true, false);
    auto off = make(model, false, false);
    CHECK(on->isFolded(OperatorIndex{0}));
    CHECK(on->isFolded(OperatorIndex{1}));
    CHECK(on->isFolded(OperatorIndex{2})); // ADD of a folded tensor and a constant
    CHECK_FALSE(on->isFolded(OperatorIndex{3}));
    for (size_t o = 0; o < 4; ++o) CHECK_FALSE(off->isFolded(OperatorIndex{o}));
    const MemoryStats m = on->memoryStats(), n = off->memoryStats();
    CHECK(m.foldedOperators == 3);
    CHECK(n.foldedOperators == 0);
    CHECK(m.foldedBytes >= 32 * 4 + 2 * 4 * 4);
    CHECK(n.foldedBytes == 0);
    CHECK(m.arenaBytes < n.arenaBytes); // w, b and b2 are no longer arena tensors
    CHECK(m.dynamicBytes == 0);
    // Folded values are readable right after create, before any invoke.
    const RtTensor& w = on->tensor(TensorIndex{2});
    REQUIRE(w.source->name == "w");
    CHECK(w.values<float>()[1] == halfToFloat(halves({-0.2f})[0]));
    for (uint32_t seed : {1u, 2u}) {
        fillInputs(*on, seed);
        fillInputs(*off, seed);
        REQUIRE(on->invoke());
        REQUIRE(off->invoke());
        CHECK(bytesOf(on->output(0)) == bytesOf(off->output(0)));
    }
}

TEST_CASE("Constant folding: every tensor and every observer event equal the unfolded run", "[interpreter][folding]") {
    const auto model = fp16Model();
    auto on = make(model, true);
    auto off = make(model, false);
    for (uint32_t seed : {3u, 4u, 5u}) {
        fillInputs(*on, seed);
        fillInputs(*off, seed);
        Events eOn, eOff;
        REQUIRE(on->invoke(recorder(eOn)));
        REQUIRE(off->invoke(recorder(eOff)));
        CHECK(eOn.size() == 4); // folded operators are still observed, on every invoke
        CHECK(eOn == eOff);
        CHECK(requireSameTensors(*on, *off) == on->tensorCount());
    }
}

TEST_CASE("Constant folding: calibration statistics equal the unfolded run", "[interpreter][folding][calibration]") {
    const auto model = fp16Model();
    auto on = make(model, true, false);
    auto off = make(model, false, false);
    calib::CalibrationCollector cOn(model), cOff(model);
    for (uint32_t seed = 10; seed < 14; ++seed) {
        fillInputs(*on, seed);
        fillInputs(*off, seed);
        cOn.observeInputs(*on);
        cOff.observeInputs(*off);
        REQUIRE(on->invoke(cOn.observer()));
        REQUIRE(off->invoke(cOff.observer()));
        cOn.finishSample();
        cOff.finishSample();
    }
    const auto sOn = cOn.snapshot(), sOff = cOff.snapshot();
    REQUIRE(sOn->subgraphs.size() == sOff->subgraphs.size());
    const auto& a = sOn->subgraphs[0];
    const auto& b = sOff->subgraphs[0];
    REQUIRE(a.size() == b.size());
    size_t seen = 0;
    for (size_t t = 0; t < a.size(); ++t) {
        INFO("tensor " << t);
        CHECK(a[t].count == b[t].count);
        CHECK(a[t].min == b[t].min);
        CHECK(a[t].max == b[t].max);
        CHECK(a[t].zeros == b[t].zeros);
        CHECK(a[t].observations == b[t].observations);
        CHECK(a[t].histogram.total() == b[t].histogram.total());
        seen += a[t].count ? 1 : 0;
    }
    CHECK(seen >= 4); // x, w, b, b2, y: the folded w, b, b2 included
}

TEST_CASE("Constant folding: an input hook that overwrites folded tensors sees the unfolded behaviour", "[interpreter][folding][hook]") {
    const auto model = fp16Model();
    auto on = make(model, true);
    auto off = make(model, false);
    // Like Compare's per-layer feed: overwrite every non-constant input of the chosen
    // operators (FULLY_CONNECTED reads the folded w and b2, ADD reads the folded b).
    auto scaleInputs = [](std::vector<size_t> ops) {
        return [ops](const InputEvent& e) {
            if (std::find(ops.begin(), ops.end(), e.op.index()) == ops.end()) return;
            for (RtTensor* t : e.inputs)
                if (t && !t->constant && !t->variable && t->type == TensorType::FLOAT32)
                    for (float& v : t->values<float>()) v = v * 2.0f + 0.125f;
        };
    };
    const InputHook fcHook = scaleInputs({3}), addHook = scaleInputs({2}), none;
    const std::vector<const InputHook*> plan{&fcHook, &none, &addHook, &none, &addHook, &fcHook, &none};
    uint32_t seed = 20;
    for (const InputHook* hook : plan) {
        fillInputs(*on, seed);
        fillInputs(*off, seed);
        ++seed;
        Events eOn, eOff;
        REQUIRE(on->invoke(recorder(eOn), *hook));
        REQUIRE(off->invoke(recorder(eOff), *hook));
        CHECK(eOn == eOff);
        CHECK(requireSameTensors(*on, *off) == on->tensorCount());
    }
    // After hooks stop, the folded values are back to the weights' values.
    REQUIRE(on->invoke());
    CHECK(on->tensor(TensorIndex{2}).values<float>()[1] == halfToFloat(halves({-0.2f})[0]));
}

TEST_CASE("Constant folding: never folds graph outputs, variables or control flow", "[interpreter][folding]") {
    ModelBuilder b;
    const auto c16 = b.addConstant("c16", TensorType::FLOAT16, {2}, halves({1.0f, 2.0f}));
    const auto c = b.addTensor("c", TensorType::FLOAT32, {2}); // a graph output: not folded
    const auto x = b.addTensor("x", TensorType::FLOAT32, {2});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {2});
    b.setInputs({x});
    b.addOperator(BuiltinOp::DEQUANTIZE, {c16}, {c});
    b.addOperator(BuiltinOp::ADD, {x, c}, {y}, addOptions());
    b.setOutputs({c, y});
    auto it = make(std::make_shared<const Model>(b.build()), true, false);
    CHECK_FALSE(it->isFolded(OperatorIndex{0}));
    CHECK_FALSE(it->isFolded(OperatorIndex{1}));
    CHECK(it->memoryStats().foldedOperators == 0);
    const std::vector<float> in{0.5f, 0.25f};
    REQUIRE(it->setInput(0, TensorType::FLOAT32, {reinterpret_cast<const uint8_t*>(in.data()), 8}));
    REQUIRE(it->invoke());
    CHECK(it->output(1).values<float>()[1] == 2.25f);
}

TEST_CASE("Constant folding: shared float16 models are byte-identical with folding off", "[interpreter][folding][shared]") {
    size_t models = 0;
    for (const char* name : {"hand_landmark_lite.tflite", "face_detection_short_range.tflite"}) {
        const auto path = test::sharedModel(name);
        if (!path) {
            WARN("skipped: ../shared/models/" << name << " is absent");
            continue;
        }
        INFO(name);
        auto model = readModelFile(*path);
        REQUIRE(model);
        auto on = make(model.value(), true);
        auto off = make(model.value(), false);
        CHECK(on->memoryStats().foldedOperators > 0);
        CHECK(on->memoryStats().arenaBytes < off->memoryStats().arenaBytes);
        for (uint32_t seed : {7u, 8u}) {
            fillInputs(*on, seed);
            fillInputs(*off, seed);
            Events eOn, eOff;
            REQUIRE(on->invoke(recorder(eOn)));
            REQUIRE(off->invoke(recorder(eOff)));
            CHECK(eOn == eOff);
            CHECK(requireSameTensors(*on, *off) == on->tensorCount());
        }
        ++models;
    }
    if (!models) WARN("skipped: no shared models");
}

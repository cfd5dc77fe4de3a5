// The decision tree (core/quantize/DecisionTree.h): every path ends in the right leaf, the
// texts are complete, and the model facts answer the questions.
#include <catch2/catch.hpp>

#include "lab/LeafSweep.h"
#include "lab/SideBySide.h"
#include "quantize/DecisionTree.h"
#include "quantize/ModelFacts.h"
#include "quantize/OpRules.h"
#include "TestModels.h"

#include <cmath>
#include <set>

using namespace ql;
using namespace ql::quantize;

namespace {
// Answers a sequence of choice indices along the path; returns false if the path ended early.
bool walk(TreeAnswers& a, const std::vector<size_t>& choices) {
    for (size_t c : choices) {
        const auto q = nextQuestion(a);
        if (!q) return false;
        REQUIRE(answerStep(a, *q, c));
    }
    return true;
}
} // namespace

TEST_CASE("decision tree: every path reaches the right mode", "[decision]") {
    struct Case {
        std::vector<size_t> choices;
        Mode mode;
        IoType io;
        bool keepFloat, outside;
    };
    // choice 0 = yes / first option, 1 = no / second option
    const std::vector<Case> cases = {
        {{1}, Mode::None, IoType::Default, false, false},
        {{0, 0}, Mode::Float16, IoType::Default, false, false},
        {{0, 1, 1}, Mode::Dynamic, IoType::Default, false, false},
        {{0, 1, 0, 1, 0}, Mode::Int8, IoType::Default, false, false},
        {{0, 1, 0, 1, 1, 0}, Mode::Int16x8, IoType::Default, false, false},
        {{0, 1, 0, 1, 1, 1}, Mode::Int8, IoType::Default, true, false},
        {{0, 1, 0, 1, 1, 2}, Mode::Int8, IoType::Default, false, true},
        {{0, 1, 0, 0, 0, 0}, Mode::Int8Only, IoType::Int8, false, false},
        {{0, 1, 0, 0, 1, 0}, Mode::Int8Only, IoType::UInt8, false, false},
        {{0, 1, 0, 0, 0, 1, 0}, Mode::Int16x8, IoType::Default, false, false},
        {{0, 1, 0, 0, 1, 1, 1}, Mode::Int8, IoType::Default, true, false},
        {{0, 1, 0, 0, 0, 1, 2}, Mode::Int8Only, IoType::Int8, false, true},
        {{0, 1, 0, 0, 1, 1, 0}, Mode::Int16x8, IoType::Default, false, false},
        {{0, 1, 0, 0, 0, 1, 1}, Mode::Int8, IoType::Default, true, false},
        {{0, 1, 0, 0, 1, 1, 2}, Mode::Int8Only, IoType::UInt8, false, true},
    };
    for (const Case& c : cases) {
        TreeAnswers a;
        INFO("path of " << c.choices.size() << " answers, expected mode " << modeName(c.mode));
        REQUIRE(walk(a, c.choices));
        CHECK_FALSE(nextQuestion(a).has_value()); // complete
        const Leaf leaf = leafFor(a);
        CHECK(leaf.mode == c.mode);
        CHECK(leaf.io == c.io);
        CHECK(leaf.keepSensitiveFloat == c.keepFloat);
        CHECK(leaf.outsideApp == c.outside);
        CHECK_FALSE(leaf.summary.empty());
        CHECK(answeredPath(a).size() == c.choices.size());
    }
    // allPaths enumerates exactly these complete paths
    CHECK(allPaths().size() == cases.size());
    std::set<Mode> reached;
    for (const TreeAnswers& a : allPaths()) reached.insert(leafFor(a).mode);
    CHECK(reached.size() == leafModes().size());
}

TEST_CASE("decision tree: changing an answer drops the answers after it", "[decision]") {
    TreeAnswers a;
    REQUIRE(walk(a, {0, 1, 0, 0, 1}));
    CHECK(leafFor(a).mode == Mode::Int8Only);
    CHECK(*nextQuestion(a) == Question::AccuracyGood);
    REQUIRE(answerStep(a, Question::RepresentativeData, 1)); // no data after all
    CHECK_FALSE(a.integerOnlyHardware.has_value());
    CHECK_FALSE(a.io.has_value());
    CHECK_FALSE(nextQuestion(a).has_value());
    CHECK(leafFor(a).mode == Mode::Dynamic);
    CHECK(answerIndex(a, Question::RepresentativeData) == 1);
    CHECK(answerIndex(a, Question::IntegerOnlyHardware) == -1);
    CHECK_FALSE(answerStep(a, Question::Optimize, 2)); // out of range
}

TEST_CASE("decision tree: step texts explain trade-offs and the deprecated aliases", "[decision]") {
    for (int q = 0; q <= int(Question::AccuracyFix); ++q) {
        const Step& s = stepText(Question(q));
        CHECK(s.question == Question(q));
        CHECK_FALSE(s.prompt.empty());
        CHECK(s.explanation.size() > 80);
        CHECK(s.teaching.size() > s.explanation.size() / 2);
        CHECK(s.choices.size() >= 2);
    }
    CHECK(stepText(Question::Optimize).explanation.find("OPTIMIZE_FOR_SIZE") != std::string::npos);
    CHECK(stepText(Question::Optimize).explanation.find("OPTIMIZE_FOR_LATENCY") != std::string::npos);
    CHECK(modeTradeOff(Mode::Float16).find("2x") != std::string::npos);
    CHECK(modeTradeOff(Mode::Int8).find("4x") != std::string::npos);
    TreeAnswers a;
    walk(a, {0, 0});
    const Leaf leaf = leafFor(a);
    bool alias = false;
    for (const auto& n : leaf.notes) alias |= n.find("deprecated aliases") != std::string::npos;
    CHECK(alias);
}

TEST_CASE("model facts: integer kernels and delegates per operator type", "[decision]") {
    const Model m = test::makeSmallCnn();
    const ModelFacts f = modelFacts(m);
    CHECK(f.operatorCount == m.subgraphs[0].operators.size());
    size_t counted = 0;
    for (const auto& t : f.ops) {
        counted += t.count;
        CHECK(t.int8 == (opRule(t.op) && opRule(t.op)->int8));
    }
    CHECK(counted == f.operatorCount);
    CHECK(f.floatWeightBytes > 0);
    CHECK_FALSE(f.alreadyQuantized);
    CHECK(delegateSupport(BuiltinOp::CONV_2D) & kDelegateEdgeTpu);
    CHECK(delegateSupport(BuiltinOp::CONV_2D) & kDelegateGpu);
    CHECK((delegateSupport(BuiltinOp::CUSTOM) == 0));
    CHECK(delegateNames(0) == "reference CPU only");
    CHECK(delegateNames(kDelegateXnnpack | kDelegateGpu) == "XNNPACK, GPU");
    CHECK(modelFacts(test::makeInt8FullyConnected()).alreadyQuantized);
}

TEST_CASE("lab: SQNR and top-k", "[decision]") {
    const std::vector<float> a{1, 2, 3, 4}, b{1, 2, 3, 4}, c{1, 2, 3, 5};
    CHECK(std::isinf(lab::sqnrDb(a, b)));
    CHECK(lab::sqnrDb(a, c) == Approx(10 * std::log10(30.0 / 1.0)));
    CHECK(lab::topK(std::vector<float>{0.1f, 0.7f, 0.2f, 0.7f}, 3) == std::vector<int>{1, 3, 2});
}

TEST_CASE("lab: every leaf of a small CNN is quantized and measured", "[decision]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    lab::LeafSweepOptions o;
    o.calibSpec = "random:8:1";
    o.evalSpec = "random:4:2";
    o.latencyRuns = 2;
    auto rows = lab::sweepLeaves(model, o);
    REQUIRE(rows);
    REQUIRE(rows->size() == leafModes().size());
    for (const auto& r : *rows) {
        INFO(modeName(r.mode) << ": " << r.error);
        CHECK(r.ok);
        CHECK(r.bytes > 0);
        CHECK(r.samples == 4);
    }
    CHECK(std::isinf((*rows)[0].sqnrDb));         // none = the float model itself
    // (a tiny model: per-channel scales and QUANTIZE ops weigh as much as the weights saved)
    CHECK((*rows)[1].bytes < (*rows)[0].bytes);   // float16 smaller than float
    CHECK((*rows)[3].bytes < (*rows)[0].bytes);   // int8 smaller than float
    CHECK((*rows)[1].sqnrDb > (*rows)[3].sqnrDb);  // float16 closer to float than int8
    CHECK((*rows)[5].sqnrDb > (*rows)[3].sqnrDb);  // int16 activations closer than int8
    std::atomic<bool> cancel{true};
    Progress p;
    p.cancel = &cancel;
    CHECK_FALSE(lab::sweepLeaves(model, o, p));
}

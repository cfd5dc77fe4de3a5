// The per-operator profile (runtime/Profile.h) and the float GEMM peak (runtime/GemmPeak.h):
// every evaluated operator appears once in file order, shares add up to one, MACs are the
// model statistics' figures, the per-type rows add up to the operators, and the JSON carries
// the same numbers.
#include "TestModels.h"

#include "model/ModelStats.h"
#include "model/TensorTypes.h"
#include "runtime/GemmPeak.h"
#include "runtime/Interpreter.h"
#include "runtime/Profile.h"

#include <catch2/catch.hpp>

#include <map>

using namespace ql;
using namespace ql::rt;

TEST_CASE("profileOperators: every operator once, shares, MACs and per-type sums", "[profile]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    auto made = Interpreter::create(model);
    REQUIRE(made);
    Interpreter& it = *made.value();
    const Subgraph& sg = model->subgraphs.front();
    auto p = profileOperators(it, 5, 100.0, "test peak");
    REQUIRE(p);
    const OperatorProfile& prof = p.value();
    CHECK(prof.invoke.runs == 5);
    CHECK(prof.invoke.medianMs > 0);
    CHECK(prof.invoke.minMs <= prof.invoke.medianMs);
    // Folded operators never run; the others appear once each, in file order.
    size_t evaluated = 0;
    for (size_t o = 0; o < sg.operators.size(); ++o)
        if (!it.isFolded(OperatorIndex(o))) ++evaluated;
    REQUIRE(prof.operators.size() == evaluated);
    double shares = 0, total = 0;
    std::map<std::string, TypeTiming> sums;
    for (size_t i = 0; i < prof.operators.size(); ++i) {
        const OperatorTiming& t = prof.operators[i];
        if (i > 0) CHECK(prof.operators[i - 1].op.index() < t.op.index());
        CHECK(t.type == std::string(opName(sg.operators[t.op.index()].op)));
        CHECK(t.macs == operatorMacs(sg, sg.operators[t.op.index()]));
        CHECK(t.medianMs >= 0);
        if (t.macs && t.medianMs > 0) {
            CHECK(t.gflops == Approx(2.0 * double(t.macs) / (t.medianMs * 1e6)));
            CHECK(t.peakShare == Approx(t.gflops / 100.0));
        }
        shares += t.share;
        total += t.medianMs;
        sums[t.type].count += 1;
        sums[t.type].ms += t.medianMs;
        sums[t.type].macs += t.macs;
    }
    CHECK(shares == Approx(1.0));
    CHECK(prof.operatorTotalMs == Approx(total));
    // The convolution of the small CNN has MACs; the per-type table covers the same operators.
    CHECK(sums.count("CONV_2D") == 1);
    CHECK(sums["CONV_2D"].macs > 0);
    REQUIRE(prof.types.size() == sums.size());
    for (size_t i = 0; i < prof.types.size(); ++i) {
        const TypeTiming& t = prof.types[i];
        if (i > 0) CHECK(prof.types[i - 1].ms >= t.ms); // slowest first
        CHECK(t.count == sums[t.type].count);
        CHECK(t.ms == Approx(sums[t.type].ms));
        CHECK(t.macs == sums[t.type].macs);
    }
    const std::string json = profileJson(prof, "cnn.tflite");
    CHECK(json.find("\"model\": \"cnn.tflite\"") != std::string::npos);
    CHECK(json.find("\"type\": \"CONV_2D\"") != std::string::npos);
    CHECK(json.find("\"source\": \"test peak\"") != std::string::npos);
    const std::string text = profileText(prof);
    CHECK(text.find("CONV_2D") != std::string::npos);
    CHECK(text.find("per operator:") != std::string::npos);
}

TEST_CASE("measureGemmPeak: a positive rate from the widest build the CPU has", "[profile]") {
    const GemmPeak peak = measureGemmPeak(1);
    CHECK(peak.gflops > 0);
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        CHECK(peak.isa == "avx512");
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        CHECK(peak.isa == "avx2+fma");
    const GemmPeak base = measureGemmPeak(1, "baseline");
    CHECK(base.isa == "baseline");
    CHECK(base.gflops > 0);
    CHECK(peak.describe().find(peak.isa) != std::string::npos);
}

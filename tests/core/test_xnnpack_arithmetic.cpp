// Target::TfliteCpu: QuantLab's emulation of what the TFLite runtime computes for 8-bit
// operators with its default XNNPACK delegate (quant/XnnpackArithmetic.h), against goldens
// written by the real runtime (tests/fixtures/xnnpack, tests/fixtures/conv). With the default
// Target::TfliteReference the same goldens differ by at most 1 LSB on some elements.
#include "SingleOp.h"
#include "TestSupport.h"
#include "test_kernels_conv_cases.h"
#include "test_xnnpack_cases.h"

#include "quant/XnnpackArithmetic.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

using namespace ql;
using namespace ql::test;

namespace {

rt::RunOptions targetOptions(Target t) {
    rt::RunOptions o;
    o.target = t;
    return o;
}

} // namespace

TEST_CASE("xnnpack arithmetic: fp32 requantization rounds half to even in float", "[xnnpack]") {
    // 5 * 0.5 = 2.5 -> 2 (TFLite's fixed point rounds ties away from zero: 3); 7 * 0.5 -> 4.
    CHECK(xnn::requantizeFp32(5, 0.5f, 0, -128, 127) == 2);
    CHECK(xnn::requantizeFp32(7, 0.5f, 0, -128, 127) == 4);
    CHECK(xnn::requantizeFp32(-5, 0.5f, 0, -128, 127) == -2);
    CHECK(multiplyByQuantizedMultiplier(5, quantizeMultiplier(0.5)) == 3);
    // Clamped before rounding, zero point added after.
    CHECK(xnn::requantizeFp32(1000, 1.0f, 10, -128, 127) == 127);
    CHECK(xnn::requantizeFp32(-1000, 1.0f, 10, -128, 127) == -128);
    CHECK(xnn::requantizeFp32(3, 1.0f, 10, 0, 127) == 13);
    // float(acc) rounds to 24 bits: 2^24 + 1 becomes 2^24, times 2.5 * 2^-24 gives the tie 2.5
    // (-> 2), where the exact product 2.50000015 would round to 3.
    CHECK(xnn::requantizeFp32((1 << 24) + 1, std::ldexp(2.5f, -24), 0, -128, 127) == 2);
}

TEST_CASE("xnnpack arithmetic: ADD parameters and ties", "[xnnpack]") {
    xnn::AddParams p;
    REQUIRE(xnn::addParams(0.5f, 0, 0.25f, 0, 1.0f, 0, -128, 127, p));
    // max ratio 0.5 = 2^-1: shift 21, multipliers 2^20 and 2^19.
    CHECK(p.shift == 21);
    CHECK(p.aMultiplier == (1 << 20));
    CHECK(p.bMultiplier == (1 << 19));
    CHECK(xnn::add(1, 0, p) == 1);  // 0.5 rounds up (towards +inf)
    CHECK(xnn::add(-1, 0, p) == 0); // -0.5 rounds up too
    CHECK(xnn::add(1, 2, p) == 1);  // 0.5 + 0.5
    // Ratios outside [2^-10, 2^8) are left to TFLite's kernel.
    CHECK_FALSE(xnn::addParams(1000.0f, 0, 1.0f, 0, 1.0f, 0, -128, 127, p));
    // Activation bounds round half to even after adding the zero point: 6 / 0.4 = 15 exactly.
    CHECK(xnn::activationRange(Activation::RELU6, 0.4f, -3, TensorType::INT8) == std::pair<int32_t, int32_t>{-3, 12});
    CHECK(xnn::activationRange(Activation::NONE, 0.4f, -3, TensorType::INT8) == std::pair<int32_t, int32_t>{-128, 127});
}

TEST_CASE("xnnpack arithmetic: QUANTIZE int8 -> int8 uses an 8-bit multiplier", "[xnnpack]") {
    xnn::ConvertParams p;
    REQUIRE(xnn::convertParams(0.1f, 5, 0.0371f, -7, -128, 127, p));
    CHECK(p.multiplier == 690); // rint(256 * 2.6954...)
    CHECK(xnn::convert(5, p) == -7);
    CHECK(xnn::convert(6, p) == -7 + 3); // (690 + 128) >> 8 = 3
}

TEST_CASE("xnnpack arithmetic: oracle goldens of tests/fixtures/xnnpack", "[xnnpack][fixtures]") {
    for (const xnncases::Case& c : xnncases::allCases()) {
        const fs::path dir = fs::path(QUANTLAB_SOURCE_DIR) / "tests" / "fixtures" / "xnnpack" / c.name;
        INFO("case " << c.name);
        REQUIRE(fs::exists(dir / "output_0.npy"));
        TempDir tmp;
        const std::string path = tmp.file(c.name + ".tflite");
        REQUIRE(writeModelFile(c.build(), path));
        const GoldenComparison ref = compareWithGoldens(path, dir.string(), 1, targetOptions(Target::TfliteReference));
        REQUIRE(ref.error.empty());
        CHECK(ref.beyondOneLsb == 0);
        const GoldenComparison xnn = compareWithGoldens(path, dir.string(), 1, targetOptions(Target::TfliteCpu));
        REQUIRE(xnn.error.empty());
        CHECK(xnn.elements > 0);
        CHECK(xnn.differing == 0);
        std::printf("xnnpack fixture %-18s tflite-reference: %zu/%zu differ (max %g)  tflite-cpu: %zu differ\n", c.name.c_str(), ref.differing,
                    ref.elements, ref.maxAbsDiff, xnn.differing);
    }
}

TEST_CASE("xnnpack arithmetic: int8 conv goldens of tests/fixtures/conv are bit-exact", "[xnnpack][conv][fixtures]") {
    size_t checked = 0;
    for (const convcases::Case& c : convcases::allCases()) {
        if (c.kind != convcases::Kind::Int8PerChannel && c.kind != convcases::Kind::Int8PerTensor) continue;
        const fs::path dir = fs::path(QUANTLAB_SOURCE_DIR) / "tests" / "fixtures" / "conv" / c.name;
        INFO("case " << c.name);
        TempDir tmp;
        const std::string path = tmp.file(c.name + ".tflite");
        REQUIRE(writeModelFile(convcases::build(c), path));
        const GoldenComparison g = compareWithGoldens(path, dir.string(), 1, targetOptions(Target::TfliteCpu));
        REQUIRE(g.error.empty());
        CHECK(g.differing == 0);
        checked += g.elements;
    }
    CHECK(checked > 0);
}

// Writes every case's model to $QL_XNN_FIXTURE_OUT (run by tests/fixtures/xnnpack/generate.sh).
TEST_CASE("xnnpack arithmetic: write the fixture models", "[.generate-xnnpack-fixtures]") {
    const char* out = std::getenv("QL_XNN_FIXTURE_OUT");
    REQUIRE(out);
    for (const xnncases::Case& c : xnncases::allCases())
        REQUIRE(writeModelFile(c.build(), (fs::path(out) / (c.name + ".tflite")).string()));
}

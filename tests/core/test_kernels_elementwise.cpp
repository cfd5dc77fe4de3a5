// Elementwise kernels: broadcasting, float and integer arithmetic with fused activations,
// TFLite's quantized ADD/SUB/MUL arithmetic (hand-checked and against the int16x8 goldens),
// comparisons and binary math, and the "fails at prepare" cases.
#include "GoldenCsv.h"
#include "TestModels.h"
#include "SingleOp.h"
#include "TestSupport.h"

#include "model/ModelBuilder.h"
#include "runtime/kernels/elementwise/Arithmetic.h"
#include "runtime/kernels/elementwise/Broadcast.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

using namespace ql;
using namespace ql::test;

namespace {

struct BinarySpec {
    BuiltinOp op = BuiltinOp::ADD;
    TensorType type = TensorType::FLOAT32;
    TensorType outType = TensorType::FLOAT32;
    std::vector<int32_t> a, b, out;
    QuantParams qa, qb, qo;
    tflite::BuiltinOptionsUnion options;
};

Model binaryModel(const BinarySpec& s) {
    ModelBuilder mb;
    auto a = mb.addTensor("a", s.type, s.a, s.qa);
    auto b = mb.addTensor("b", s.type, s.b, s.qb);
    auto o = mb.addTensor("out", s.outType, s.out, s.qo);
    mb.addOperator(s.op, {a, b}, {o}, s.options);
    mb.setInputs({a, b});
    mb.setOutputs({o});
    return mb.build();
}

template <class T, class U = T>
OpRun runBinary(const BinarySpec& s, const std::vector<T>& a, const std::vector<T>& b, rt::RunOptions options = {}) {
    return runModel(binaryModel(s), {bytesOf(a), bytesOf(b)}, options);
}

rt::RunOptions referenceTarget() {
    rt::RunOptions o;
    o.target = Target::TfliteReference;
    return o;
}

} // namespace

TEST_CASE("broadcast: shapes and collapsed plans", "[kernels][elementwise]") {
    CHECK(*rt::broadcastShape({2, 3}, {3}) == std::vector<int32_t>{2, 3});
    CHECK(*rt::broadcastShape({4, 1, 5}, {2, 1}) == std::vector<int32_t>{4, 2, 5});
    CHECK(*rt::broadcastShape({}, {2}) == std::vector<int32_t>{2});
    CHECK_FALSE(rt::broadcastShape({2, 3}, {4}).has_value());

    // [1,2,12,64] - [64]: one run of 24 rows with b's row stride 0, then 64 contiguous.
    const auto p = rt::planBroadcast({1, 2, 12, 64}, {64}, {1, 2, 12, 64});
    REQUIRE(p.runs == 2);
    CHECK(p.extent[0] == 24);
    CHECK(p.strideA[0] == 64);
    CHECK(p.strideB[0] == 0);
    CHECK(p.extent[1] == 64);
    CHECK(p.strideB[1] == 1);

    // Same shapes collapse to one flat run.
    const auto same = rt::planBroadcast({2, 3, 4}, {2, 3, 4}, {2, 3, 4});
    CHECK(same.runs == 1);
    CHECK(same.extent[0] == 24);

    // A 6-D broadcast visits every output element exactly once, in order.
    const std::vector<int32_t> sa = {2, 1, 3, 1, 2, 1}, sb = {1, 2, 1, 2, 1, 3}, so = {2, 2, 3, 2, 2, 3};
    const auto p6 = rt::planBroadcast(sa, sb, so);
    std::vector<int> a(12), b(12), out(144, -1);
    for (int i = 0; i < 12; ++i) a[size_t(i)] = i * 100, b[size_t(i)] = i;
    rt::broadcastBinary(p6, a.data(), b.data(), out.data(), [](int x, int y) { return x + y; });
    // Reference by explicit index arithmetic.
    int k = 0;
    for (int i0 = 0; i0 < 2; ++i0)
        for (int i1 = 0; i1 < 2; ++i1)
            for (int i2 = 0; i2 < 3; ++i2)
                for (int i3 = 0; i3 < 2; ++i3)
                    for (int i4 = 0; i4 < 2; ++i4)
                        for (int i5 = 0; i5 < 3; ++i5, ++k) {
                            const int ia = ((i0 * 3 + i2) * 2 + i4), ib = ((i1 * 2 + i3) * 3 + i5);
                            REQUIRE(out[size_t(k)] == a[size_t(ia)] + b[size_t(ib)]);
                        }
}

TEST_CASE("ADD/SUB/MUL/DIV float with broadcasting and fused activations", "[kernels][elementwise]") {
    BinarySpec s;
    s.a = {2, 3};
    s.b = {3};
    s.out = {2, 3};
    const std::vector<float> a = {1, -2, 3, -4, 5, -6}, b = {0.5f, 1, -1};

    s.op = BuiltinOp::ADD;
    auto r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{1.5f, -1, 2, -3.5f, 6, -7});

    s.options = addOptions(Activation::RELU6);
    r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{1.5f, 0, 2, 0, 6, 0});

    s.op = BuiltinOp::SUB;
    s.options = subOptions(Activation::RELU_N1_TO_1);
    r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0.5f, -1, 1, -1, 1, -1});

    s.op = BuiltinOp::MUL;
    s.options = mulOptions(Activation::RELU);
    r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0.5f, 0, 0, 0, 5, 6});

    s.op = BuiltinOp::DIV;
    s.options = {};
    r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{2, -2, -3, -8, 5, 6});

    // The broadcast also works with the smaller operand first.
    BinarySpec t = s;
    t.op = BuiltinOp::SUB;
    t.a = {3};
    t.b = {2, 3};
    r = runBinary(t, b, a);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{-0.5f, 3, -4, 4.5f, -4, 5});
}

TEST_CASE("SQUARED_DIFFERENCE, MAXIMUM, MINIMUM float and integer", "[kernels][elementwise]") {
    BinarySpec s;
    s.a = {4};
    s.b = {1};
    s.out = {4};
    s.op = BuiltinOp::SQUARED_DIFFERENCE;
    auto r = runBinary(s, std::vector<float>{1, 2, 3, -1}, std::vector<float>{2});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{1, 0, 1, 9});

    s.op = BuiltinOp::MAXIMUM;
    r = runBinary(s, std::vector<float>{1, 2, 3, -1}, std::vector<float>{2});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{2, 2, 3, 2});

    s.op = BuiltinOp::MINIMUM;
    s.type = s.outType = TensorType::INT8;
    s.qa = s.qb = s.qo = qp(0.1f, 3);
    auto ri = runBinary(s, std::vector<int8_t>{-128, 5, 127, 0}, std::vector<int8_t>{4});
    REQUIRE(ri.ok());
    CHECK(ri.output<int8_t>(0) == std::vector<int8_t>{-128, 4, 4, 0});

    s.op = BuiltinOp::SQUARED_DIFFERENCE;
    s.type = s.outType = TensorType::INT32;
    s.qa = s.qb = s.qo = {};
    auto r32 = runBinary(s, std::vector<int32_t>{1, -2, 30, 7}, std::vector<int32_t>{3});
    REQUIRE(r32.ok());
    CHECK(r32.output<int32_t>(0) == std::vector<int32_t>{4, 25, 729, 16});
}

TEST_CASE("integer ADD/MUL/DIV: int32 and int64 with activations, division by zero", "[kernels][elementwise]") {
    BinarySpec s;
    s.type = s.outType = TensorType::INT32;
    s.a = {4};
    s.b = {4};
    s.out = {4};
    s.options = addOptions(Activation::RELU6);
    auto r = runBinary(s, std::vector<int32_t>{1, 5, -9, 2}, std::vector<int32_t>{1, 5, 3, 2});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{2, 6, 0, 4});

    s.op = BuiltinOp::DIV;
    s.options = {};
    r = runBinary(s, std::vector<int32_t>{7, -7, 9, 1}, std::vector<int32_t>{2, 2, -4, 1});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{3, -3, -2, 1}); // truncation, as C++
    r = runBinary(s, std::vector<int32_t>{7, -7, 9, 1}, std::vector<int32_t>{2, 0, -4, 1});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error, Catch::Contains("DIV") && Catch::Contains("division by zero"));

    s.op = BuiltinOp::MUL;
    s.type = s.outType = TensorType::INT64;
    auto r64 = runBinary(s, std::vector<int64_t>{1ll << 40, -3, 5, 0}, std::vector<int64_t>{4, 3, -5, 9});
    REQUIRE(r64.ok());
    CHECK(r64.output<int64_t>(0) == std::vector<int64_t>{1ll << 42, -9, -25, 0});
}

TEST_CASE("quantized ADD/SUB/MUL follow TFLite's integer arithmetic", "[kernels][elementwise]") {
    // Hand-checked, target tflite-reference: s1 = s2 = 0.5, s_out = 1, zero points 0.
    // twice_max = 1, M1 = M2 = 0.5, M_out = 1 / 2^20. x' = (q << 20) * 0.5 exactly, so
    // q_out = round((q1 + q2) / 2) with ties away from zero (RoundingDivideByPOT).
    BinarySpec s;
    s.type = s.outType = TensorType::INT8;
    s.a = s.b = s.out = {6};
    s.qa = s.qb = qp(0.5f, 0);
    s.qo = qp(1.0f, 0);
    const std::vector<int8_t> a{1, 2, -3, 127, -128, 0}, b{0, 1, 0, 127, -128, -1};
    auto r = runBinary(s, a, b, referenceTarget());
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{1, 2, -2, 127, -128, -1});
    // The default target, tflite-cpu: XNNPACK's add rounds the ties towards +infinity
    // (0.5 -> 1, 1.5 -> 2, -1.5 -> -1, -0.5 -> 0).
    r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{1, 2, -1, 127, -128, 0});
    // SUB under tflite-cpu: XNNPACK's add with the second multiplier negated, ties up as well:
    // (1 - 0) / 2 = 0.5 -> 1, (2 - 1) / 2 -> 1, (-3 - 0) / 2 = -1.5 -> -1, (0 + 1) / 2 -> 1.
    s.op = BuiltinOp::SUB;
    s.options = subOptions();
    r = runBinary(s, a, b);
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{1, 1, -1, 0, 0, 1});
    r = runBinary(s, a, b, referenceTarget()); // ties away from zero
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{1, 1, -2, 0, 0, 1});
    s.op = BuiltinOp::ADD;
    s.options = {};

    // The parameters are TFLite's: left shift 20, multipliers from twice the max input scale.
    const auto p = rt::ew::makeAddSubParams(0.02f, 3, 0.05f, -4, 0.07f, 1, 20, false, {-128, 127});
    CHECK(p.input1Offset == -3);
    CHECK(p.input2Offset == 4);
    CHECK(p.outputOffset == 1);
    CHECK(p.input1.multiplier == quantizeMultiplier(double(0.02f) / (2 * double(0.05f))).multiplier);
    CHECK(p.output.shift == quantizeMultiplier(2 * double(0.05f) / (1048576.0 * double(0.07f))).shift);
    // Against the real-valued sum: within one LSB everywhere.
    for (int a = -128; a <= 127; a += 5)
        for (int b = -128; b <= 127; b += 7) {
            const double real = 0.02 * (a - 3) + 0.05 * (b + 4);
            const double expected = std::clamp(std::round(real / 0.07) + 1, -128.0, 127.0);
            REQUIRE(std::abs(rt::ew::addSubElement(p, a, b, Rounding::Double) - expected) <= 1);
        }

    // MUL: M = s1 * s2 / s_out (in float). 0.5 * 0.5 / 0.25 = 1: q_out = (q1 - z1)(q2 - z2) + z_out.
    s.op = BuiltinOp::MUL;
    s.qa = qp(0.5f, 1);
    s.qb = qp(0.5f, -1);
    s.qo = qp(0.25f, 2);
    s.options = mulOptions(Activation::RELU);
    r = runBinary(s, std::vector<int8_t>{3, 0, 5, 12, -7, 1}, std::vector<int8_t>{2, 4, -1, 20, 1, 50});
    REQUIRE(r.ok());
    // (2*3)+2=8, (-1*5)+2=-3 -> RELU clamps at z_out=2, (4*0)+2=2, 11*21+2=233 -> 127, -8*2+2 -> 2, 0*51+2=2
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{8, 2, 2, 127, 2, 2});

    // SUB uint8 with broadcasting.
    s.op = BuiltinOp::SUB;
    s.type = s.outType = TensorType::UINT8;
    s.a = {2, 2};
    s.b = {2};
    s.out = {2, 2};
    s.qa = s.qb = s.qo = qp(1.0f, 128);
    s.options = {};
    r = runBinary(s, std::vector<uint8_t>{130, 140, 120, 255}, std::vector<uint8_t>{129, 138});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{129, 130, 119, 245});
}

TEST_CASE("8-bit ADD/SUB tables give the per-element arithmetic for every pair of values", "[kernels][elementwise]") {
    struct Case {
        float s1, s2, so;
        int32_t z1, z2, zo;
        bool subtract;
    };
    const Case cases[] = {{0.03f, 0.05f, 0.06f, -3, 7, -1, false}, {0.5f, 0.001f, 0.2f, 100, -128, 5, true}, {0.02f, 0.02f, 0.01f, 0, 0, 0, false}};
    for (Rounding r : {Rounding::Double, Rounding::Single}) {
        for (const Case& c : cases) {
            for (bool isSigned : {true, false}) {
                const int32_t zOff = isSigned ? 0 : 128; // move the zero points into uint8's range
                const auto p = rt::ew::makeAddSubParams(c.s1, c.z1 + zOff, c.s2, c.z2 + zOff, c.so, c.zo + zOff, 20, c.subtract,
                                                    isSigned ? std::pair{-128, 127} : std::pair{0, 255});
                const auto t = isSigned ? rt::ew::makeAddSubTables<int8_t>(p, r) : rt::ew::makeAddSubTables<uint8_t>(p, r);
                int mismatches = 0;
                for (int a = 0; a < 256; ++a)
                    for (int b = 0; b < 256; ++b) {
                        if (isSigned) {
                            const auto qa = int8_t(a - 128), qb = int8_t(b - 128);
                            mismatches += rt::ew::addSubFromTables<int8_t>(p, t, qa, qb, r) != int8_t(rt::ew::addSubElement(p, qa, qb, r));
                        } else {
                            mismatches += rt::ew::addSubFromTables<uint8_t>(p, t, uint8_t(a), uint8_t(b), r) != uint8_t(rt::ew::addSubElement(p, a, b, r));
                        }
                    }
                CHECK(mismatches == 0);
            }
        }
    }
    // The inlined multiply equals the library one.
    std::mt19937 rng(5);
    std::uniform_int_distribution<int32_t> x(-(1 << 24), 1 << 24);
    for (double m : {0.0003, 0.7, 1.9, 37.0})
        for (int i = 0; i < 2000; ++i) {
            const int32_t v = x(rng);
            REQUIRE(rt::ew::multiplyByQuantizedMultiplierInline(v, quantizeMultiplier(m), Rounding::Double) ==
                    multiplyByQuantizedMultiplier(v, quantizeMultiplier(m), Rounding::Double));
        }
}

TEST_CASE("uint8 DIV follows TFLite's reciprocal arithmetic", "[kernels][elementwise]") {
    // All scales 0.1, zero points 0: q_out = round(10 a / b) up to the reciprocal's rounding.
    BinarySpec s;
    s.op = BuiltinOp::DIV;
    s.type = s.outType = TensorType::UINT8;
    s.a = s.b = s.out = {6};
    s.qa = s.qb = s.qo = qp(0.1f, 0);
    OpRun r = runBinary<uint8_t>(s, {60, 10, 255, 0, 7, 200}, {20, 30, 1, 5, 7, 255});
    REQUIRE(r.ok());
    // 6.0/2.0 = 3 -> 30; 1/3 -> 3.33 -> 3; 25.5/0.1 = 255 -> 2550 clamped to 255; 0; 1 -> 10;
    // 20/25.5 = 0.784 -> 7.84 -> 8.
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{30, 3, 255, 0, 10, 8});

    // Zero points and a negative divisor (q2 - z2 < 0): (q1 - 10) 0.05 / ((q2 - 100) 0.02) / 0.1 + 128.
    s.qa = qp(0.05f, 10);
    s.qb = qp(0.02f, 100);
    s.qo = qp(0.1f, 128);
    r = runBinary<uint8_t>(s, {50, 50, 10, 0, 250, 90}, {150, 50, 37, 120, 101, 60});
    REQUIRE(r.ok());
    const std::vector<uint8_t> a = {50, 50, 10, 0, 250, 90}, b = {150, 50, 37, 120, 101, 60};
    const auto y = r.output<uint8_t>(0);
    for (size_t i = 0; i < a.size(); ++i) {
        const double real = (a[i] - 10) * 0.05 / ((b[i] - 100) * 0.02);
        const double expected = std::clamp(std::round(real / 0.1) + 128, 0.0, 255.0);
        INFO("element " << i);
        CHECK(std::abs(int(y[i]) - expected) <= 1);
    }
    CHECK(y[0] == 148); // 2.0 / 1.0 = 2 -> 20 + 128
    CHECK(y[1] == 108); // 2.0 / -1.0 = -2 -> -20 + 128
    CHECK(y[2] == 128); // 0 / x

    // Fused RELU6 clamps at round(6 / 0.1) + 0 = 60.
    s.qa = s.qb = s.qo = qp(0.1f, 0);
    tflite::DivOptionsT o;
    o.fused_activation_function = Activation::RELU6;
    s.options.Set(o);
    r = runBinary<uint8_t>(s, {200, 30, 0, 0, 0, 0}, {10, 10, 1, 1, 1, 1});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0)[0] == 60);
    CHECK(r.output<uint8_t>(0)[1] == 30);

    // A divisor equal to its zero point is a division by zero, reported at eval.
    s.options = {};
    s.qb = qp(0.1f, 4);
    r = runBinary<uint8_t>(s, {1, 2, 3, 4, 5, 6}, {5, 4, 5, 5, 5, 5});
    CHECK_THAT(r.error, Catch::Contains("DIV") && Catch::Contains("division by zero"));
}

TEST_CASE("int16 ADD/SUB: general and power-of-two scaling", "[kernels][elementwise]") {
    BinarySpec s;
    s.type = s.outType = TensorType::INT16;
    s.a = s.b = s.out = {4};
    // Power-of-two scales: input 2 on a 4x finer scale is shifted right by 2 with rounding.
    s.qa = qp(1.0f / 1024, 0);
    s.qb = qp(1.0f / 4096, 0);
    s.qo = qp(1.0f / 1024, 0);
    tflite::AddOptionsT opts;
    opts.pot_scale_int16 = true;
    s.options.Set(opts);
    auto r = runBinary(s, std::vector<int16_t>{100, -100, 32000, -32768}, std::vector<int16_t>{6, -6, 4000, -4000});
    REQUIRE(r.ok());
    CHECK(r.output<int16_t>(0) == std::vector<int16_t>{102, -102, 32767, -32768}); // 1.5 -> 2, saturating

    // The same with pot_scale_int16 = false takes the general path (left shift 15).
    opts.pot_scale_int16 = false;
    s.options.Set(opts);
    r = runBinary(s, std::vector<int16_t>{100, -100, 32000, -32768}, std::vector<int16_t>{6, -6, 4000, -4000});
    REQUIRE(r.ok());
    CHECK(r.output<int16_t>(0) == std::vector<int16_t>{102, -102, 32767, -32768});
}

TEST_CASE("int16x8 ADD and SUB models are bit-exact with their golden CSVs", "[kernels][elementwise][shared]") {
    for (const std::string name : {"add0", "sub0"}) {
        auto model = sharedModel("int16x8/" + name + ".tflite");
        if (!model) {
            WARN("skipped: ../shared/models is absent");
            return;
        }
        const std::string base = model->substr(0, model->size() - 7);
        const auto in0 = ql::test::readCsv<int16_t>(base + "_input0_int16.csv");
        const auto in1 = ql::test::readCsv<int16_t>(base + "_input1_int16.csv");
        const auto golden = ql::test::readCsv<int16_t>(base + "_golden_int16.csv");
        REQUIRE(!golden.empty());
        INFO(name);
        TempDir dir;
        // Write the CSV inputs as .npy files and compare through compareWithGoldens.
        auto writeNpyI16 = [&](const std::string& path, const std::vector<int16_t>& v) {
            std::string header = "{'descr': '<i2', 'fortran_order': False, 'shape': (" + std::to_string(v.size()) + ",), }";
            while ((10 + header.size() + 1) % 64) header += ' ';
            header += '\n';
            std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(header.size() & 0xFF), uint8_t(header.size() >> 8)};
            b.insert(b.end(), header.begin(), header.end());
            const auto data = bytesOf(v);
            b.insert(b.end(), data.begin(), data.end());
            writeBytes(path, b);
        };
        writeNpyI16(dir.file("input_0.npy"), in0);
        writeNpyI16(dir.file("input_1.npy"), in1);
        writeNpyI16(dir.file("output_0.npy"), golden);
        const GoldenComparison cmp = compareWithGoldens(*model, dir.path().string());
        REQUIRE(cmp.error.empty());
        CHECK(cmp.elements == golden.size());
        CHECK(cmp.differing == 0);
    }
}

TEST_CASE("comparisons and logical operators", "[kernels][elementwise]") {
    BinarySpec s;
    s.op = BuiltinOp::LESS;
    s.outType = TensorType::BOOL;
    s.a = {2, 2};
    s.b = {2};
    s.out = {2, 2};
    auto r = runBinary(s, std::vector<float>{1, 5, 3, 2}, std::vector<float>{2, 2});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{1, 0, 0, 0});

    s.op = BuiltinOp::GREATER_EQUAL;
    s.type = TensorType::INT32;
    r = runBinary(s, std::vector<int32_t>{1, 5, 3, 2}, std::vector<int32_t>{2, 2});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{0, 1, 1, 1});

    // Quantized inputs with different parameters compare by their real values:
    // a: 0.5 * (q - 0) = {1, 2}, b: 0.25 * (q - 10) = {1, 1.5}.
    s.op = BuiltinOp::EQUAL;
    s.type = TensorType::INT8;
    s.a = s.b = s.out = {2};
    s.qa = qp(0.5f, 0);
    s.qb = qp(0.25f, 10);
    r = runBinary(s, std::vector<int8_t>{2, 4}, std::vector<int8_t>{14, 16});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{1, 0});

    s.op = BuiltinOp::LOGICAL_OR;
    s.type = TensorType::BOOL;
    s.qa = s.qb = {};
    r = runBinary(s, std::vector<uint8_t>{0, 1}, std::vector<uint8_t>{0, 0});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{0, 1});
}

TEST_CASE("FLOOR_DIV, FLOOR_MOD, POW, ADD_N", "[kernels][elementwise]") {
    BinarySpec s;
    s.a = s.b = s.out = {4};
    s.type = s.outType = TensorType::INT32;
    s.op = BuiltinOp::FLOOR_DIV;
    auto r = runBinary(s, std::vector<int32_t>{7, -7, 7, -7}, std::vector<int32_t>{2, 2, -2, -2});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{3, -4, -4, 3});
    s.op = BuiltinOp::FLOOR_MOD;
    r = runBinary(s, std::vector<int32_t>{7, -7, 7, -7}, std::vector<int32_t>{2, 2, -2, -2});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{1, 1, -1, -1});
    s.op = BuiltinOp::POW;
    r = runBinary(s, std::vector<int32_t>{2, -3, 5, 0}, std::vector<int32_t>{10, 3, 0, 0});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{1024, -27, 1, 1});
    r = runBinary(s, std::vector<int32_t>{2, 2, 2, 2}, std::vector<int32_t>{1, -1, 1, 1});
    CHECK_THAT(r.error, Catch::Contains("negative exponent"));

    s.type = s.outType = TensorType::FLOAT32;
    s.op = BuiltinOp::FLOOR_MOD;
    auto rf = runBinary(s, std::vector<float>{5.5f, -5.5f, 5.5f, -5.5f}, std::vector<float>{2, 2, -2, -2});
    REQUIRE(rf.ok());
    CHECK(rf.output<float>(0) == std::vector<float>{1.5f, 0.5f, -0.5f, -1.5f});

    ModelBuilder mb;
    auto a = mb.addTensor("a", TensorType::FLOAT32, {3});
    auto b = mb.addTensor("b", TensorType::FLOAT32, {3});
    auto c = mb.addConstant<float>("c", TensorType::FLOAT32, {3}, {100, 200, 300});
    auto o = mb.addTensor("o", TensorType::FLOAT32, {3});
    mb.addOperator(BuiltinOp::ADD_N, {a, b, c}, {o});
    mb.setInputs({a, b});
    mb.setOutputs({o});
    auto rn = runModel(mb.build(), {bytesOf(std::vector<float>{1, 2, 3}), bytesOf(std::vector<float>{10, 20, 30})});
    REQUIRE(rn.ok());
    CHECK(rn.output<float>(0) == std::vector<float>{111, 222, 333});
}

TEST_CASE("elementwise operators fail at prepare with a message naming the operator", "[kernels][elementwise]") {
    BinarySpec s;
    s.a = {2, 3};
    s.b = {4};
    s.out = {2, 3};
    auto e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("operator 0") && Catch::Contains("ADD") && Catch::Contains("cannot broadcast"));

    s.b = {3};
    s.type = TensorType::INT8; // int8 inputs, float output
    e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("must have the input type"));

    s.outType = TensorType::INT8; // int8 without quantization
    e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("no quantization parameters"));

    s.op = BuiltinOp::DIV; // int8 DIV is not supported (TFLite's runtime has uint8 DIV only)
    s.qa = s.qb = s.qo = qp(0.1f, 0);
    e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("DIV") && Catch::Contains("expected one of"));

    s.op = BuiltinOp::ADD;
    s.type = s.outType = TensorType::INT16;
    s.qa = qp(0.1f, 3); // int16 needs zero point 0
    e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("zero points 0"));

    s.type = s.outType = TensorType::FLOAT32;
    s.qa = s.qb = s.qo = {};
    s.a = {1, 1, 1, 1, 1, 1, 2};
    s.b = {2};
    s.out = {1, 1, 1, 1, 1, 1, 2};
    e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("rank 7"));

    s.a = s.b = s.out = {2};
    s.options = addOptions(Activation::TANH);
    e = prepareError(binaryModel(s));
    CHECK_THAT(e, Catch::Contains("fused activation TANH"));
}

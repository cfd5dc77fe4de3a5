// Pooling, L2 normalisation and reductions: hand-checked values, TFLite's rounding rules,
// and "fails at prepare" cases.
#include "test_kernels_shape_fixtures.h"

#include "util/Limits.h"

#include <cmath>

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;
using Catch::Matchers::Contains;

namespace {
const auto F = TensorType::FLOAT32;
const auto I8 = TensorType::INT8;
const auto I32 = TensorType::INT32;

tflite::BuiltinOptionsUnion reducer(bool keepDims) {
    tflite::ReducerOptionsT o;
    o.keep_dims = keepDims;
    return opts(o);
}
} // namespace

TEST_CASE("AVERAGE_POOL_2D int8 rounds half away from zero over the clipped window", "[kernels][pool]") {
    // 1x2x2x1 input, 2x2 filter SAME stride 1: windows clip at the border.
    // (-1 + -2 + -2 + -2) / 4 = -7/4 -> (-7 - 2) / 4 = -2; (-2 + -2) / 2 = -2; (-2 + -2) / 2 = -2; -2.
    // Positive: (1 + 2 + 2 + 2) = 7 -> (7 + 2) / 4 = 2.
    auto r = runOp(BuiltinOp::AVERAGE_POOL_2D, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{-1, -2, -2, -2}, qp(0.5f, 0))},
                   {outT(I8, {}, qp(0.5f, 0))}, poolOptions(Padding::SAME, 1, 1, 2, 2));
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-2, -2, -2, -2});
    r = runOp(BuiltinOp::AVERAGE_POOL_2D, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{1, 2, 2, 2}, qp(0.5f, 0))}, {outT(I8, {}, qp(0.5f, 0))},
              poolOptions(Padding::VALID, 1, 1, 2, 2));
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{2});
    // (-1 + -2 + 0 + 0) = -3 -> (-3 - 2) / 4 = -1 (truncation toward zero after the nudge)
    r = runOp(BuiltinOp::AVERAGE_POOL_2D, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{-1, -2, 0, 0}, qp(0.5f, 0))}, {outT(I8, {}, qp(0.5f, 0))},
              poolOptions(Padding::VALID, 1, 1, 2, 2));
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-1});
    // RELU6 clamps in the output's domain: q(6) = 6 / 0.5 + 0 = 12.
    r = runOp(BuiltinOp::AVERAGE_POOL_2D, {in(I8, {1, 1, 2, 1}, std::vector<int8_t>{40, 50}, qp(0.5f, 0))}, {outT(I8, {}, qp(0.5f, 0))},
              poolOptions(Padding::VALID, 1, 1, 1, 2, Activation::RELU6));
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{12});
}

TEST_CASE("MAX_POOL_2D and L2_POOL_2D float", "[kernels][pool]") {
    const std::vector<float> x = {1, -2, 3, 4, 5, -6, 7, 8, 9, -10, 11, 12, 13, 14, 15, -16};
    auto r = runOp(BuiltinOp::MAX_POOL_2D, {in(F, {1, 4, 4, 1}, x)}, {outT(F)}, poolOptions(Padding::VALID, 2, 2, 2, 2));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 2, 2, 1});
    CHECK(r.output<float>(0) == std::vector<float>{5, 8, 14, 15});
    r = runOp(BuiltinOp::L2_POOL_2D, {in(F, {1, 1, 2, 1}, std::vector<float>{3, 4})}, {outT(F)}, poolOptions(Padding::VALID, 1, 1, 1, 2));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == Approx(std::sqrt(12.5f)));
    r = runOp(BuiltinOp::AVERAGE_POOL_2D, {in(F, {1, 3, 3, 1}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9})}, {outT(F)},
              poolOptions(Padding::SAME, 2, 2, 2, 2));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 2, 2, 1});
    CHECK(r.output<float>(0) == std::vector<float>{3, 4.5f, 7.5f, 9});
}

TEST_CASE("pooling fails at prepare on mismatched quantization and bad shapes", "[kernels][pool][errors]") {
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::AVERAGE_POOL_2D, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>(4), qp(0.5f, 0))},
                                       {outT(I8, {}, qp(0.25f, 0))}, poolOptions(Padding::VALID, 1, 1, 2, 2))),
               Contains("AVERAGE_POOL_2D") && Contains("expected the input's scale"));
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::MAX_POOL_2D, {in(F, {2, 2, 1}, std::vector<float>(4))}, {outT(F)},
                                       poolOptions(Padding::VALID, 1, 1, 2, 2))),
               Contains("MAX_POOL_2D") && Contains("expected 4-D"));
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::L2_POOL_2D, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>(4), qp(0.5f, 0))},
                                       {outT(I8, {}, qp(0.5f, 0))}, poolOptions(Padding::VALID, 1, 1, 2, 2))),
               Contains("L2_POOL_2D") && Contains("int8 is not supported"));
}

TEST_CASE("a pooling window whose work is over the operator work limit is refused at prepare", "[kernels][pool][errors]") {
    // 1x8x64x1 input, 8x64 window: 1 output x 8 x 64 = 512 comparisons. The window is an
    // option, so only the work limit bounds it (the memory limit bounds the tensors).
    const uint64_t saved = maxOperatorWork();
    const auto model = [] {
        return oneOpModel(BuiltinOp::MAX_POOL_2D, {in(F, {1, 8, 64, 1}, std::vector<float>(512))}, {outT(F)},
                          poolOptions(Padding::VALID, 1, 1, 8, 64));
    };
    setMaxOperatorWork(511);
    CHECK_THAT(prepareError(model()), Contains("MAX_POOL_2D") && Contains("output [1,1,1,1] x window 8x64") && Contains("512 steps") &&
                                          Contains("limit of 511 ") && Contains("--max-operator-work"));
    // Without channels the tensors hold nothing, but a window loop would still visit every
    // position: a zero dimension counts as 1 in the estimate.
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::MAX_POOL_2D, {in(F, {1, 8, 64, 0}, std::vector<float>())}, {outT(F)},
                                       poolOptions(Padding::VALID, 1, 1, 8, 64))),
               Contains("output [1,1,1,0] x window 8x64: 512 steps"));
    setMaxOperatorWork(512);
    CHECK(prepareError(model()).empty());
    auto empty = runOp(BuiltinOp::MAX_POOL_2D, {in(F, {1, 8, 64, 0}, std::vector<float>())}, {outT(F)}, poolOptions(Padding::VALID, 1, 1, 8, 64));
    CHECK(empty.ok());
    // A window larger than the input counts only its clipped part: SAME padding, stride 1000,
    // one output over at most 8x64 taps.
    auto r = runOp(BuiltinOp::MAX_POOL_2D, {in(F, {1, 8, 64, 1}, std::vector<float>(512, 1.5f))}, {outT(F)},
                   poolOptions(Padding::SAME, 1000, 1000, 1000, 1000));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{1.5f});
    setMaxOperatorWork(saved);
}

TEST_CASE("L2_NORMALIZATION float and int8", "[kernels][l2norm]") {
    auto r = runOp(BuiltinOp::L2_NORMALIZATION, {in(F, {2, 2}, std::vector<float>{3, 4, 0, 0})}, {outT(F)}, opts(tflite::L2NormOptionsT{}));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0.6f, 0.8f, 0, 0});
    // int8: d = (30, 40) -> 30/50 * 128 = 76.8, 40/50 * 128 = 102.4: TFLite's fixed point gives 77 and 102.
    r = runOp(BuiltinOp::L2_NORMALIZATION, {in(I8, {1, 2}, std::vector<int8_t>{31, 41}, qp(0.1f, 1))}, {outT(I8, {}, qp(1.0f / 128, 0))},
              opts(tflite::L2NormOptionsT{}));
    REQUIRE(r.ok());
    const auto y = r.output<int8_t>(0);
    CHECK(std::abs(y[0] - 77) <= 1);
    CHECK(std::abs(y[1] - 102) <= 1);
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::L2_NORMALIZATION, {in(I8, {1, 2}, std::vector<int8_t>{1, 2}, qp(0.1f, 0))},
                                       {outT(I8, {}, qp(0.1f, 0))}, opts(tflite::L2NormOptionsT{}))),
               Contains("L2_NORMALIZATION") && Contains("scale 1/128"));
}

TEST_CASE("MEAN, SUM, REDUCE_MAX/MIN/PROD/ANY with negative and duplicate axes", "[kernels][reduce]") {
    const std::vector<float> x = {1, 2, 3, 4, 5, 6};
    auto r = runOp(BuiltinOp::MEAN, {in(F, {2, 3}, x), cst(I32, {2}, std::vector<int32_t>{-1, 1})}, {outT(F)}, reducer(false));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2});
    CHECK(r.output<float>(0) == std::vector<float>{2, 5});
    r = runOp(BuiltinOp::SUM, {in(F, {2, 3}, x), cst(I32, {1}, std::vector<int32_t>{0})}, {outT(F)}, reducer(true));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 3});
    CHECK(r.output<float>(0) == std::vector<float>{5, 7, 9});
    r = runOp(BuiltinOp::REDUCE_MAX, {in(I8, {2, 3}, std::vector<int8_t>{1, -5, 3, 7, 0, -1}, qp(1, 0)), cst(I32, {1}, std::vector<int32_t>{1})},
              {outT(I8, {}, qp(1, 0))}, reducer(false));
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{3, 7});
    r = runOp(BuiltinOp::REDUCE_MIN, {in(F, {2, 3}, x), cst(I32, {2}, std::vector<int32_t>{0, 1})}, {outT(F)}, reducer(false));
    CHECK(r.shapes[0].empty());
    CHECK(r.output<float>(0) == std::vector<float>{1});
    r = runOp(BuiltinOp::REDUCE_PROD, {in(I32, {2, 3}, std::vector<int32_t>{1, 2, 3, 4, 5, 6}), cst(I32, {1}, std::vector<int32_t>{1})}, {outT(I32)},
              reducer(false));
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{6, 120});
    r = runOp(BuiltinOp::REDUCE_ANY, {in(TensorType::BOOL, {2, 2}, std::vector<uint8_t>{0, 0, 0, 1}), cst(I32, {1}, std::vector<int32_t>{1})},
              {outT(TensorType::BOOL)}, reducer(false));
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{0, 1});
    // Axes from a graph input: the output is sized at eval.
    r = runOp(BuiltinOp::SUM, {in(F, {2, 3}, x), in(I32, {1}, std::vector<int32_t>{1})}, {outT(F)}, reducer(false));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2});
    CHECK(r.output<float>(0) == std::vector<float>{6, 15});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::MEAN, {in(F, {2, 3}, x), cst(I32, {1}, std::vector<int32_t>{2})}, {outT(F)}, reducer(false))),
               Contains("MEAN") && Contains("axis 2 is out of range for input shape [2,3]"));
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::REDUCE_MAX, {in(I8, {2}, std::vector<int8_t>{1, 2}, qp(1, 0)), cst(I32, {1}, std::vector<int32_t>{0})},
                                       {outT(I8, {}, qp(2, 0))}, reducer(false))),
               Contains("REDUCE_MAX") && Contains("must have the input's scale"));
}

TEST_CASE("quantized MEAN: TFLite's H,W special case and the general float path", "[kernels][reduce]") {
    // int8 [1,2,2,1] over H,W with keep_dims: sum(q - zp) = (10+20+30+41) - 4*1 = 97,
    // times s_in/s_out = 1 -> 97, / 4 rounded half away -> (97 + 2) / 4 = 24, + zp_out 0.
    auto r = runOp(BuiltinOp::MEAN, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{10, 20, 30, 41}, qp(0.5f, 1)), cst(I32, {2}, std::vector<int32_t>{1, 2})},
                   {outT(I8, {}, qp(0.5f, 0))}, reducer(true));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 1, 1, 1});
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{24});
    // s_in / s_out = 0.1, data sum 15, target tflite-reference: the special case multiplies the
    // sum first, MBQM(15, 0.1) = 2 (1.5 rounds up), then (2 + 2) / 4 = 1; over axes {-3, -2}
    // TFLite takes the general float path: round(15 / 4 * 0.1) = round(0.375) = 0.
    rt::RunOptions reference;
    reference.target = Target::TfliteReference;
    r = runOp(BuiltinOp::MEAN, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{3, 4, 4, 4}, qp(0.1f, 0)), cst(I32, {2}, std::vector<int32_t>{2, 1})},
              {outT(I8, {}, qp(1.0f, 0))}, reducer(true), reference);
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{1});
    // The default target, tflite-cpu: constant H,W axes go to XNNPACK's global average pooling,
    // 15 * (0.1 / 4) = 0.375 rounded in float: 0.
    r = runOp(BuiltinOp::MEAN, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{3, 4, 4, 4}, qp(0.1f, 0)), cst(I32, {2}, std::vector<int32_t>{2, 1})},
              {outT(I8, {}, qp(1.0f, 0))}, reducer(true));
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{0});
    r = runOp(BuiltinOp::MEAN, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{3, 4, 4, 4}, qp(0.1f, 0)), cst(I32, {2}, std::vector<int32_t>{-3, -2})},
              {outT(I8, {}, qp(1.0f, 0))}, reducer(true));
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{0});
    // Same scale and zero point: truncating division of the raw sums over H.
    r = runOp(BuiltinOp::MEAN, {in(I8, {1, 2, 2, 1}, std::vector<int8_t>{10, 20, 30, 41}, qp(0.5f, 1)), cst(I32, {1}, std::vector<int32_t>{1})},
              {outT(I8, {}, qp(0.5f, 1))}, reducer(false));
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{20, 30}); // (10+30)/2, (20+41)/2 truncated
}

// RIGHT_SHIFT, BITWISE_XOR, ATAN2 and SIGN: hand-checked values, prepare failures, and goldens
// computed by the LiteRT runtime (tests/fixtures/bits, made as tests/fixtures/shape/README.md
// says, family `bits`, with ORACLE set to the LiteRT oracle: the 2023 runtime has no
// BITWISE_XOR; random 8- and 16-bit inputs span the type's range, so shift amounts below 0 and
// beyond the width are covered).
#include "test_kernels_shape_fixtures.h"

#include <cmath>
#include <limits>

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;
using Catch::Matchers::Contains;

namespace {

Model binary(BuiltinOp op, TensorType t, std::vector<int32_t> a, std::vector<int32_t> b,
             std::vector<int32_t> out) {
    OneOp m;
    const auto x = m.in("a", t, std::move(a));
    const auto y = m.in("b", t, std::move(b));
    const auto o = m.out("y", t, std::move(out));
    return m.finish(op, {x, y}, {o});
}

Model unary(BuiltinOp op, TensorType t, std::vector<int32_t> shape) {
    OneOp m;
    const auto x = m.in("x", t, shape);
    const auto o = m.out("y", t, shape);
    return m.finish(op, {x}, {o});
}

} // namespace

TEST_CASE("generate bits fixtures", "[.generate]") {
    if (generateDir().empty()) {
        WARN("skipped: set QL_FIXTURE_OUT");
        return;
    }
    using T = TensorType;
    saveFixture("right_shift_int8_broadcast",
                binary(BuiltinOp::RIGHT_SHIFT, T::INT8, {4, 16}, {16}, {4, 16}));
    saveFixture("right_shift_int32",
                binary(BuiltinOp::RIGHT_SHIFT, T::INT32, {3, 8}, {3, 8}, {3, 8}));
    saveFixture("right_shift_uint8",
                binary(BuiltinOp::RIGHT_SHIFT, T::UINT8, {2, 32}, {2, 32}, {2, 32}));
    saveFixture("right_shift_small_amounts",
                binary(BuiltinOp::RIGHT_SHIFT, T::INT16, {2, 6}, {6}, {2, 6}),
                {bytesOf(std::vector<int16_t>{-32768, -7, -1, 0, 7, 32767, 1000, -1000, 5, -5,
                                              16384, -16384}),
                 bytesOf(std::vector<int16_t>{0, 1, 2, 3, 15, 16})});
    saveFixture("bitwise_xor_int16_broadcast",
                binary(BuiltinOp::BITWISE_XOR, T::INT16, {2, 1, 8}, {3, 1}, {2, 3, 8}));
    saveFixture("bitwise_xor_uint8", binary(BuiltinOp::BITWISE_XOR, T::UINT8, {40}, {40}, {40}));
    saveFixture("atan2_float", binary(BuiltinOp::ATAN2, T::FLOAT32, {5, 7}, {5, 7}, {5, 7}));
    saveFixture("sign_float", unary(BuiltinOp::SIGN, T::FLOAT32, {3, 11}),
                {bytesOf(std::vector<float>{-2.5f,
                                            -0.f,
                                            0.f,
                                            1e-30f,
                                            -1e-30f,
                                            3.f,
                                            std::numeric_limits<float>::infinity(),
                                            -std::numeric_limits<float>::infinity(),
                                            0.5f,
                                            -0.5f,
                                            7.f,
                                            1.f,
                                            -1.f,
                                            2.f,
                                            -2.f,
                                            0.25f,
                                            -0.25f,
                                            9.f,
                                            -9.f,
                                            0.f,
                                            0.f,
                                            1.f,
                                            1.f,
                                            -1.f,
                                            -1.f,
                                            0.1f,
                                            -0.1f,
                                            4.f,
                                            -4.f,
                                            8.f,
                                            -8.f,
                                            16.f,
                                            -16.f})});
    saveFixture("sign_int32", unary(BuiltinOp::SIGN, T::INT32, {6}),
                {bytesOf(std::vector<int32_t>{std::numeric_limits<int32_t>::min(), -5, -1, 0, 1,
                                              std::numeric_limits<int32_t>::max()})});
}

TEST_CASE("bit and sign kernels match the TFLite runtime's goldens", "[kernels][bits][golden]") {
    checkAllGoldens("bits");
}

TEST_CASE("RIGHT_SHIFT clamps the amount into [0, bits - 1] and shifts arithmetically",
          "[kernels][bits]") {
    auto r = runModel(binary(BuiltinOp::RIGHT_SHIFT, TensorType::INT8, {5}, {5}, {5}),
                      {bytesOf(std::vector<int8_t>{-128, -128, 100, -1, 64}),
                       bytesOf(std::vector<int8_t>{-3, 100, 2, 7, 1})});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-128, -1, 25, -1, 32});
    r = runModel(
        binary(BuiltinOp::BITWISE_XOR, TensorType::UINT8, {3}, {1}, {3}),
        {bytesOf(std::vector<uint8_t>{0xF0, 0x0F, 0xFF}), bytesOf(std::vector<uint8_t>{0xFF})});
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{0x0F, 0xF0, 0x00});
}

TEST_CASE("SIGN of NaN is 0 and ATAN2 needs equal shapes", "[kernels][bits][errors]") {
    auto r = runModel(unary(BuiltinOp::SIGN, TensorType::FLOAT32, {3}),
                      {bytesOf(std::vector<float>{std::nanf(""), -0.f, -4.f})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0.f, 0.f, -1.f});
    CHECK_THAT(prepareError(binary(BuiltinOp::ATAN2, TensorType::FLOAT32, {2, 3}, {2, 1}, {2, 3})),
               Contains("ATAN2") && Contains("must have the same shape"));
    CHECK_THAT(prepareError(binary(BuiltinOp::RIGHT_SHIFT, TensorType::FLOAT32, {2}, {2}, {2})),
               Contains("RIGHT_SHIFT"));
}

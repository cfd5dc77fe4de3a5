// TFLite's integer arithmetic helpers, checked on values worked out by hand.
#include "quant/FixedPoint.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace ql;

TEST_CASE("quantizeMultiplier decomposes M = qm * 2^(shift-31)", "[fixedpoint]") {
    // 0.5 = 0.5 * 2^0 -> qm = 0.5 * 2^31
    CHECK(quantizeMultiplier(0.5).multiplier == (1 << 30));
    CHECK(quantizeMultiplier(0.5).shift == 0);
    // 1.0 = 0.5 * 2^1
    CHECK(quantizeMultiplier(1.0).multiplier == (1 << 30));
    CHECK(quantizeMultiplier(1.0).shift == 1);
    // 0.75 * 2^31 = 1610612736
    CHECK(quantizeMultiplier(0.75).multiplier == 1610612736);
    // 0.1 = 0.8 * 2^-3 -> round(0.8 * 2^31) = 1717986918
    CHECK(quantizeMultiplier(0.1).multiplier == 1717986918);
    CHECK(quantizeMultiplier(0.1).shift == -3);
    // Below 2^-31 the multiplier flushes to zero.
    CHECK(quantizeMultiplier(1e-12).multiplier == 0);
    CHECK(quantizeMultiplier(0.0).multiplier == 0);
}

TEST_CASE("the doubling high multiply and the rounding shift round as gemmlowp does", "[fixedpoint]") {
    // a * b / 2^31 with b = 2^30 halves a; 101 * 0.5 = 50.5 rounds up to 51
    CHECK(saturatingRoundingDoublingHighMul(100, 1 << 30) == 50);
    CHECK(saturatingRoundingDoublingHighMul(101, 1 << 30) == 51);
    // the one overflowing product saturates
    CHECK(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN) == INT32_MAX);
    // 5 / 2 = 2.5 -> 3 (half away from zero), -5 / 2 -> -3, 4 / 4 = 1, 6 / 4 = 1.5 -> 2
    CHECK(roundingDivideByPOT(5, 1) == 3);
    CHECK(roundingDivideByPOT(-5, 1) == -3);
    CHECK(roundingDivideByPOT(4, 2) == 1);
    CHECK(roundingDivideByPOT(6, 2) == 2);
    CHECK(roundingDivideByPOT(7, 0) == 7);
}

TEST_CASE("multiplyByQuantizedMultiplier scales by the real multiplier", "[fixedpoint]") {
    const QuantizedMultiplier quarter = quantizeMultiplier(0.25); // qm 2^30, shift -1
    CHECK(multiplyByQuantizedMultiplier(1000, quarter) == 250);
    CHECK(multiplyByQuantizedMultiplier(1002, quarter) == 251); // 250.5 -> 251
    CHECK(multiplyByQuantizedMultiplier(1000, quantizeMultiplier(3.0)) == 3000);
    CHECK(multiplyByQuantizedMultiplier(1000, quarter, Rounding::Single) == 250);
    // The 64-bit variant (int16x8 kernels) agrees on ordinary values.
    CHECK(multiplyByQuantizedMultiplier(int64_t(1) << 32, quarter.multiplier, quarter.shift) == (1 << 30));
}

TEST_CASE("fused activation clamps quantize 6.0 with a float division as TFLite does", "[fixedpoint]") {
    // 6 / 0.000660611084f is 9082.5 in float (rounds to 9083) but 9082.49975 in double.
    const auto [lo, hi] = activationRangeQuantized(Activation::RELU6, 0.000660611084f, 0, TensorType::INT16);
    CHECK(lo == 0);
    CHECK(hi == 9083);
    const auto [lo8, hi8] = activationRangeQuantized(Activation::RELU, 0.1f, -128, TensorType::INT8);
    CHECK(lo8 == -128);
    CHECK(hi8 == 127);
    const auto [a, b] = activationRangeQuantized(Activation::RELU_N1_TO_1, 0.01f, 5, TensorType::INT8);
    CHECK(a == -95);
    CHECK(b == 105);
}

TEST_CASE("fixed point edge cases are defined: infinite multipliers saturate, huge exponents round to 0", "[fixedpoint]") {
    const QuantizedMultiplier inf = quantizeMultiplier(std::numeric_limits<double>::infinity());
    CHECK(inf.multiplier == std::numeric_limits<int32_t>::max());
    CHECK(inf.shift == 30);
    CHECK(quantizeMultiplier(std::nan("")).multiplier == 0);
    CHECK(roundingDivideByPOT(1 << 30, 33) == 0);
    CHECK(roundingDivideByPOT(std::numeric_limits<int32_t>::max(), 32) == 0);
    CHECK(roundingDivideByPOT(std::numeric_limits<int32_t>::min(), 32) == -1); // -0.5, ties away from zero
    CHECK(roundingDivideByPOT(std::numeric_limits<int32_t>::min(), 31) == -1);
    CHECK(roundingDivideByPOT(-5, 1) == -3);
    CHECK(roundingDivideByPOT(5, 1) == 3);
    CHECK(roundingDivideByPOT(-6, 2) == -2);
}

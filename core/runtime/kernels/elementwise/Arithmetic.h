#pragma once
// The integer arithmetic of TFLite's quantized ADD, SUB, MUL and SQUARED_DIFFERENCE, one
// element at a time, as pure functions (the kernels apply them over a broadcast).
//
// ADD/SUB (add.cc / sub.cc, reference_integer_ops::AddElementwise, reference_ops::Sub):
//   both inputs are moved to a common scale 2 * max(s1, s2) with `leftShift` extra bits of
//   headroom (20 for 8-bit, 15 for int16), each by a multiplier < 1; the sum is rescaled to
//   the output by the output multiplier:
//     x_i' = MBQM((q_i - z_i) << leftShift, M_i),  M_i = s_i / (2 max(s1, s2))
//     q_out = z_out + MBQM(x_1' +- x_2', M_out),  M_out = 2 max(s1, s2) / (2^leftShift s_out)
// int16 with power-of-two scales and zero points 0 (pot_scale_int16, the LSTM path): one input
//   is shifted right by the scale difference, then a saturating add/sub (reference_ops::Add
//   int16, Sub16).
// MUL (mul.cc, reference_integer_ops::MulElementwise): q_out = z_out + MBQM((q1-z1)(q2-z2), M)
//   with M = s1 * s2 / s_out computed in float, as TFLite does.
// SQUARED_DIFFERENCE int8 (squared_difference.cc): ADD's scheme with leftShift 7; the
//   difference is squared and rescaled by (2 max)^2 / (2^14 s_out).
// DIV uint8 (div.cc, reference_ops::DivElementwise; the runtime has no int8 or int16 DIV):
//   a = q1 - z1, b = q2 - z2 (signs moved so that b > 0), 1/b as a Q0.31 reciprocal with
//   b's bit count as exponent (GetReciprocal), a normalised by its headroom, multiplied by the
//   reciprocal, then by M = s1 / (s2 s_out) (computed in float, as div.cc) with the summed
//   shifts; q_out = z_out + that, clamped.
// MBQM = multiplyByQuantizedMultiplier with TFLite's default double rounding.

#include "quant/FixedPoint.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

namespace ql::rt::ew {

struct AddSubParams {
    int32_t input1Offset = 0, input2Offset = 0, outputOffset = 0; // -z1, -z2, +z_out
    int leftShift = 20;
    QuantizedMultiplier input1, input2, output;
    int32_t actMin = 0, actMax = 0;
    bool subtract = false;
};

// TFLite's prepare for the general path. Multipliers are computed in double from float scales.
AddSubParams makeAddSubParams(float s1, int32_t z1, float s2, int32_t z2, float sOut, int32_t zOut, int leftShift,
                              bool subtract, std::pair<int32_t, int32_t> activation);

inline int32_t addSubElement(const AddSubParams& p, int32_t a, int32_t b, Rounding r) {
    const int32_t shifted1 = (a + p.input1Offset) * (1 << p.leftShift);
    const int32_t shifted2 = (b + p.input2Offset) * (1 << p.leftShift);
    const int32_t scaled1 = multiplyByQuantizedMultiplier(shifted1, p.input1, r);
    const int32_t scaled2 = multiplyByQuantizedMultiplier(shifted2, p.input2, r);
    const int32_t raw = p.subtract ? scaled1 - scaled2 : scaled1 + scaled2;
    const int32_t out = multiplyByQuantizedMultiplier(raw, p.output, r) + p.outputOffset;
    return std::clamp(out, p.actMin, p.actMax);
}

// 8-bit inputs take 256 values each, so both rescaled inputs can be tabulated at prepare:
// table_i[byte] = MBQM((q + offset_i) << leftShift, M_i) for every q of the type. The element is
// then two loads, an add and one MBQM: the same integers as addSubElement (tested for every
// pair of values).
struct AddSubTables {
    std::array<int32_t, 256> input1{}, input2{}; // indexed by the stored byte
};
template <class T> AddSubTables makeAddSubTables(const AddSubParams& p, Rounding r) {
    AddSubTables t;
    for (int v = std::numeric_limits<T>::min(); v <= std::numeric_limits<T>::max(); ++v) {
        const auto byte = static_cast<uint8_t>(static_cast<T>(v));
        t.input1[byte] = multiplyByQuantizedMultiplier((v + p.input1Offset) * (1 << p.leftShift), p.input1, r);
        t.input2[byte] = multiplyByQuantizedMultiplier((v + p.input2Offset) * (1 << p.leftShift), p.input2, r);
    }
    return t;
}

// multiplyByQuantizedMultiplier inlined for the hot loops (TFLite's default double rounding;
// the single-rounding mode calls the out-of-line function).
inline int32_t multiplyByQuantizedMultiplierInline(int32_t x, QuantizedMultiplier m, Rounding r) {
    if (r != Rounding::Double) return multiplyByQuantizedMultiplier(x, m, r);
    const int leftShift = m.shift > 0 ? m.shift : 0;
    const int rightShift = m.shift > 0 ? 0 : -m.shift;
    const auto shifted = static_cast<int32_t>(int64_t(x) * (int64_t(1) << leftShift));
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, m.multiplier), rightShift);
}

template <class T> inline T addSubFromTables(const AddSubParams& p, const AddSubTables& t, T a, T b, Rounding r) {
    const int32_t scaled1 = t.input1[static_cast<uint8_t>(a)];
    const int32_t scaled2 = t.input2[static_cast<uint8_t>(b)];
    const int32_t raw = p.subtract ? scaled1 - scaled2 : scaled1 + scaled2;
    const int32_t out = multiplyByQuantizedMultiplierInline(raw, p.output, r) + p.outputOffset;
    return static_cast<T>(std::clamp(out, p.actMin, p.actMax));
}

// int16, zero points 0, power-of-two scales: shift1/shift2 <= 0 and at least one is 0.
struct PotInt16Params {
    int shift1 = 0, shift2 = 0; // log2(s_i) - log2(s_out)
    int32_t actMin = -32768, actMax = 32767;
    bool subtract = false;
};

inline int32_t roundingDivideByPOT16(int32_t x, int exponent) {
    // gemmlowp's RoundingDivideByPOT on int16 values: the same rounding as the int32 one.
    return exponent == 0 ? x : roundingDivideByPOT(x, exponent);
}

inline int32_t potInt16Element(const PotInt16Params& p, int32_t a, int32_t b) {
    const int32_t x = roundingDivideByPOT16(a, -p.shift1);
    const int32_t y = roundingDivideByPOT16(b, -p.shift2);
    const int32_t raw = p.subtract ? x - y : x + y; // saturating int16 add, then the clamp
    return std::clamp(std::clamp(raw, -32768, 32767), p.actMin, p.actMax);
}

struct MulParams {
    int32_t input1Offset = 0, input2Offset = 0, outputOffset = 0;
    QuantizedMultiplier output;
    int32_t actMin = 0, actMax = 0;
};

inline int32_t mulElement(const MulParams& p, int32_t a, int32_t b, Rounding r) {
    const int32_t product = (a + p.input1Offset) * (b + p.input2Offset);
    const int32_t out = p.outputOffset + multiplyByQuantizedMultiplier(product, p.output, r);
    return std::clamp(out, p.actMin, p.actMax);
}

struct SquaredDiffParams {
    int32_t input1Offset = 0, input2Offset = 0, outputOffset = 0;
    int leftShift = 7;
    QuantizedMultiplier input1, input2, output;
    int32_t actMin = -128, actMax = 127;
};

struct DivParams {
    int32_t input1Offset = 0, input2Offset = 0, outputOffset = 0;
    QuantizedMultiplier output; // shift <= 23, so that the final shift is a right shift
    int32_t actMin = 0, actMax = 255;
};

// Element of reference_ops::DivElementwise; q2 - z2 must not be 0 (the kernel checks).
int32_t divElement(const DivParams& p, int32_t a, int32_t b);

SquaredDiffParams makeSquaredDiffParams(float s1, int32_t z1, float s2, int32_t z2, float sOut, int32_t zOut);

inline int32_t squaredDiffElement(const SquaredDiffParams& p, int32_t a, int32_t b, Rounding r) {
    const int32_t scaled1 = multiplyByQuantizedMultiplier((a + p.input1Offset) * (1 << p.leftShift), p.input1, r);
    const int32_t scaled2 = multiplyByQuantizedMultiplier((b + p.input2Offset) * (1 << p.leftShift), p.input2, r);
    const int32_t diff = scaled1 - scaled2;
    // |diff| <= 255 * 2^7 / 2 * 2: the square stays below 2^31.
    const int32_t out = multiplyByQuantizedMultiplier(diff * diff, p.output, r) + p.outputOffset;
    return std::clamp(out, p.actMin, p.actMax);
}

} // namespace ql::rt::ew

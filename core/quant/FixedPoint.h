#pragma once
// TFLite's integer arithmetic vocabulary: quantized multipliers and shifts, the saturating
// rounding doubling high multiply, rounding divide by a power of two, activation clamps.
// Names follow TFLite (quantization_util.h, common.h) so the two can be read side by side.
//
// A real multiplier M > 0 is stored as M = qm * 2^(shift - 31) with qm in [2^30, 2^31):
// shift > 0 is a left shift, shift < 0 a right shift (one sign convention everywhere).

#include "model/TensorTypes.h"

#include <cstdint>
#include <limits>
#include <utility>

namespace ql {

// How multiplyByQuantizedMultiplier rounds. TFLite's default build rounds twice (the
// doubling high multiply, then the divide by 2^-shift); TFLITE_SINGLE_ROUNDING builds round
// once. The reference kernels and the runtime the oracle runs use Double.
enum class Rounding { Double, Single };

struct QuantizedMultiplier {
    int32_t multiplier = 0; // qm in [2^30, 2^31), or 0 for M == 0
    int shift = 0;          // exponent: M = multiplier * 2^(shift - 31)
};

// Decomposes a double into (multiplier, shift) as TFLite's QuantizeMultiplier does (frexp,
// round to 31 bits; multipliers smaller than 2^-31 become 0).
QuantizedMultiplier quantizeMultiplier(double realMultiplier);

// (a * b * 2) >> 31 rounded to nearest, saturating the single overflow case INT32_MIN^2.
inline int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
    if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
    const int64_t ab = int64_t(a) * int64_t(b);
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero (gemmlowp's RoundingDivideByPOT).
// Computed in 64 bits so that exponents of 32 and more (tiny multipliers) are defined: the
// quotient then rounds to 0 (-1 for INT32_MIN / 2^32); for exponents up to 31 the bits are
// the same as gemmlowp's 32-bit version.
inline int32_t roundingDivideByPOT(int32_t x, int exponent) {
    const int e = exponent < 62 ? exponent : 62;
    const int64_t wide = x;
    const int64_t mask = (int64_t(1) << e) - 1;
    const int64_t remainder = wide & mask;
    const int64_t threshold = (mask >> 1) + (wide < 0 ? 1 : 0);
    return static_cast<int32_t>((wide >> e) + (remainder > threshold ? 1 : 0));
}

// x * M for M = (qm, shift), the way TFLite's MultiplyByQuantizedMultiplier computes it.
int32_t multiplyByQuantizedMultiplier(int32_t x, int32_t quantizedMultiplier, int shift, Rounding rounding = Rounding::Double);
inline int32_t multiplyByQuantizedMultiplier(int32_t x, QuantizedMultiplier m, Rounding rounding = Rounding::Double) {
    return multiplyByQuantizedMultiplier(x, m.multiplier, m.shift, rounding);
}
// The 64-bit accumulator variant used by int16x8 kernels (x in [-2^47, 2^47)).
int32_t multiplyByQuantizedMultiplier(int64_t x, int32_t quantizedMultiplier, int shift, Rounding rounding = Rounding::Double);

// Smaller-than-one multipliers, as the legacy uint8 kernels use them (shift <= 0).
inline int32_t multiplyByQuantizedMultiplierSmallerThanOne(int32_t x, int32_t qm, int shift) {
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, qm), -shift);
}

// Range [qmin, qmax] of a quantized type (int8 [-128, 127], uint8 [0, 255], int16, int32).
std::pair<int32_t, int32_t> quantizedRange(TensorType type);

// Clamp bounds of a fused activation on a quantized output: RELU clamps at q(0), RELU6 at
// q(6), RELU_N1_TO_1 at q(-1) and q(1), all intersected with the type's range.
std::pair<int32_t, int32_t> activationRangeQuantized(Activation act, float outputScale, int32_t outputZeroPoint, TensorType type);
// The float clamp of a fused activation ([-inf, inf] for NONE).
std::pair<float, float> activationRangeFloat(Activation act);

// Saturating casts.
template <class T> inline T saturateCast(int64_t x) {
    if (x < std::numeric_limits<T>::min()) return std::numeric_limits<T>::min();
    if (x > std::numeric_limits<T>::max()) return std::numeric_limits<T>::max();
    return static_cast<T>(x);
}

} // namespace ql

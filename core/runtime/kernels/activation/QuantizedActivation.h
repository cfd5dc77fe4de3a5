#pragma once
// TFLite's integer activation arithmetic as pure functions and tables.
//
// 8-bit LUT (LOGISTIC, TANH, ELU on int8/uint8; activations.cc LUTPopulate): for every input
//   value q, r = s_in * (q - z_in) in float, f(r) in float, then
//   q_out = clamp(round(f(r) / s_out) + z_out) with round half away from zero, and 1/s_out
//   precomputed in float. The table is indexed by the input's byte.
// HARD_SWISH int8/uint8 (reference_ops::HardSwish with HardSwishParams): int16 fixed point,
//   x scaled by 2^7, a "relu-ish" factor in [0, 1] from a saturating rescale of x to [-3, 3],
//   multiplied with SaturatingDoublingHighMul (no rounding), then the output shift.
// ReLU family on int8/uint8/int16 (QuantizedReluX): requantize by s_in/s_out, clamp to the
//   quantized activation bounds computed with roundf(bound / s_out) + z_out.
// LEAKY_RELU / PRELU: one multiplier for x >= 0 (s_in/s_out), one for x < 0 (alpha folded in).

#include "quant/FixedPoint.h"

#include <array>
#include <cstdint>
#include <functional>

namespace ql::rt::act {

// 256 entries indexed by uint8_t(q): the table TFLite builds in prepare.
using Lut8 = std::array<uint8_t, 256>;
// `halfToEven`: XNNPACK's tables (lut-elementwise operators, e.g. qs8 ELU) round with lrintf,
// half to even, instead of TFLite's half away from zero; everything else is the same.
Lut8 makeLut8(TensorType type, float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint,
              const std::function<float(float)>& f, bool halfToEven = false);

// XNNPACK's qs8/qu8 leaky ReLU (vlrelu microkernels, what the delegate runs for int8/uint8
// LEAKY_RELU): 8-bit fixed-point multipliers m+ = lrint(256 s_in / s_out) and
// m- = lrint(256 alpha s_in / s_out) (both ratios in float), and
// q_out = clamp(((q - z_in) * m + 256 z_out + 128) >> 8) with an arithmetic shift.
struct XnnLeakyReluParams {
    int32_t inputZeroPoint = 0;
    int32_t positiveMultiplier = 256, negativeMultiplier = 0;
    int32_t bias = 128; // 256 z_out + 128
};
// False when XNNPACK refuses the ratios (s_in / s_out outside [2^-8, 2^7), or the negative
// ratio's magnitude above 2^7); the delegate then leaves the operator to TFLite.
bool makeXnnLeakyReluParams(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint, float alpha,
                            XnnLeakyReluParams* params);
inline int32_t xnnLeakyReluElement(const XnnLeakyReluParams& p, int32_t q, int32_t qmin, int32_t qmax) {
    const int32_t x = q - p.inputZeroPoint;
    const int32_t acc = p.bias + x * (x >= 0 ? p.positiveMultiplier : p.negativeMultiplier); // |x * m| < 2^8 * 2^15
    const int32_t v = acc >> 8;                                                             // floor
    return v < qmin ? qmin : v > qmax ? qmax : v;
}

struct HardSwishParams {
    int16_t inputZeroPoint = 0, outputZeroPoint = 0;
    int16_t reluishMultiplier = 0; // Q0.15
    int reluishExponent = 0;
    int16_t outputMultiplier = 0;  // Q0.15
    int outputExponent = 0;        // <= 0
};
// Fails (returns false) when the output multiplier needs a left shift, as TFLite's prepare.
bool makeHardSwishParams(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint,
                         HardSwishParams* params);
// One element; the result is clamped to [qmin, qmax] of the tensor type.
int32_t hardSwishElement(const HardSwishParams& p, int32_t q, int32_t qmin, int32_t qmax);

// TFLite's DownScaleInt32ToInt16Multiplier: round a Q0.31 multiplier to Q0.15.
int16_t downScaleInt32ToInt16Multiplier(int32_t m);

} // namespace ql::rt::act

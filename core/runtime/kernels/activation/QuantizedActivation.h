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
Lut8 makeLut8(TensorType type, float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint,
              const std::function<float(float)>& f);

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

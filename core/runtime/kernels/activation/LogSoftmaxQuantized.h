#pragma once
// Quantized LOG_SOFTMAX over the last dimension, as TFLite's runtime (activations.cc
// LogSoftmaxPrepare / LogSoftmaxEval, generic optimized kernel) computes it. Output parameters
// are fixed: scale 16/256 with zero point 127 (int8) or 255 (uint8).
//
// int8 (reference_integer_ops::LogSoftmax, gemmlowp fixed point):
//   d_j = q_j - max (int), kept when d_j >= diff_min; d_j in Q5.26 by the input multiplier
//   (beta * s_in * 2^26, PreprocessLogSoftmaxScalingExp); sum of exp(d_j) in Q12.19;
//   log(sum) in Q5.26 (log_x_for_x_greater_than_or_equal_to_1); elements whose d_j is above
//   max(diff_min - 1, reverse-scaled (log(sum) - 32)) give
//   q_out = 127 + RoundingDivideByPOT(d_j - log(sum), 22), clamped; the others -128.
// uint8 (optimized_ops::LogSoftmax with the float table of PopulateSoftmaxLookupTable):
//   sum = float sum of exp(-s_in (max - q_j)) from the table, in order;
//   q_out = rint((s_in / s_out) q_j - (s_in max + log(sum)) / s_out) + 255, clamped.

#include "quant/FixedPoint.h"

#include <array>
#include <cstdint>

namespace ql::rt::act {

struct LogSoftmaxInt8Params {
    QuantizedMultiplier input;   // shift >= 1 (a left shift)
    QuantizedMultiplier reverse; // shift <= 0
    int32_t diffMin = 0;         // <= 0
    Rounding rounding = Rounding::Double; // of multiplyByQuantizedMultiplier (TFLite's build default)
};

// False when the input scale is too small for the Q5.26 rescale (TFLite would overflow).
bool makeLogSoftmaxInt8Params(float inputScale, LogSoftmaxInt8Params* params);
void logSoftmaxInt8Row(const LogSoftmaxInt8Params& p, const int8_t* in, int8_t* out, int32_t depth);

// table[255 - d] = exp(-s_in * d), d = 0..255 (the SOFTMAX table with beta 1).
void logSoftmaxUint8Row(const std::array<float, 256>& table, float inputScale, float outputScale, int32_t outputZeroPoint,
                        const uint8_t* in, uint8_t* out, int32_t depth);

// TFLite's log_x_for_x_greater_than_or_equal_to_1<5>(x) for x in Q12.19, result in Q5.26.
int32_t logQ12ToQ5(int32_t xRawQ12);

} // namespace ql::rt::act

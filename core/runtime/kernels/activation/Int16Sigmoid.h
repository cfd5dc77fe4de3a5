#pragma once
// int16 LOGISTIC and TANH (int16x8 mode) as TFLite's runtime (mid-2023, activations.cc
// SigmoidPrepare / TanhPrepare and their Eval) computes them. Zero points are 0, the output
// scale is 2^-15 (LOGISTIC) or 2^-15 (TANH, Q0.15). Two paths, chosen at prepare:
//
// 1. Power-of-two input scale that the fixed-point code takes directly (LOGISTIC: s_in = 2^-12,
//    i.e. Q3.12; TANH: 2^-12 or 2^-11): optimized_ops::Logistic / Tanh on int16, i.e. gemmlowp's
//    logistic / tanh on FixedPoint<int16, 3> (TANH with s_in = 2^-11 first doubles the raw
//    value with a saturating rounding multiply by 2).
// 2. Any other scale: reference_integer_ops::Logistic / Tanh with a "general scale"
//    multiplier. Prepare rescales the input to units of 1/(3 * 4096):
//        m = s_in * 3 * 4096, doubled (left shift += 1) while m <= 32767 / 2 (at most 31
//        times), input_multiplier = int(m) (truncated);
//    eval: x' = (x * input_multiplier + round) >> left_shift, then linear interpolation in a
//    256-entry table of sigmoid at steps of 1/24 in Q0.16 (sigmoid_table_uint16, common.h),
//    LOGISTIC with 9 fractional index bits, TANH (= 2 sigmoid(2x) - 1) with 8.
//
// TFLite refuses other configurations at prepare; so does QuantLab (makeInt16SigmoidParams
// returns false).

#include <cstdint>

namespace ql::rt::act {

struct Int16SigmoidParams {
    bool tanh = false;
    bool fixedPoint = false;    // path 1
    int fixedPointLeftShift = 0; // path 1, TANH only: 0 or 1
    int32_t inputMultiplier = 0; // path 2
    int inputLeftShift = 0;      // path 2: a right shift of the product, despite TFLite's name
};

// False when TFLite would refuse the scales (zero points are checked by the caller).
bool makeInt16SigmoidParams(bool tanh, float inputScale, float outputScale, Int16SigmoidParams* params);

int16_t int16Sigmoid(const Int16SigmoidParams& p, int16_t x);

// The table-path elements, exposed for tests (path 2 with an explicit multiplier and shift).
int16_t logisticInt16Table(int32_t inputMultiplier, int inputLeftShift, int16_t x);
int16_t tanhInt16Table(int32_t inputMultiplier, int inputLeftShift, int16_t x);

} // namespace ql::rt::act

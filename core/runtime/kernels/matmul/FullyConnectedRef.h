#pragma once
// Plain reference kernels of FULLY_CONNECTED: the oracle every optimised path is checked
// against. They follow TFLite's reference kernels (reference/fully_connected.h,
// reference/integer_ops/fully_connected.h) and the hybrid path of kernels/fully_connected.cc
// (EvalHybrid with tensor_utils' portable quantize and multiply-accumulate).
//
// Layout: input [batches, depth] row-major, weights [units, depth] row-major,
// output [batches, units] row-major.

#include "model/TensorTypes.h"
#include "quant/FixedPoint.h"
#include "quant/XnnpackArithmetic.h"

#include <cstdint>
#include <span>

namespace ql::rt::fc {

struct FcShape {
    int batches = 0;
    int depth = 0;
    int units = 0;
};

// out = clamp(in * W^T + bias, actMin, actMax); bias may be null.
void fullyConnectedFloatRef(const float* in, const float* weights, const float* bias, float* out, FcShape s,
                            float actMin, float actMax);

// Integer requantization parameters. r = s * (q - z): offsets are the negated zero points of
// input and weights (TFLite's input_offset / weights_offset) and the output zero point.
struct QuantFcParams {
    int32_t inputOffset = 0;
    int32_t weightsOffset = 0;
    int32_t outputOffset = 0;
    // One multiplier (per tensor) or one per output unit (per channel).
    std::span<const QuantizedMultiplier> multipliers;
    int32_t actMin = 0, actMax = 0;
    Rounding rounding = Rounding::Double;
    // Target::TfliteCpu (int8): XNNPACK's fp32 requantization, one float scale
    // s_in * s_w / s_out per unit or one for all (quant/XnnpackArithmetic.h). Empty: fixed point.
    std::span<const float> fpScales;

    const QuantizedMultiplier& multiplier(int unit) const {
        return multipliers.size() == 1 ? multipliers[0] : multipliers[static_cast<size_t>(unit)];
    }
    // The requantized, clamped output of one unit's int32 accumulator (bias included): XNNPACK's
    // fp32 requantization when fpScales is set, else TFLite's fixed point. Shared by the
    // reference and the optimised int8 path.
    int32_t requantize(int32_t acc, int unit) const {
        if (!fpScales.empty())
            return xnn::requantizeFp32(acc, fpScales.size() == 1 ? fpScales[0] : fpScales[static_cast<size_t>(unit)], outputOffset,
                                       actMin, actMax);
        const int32_t v = multiplyByQuantizedMultiplier(acc, multiplier(unit), rounding) + outputOffset;
        return v < actMin ? actMin : v > actMax ? actMax : v;
    }
};

// int8 (per-tensor or per-channel) and uint8: 32-bit accumulation
//   acc = sum_d (w + weightsOffset)(x + inputOffset) + bias;  q = clamp(M*acc + z_out).
template <class TIn, class TW, class TOut>
void fullyConnectedQuantRef(const TIn* in, const TW* weights, const int32_t* bias, TOut* out, FcShape s,
                            const QuantFcParams& p);

// int16x8: int16 input (zero point 0), int8 weights, int64 (or int32) bias, 64-bit accumulator
// and TFLite's 64-bit MultiplyByQuantizedMultiplier.
template <class TBias>
void fullyConnectedInt16Ref(const int16_t* in, const int8_t* weights, const TBias* bias, int16_t* out, FcShape s,
                            const QuantFcParams& p);

// Hybrid (dynamic range) quantization of a float vector, as tensor_utils does it.
// Symmetric: scale = max|v| / 127, q = clamp(round(v / scale), -127, 127); all-zero -> scale 1.
void quantizeSymmetric(const float* v, int n, int8_t* q, float* scale);
// Asymmetric: [min(0, min v), max(0, max v)] mapped onto [-128, 127] with a nudged zero point.
void quantizeAsymmetric(const float* v, int n, int8_t* q, float* scale, int32_t* zeroPoint);

// Hybrid FULLY_CONNECTED: float input quantized per batch row, int8 weights with one scale or
// one per unit, float bias and float output. `scratch` holds batches*depth int8 values plus
// batches floats and ints (see HybridScratch).
struct HybridScratch {
    std::span<int8_t> quantized;      // batches * depth
    std::span<float> scalingFactors;  // batches
    std::span<int32_t> inputOffsets;  // batches (asymmetric only)
    std::span<int32_t> rowSums;       // units (asymmetric only)
};
void fullyConnectedHybridRef(const float* in, const int8_t* weights, std::span<const float> weightScales,
                             const float* bias, float* out, FcShape s, bool asymmetric, Activation act,
                             const HybridScratch& scratch);

// Applies a fused activation to floats in place (NONE, RELU, RELU_N1_TO_1, RELU6, TANH,
// SIGN_BIT = sigmoid), as tensor_utils::ApplyActivationToVector does.
void applyActivationFloat(float* v, size_t n, Activation act);

} // namespace ql::rt::fc

#pragma once
// XNNPACK's int8 ("qs8"/"qc8") arithmetic, as the TensorFlow Lite runtime computes int8 models
// with its default XNNPACK delegate (the oracle in ../shared/tools/tflite-oracle always does).
// It differs from TFLite's reference kernels (FixedPoint.h) in how results are requantized;
// accumulators are the same integers. Used by the kernels under the default target,
// Target::TfliteCpu (runtime/Target.h). Facts from google/XNNPACK (src/operators/*.c, src/microparams-init.c,
// the scalar microkernels the wasm build runs) and tensorflow/lite/delegates/xnnpack:
//
// - CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (fp32 requantization): the scale is formed in
//   float, scale[c] = (s_in * s_w[c]) / s_out, and each accumulator becomes
//   clamp(rint(float(acc) * scale[c]), qmin - zp, qmax - zp) + zp, rint = round half to even
//   (the "magic bias" 1.5 * 2^23 trick). float(acc) itself rounds when |acc| > 2^24.
// - Fused activations: the delegate passes float bounds (0, 6, +-1, +-inf) and XNNPACK
//   quantizes them as lrintf(clamp(bound / s_out + zp, qmin, qmax)) (TFLite rounds half away
//   from zero and adds the zero point after rounding).
// - ADD: fixed point with a 20/21-bit multiplier per input: ratio r = s_in / s_out (float),
//   shift = 20 - exponent(max(r_a, r_b)), m = lrint(r * 2^shift), then
//   out = clamp(((a - za) * m_a + (b - zb) * m_b + 2^(shift-1)) >> shift) + z_out
//   (arithmetic shift: ties round up, towards +infinity). Same for uint8 (qu8 add).
// - SUB: XNNPACK's subtract is its add with the second ratio negated
//   (xnn_create_subtract_nd_qs8/qu8 pass -s_b / s_out to the add parameters): m_b = -lrint(...),
//   so ties of a - b also round towards +infinity (TFLite rounds them away from zero).
// - MUL (qs8/qu8 vmul, fp32 requantization): acc = (a - za) * (b - zb) (exact in float, below
//   2^16 in magnitude), scale = (s_a * s_b) / s_out in float, then the fp32 requantization.
// - MEAN over height and width (global average pooling): acc = sum(q) - n * z_in,
//   scale = s_in / (s_out * float(n)) in float, then the fp32 requantization above.
// - QUANTIZE float -> int8 (convert): q = clamp(rint(x * (1 / s_out))) + z_out, the inverse
//   scale formed in float.
// - QUANTIZE int8 -> int8 (convert): m = lrint(256 * s_in / s_out) (8 fractional bits),
//   out = clamp(((q - z_in) * m + 128) >> 8 + z_out).

#include "model/TensorTypes.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace ql {

namespace xnn {

// The conv / depthwise / fully-connected requantization scale, in float as XNNPACK forms it.
inline float convScale(float inputScale, float filterScale, float outputScale) { return inputScale * filterScale / outputScale; }

// The rounding step of the fp32 requantization: v (already scaled, not NaN) clamped to
// [outMin - zp, outMax - zp], rounded half to even, plus zp.
inline int32_t requantizeFp32Value(float v, int32_t zeroPoint, int32_t outMin, int32_t outMax) {
    if (std::isnan(v)) v = 0; // only from a degenerate scale (inf * 0), which XNNPACK refuses; keeps the cast defined
    v = std::max(v, static_cast<float>(outMin - zeroPoint));
    v = std::min(v, static_cast<float>(outMax - zeroPoint));
    return static_cast<int32_t>(std::nearbyint(v)) + zeroPoint; // default rounding mode: half to even
}

// fp32 requantization of one accumulator (see the file comment). `outMin`/`outMax` are the
// quantized clamp bounds (activation and type range), zeroPoint the output zero point.
inline int32_t requantizeFp32(int32_t acc, float scale, int32_t zeroPoint, int32_t outMin, int32_t outMax) {
    return requantizeFp32Value(static_cast<float>(acc) * scale, zeroPoint, outMin, outMax);
}

// The quantized clamp bounds of a fused activation on an int8/uint8 output.
std::pair<int32_t, int32_t> activationRange(Activation act, float outputScale, int32_t outputZeroPoint, TensorType type);

struct AddParams {
    int32_t aMultiplier = 0, bMultiplier = 0;
    int32_t aZeroPoint = 0, bZeroPoint = 0;
    int shift = 0;
    int32_t outputZeroPoint = 0;
    int32_t outMin = 0, outMax = 0; // quantized bounds (activation and type)
};
// False when XNNPACK refuses the ratios (s_a / s_out or s_b / s_out outside [2^-10, 2^8));
// the delegate then leaves the operator to TFLite's builtin kernel. `subtract`: SUB's
// parameters (the second multiplier negated).
bool addParams(float aScale, int32_t aZeroPoint, float bScale, int32_t bZeroPoint, float outputScale, int32_t outputZeroPoint,
               int32_t outMin, int32_t outMax, AddParams& p, bool subtract = false);
inline int32_t add(int32_t a, int32_t b, const AddParams& p) {
    // |(a - za) * m| < 2^8 * 2^21 for each term: the sum stays within int32.
    const int32_t acc = (a - p.aZeroPoint) * p.aMultiplier + (b - p.bZeroPoint) * p.bMultiplier + (int32_t(1) << (p.shift - 1)); // shift in [13, 30]
    const int32_t v = acc >> p.shift; // arithmetic shift (floor), as XNNPACK's asr_s32
    return std::min(std::max(v + p.outputZeroPoint, p.outMin), p.outMax);
}

// MUL (qs8/qu8 vmul).
struct MulParams {
    float scale = 1; // (s_a * s_b) / s_out
    int32_t aZeroPoint = 0, bZeroPoint = 0;
    int32_t outputZeroPoint = 0;
    int32_t outMin = -128, outMax = 127;
};
// False when XNNPACK refuses the product ratio (s_a * s_b / s_out outside [2^-16, 2^8)).
bool mulParams(float aScale, int32_t aZeroPoint, float bScale, int32_t bZeroPoint, float outputScale, int32_t outputZeroPoint,
               int32_t outMin, int32_t outMax, MulParams& p);
inline int32_t mul(int32_t a, int32_t b, const MulParams& p) {
    return requantizeFp32((a - p.aZeroPoint) * (b - p.bZeroPoint), p.scale, p.outputZeroPoint, p.outMin, p.outMax);
}

// Global average pooling (MEAN over H and W) of `count` values per channel.
struct MeanParams {
    int32_t bias = 0; // -count * z_in
    float scale = 1;
    int32_t outputZeroPoint = 0;
    int32_t outMin = -128, outMax = 127;
};
// False when XNNPACK refuses the ratio s_in / s_out (outside [2^-8, 2^8)).
bool meanParams(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint, int64_t count, int32_t outMin,
                int32_t outMax, MeanParams& p);
inline int32_t mean(int32_t sum, const MeanParams& p) {
    return requantizeFp32(sum + p.bias, p.scale, p.outputZeroPoint, p.outMin, p.outMax);
}

// int8 -> int8 QUANTIZE (XNNPACK's qs8 convert).
struct ConvertParams {
    int32_t multiplier = 256; // 8 fractional bits
    int32_t inputZeroPoint = 0, outputZeroPoint = 0;
    int32_t outMin = -128, outMax = 127;
};
// False when XNNPACK refuses the ratio s_in / s_out (outside [2^-8, 2^7]).
bool convertParams(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint, int32_t outMin,
                   int32_t outMax, ConvertParams& p);
inline int32_t convert(int32_t q, const ConvertParams& p) {
    const int32_t acc = (q - p.inputZeroPoint) * p.multiplier + p.outputZeroPoint * 256 + 128;
    return std::min(std::max(acc >> 8, p.outMin), p.outMax);
}

} // namespace xnn
} // namespace ql

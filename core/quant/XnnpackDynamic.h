#pragma once
// XNNPACK's dynamically quantized activations ("qd8"), as the LiteRT runtime's XNNPACK delegate
// runs a FULLY_CONNECTED with float input and int4 weights (per channel, per tensor or in
// blocks): each row of the input (all dimensions but the last) is quantized on the fly to
// int8 with its own asymmetric parameters, the products are summed in int32 and the sum is
// scaled back to float. Facts from google/XNNPACK src/xnnpack/quantization.h
// (xnn_qd8_asymmetric_quantization_params), the f32 -> qd8 convert (f32-qs8-vcvt) and the
// scalar qd8-f32-qc4w / qd8-f32-qb4w GEMM micro-kernels:
//
// - Row parameters: rmin = min(0, min x), rmax = max(0, max x); m = 255 / (rmax - rmin) in float
//   (1 when rmin == rmax); the zero point is -128 - rmin * m or 127 - rmax * m (whichever side
//   has the smaller error, as the code below compares them), clamped to [-128, 127] and
//   rounded half to even; the dequantization scale is 1 / m in float.
// - Quantization: q = clamp(rint(x * m), -128 - zp, 127 - zp) + zp (rint: half to even).
// - Per-channel weights: out = float(sum q * w - zp * sum w) * (1 / m) * s_w[n] + bias[n], three
//   float operations in that order, then the activation clamp.
// - Blockwise weights (block size a multiple of 32, bfloat16 scales): per block b,
//   float(sum_block q * w) * s[n, b] added to a float accumulator that starts at
//   zp * ksum[n] (ksum = -sum_b s[n, b] * sum_block w); then * (1 / m) + bias.

#include <cstddef>
#include <cstdint>

namespace ql::xnn {

struct DynamicQuant {
    float multiplier = 1; // m: x * m is the quantized value before the zero point
    float scale = 1;      // 1 / m: what the integer sums are multiplied by
    int32_t zeroPoint = 0;
};

DynamicQuant dynamicQuantParams(float min, float max);
// Quantizes one row of n floats with its own parameters (min/max taken over the row).
DynamicQuant quantizeRowQd8(const float* x, size_t n, int8_t* out);

// float32 -> bfloat16 -> float32 as XNNPACK stores blockwise scales.
float roundToBfloat16(float v);

} // namespace ql::xnn

#pragma once
// Quantized PRELU (int8, uint8) as TFLite's reference_ops::BroadcastPrelu4DSlow computes it:
//   v = q_in - z_in
//   y = v >= 0 ? MBQM(v, M_1)                       M_1 = s_in / s_out
//              : MBQM(v * (q_alpha - z_alpha), M_2)  M_2 = s_in * s_alpha / s_out
//   q_out = clamp(y + z_out, qmin, qmax)
// preluElement is that function (the reference); the vector rows (AVX2: 8 lanes, AVX-512: 16)
// compute both branches' MBQM operands per lane and select the multiplier and shift by the
// sign of v, then run conv's requantize8 / requantize16 (conv/Int8Simd.h), which equal the
// scalar multiplyByQuantizedMultiplier with double rounding for multipliers >= 0 and shifts in
// [-31, 30]. |v * (q_alpha - z_alpha)| <= 255 * 255, so the product never wraps.
#include "quant/FixedPoint.h"
#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/elementwise/Broadcast.h"

#include <algorithm>
#include <cstdint>

namespace ql::rt::act {

struct PreluParams {
    int32_t inputOffset = 0, alphaOffset = 0, outputOffset = 0; // -z_in, -z_alpha, z_out
    QuantizedMultiplier positive, negative;                     // M_1, M_2
    int32_t qmin = -128, qmax = 127;
};

inline int32_t preluElement(const PreluParams& p, int32_t q, int32_t alpha, Rounding r) {
    const int32_t v = p.inputOffset + q;
    const int32_t y =
        v >= 0 ? multiplyByQuantizedMultiplier(v, p.positive, r)
               : multiplyByQuantizedMultiplier(v * (p.alphaOffset + alpha), p.negative, r);
    return std::clamp(y + p.outputOffset, p.qmin, p.qmax);
}

// True when the vector rows of `isa` (Avx2 or wider) reproduce preluElement with rounding r.
bool preluSimdUsable(const PreluParams& p, Rounding r, SimdIsa isa);

// out = preluElement(in, alpha) over the broadcast `plan` (in: a, alpha: b); T is int8_t or
// uint8_t. Call only when preluSimdUsable said so.
template <class T>
void preluBroadcastSimd(const BroadcastPlan& plan, const PreluParams& p, const T* in,
                        const T* alpha, T* out, SimdIsa isa);

} // namespace ql::rt::act

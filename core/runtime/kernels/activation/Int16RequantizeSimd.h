#pragma once
// The int16 RELU family and requantizations on 16 lanes (AVX-512):
//   out = clamp(MBQM(q - z_in, M) + z_out, lo, hi)
// with conv's requantize16 (conv/Int8Simd.h), which equals the scalar
// multiplyByQuantizedMultiplier (double rounding) for multipliers >= 0 and shifts in [-31, 30];
// the tail uses the scalar function itself.
#include "quant/FixedPoint.h"

#include <cstddef>
#include <cstdint>

namespace ql::rt::act {

struct Int16Requantize {
    int32_t inputZeroPoint = 0, outputZeroPoint = 0;
    QuantizedMultiplier multiplier;
    int32_t lo = -32768, hi = 32767;
};

// True when the vector path reproduces the scalar one on this CPU.
bool int16RequantizeSimdUsable(const Int16Requantize& p, Rounding r);
void int16RequantizeSimd(const Int16Requantize& p, const int16_t* in, int16_t* out, size_t n);

} // namespace ql::rt::act

#pragma once
// IEEE 754 binary16 ("half") <-> binary32 conversion, bit-exact and independent of the CPU's
// F16C support. float16 weights (TFLite's `float16` mode stores them and converts with
// DEQUANTIZE) and the quantizer's float16 mode both go through these two functions.
//
// half layout: sign(1) exponent(5, bias 15) mantissa(10). Every half is exactly representable
// as a float, so halfToFloat is exact; floatToHalf rounds to nearest, ties to even, produces
// subnormal halves below 2^-14, overflows to +-inf above 65504 (after rounding), and keeps NaN
// a quiet NaN with the top mantissa bits of the payload.

#include <cstdint>
#include <span>

namespace ql {

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

// Span versions (plain loops the compiler can vectorise).
void halfToFloat(std::span<const uint16_t> in, std::span<float> out);
void floatToHalf(std::span<const float> in, std::span<uint16_t> out);

} // namespace ql

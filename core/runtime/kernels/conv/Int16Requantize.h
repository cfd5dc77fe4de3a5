#pragma once
// The requantization of int16x8 CONV_2D / DEPTHWISE_CONV_2D outputs (64-bit accumulators to
// int16), as reference::requantize<int64_t> computes it with TFLite's double-rounding build:
//   reduced = qm < 0x7FFF0000 ? (qm + 2^15) >> 16 : 0x7FFF      (the multiplier cut to Q0.15)
//   t = 15 - shift
//   y = int32((acc * reduced + 2^(t-1)) >> t)                   (arithmetic shift, truncated)
//   q = clamp(y + z_out, act_min, act_max)
// |acc| < 2^47 and reduced <= 2^15, so acc * reduced + 2^(t-1) fits int64 exactly. With
// AVX-512 (F, DQ for the 64-bit multiply) eight channels run per step, the same integers; the
// other ISAs, the single-rounding build, XNNPACK's fp32 scales and shifts t outside [1, 62]
// (2^(t-1) or the shift undefined in the scalar) take the scalar reference::requantize.
#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/conv/ConvCommon.h"

#include <cstdint>
#include <vector>

namespace ql::rt::optimized {

class Int16Requantizer {
public:
    explicit Int16Requantizer(const conv::RequantParams& p, SimdIsa isa = detectSimdIsa());
    // out[c] = requantize(acc[c]) for the channels [0, channels) of one output pixel.
    void run(const int64_t* acc, int channels, int16_t* out) const;
    bool vectorised() const { return m_vector; }

private:
    conv::RequantParams m_p;
    bool m_vector = false;
    std::vector<int64_t> m_reduced, m_totalShift; // padded to a multiple of 8 channels
};

} // namespace ql::rt::optimized

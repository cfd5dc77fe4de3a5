#pragma once
// The tap sums of an int16x8 DEPTHWISE_CONV_2D (depth multiplier 1) with AVX-512 VNNI:
//   acc[c] = sum_t x_t[c] * w_t[c]
// over the taps of one output pixel, 16 channels per register, kept in registers across all
// taps. Two taps share one vpdpwssd: their int16 inputs are interleaved per channel (one word
// permute) against weights interleaved the same way at prepare. |x * w| <= 2^15 * 2^7, a pair
// sum is at most 2^23 and 32 pairs (64 taps) 2^28: the int32 lanes never wrap, so the sums
// equal the scalar loop's exactly.
#include <cstdint>
#include <vector>

namespace ql::rt::optimized {

// True when the CPU runs int16DepthwiseTapsVnni (AVX-512 F, BW, VL and VNNI).
bool int16DepthwiseVnniAvailable();

// The 1HWO filter ([tap][channel], int8 values widened) as [tap pair][cPadded][2] int16, zeros
// for the padding tap of an odd count and the channels beyond `channels`; cPadded is
// `channels` rounded up to 16.
std::vector<int16_t> packInt16DepthwisePairs(const int16_t* weights, int taps, int channels);

// acc[c] for c < channels; taps[0 .. 2 * pairs) point at each tap's channel 0 (the padding tap
// at a row of at least `channels` values whose weights are 0).
void int16DepthwiseTapsVnni(const int16_t* const* taps, const int16_t* packed, int pairs,
                            int channels, int32_t* acc);

} // namespace ql::rt::optimized

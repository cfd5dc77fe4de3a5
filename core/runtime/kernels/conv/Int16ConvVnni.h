#pragma once
// The int16x8 CONV_2D inner product with AVX-512 VNNI (vpdpwssd: per 32-bit lane, two int16
// products summed into an int32 accumulator), for Int16ConvPlan (Int16Conv.cpp).
//
// Layout. The filter, int16 [k][n], is packed into blocks of 16 output channels; block b holds
// for every pair p of patch positions the 16 lanes (w[2p][c], w[2p+1][c]), c = 16b .. 16b+15
// (zeros past n and past k). A patch row holds k int16 values padded with zeros to an even
// length kPairs * 2; a pair (x[2p], x[2p+1]) is broadcast as one 32-bit value.
//
// Exactness: a product is at most 2^15 * 2^7 = 2^22 in magnitude, a pair 2^23, so int32
// partial sums over kChunkPairs = 128 pairs stay below 2^30; each chunk is then added to the
// int64 accumulators. The integers are those of the plain loop in Int16Conv.cpp.
#include <cstdint>
#include <vector>

namespace ql::rt::optimized {

bool int16VnniAvailable(); // AVX-512 F, BW and VNNI on this CPU

// Packs wT ([k][n], row-major) as described above.
std::vector<int16_t> packInt16Vnni(const int16_t* wT, int64_t k, int n);

// acc[r * n + c] += sum_k a[r * lda + kk] * w[kk][c] for r < rows, c < n; `a` rows are padded
// to kPairs * 2 values (lda >= that).
void int16GemmVnni(const int16_t* a, int64_t lda, int rows, int64_t kPairs, const int16_t* packed, int n, int64_t* acc);

} // namespace ql::rt::optimized

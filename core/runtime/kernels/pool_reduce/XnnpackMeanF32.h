#pragma once
// Float MEAN over H and W as the runtime's XNNPACK delegate computes it: global average pooling
// (f32 gavgpool, the portable 7p7x / 7x micro-kernels). The n = H * W pixels of a channel are
// summed seven rows at a time in a fixed tree, each addition rounded to float:
//   first 7 rows:  ((r0 + r1) + r6) + ((r2 + r3) + (r4 + r5))
//   next 7 rows:   ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + acc))      while more than 7 remain
//   last 1..7 rows (missing rows read as +0): the same tree with acc,
// and at most 7 rows in all take the first tree alone; then mean = sum * (1.0f / n), one float
// product. A sequential sum divided by n differs in the last bits, which a hybrid layer after
// the MEAN turns into whole quantization steps.

#include <cstdint>

namespace ql::rt::poolreduce {

// input NHWC [batches, pixels, channels] flattened over the pixels; output [batches, channels].
void xnnpackMeanHwF32(const float* input, int64_t batches, int64_t pixels, int64_t channels,
                      float* output);

} // namespace ql::rt::poolreduce

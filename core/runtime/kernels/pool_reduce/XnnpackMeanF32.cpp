#include "runtime/kernels/pool_reduce/XnnpackMeanF32.h"

#include <vector>

namespace ql::rt::poolreduce {
namespace {

// Rows r[0..6] of one channel; the first pass has no running sum.
float firstTree(const float* r) {
    const float s01 = r[0] + r[1], s23 = r[2] + r[3], s45 = r[4] + r[5];
    return (s01 + r[6]) + (s23 + s45);
}

float nextTree(const float* r, float acc) {
    const float s01 = r[0] + r[1], s23 = r[2] + r[3], s45 = r[4] + r[5], s6a = r[6] + acc;
    return (s01 + s23) + (s45 + s6a);
}

} // namespace

void xnnpackMeanHwF32(const float* input, int64_t batches, int64_t pixels, int64_t channels,
                      float* output) {
    const float scale = 1.0f / static_cast<float>(pixels);
    float rows[7];
    for (int64_t b = 0; b < batches; ++b) {
        const float* base = input + b * pixels * channels;
        for (int64_t c = 0; c < channels; ++c) {
            const auto load = [&](int64_t first, int64_t count) {
                for (int64_t k = 0; k < 7; ++k)
                    rows[k] = k < count ? base[(first + k) * channels + c] : 0.0f;
            };
            float sum;
            if (pixels <= 7) {
                load(0, pixels);
                sum = firstTree(rows);
            } else {
                load(0, 7);
                sum = firstTree(rows);
                int64_t next = 7;
                for (; pixels - next > 7; next += 7) {
                    load(next, 7);
                    sum = nextTree(rows, sum);
                }
                load(next, pixels - next);
                sum = nextTree(rows, sum);
            }
            output[b * channels + c] = sum * scale;
        }
    }
}

} // namespace ql::rt::poolreduce

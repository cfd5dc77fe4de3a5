#include "runtime/kernels/conv/Int16DepthwiseVnni.h"

#include <immintrin.h>

namespace ql::rt::optimized {
namespace {

constexpr int kLanes = 16;

int paddedChannels(int channels) {
    return (channels + kLanes - 1) / kLanes * kLanes;
}

} // namespace

bool int16DepthwiseVnniAvailable() {
    static const bool yes =
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    return yes;
}

std::vector<int16_t> packInt16DepthwisePairs(const int16_t* weights, int taps, int channels) {
    const int pairs = (taps + 1) / 2, cPadded = paddedChannels(channels);
    std::vector<int16_t> packed(size_t(pairs) * size_t(cPadded) * 2, 0);
    for (int t = 0; t < taps; ++t)
        for (int c = 0; c < channels; ++c)
            packed[(size_t(t / 2) * size_t(cPadded) + size_t(c)) * 2 + size_t(t % 2)] =
                weights[size_t(t) * size_t(channels) + size_t(c)];
    return packed;
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) void
int16DepthwiseTapsVnni(const int16_t* const* taps, const int16_t* packed, int pairs, int channels,
                       int32_t* acc) {
    const int cPadded = paddedChannels(channels);
    // Word j of the permuted register: channel j / 2 of tap a (j even) or of tap b (j odd),
    // tap a's 16 words being 0-15 and tap b's 16-31 of the source.
    alignas(64) static const int16_t kInterleave[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,
                                                        21, 6,  22, 7,  23, 8,  24, 9,  25, 10, 26,
                                                        11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i interleave = _mm512_load_si512(kInterleave);
    for (int c = 0; c < channels; c += kLanes) {
        const int count = channels - c < kLanes ? channels - c : kLanes;
        const __mmask16 k = static_cast<__mmask16>(count == kLanes ? 0xFFFFu : (1u << count) - 1u);
        __m512i sum = _mm512_setzero_si512();
        for (int p = 0; p < pairs; ++p) {
            const __m256i xa = _mm256_maskz_loadu_epi16(k, taps[2 * p] + c);
            const __m256i xb = _mm256_maskz_loadu_epi16(k, taps[2 * p + 1] + c);
            const __m512i x = _mm512_permutexvar_epi16(
                interleave, _mm512_inserti64x4(_mm512_castsi256_si512(xa), xb, 1));
            const __m512i w = _mm512_loadu_si512(packed + (int64_t(p) * cPadded + c) * 2);
            sum = _mm512_dpwssd_epi32(sum, x, w); // sum += xa * wa + xb * wb per channel
        }
        _mm512_mask_storeu_epi32(acc + c, k, sum);
    }
}

} // namespace ql::rt::optimized

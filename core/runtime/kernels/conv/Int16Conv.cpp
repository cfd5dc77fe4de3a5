// int16x8 CONV_2D and DEPTHWISE_CONV_2D (int16 activations, int8 weights), bit-exact with
// reference::convQuantized / depthwiseQuantized<int16_t, int8_t, Bias, Acc>.
//
// Exactness. The reference sums w * (x + inputOffset) over the in-image taps in 64 bits, adds
// the bias and requantizes (the 64-bit multiplyByQuantizedMultiplier for Acc = int64; for
// Acc = int32 the sum is first truncated to 32 bits). Here taps outside the image read the
// input zero point (im2col / the zero-point row), and
//   sum_in w * (x + off) = sum_all w * x' + off * sum_all w,
// the second term folded with the bias at prepare in 64 bits. |x'| <= 2^15 and |w| <= 2^7, so a
// product is at most 2^22 in magnitude and int32 partial sums of kChunk = 256 products (2^30)
// cannot overflow; the partial sums are added in int64. Depthwise filters have at most 64 taps
// here (2^28), one int32 sum per channel.
#include "runtime/kernels/conv/Optimized.h"
#include "util/Vectorize.h"

#include "runtime/kernels/conv/Int16ConvVnni.h"
#include "runtime/kernels/conv/Int16DepthwiseVnni.h"
#include "runtime/kernels/conv/Int16Requantize.h"
#include "runtime/kernels/conv/Reference.h"

#include <algorithm>
#include <cstring>

namespace ql::rt::optimized {
namespace {

#define QL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

constexpr int64_t kChunk = 256;    // int32 partial sums (see above)
constexpr int64_t kBlockRows = 16; // output pixels per im2col block

// acc[j] += sum_k a[k] * wT[k][j] for j < n, k < len (len <= kChunk): channels innermost, so
// the loop vectorises over output channels with no horizontal sums.
QL_VECTORIZE QL_CLONES void dotChunk(const int16_t* __restrict a, const int16_t* __restrict wT, int n, int64_t len,
                                     int32_t* __restrict partial, int64_t* __restrict acc) {
    for (int j = 0; j < n; ++j) partial[j] = 0;
    for (int64_t k = 0; k < len; ++k) {
        const int32_t x = a[k];
        const int16_t* __restrict w = wT + k * n;
        for (int j = 0; j < n; ++j) partial[j] += x * int32_t(w[j]);
    }
    for (int j = 0; j < n; ++j) acc[j] += partial[j];
}

// acc[c] += sum over taps of x_t[c] * w_t[c]; taps at most 64 (|sum| < 2^29).
QL_VECTORIZE QL_CLONES void depthwiseTaps(const int16_t* const* taps, const int16_t* __restrict w, int count, int channels,
                                          int32_t* __restrict acc) {
    for (int c = 0; c < channels; ++c) acc[c] = 0;
    for (int t = 0; t < count; ++t) {
        const int16_t* __restrict x = taps[t];
        const int16_t* __restrict wt = w + int64_t(t) * channels;
        for (int c = 0; c < channels; ++c) acc[c] += int32_t(x[c]) * int32_t(wt[c]);
    }
}

// Patch rows of output pixels [m0, m1) in (ky, kx, ic) order, row stride `ld` >= k; taps
// outside the image read `padValue` (the input zero point).
void im2colInt16(const ConvGeometry& g, const int16_t* input, int64_t m0, int64_t m1, int16_t padValue, int16_t* patches, int64_t ld) {
    for (int64_t mi = m0; mi < m1; ++mi) {
        const int ox = static_cast<int>(mi % g.outW), oy = static_cast<int>((mi / g.outW) % g.outH);
        const int b = static_cast<int>(mi / (int64_t(g.outW) * g.outH));
        int16_t* row = patches + (mi - m0) * ld;
        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
        for (int ky = 0; ky < g.filterH; ++ky)
            for (int kx = 0; kx < g.filterW; ++kx, row += g.inC) {
                const int iy = y0 + ky * g.dilationH, ix = x0 + kx * g.dilationW;
                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) std::fill_n(row, g.inC, padValue);
                else std::memcpy(row, input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC, sizeof(int16_t) * size_t(g.inC));
            }
    }
}

inline int16_t requantize16(int64_t acc, bool acc32, const RequantParams& p, int c) {
    const int32_t v = acc32 ? reference::requantize<int32_t>(static_cast<int32_t>(static_cast<uint64_t>(acc)), p, c)
                            : reference::requantize<int64_t>(acc, p, c);
    return static_cast<int16_t>(v);
}

} // namespace

bool Int16ConvPlan::handles(const ConvGeometry& g, bool depthwise) {
    return !depthwise || (g.depthMultiplier == 1 && g.inC == g.outC && int64_t(g.filterH) * g.filterW <= 64);
}

Int16ConvPlan::Int16ConvPlan(const ConvGeometry& g, const RequantParams& p, std::span<const int8_t> filter, const int64_t* bias64,
                             const int32_t* bias32, bool depthwise, bool simd)
    : m_g(g), m_p(p), m_depthwise(depthwise), m_acc32(bias32 != nullptr), m_simd(simd) {
    // The 64-bit accumulator's requantization, vectorised where the CPU allows (the 32-bit
    // variant truncates first and keeps the scalar loop).
    if (!m_acc32) m_requantizer = std::make_shared<const Int16Requantizer>(m_p, simd ? detectSimdIsa() : SimdIsa::Scalar);
    repack(filter, bias64, bias32);
}

void Int16ConvPlan::repack(std::span<const int8_t> filter, const int64_t* bias64, const int32_t* bias32) {
    const ConvGeometry& g = m_g;
    const int n = g.outC;
    const int64_t k = m_depthwise ? int64_t(g.filterH) * g.filterW : g.patchSize();
    // Depthwise keeps the 1HWO layout ([tap][channel]); CONV_2D's OHWI [n][k] is transposed
    // to [k][n] for dotChunk.
    m_weights.resize(size_t(n) * size_t(k));
    for (int j = 0; j < n; ++j)
        for (int64_t i = 0; i < k; ++i)
            m_weights[size_t(i * n + j)] = m_depthwise ? filter[size_t(i * n + j)] : filter[size_t(j * k + i)];
    m_fold.assign(size_t(n), 0);
    for (int j = 0; j < n; ++j) {
        int64_t sum = 0;
        for (int64_t i = 0; i < k; ++i) sum += m_depthwise ? filter[size_t(i * n + j)] : filter[size_t(j * k + i)];
        const int64_t b = bias64 ? bias64[j] : bias32 ? int64_t(bias32[j]) : 0;
        m_fold[size_t(j)] = b + int64_t(m_p.inputOffset) * sum;
    }
    m_zpRow.assign(size_t(g.inC), static_cast<int16_t>(-m_p.inputOffset));
    // Where the CPU has AVX-512 VNNI, CONV_2D runs on the pair-packed filter (same integers).
    m_vnniWeights.clear();
    if (!m_depthwise && m_simd && int16VnniAvailable()) m_vnniWeights = packInt16Vnni(m_weights.data(), k, n);
    // Depthwise with AVX-512 VNNI: tap pairs interleaved per channel (Int16DepthwiseVnni.h).
    if (m_depthwise && m_simd && int16DepthwiseVnniAvailable())
        m_vnniWeights = packInt16DepthwisePairs(m_weights.data(), static_cast<int>(k), n);
}

void Int16ConvPlan::run(const int16_t* input, int16_t* output, ThreadPool* pool) const {
    const ConvGeometry& g = m_g;
    const int n = g.outC;
    if (m_depthwise) {
        const int taps = g.filterH * g.filterW, pairs = (taps + 1) / 2;
        const bool vnni = !m_vnniWeights.empty();
        parallelFor(pool, int64_t(g.batches) * g.outH, 1, [&](int64_t r0, int64_t r1) {
            const int16_t* tapPtr[64];
            thread_local std::vector<int32_t> acc;
            thread_local std::vector<int64_t> sum;
            acc.resize(size_t(n));
            sum.resize(size_t(n));
            for (int64_t r = r0; r < r1; ++r) {
                const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
                for (int ox = 0; ox < g.outW; ++ox) {
                    const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
                    for (int ky = 0, t = 0; ky < g.filterH; ++ky)
                        for (int kx = 0; kx < g.filterW; ++kx, ++t) {
                            const int iy = y0 + ky * g.dilationH, ix = x0 + kx * g.dilationW;
                            tapPtr[t] = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW
                                            ? input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC
                                            : m_zpRow.data();
                        }
                    if (vnni) {
                        if (taps % 2) tapPtr[taps] = m_zpRow.data(); // the zero-weight padding tap
                        int16DepthwiseTapsVnni(tapPtr, m_vnniWeights.data(), pairs, n, acc.data());
                    } else {
                        depthwiseTaps(tapPtr, m_weights.data(), taps, n, acc.data());
                    }
                    int16_t* out = output + (r * g.outW + ox) * n;
                    for (int c = 0; c < n; ++c) sum[size_t(c)] = m_fold[size_t(c)] + acc[size_t(c)];
                    requantizeRow(sum.data(), out);
                }
            }
        });
        return;
    }
    const int64_t k = g.patchSize(), m = g.outputPixels();
    const int16_t padValue = static_cast<int16_t>(-m_p.inputOffset);
    if (!m_vnniWeights.empty()) {
        runVnni(input, output, pool);
        return;
    }
    parallelFor(pool, (m + kBlockRows - 1) / kBlockRows, 1, [&](int64_t b0, int64_t b1) {
        thread_local std::vector<int16_t> patches;
        thread_local std::vector<int64_t> acc;
        thread_local std::vector<int32_t> partial;
        patches.resize(size_t(kBlockRows * k));
        acc.resize(size_t(n));
        partial.resize(size_t(n));
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t m0 = blk * kBlockRows, m1 = std::min(m, m0 + kBlockRows);
            im2colInt16(g, input, m0, m1, padValue, patches.data(), k);
            for (int64_t mi = m0; mi < m1; ++mi) {
                const int16_t* a = patches.data() + (mi - m0) * k;
                std::copy(m_fold.begin(), m_fold.end(), acc.begin());
                for (int64_t k0 = 0; k0 < k; k0 += kChunk)
                    dotChunk(a + k0, m_weights.data() + k0 * n, n, std::min(kChunk, k - k0), partial.data(), acc.data());
                requantizeRow(acc.data(), output + mi * n);
            }
        }
    });
}

void Int16ConvPlan::requantizeRow(const int64_t* acc, int16_t* out) const {
    if (m_requantizer) {
        m_requantizer->run(acc, m_g.outC, out);
        return;
    }
    for (int c = 0; c < m_g.outC; ++c) out[c] = requantize16(acc[c], m_acc32, m_p, c);
}

// CONV_2D on the VNNI-packed filter: blocks of output pixels, im2col rows padded with a zero
// to an even length (the packed filter holds zeros there too), int64 sums from the folded bias.
void Int16ConvPlan::runVnni(const int16_t* input, int16_t* output, ThreadPool* pool) const {
    const ConvGeometry& g = m_g;
    const int n = g.outC;
    const int64_t k = g.patchSize(), m = g.outputPixels(), kPairs = (k + 1) / 2, ld = 2 * kPairs;
    const int16_t padValue = static_cast<int16_t>(-m_p.inputOffset);
    constexpr int64_t kRows = 48; // output pixels per block: a multiple of the 6-row tile
    parallelFor(pool, (m + kRows - 1) / kRows, 1, [&](int64_t b0, int64_t b1) {
        thread_local std::vector<int16_t> patches;
        thread_local std::vector<int64_t> acc;
        patches.assign(size_t(kRows * ld), 0);
        acc.resize(size_t(kRows * n));
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t m0 = blk * kRows, m1 = std::min(m, m0 + kRows);
            const int rows = static_cast<int>(m1 - m0);
            im2colInt16(g, input, m0, m1, padValue, patches.data(), ld);
            for (int r = 0; r < rows; ++r) std::copy(m_fold.begin(), m_fold.end(), acc.begin() + int64_t(r) * n);
            int16GemmVnni(patches.data(), ld, rows, kPairs, m_vnniWeights.data(), n, acc.data());
            for (int r = 0; r < rows; ++r) {
                requantizeRow(acc.data() + int64_t(r) * n, output + (m0 + r) * n);
            }
        }
    });
}

} // namespace ql::rt::optimized

// Optimised float CONV_2D (im2col + GEMM) and DEPTHWISE_CONV_2D (channel-vectorised), and the
// row-parallel helper of the family. See Optimized.h.
#include "runtime/kernels/conv/Optimized.h"
#include "util/Vectorize.h"

#include "runtime/ThreadPool.h"

#include <Eigen/Core>

#include <algorithm>
#include <cstring>

namespace ql::rt::optimized {

// Defined in FloatGemmAvx2.cpp (built with -mavx2 -mfma; false when that flag is absent).
bool gemmFloatAvx2(const float* a, const float* b, float* c, int64_t rows, int64_t n, int64_t k);
bool gemmFloatAvx2Available();
// Defined in DepthwiseFloatAvx2.cpp: rows [r0, r1) of a depth-multiplier-1 depthwise
// convolution with registers accumulating over all taps; false when not applicable.
bool depthwiseFloatAvx2Available();
bool depthwiseFloatRowsAvx2(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                            float* output, int64_t r0, int64_t r1);

void parallelFor(ThreadPool* pool, int64_t n, int64_t minChunk, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    if (!pool || pool->threadCount() <= 1 || n <= minChunk) {
        fn(0, n);
        return;
    }
    pool->parallelFor(
        static_cast<size_t>(n), [&fn](size_t begin, size_t end) { fn(static_cast<int64_t>(begin), static_cast<int64_t>(end)); },
        static_cast<size_t>(std::max<int64_t>(minChunk, 1)));
}

namespace {

bool useAvx2() {
    static const bool yes = gemmFloatAvx2Available() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

QL_VECTORIZE void biasActivation(float* out, int64_t rows, int n, const float* bias, FloatActivation act) {
    for (int64_t r = 0; r < rows; ++r) {
        float* row = out + r * n;
        for (int c = 0; c < n; ++c) row[c] = std::min(std::max(row[c] + (bias ? bias[c] : 0.0f), act.min), act.max);
    }
}

} // namespace

// One im2col row per output pixel: K = filterH * filterW * inC values in (ky, kx, ic) order,
// the order of the filter's HWI part; taps outside the image are 0 (zero padding).
void im2colFloat(const ConvGeometry& g, const float* input, int64_t m0, int64_t m1, float* dst) {
    const int64_t k = g.patchSize();
    const size_t rowBytes = sizeof(float) * size_t(g.inC);
    for (int64_t m = m0; m < m1; ++m) {
        const int ox = static_cast<int>(m % g.outW);
        const int oy = static_cast<int>((m / g.outW) % g.outH);
        const int b = static_cast<int>(m / (int64_t(g.outW) * g.outH));
        float* row = dst + (m - m0) * k;
        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
        for (int ky = 0; ky < g.filterH; ++ky) {
            const int iy = y0 + ky * g.dilationH;
            for (int kx = 0; kx < g.filterW; ++kx, row += g.inC) {
                const int ix = x0 + kx * g.dilationW;
                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) std::memset(row, 0, rowBytes);
                else std::memcpy(row, input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC, rowBytes);
            }
        }
    }
}

bool gemmFloatUsesAvx2() { return useAvx2(); }

void gemmFloat(const float* a, const float* b, float* c, int64_t rows, int64_t n, int64_t k) {
    if (useAvx2() && gemmFloatAvx2(a, b, c, rows, n, k)) return;
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    Eigen::Map<const RowMajor> A(a, rows, k);
    Eigen::Map<const ColMajor> B(b, k, n);
    Eigen::Map<RowMajor> C(c, rows, n);
    C.noalias() = A * B;
}

void convFloat(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act, float* output,
               ThreadPool* pool) {
    const int64_t m = g.outputPixels(), n = g.outC, k = g.patchSize();
    const bool direct = g.filterH == 1 && g.filterW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0;
    if (direct) {
        // The NHWC input is already the [M x K] patch matrix.
        parallelFor(pool, m, 64, [&](int64_t m0, int64_t m1) {
            gemmFloat(input + m0 * k, filter, output + m0 * n, m1 - m0, n, k);
            biasActivation(output + m0 * n, m1 - m0, static_cast<int>(n), bias, act);
        });
        return;
    }
    // Blocks of output pixels whose im2col rows fit in about 256 KB.
    const int64_t blockRows = std::clamp<int64_t>((int64_t(1) << 16) / std::max<int64_t>(k, 1), 16, 1024);
    const int64_t blocks = (m + blockRows - 1) / blockRows;
    parallelFor(pool, blocks, 1, [&](int64_t b0, int64_t b1) {
        thread_local std::vector<float> patches;
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t m0 = blk * blockRows, m1 = std::min(m, m0 + blockRows);
            patches.resize(static_cast<size_t>((m1 - m0) * k));
            im2colFloat(g, input, m0, m1, patches.data());
            gemmFloat(patches.data(), filter, output + m0 * n, m1 - m0, n, k);
            biasActivation(output + m0 * n, m1 - m0, static_cast<int>(n), bias, act);
        }
    });
}

namespace {

// One output row (b, oy) of a depthwise convolution; the channel loops vectorise.
QL_VECTORIZE __attribute__((target_clones("arch=x86-64-v3", "default"))) void depthwiseFloatRow(const ConvGeometry& g, const float* input,
                                                                                  const float* filter, const float* bias,
                                                                                  FloatActivation act, int b, int oy, float* acc,
                                                                                  float* out) {
    const int C = g.outC, dm = g.depthMultiplier;
    for (int ox = 0; ox < g.outW; ++ox) {
        for (int c = 0; c < C; ++c) acc[c] = 0.0f;
        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
        for (int ky = 0; ky < g.filterH; ++ky) {
            const int iy = y0 + ky * g.dilationH;
            if (iy < 0 || iy >= g.inH) continue;
            for (int kx = 0; kx < g.filterW; ++kx) {
                const int ix = x0 + kx * g.dilationW;
                if (ix < 0 || ix >= g.inW) continue;
                const float* __restrict in = input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC;
                const float* __restrict w = filter + (int64_t(ky) * g.filterW + kx) * C;
                if (dm == 1) {
                    for (int c = 0; c < C; ++c) acc[c] += in[c] * w[c];
                } else {
                    for (int ic = 0; ic < g.inC; ++ic)
                        for (int j = 0; j < dm; ++j) acc[ic * dm + j] += in[ic] * w[ic * dm + j];
                }
            }
        }
        float* __restrict o = out + int64_t(ox) * C;
        for (int c = 0; c < C; ++c) o[c] = std::min(std::max(acc[c] + (bias ? bias[c] : 0.0f), act.min), act.max);
    }
}

} // namespace

void depthwiseFloat(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                    float* output, ThreadPool* pool) {
    const int64_t rows = int64_t(g.batches) * g.outH;
    static const bool avx2Depthwise = useAvx2() && depthwiseFloatAvx2Available();
    if (avx2Depthwise && g.depthMultiplier == 1) {
        parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) { depthwiseFloatRowsAvx2(g, input, filter, bias, act, output, r0, r1); });
        return;
    }
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        thread_local std::vector<float> acc;
        acc.resize(static_cast<size_t>(g.outC));
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            depthwiseFloatRow(g, input, filter, bias, act, b, oy, acc.data(), output + r * g.outW * g.outC);
        }
    });
}

} // namespace ql::rt::optimized

// FloatConvPlan: packing of the filter into 16-channel panels, and the row-parallel driver of
// the packed AVX2 GEMM (FloatPackedGemmAvx2.cpp). See FloatConvPlan.h.
#include "runtime/kernels/conv/FloatConvPlan.h"

#include "runtime/kernels/conv/Optimized.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace ql::rt::optimized {

// Defined in FloatPackedGemmAvx2.cpp (built with -mavx2 -mfma).
bool packedGemmAvx2Available();
bool packedGemmAvx2(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                    float* c, int64_t ldc, float actMin, float actMax);
// The same with every product rounded before the add (FloatProducts::Unfused).
bool packedGemmAvx2Unfused(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                           float* c, int64_t ldc, float actMin, float actMax);
// Defined in FloatPackedGemmAvx512.cpp (built with -mavx512f ...): the same contract.
bool packedGemmAvx512Available();
bool packedGemmAvx512(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                      float* c, int64_t ldc, float actMin, float actMax);
bool packedGemmAvx512Unfused(const float* a, int64_t lda, int64_t rows, const float* panels, const float* bias, int64_t k, int cols,
                             float* c, int64_t ldc, float actMin, float actMax);

namespace {
constexpr int kNr = 16; // output channels per panel
}

bool FloatConvPlan::supported() {
    static const bool yes = packedGemmAvx2Available() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

FloatConvPlan::AlignedFloats FloatConvPlan::allocate(size_t count) {
    // aligned_alloc wants a size that is a multiple of the alignment.
    const size_t bytes = std::max<size_t>(64, (count * sizeof(float) + 63) / 64 * 64);
    return AlignedFloats(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

FloatConvPlan::FloatConvPlan(const conv::ConvGeometry& g, conv::FloatActivation act, bool allowAvx512, FloatProducts products)
    : m_g(g), m_act(act), m_products(products) {
    static const bool avx512 = packedGemmAvx512Available() && __builtin_cpu_supports("avx512f");
    m_avx512 = allowAvx512 && avx512;
    m_k = g.patchSize();
    m_panelCount = (g.outC + kNr - 1) / kNr;
    m_direct = g.filterH == 1 && g.filterW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0;
    m_panels = allocate(size_t(m_panelCount) * kNr * size_t(m_k));
    m_bias = allocate(size_t(m_panelCount) * kNr);
}

void FloatConvPlan::pack(const float* filter, const float* bias) {
    // panel p, depth k, lane j  <-  filter[(16p + j) * K + k] (OHWI: the HWI part is the patch
    // order of im2col); lanes past outC are 0, so the padded columns compute 0 + 0.
    for (int p = 0; p < m_panelCount; ++p) {
        float* panel = m_panels.get() + int64_t(p) * m_k * kNr;
        const int lanes = std::min(kNr, m_g.outC - p * kNr);
        for (int64_t k = 0; k < m_k; ++k) {
            float* dst = panel + k * kNr;
            for (int j = 0; j < lanes; ++j) dst[j] = filter[int64_t(p * kNr + j) * m_k + k];
            for (int j = lanes; j < kNr; ++j) dst[j] = 0.0f;
        }
    }
    for (int c = 0; c < m_panelCount * kNr; ++c) m_bias[size_t(c)] = bias && c < m_g.outC ? bias[c] : 0.0f;
}

void FloatConvPlan::run(const float* input, float* output, ThreadPool* pool) const {
    const int64_t m = m_g.outputPixels(), n = m_g.outC, k = m_k;
    const float lo = m_act.min, hi = m_act.max;
    const bool unfused = m_products == FloatProducts::Unfused;
    const auto packedGemm = m_avx512 ? (unfused ? packedGemmAvx512Unfused : packedGemmAvx512)
                                     : (unfused ? packedGemmAvx2Unfused : packedGemmAvx2);
    if (m_direct) {
        // The NHWC input is the [M x K] patch matrix; chunks of rows a multiple of the 6-row tile.
        parallelFor(pool, (m + 5) / 6, 8, [&](int64_t t0, int64_t t1) {
            const int64_t m0 = t0 * 6, m1 = std::min(m, t1 * 6);
            packedGemm(input + m0 * k, k, m1 - m0, m_panels.get(), m_bias.get(), k, static_cast<int>(n), output + m0 * n, n, lo, hi);
        });
        return;
    }
    // Blocks of output pixels whose im2col rows fit in about 128 KB (L2), a multiple of 6.
    const int64_t blockRows = std::clamp<int64_t>((int64_t(1) << 15) / std::max<int64_t>(k, 1) / 6 * 6, 6, 516);
    const int64_t blocks = (m + blockRows - 1) / blockRows;
    parallelFor(pool, blocks, 1, [&](int64_t b0, int64_t b1) {
        thread_local std::vector<float> patches;
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t m0 = blk * blockRows, m1 = std::min(m, m0 + blockRows);
            patches.resize(static_cast<size_t>((m1 - m0) * k));
            im2colFloat(m_g, input, m0, m1, patches.data());
            packedGemm(patches.data(), k, m1 - m0, m_panels.get(), m_bias.get(), k, static_cast<int>(n), output + m0 * n, n, lo, hi);
        }
    });
}

} // namespace ql::rt::optimized

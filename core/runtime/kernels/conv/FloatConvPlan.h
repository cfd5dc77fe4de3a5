#pragma once
// A float CONV_2D whose filter is packed once for the AVX2+FMA micro-kernel of
// FloatPackedGemmAvx2.cpp, with the bias and the fused activation applied as the output is
// stored. 1x1 stride-1 unpadded convolutions read the NHWC input as the GEMM's left operand
// directly; the others go through im2col blocks of rows (optimized::im2colFloat). Results
// equal reference::convFloat within float rounding (the sum starts from the bias, FMA).
// Only usable when supported() (CPU and build have AVX2 + FMA); otherwise use
// optimized::convFloat (Eigen). Where the CPU has AVX-512 the same panels go to the AVX-512
// micro-kernel (FloatPackedGemmAvx512.cpp), which sums in the same order: the same floats.

#include "runtime/kernels/conv/ConvCommon.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace ql::rt {
class ThreadPool;
}

namespace ql::rt::optimized {

// Fused: one FMA per product (the sum starts from the bias, FMA rounds once). Unfused: each
// product rounded before it is added, in the same order: XNNPACK's portable gemm / igemm
// micro-kernels (Target::TfliteCpu), bit for bit optimized::convFloatXnnpack (AVX2 or AVX-512).
enum class FloatProducts { Fused, Unfused };

class FloatConvPlan {
public:
    static bool supported();

    // `allowAvx512` false keeps the AVX2 kernel (tests compare the two).
    FloatConvPlan(const conv::ConvGeometry& g, conv::FloatActivation act, bool allowAvx512 = true,
                  FloatProducts products = FloatProducts::Fused);
    bool usesAvx512() const { return m_avx512; }
    // Packs an OHWI filter [outC, filterH, filterW, inC] and the bias (null: zeros).
    void pack(const float* filter, const float* bias);
    // The output [batches, outH, outW, outC] of `input`; pack() must have run.
    void run(const float* input, float* output, ThreadPool* pool) const;

private:
    struct FreeDeleter {
        void operator()(float* p) const { std::free(p); }
    };
    using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;
    static AlignedFloats allocate(size_t count);

    conv::ConvGeometry m_g;
    conv::FloatActivation m_act;
    int64_t m_k = 0;       // patch size = GEMM depth
    int m_panelCount = 0;  // ceil(outC / 16)
    bool m_direct = false; // 1x1, stride 1, no padding: the input is the patch matrix
    bool m_avx512 = false; // the AVX-512 micro-kernel (CPU and build have it)
    FloatProducts m_products = FloatProducts::Fused;
    AlignedFloats m_panels; // m_panelCount panels of [K][16]
    AlignedFloats m_bias;   // m_panelCount * 16
};

} // namespace ql::rt::optimized

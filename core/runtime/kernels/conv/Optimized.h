#pragma once
// Optimised kernels of the convolution family. Each one computes what its reference kernel
// in Reference.h computes: bit for bit for integers, within float rounding for float (a GEMM
// sums in another order). Work is split over output rows through the interpreter's pool.
//
// - float CONV_2D: im2col (skipped for 1x1 stride-1 convolutions, whose input already is the
//   patch matrix) and an Eigen GEMM against the OHWI filter, which read as a K x N column-major
//   matrix is the GEMM's right operand as stored: no repacking. An AVX2+FMA build of the GEMM
//   is chosen at run time when the CPU has it.
// - int8 CONV_2D: im2col padded with the input zero point (so padding contributes 0, as the
//   reference's skipped taps do), an int32 GEMM (AVX-512 VNNI micro-kernel when present,
//   otherwise a loop the compiler vectorises for AVX2 or the baseline), and a vectorised
//   multiplyByQuantizedMultiplier (or XNNPACK's fp32 requantization under the default target,
//   fused into the VNNI micro-kernel as well). The filter is packed once at prepare.
// - float CONV_2D with a filter known at prepare (constant or folded): FloatConvPlan.h, the
//   filter packed once for an AVX2+FMA micro-kernel with bias and activation fused.
// - float DEPTHWISE_CONV_2D: with AVX2+FMA and depth multiplier 1, blocks of up to 32 channels
//   accumulated in registers over all taps (DepthwiseFloatAvx2.cpp); otherwise, and for int8,
//   channel-vectorised loops.

#include "runtime/kernels/conv/ConvCommon.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace ql::rt {
class ThreadPool;
}

namespace ql::rt::optimized {

using conv::ConvGeometry;
using conv::FloatActivation;
using conv::HybridScaleOrder;
using conv::RequantParams;

// ---- float ----------------------------------------------------------------------------------
void convFloat(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
               float* output, ThreadPool* pool);
void depthwiseFloat(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                    float* output, ThreadPool* pool);
// Target::TfliteCpu: XNNPACK's order of additions and unfused products (XnnpackFloat.cpp);
// depthwise for the filters its unipass kernels take (at most 25 taps).
void convFloatXnnpack(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                      float* output, ThreadPool* pool);
bool depthwiseFloatXnnpackHandles(const ConvGeometry& g);
void depthwiseFloatXnnpack(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                           float* output, ThreadPool* pool);
// The same for a depth multiplier of 1 with AVX2 (XnnpackFloatAvx2.cpp), bit for bit; false
// (nothing computed) for other shapes or without AVX2 in the build. Check the CPU first.
bool depthwiseFloatXnnpackAvx2(const ConvGeometry& g, const float* input, const float* filter, const float* bias, FloatActivation act,
                               float* output, ThreadPool* pool);

// C[rows x n] = A[rows x k] (row-major) * B[k x n] (column-major, i.e. an N x K row-major
// filter); the Eigen GEMM, AVX2 build when available.
void gemmFloat(const float* a, const float* b, float* c, int64_t rows, int64_t n, int64_t k);
bool gemmFloatUsesAvx2();
// Rows [m0, m1) of the im2col patch matrix of a CONV_2D: one row of K = filterH * filterW * inC
// values per output pixel, in (ky, kx, ic) order (the HWI order of an OHWI filter), taps
// outside the image 0 (zero padding).
void im2colFloat(const ConvGeometry& g, const float* input, int64_t m0, int64_t m1, float* dst);

// ---- int8 -----------------------------------------------------------------------------------
// The filter of an int8 CONV_2D packed for the GEMM, plus the per-channel constant that folds
// the input offset into the bias: acc = dot(A', w) + biasFold[n] where A' is what im2col
// stores (see Int8Gemm.cpp).
class Int8ConvPlan {
public:
    enum class Isa { Generic, Avx2, Avx512Vnni };
    // Chooses the best ISA of this CPU (or `force` if the CPU supports it).
    static Isa detectIsa();
    static bool supported(Isa isa);
    static const char* isaName(Isa isa);

    Int8ConvPlan(const ConvGeometry& g, const RequantParams& p, std::span<const int8_t> filter, const int32_t* bias,
                 Isa isa = detectIsa());
    // Re-packs when a non-constant filter changed (DEQUANTIZE-free int8 models never need it).
    void repack(std::span<const int8_t> filter, const int32_t* bias);
    void run(const int8_t* input, int8_t* output, ThreadPool* pool) const;
    // Hybrid (dynamic range) CONV_2D on the same packed filter (the plan's RequantParams are
    // then unused): the input was quantized per batch (inputScale[b], zeroPoint[b]); output =
    // clamp(float(acc) * (filterScale[n] * inputScale[b]) + bias[n]) with acc = sum w * (x - zp)
    // over the in-image taps, modulo 2^32: reference::convHybrid bit for bit.
    void runHybrid(const int8_t* input, std::span<const float> inputScale, std::span<const int32_t> zeroPoint,
                   std::span<const float> filterScale, const float* bias, FloatActivation act, float* output,
                   ThreadPool* pool) const;
    Isa isa() const { return m_isa; }

private:
    // acc[r][n] = fold[n] + sum_k patches[r][k] * w[n][k] for `rows` im2col rows, or with a
    // fused epilogue (Int8Gemm.cpp) the requantized int8 output.
    void accumulate(const int8_t* patches, int rows, const int32_t* fold, int32_t* acc, void* fusedEpilogue) const;

    ConvGeometry m_g;
    RequantParams m_p;
    Isa m_isa;
    std::vector<int32_t> m_rowSum; // sum_k w[n][k], padded to a multiple of 16
    int64_t m_k = 0, m_kPadded = 0, m_nPadded = 0;
    std::vector<int8_t> m_packed;    // layout depends on m_isa
    std::vector<int32_t> m_biasFold; // bias[n] + offset * rowsum[n] (wrapping int32)
    std::vector<int32_t> m_multiplier, m_shift; // m_p's, padded to m_nPadded (fused epilogue)
    std::vector<float> m_fpScale;               // m_p.fpScale padded likewise; empty: fixed point
};

// Generic int8 DEPTHWISE_CONV_2D (any depth multiplier, vectorised by the compiler).
void depthwiseInt8(const ConvGeometry& g, const RequantParams& p, const int8_t* input, const int8_t* filter,
                   const int32_t* bias, int8_t* output, ThreadPool* pool);

// int8 DEPTHWISE_CONV_2D with the filter widened and tap-pair interleaved at prepare, and the
// input offset folded into the bias (DepthwiseInt8Simd.cpp): AVX2 or AVX-512 VNNI kernels for
// depth multiplier 1, the generic kernel otherwise (isa() then reports Generic).
class Int8DepthwisePlan {
public:
    using Isa = Int8ConvPlan::Isa;
    // True when the vector kernels take this shape (depth multiplier 1, at most 64 taps).
    static bool vectorised(const ConvGeometry& g, const RequantParams& p);

    Int8DepthwisePlan(const ConvGeometry& g, const RequantParams& p, std::span<const int8_t> filter, const int32_t* bias,
                      Isa isa = Int8ConvPlan::detectIsa());
    void repack(std::span<const int8_t> filter, const int32_t* bias);
    void run(const int8_t* input, int8_t* output, ThreadPool* pool) const;
    // Hybrid DEPTHWISE_CONV_2D (reference::depthwiseHybrid bit for bit) on a plan whose isa()
    // is not Generic; the input was quantized per batch (inputScale[b], zeroPoint[b]).
    void runHybrid(const int8_t* input, std::span<const float> inputScale, std::span<const int32_t> zeroPoint,
                   std::span<const float> filterScale, const float* bias, FloatActivation act, float* output,
                   ThreadPool* pool, HybridScaleOrder order = HybridScaleOrder::ChannelTimesInput) const;
    Isa isa() const { return m_isa; }

private:
    ConvGeometry m_g;
    RequantParams m_p;
    Isa m_isa;
    int m_pairs = 0, m_cPadded = 0;
    std::vector<int32_t> m_tapSum;             // sum_taps w[c] (wrapping int32)
    std::vector<int16_t> m_weights;            // [tap pair][cPadded][2], zero padded
    std::vector<int32_t> m_biasFold;           // bias[c] + inputOffset * sum_taps w[c] (wrapping int32)
    std::vector<int32_t> m_multiplier, m_shift; // padded copies of m_p's
    std::vector<float> m_fpScale;               // padded copy of m_p.fpScale; empty: fixed point
    std::vector<int8_t> m_zpRow;               // the input zero point, read by taps outside the image
    std::vector<int8_t> m_filter;              // Generic: the filter and bias as given
    std::vector<int32_t> m_bias;
};

class Int16Requantizer; // Int16Requantize.h

// int16x8 CONV_2D or DEPTHWISE_CONV_2D (Int16Conv.cpp): int16 activations, int8 weights widened
// at prepare, exact int32 partial sums added in int64, the reference's requantization. A 64-bit
// bias selects the 64-bit accumulator and multiplyByQuantizedMultiplier (TFLite's int16x8), a
// 32-bit bias the 32-bit ones (its int32-bias variant), as in reference::convQuantized.
class Int16ConvPlan {
public:
    // Depthwise: depth multiplier 1 and at most 64 taps; CONV_2D: any shape.
    static bool handles(const ConvGeometry& g, bool depthwise);
    // simd false: the portable loops only (the tests' second reference).
    Int16ConvPlan(const ConvGeometry& g, const RequantParams& p, std::span<const int8_t> filter, const int64_t* bias64,
                  const int32_t* bias32, bool depthwise, bool simd = true);
    void repack(std::span<const int8_t> filter, const int64_t* bias64, const int32_t* bias32);
    void run(const int16_t* input, int16_t* output, ThreadPool* pool) const;
    bool usesVnni() const { return !m_vnniWeights.empty(); }

private:
    void runVnni(const int16_t* input, int16_t* output, ThreadPool* pool) const;
    // One output pixel's channels from their 64-bit sums (bias and fold included).
    void requantizeRow(const int64_t* acc, int16_t* out) const;

    ConvGeometry m_g;
    RequantParams m_p;
    bool m_depthwise;
    bool m_acc32;                   // 32-bit bias: the sum is truncated to int32 before requantizing
    bool m_simd = true;             // false: no AVX-512 paths (tests)
    std::vector<int16_t> m_weights; // the filter, int16, [k][n] (1HWO as given for depthwise)
    std::vector<int64_t> m_fold;    // bias + inputOffset * sum of the channel's weights
    std::vector<int16_t> m_zpRow;   // the input zero point, for depthwise taps outside the image
    std::vector<int16_t> m_vnniWeights; // AVX-512 VNNI: the filter packed (Int16ConvVnni.h, Int16DepthwiseVnni.h)
    std::shared_ptr<const Int16Requantizer> m_requantizer; // 64-bit bias only (Int16Requantize.h)
};

// out[i] = clamp(multiplyByQuantizedMultiplier(acc[i], m[c], s[c]) + zp) for c = i % channels
// (reference::requantize: TFLite's fixed point, or XNNPACK's fp32 when p.fpScale is set),
// vectorised when the CPU has AVX2 for double rounding and fp32. Exposed for the tests.
void requantizeRow(const int32_t* acc, int channels, const RequantParams& p, int8_t* out);

// Runs fn(begin, end) over [0, n) on the pool (inline when pool is null).
void parallelFor(ThreadPool* pool, int64_t n, int64_t minChunk, const std::function<void(int64_t, int64_t)>& fn);

} // namespace ql::rt::optimized

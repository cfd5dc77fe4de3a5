#pragma once
// FULLY_CONNECTED with int4 weights. TFLite's builtin kernel (kernels/fully_connected.cc)
// unpacks constant int4 filters into int8 at prepare and then runs its int8 and hybrid paths;
// LiteRT's XNNPACK delegate takes int8 activations with int4 per-channel weights (qs8-qc4w:
// the int8 arithmetic, the same accumulators and requantization) and float activations with
// int4 weights per channel, per tensor or in blocks (qd8-f32-qc4w / qb4w: the input quantized
// per row on the fly, quant/XnnpackDynamic.h).

#include "runtime/kernels/matmul/FullyConnectedRef.h"
#include "runtime/kernels/matmul/MatmulCommon.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql::rt::fc {

// The int8 values of a constant int4 weight tensor ([units, depth]); an error naming the
// operator and tensor when the weights are not constant or the buffer has the wrong size.
Status unpackInt4Weights(const KernelContext& ctx, const RtTensor& w, std::vector<int8_t>& out);

// Blockwise weights: the block scales [units, depth / blockSize] as the runtime uses them
// (float16 scales rounded to bfloat16, quant/XnnpackDynamic.h). Refuses what the runtime
// cannot run (block size not a multiple of 32, non-zero zero points, float32 scales) and
// scales that are not positive finite, naming the operator, the tensor and the value.
struct BlockwiseWeights {
    int blockSize = 0;
    std::vector<float> scales; // units * (depth / blockSize), row-major
};
Status loadBlockwiseScales(const KernelContext& ctx, const RtTensor& w, FcShape s,
                           BlockwiseWeights& out);

// XNNPACK's dynamically quantized FULLY_CONNECTED (qd8-f32-qc4w / qc8w): one weight scale, or
// one per unit. `quantized` holds depth int8 values (scratch).
void fullyConnectedQd8(const float* in, const int8_t* weights, std::span<const float> weightScales,
                       const float* bias, float* out, FcShape s, float actMin, float actMax,
                       int8_t* quantized);

// The same with block scales (qd8-f32-qb4w).
void fullyConnectedQd8Blockwise(const float* in, const int8_t* weights,
                                const BlockwiseWeights& blocks, const float* bias, float* out,
                                FcShape s, float actMin, float actMax, int8_t* quantized);

} // namespace ql::rt::fc

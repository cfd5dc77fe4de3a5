#pragma once
// Optimised FULLY_CONNECTED paths: float through Eigen's GEMM, int8 and hybrid through the
// vectorised int8 dot products (Int8Dot.h), split over output units on the thread pool.
// Each equals its reference in FullyConnectedRef.h: bit for bit for int8 (exact integer
// sums, the same requantization) and for hybrid (the same float operations in the same
// order after exact integer dot products); float within rounding of a different summation
// order.

#include "runtime/kernels/matmul/FullyConnectedRef.h"

#include <vector>

namespace ql::rt {
class ThreadPool;
}

namespace ql::rt::fc {

// Per-unit constants of the int8 path, computed once when the weights are constant.
struct Int8FcPlan {
    std::vector<int32_t> rowSums;       // sum_d w[o, d]
    std::vector<int32_t> effectiveBias; // bias[o] + inputOffset * rowSums[o] (mod 2^32)
};
void prepareInt8Plan(const int8_t* weights, const int32_t* bias, FcShape s, int32_t inputOffset, Int8FcPlan& plan);

// int8 input/weights (weights zero point 0), int8 output: sum (x + inputOffset) * w + bias
// = sum x*w + effectiveBias, then QuantFcParams::requantize (TFLite's fixed point, or
// XNNPACK's fp32 requantization under the default target). `acc` holds batches*units ints.
void fullyConnectedInt8Opt(const int8_t* in, const int8_t* weights, const Int8FcPlan& plan, int8_t* out, FcShape s,
                           const QuantFcParams& p, int32_t* acc, ThreadPool* pool);

// out = clamp(in * W^T + bias) with Eigen (weights row-major [units, depth]).
void fullyConnectedFloatOpt(const float* in, const float* weights, const float* bias, float* out, FcShape s,
                            float actMin, float actMax, ThreadPool* pool);
// Target::TfliteCpu: XNNPACK's fully connected operator with its portable gemm micro-kernels:
// acc = bias, then acc += x[k] * w[k] for k in order, each product rounded before the add
// (runtime/kernels/UnfusedFloat.h); then the activation's min/max.
void fullyConnectedFloatXnnpack(const float* in, const float* weights, const float* bias, float* out, FcShape s,
                                float actMin, float actMax, ThreadPool* pool);

// Hybrid with vectorised dot products; rowSums must hold sum_d w[o, d] when asymmetric.
void fullyConnectedHybridOpt(const float* in, const int8_t* weights, std::span<const float> weightScales,
                             const int32_t* rowSums, const float* bias, float* out, FcShape s, bool asymmetric,
                             Activation act, const HybridScratch& scratch, int32_t* acc, ThreadPool* pool);

} // namespace ql::rt::fc

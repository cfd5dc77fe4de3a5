#pragma once
// Helpers shared by the elementwise, activation and quantize kernel families: messages that
// name tensors, the checks every prepare repeats, and the per-tensor quantization TFLite's
// elementwise kernels require.

#include "runtime/Kernel.h"

#include <string>
#include <vector>

namespace ql::rt::ew {

// "input 1 'name' (int8 [1,4])" for messages.
std::string describe(const RtTensor& t, const std::string& role);

// Element types as their TFLite names, for messages.
inline std::string typeText(TensorType t) { return std::string(typeName(t)); }

// The builtin options of type T, or default values when the operator has none.
template <class T> T optionsOr(const KernelContext& ctx) {
    const T* o = ctx.options<T>();
    return o ? *o : T{};
}

// Fails unless `t` has one (scale, zero point) pair with scale > 0 and a zero point inside the
// range of its type. TFLite's elementwise integer kernels all need per-tensor parameters.
Status requirePerTensorQuant(const KernelContext& ctx, const RtTensor& t, const std::string& role);

// Fails unless the type of `t` is one of `allowed`.
Status requireType(const KernelContext& ctx, const RtTensor& t, const std::string& role, std::initializer_list<TensorType> allowed);

// Fails unless `t` has a shape of at most kMaxBroadcastRank dimensions, all >= 0.
Status requireRankAtMost(const KernelContext& ctx, const RtTensor& t, const std::string& role, int maxRank);

// Converts the fused activation to a clamp [lo, hi] for an integer type without quantization
// (TFLite's CalculateActivationRange<int32/int64>: RELU [0, max], RELU6 [0, 6], RELU_N1_TO_1 [-1, 1]).
template <class T> std::pair<T, T> activationRangeInteger(Activation act) {
    constexpr T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    switch (act) {
    case Activation::RELU: return {T(0), hi};
    case Activation::RELU6: return {T(0), T(6)};
    case Activation::RELU_N1_TO_1: return {T(-1), T(1)};
    default: return {lo, hi};
    }
}

// True for the activations a binary kernel can fuse (TANH and SIGN_BIT are not supported by
// TFLite's arithmetic kernels either).
inline bool isClampActivation(Activation a) {
    return a == Activation::NONE || a == Activation::RELU || a == Activation::RELU6 || a == Activation::RELU_N1_TO_1;
}

// TFLite's CheckedLog2: true when x is (within 1e-3 in log2) a power of two; log2 rounded.
bool checkedLog2(float x, int* log2Result);

} // namespace ql::rt::ew

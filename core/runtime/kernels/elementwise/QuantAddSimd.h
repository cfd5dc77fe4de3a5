#pragma once
// Vectorised quantized ADD / SUB rows, bit-exact with the scalar element functions they stand
// for (Arithmetic.h addSubElement, XnnpackArithmetic.h xnn::add), which also finish each
// row's tail. ArithmeticKernels.cpp calls them over the broadcast plan's innermost rows
// (strides 0 or 1) after asking addSubSimdUsable / xnnAddSimdUsable at prepare.
//
// addSubElement (TFLite's reference AddElementwise / Sub with double rounding), 16 lanes:
//   x_i = MBQM((q_i - z_i) << leftShift, M_i) per input, raw = x_1 +- x_2,
//   q_out = clamp(MBQM(raw, M_out) + z_out, act_min, act_max);
// each MBQM is conv's requantize16 (conv/Int8Simd.h), which equals the scalar
// multiplyByQuantizedMultiplier for multipliers >= 0 and shifts in [-31, 30]. AVX-512 only:
// other CPUs keep the kernel's scalar loops (given a narrower isa, the functions below run the
// element functions themselves).
// xnn::add: acc = (a - z_a) m_a + (b - z_b) m_b + 2^(shift-1), q_out = clamp((acc >> shift) +
// z_out).
#include "quant/XnnpackArithmetic.h"
#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/elementwise/Arithmetic.h"
#include "runtime/kernels/elementwise/Broadcast.h"

#include <cstdint>

namespace ql::rt {
class ThreadPool;
}

namespace ql::rt::ew {

// True when the vector rows reproduce addSubElement for these parameters (double rounding,
// shifts the vector MBQM covers) on this `isa` (AVX-512).
bool addSubSimdUsable(const AddSubParams& p, Rounding r, SimdIsa isa);
bool xnnAddSimdUsable(SimdIsa isa);

// out = addSubElement(a, b) over the broadcast `plan` (T: int8_t, uint8_t, int16_t). With a
// pool of several threads, a large element-wise (not broadcast) operation is split into
// contiguous ranges.
template <class T>
void addSubBroadcastSimd(const BroadcastPlan& plan, const AddSubParams& p, const T* a, const T* b,
                         T* out, SimdIsa isa, ThreadPool* pool = nullptr);
// out = xnn::add(a, b) over the broadcast `plan` (int8).
void xnnAddBroadcastSimd(const BroadcastPlan& plan, const xnn::AddParams& p, const int8_t* a,
                         const int8_t* b, int8_t* out, SimdIsa isa, ThreadPool* pool = nullptr);

} // namespace ql::rt::ew

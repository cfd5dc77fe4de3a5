#pragma once
// How many elementary steps (a multiply-add, a comparison, a value read) one operator's eval
// takes, estimated from the shapes prepare settled on. Most operators touch each element of
// their inputs and outputs a bounded number of times, so the memory limit bounds their work;
// the operators estimated here multiply sizes the memory limit does not bound together: a
// pooling window is an option (a 200-byte file can ask for a 65536-wide window over a large
// input, about 10^10 comparisons), and a product's reduction length multiplies the output
// size. The interpreter refuses an operator whose estimate is over maxOperatorWork()
// (util/Limits.h) before it runs.
#include "runtime/Kernel.h"

#include <cstdint>
#include <string>

namespace ql::rt {

struct OperatorWork {
    uint64_t steps = 0; // UINT64_MAX when the product overflows
    std::string how;    // "output [1,8,1,1] x window 8x65536", empty for linear operators
};

// Zero steps (nothing to refuse) for operators whose work is linear in their tensors' sizes.
// Builtin operators only: a custom kernel with a window of its own checks poolingWork in its
// prepare.
OperatorWork estimateOperatorWork(const KernelContext& ctx);

// A pooling of an NHWC input into `out` elements: each visits the window clipped to the input,
// at most min(filter, input) rows and columns.
OperatorWork poolingWork(const RtTensor& in, const RtTensor& out, int filterH, int filterW);

// The operator's error "operator 3 (MAX_POOL_2D): output [8,1,1,1] x window 8x65536: 4194304
// steps, more than the limit of ..." when `work` is over maxOperatorWork() (util/Limits.h).
Status checkOperatorWork(const KernelContext& ctx, const OperatorWork& work);

// "512", "4.19e+09" from 10^7 on, "more than 1.84e+19" for a saturated count.
std::string stepCountText(uint64_t steps);

} // namespace ql::rt

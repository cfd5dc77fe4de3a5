#pragma once
// The operator kernels of the convolution family (one class per operator, one file each).

#include "runtime/Kernel.h"

#include <memory>

namespace ql::rt::conv {

std::unique_ptr<OpKernel> makeConv2D(const Operator& op);
std::unique_ptr<OpKernel> makeDepthwiseConv2D(const Operator& op);
std::unique_ptr<OpKernel> makeTransposeConv(const Operator& op);
std::unique_ptr<OpKernel> makeTransposeConvBias(const Operator& op);
std::unique_ptr<OpKernel> makeConv3D(const Operator& op); // CONV_3D, float32

// QUANTLAB_REFERENCE_KERNELS=1 in the environment makes the kernels of this family use their
// reference implementations (to bisect a fidelity problem); read once.
bool forceReferenceKernels();

} // namespace ql::rt::conv

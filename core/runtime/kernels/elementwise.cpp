// Elementwise kernels: binary arithmetic with NumPy broadcasting and fused activations,
// comparisons and logical operators, and a few binary math operators. The work is split
// over the files in elementwise/; this file only registers them.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/elementwise/ElementwiseKernels.h"

namespace ql::rt {

void registerElementwiseKernels(KernelRegistry& r) {
    ew::registerArithmeticKernels(r);
    ew::registerCompareKernels(r);
    ew::registerMathKernels(r);
    ew::registerBitSignKernels(r);
}

} // namespace ql::rt

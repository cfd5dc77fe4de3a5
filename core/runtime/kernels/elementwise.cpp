// Elementwise kernels (placeholder registration until the family lands).
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"

namespace ql::rt {

void registerElementwiseKernels(KernelRegistry&) {}

} // namespace ql::rt

// Matmul kernels (placeholder registration until the family lands).
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"

namespace ql::rt {

void registerMatmulKernels(KernelRegistry&) {}

} // namespace ql::rt

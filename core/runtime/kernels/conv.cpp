// Conv kernels (placeholder registration until the family lands).
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"

namespace ql::rt {

void registerConvKernels(KernelRegistry&) {}

} // namespace ql::rt

// PoolReduce kernels (placeholder registration until the family lands).
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"

namespace ql::rt {

void registerPoolReduceKernels(KernelRegistry&) {}

} // namespace ql::rt

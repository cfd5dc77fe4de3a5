// Sequence kernels (placeholder registration until the family lands).
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"

namespace ql::rt {

void registerSequenceKernels(KernelRegistry&) {}

} // namespace ql::rt

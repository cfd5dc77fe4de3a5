#pragma once
// Registration entry points of the matmul family's kernels (called by registerMatmulKernels).

#include "runtime/Kernel.h"

namespace ql::rt {

void registerFullyConnected(KernelRegistry& r); // FULLY_CONNECTED
void registerBatchMatmul(KernelRegistry& r);    // BATCH_MATMUL

} // namespace ql::rt

// The matmul family: FULLY_CONNECTED and BATCH_MATMUL. The kernels live in kernels/matmul/
// (reference kernels, optimised paths, prepare/eval classes); this file registers them.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/matmul/FullyConnectedKernels.h"

namespace ql::rt {

void registerMatmulKernels(KernelRegistry& r) {
    registerFullyConnected(r);
    registerBatchMatmul(r);
}

} // namespace ql::rt

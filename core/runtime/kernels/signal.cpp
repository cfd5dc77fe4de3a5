// The signal family: FFT and complex-number builtins. One file per group under
// kernels/signal/; this file registers them all.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/signal/SignalKernels.h"

namespace ql::rt {

void registerSignalKernels(KernelRegistry& r) {
    signal::registerRfft2d(r);
    signal::registerComplexOps(r);
}

} // namespace ql::rt

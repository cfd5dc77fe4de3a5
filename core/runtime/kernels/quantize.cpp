// Quantize kernels: QUANTIZE (and requantize), DEQUANTIZE, CAST and DENSIFY. The work is
// split over the files in quantize/; this file only registers them.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/quantize/QuantizeKernels.h"

namespace ql::rt {

void registerQuantizeKernels(KernelRegistry& r) {
    qk::registerQuantizeDequantizeKernels(r);
    qk::registerCastKernel(r);
    qk::registerDensifyKernel(r);
}

} // namespace ql::rt

// Activation kernels: the ReLU family, LEAKY_RELU and PRELU, unary math, the smooth
// activations with TFLite's integer tables and fixed point, and SOFTMAX / LOG_SOFTMAX. The
// work is split over the files in activation/; this file only registers them.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/activation/ActivationKernels.h"

namespace ql::rt {

void registerActivationKernels(KernelRegistry& r) {
    act::registerReluKernels(r);
    act::registerUnaryKernels(r);
    act::registerSmoothKernels(r);
    act::registerSoftmaxKernels(r);
}

} // namespace ql::rt

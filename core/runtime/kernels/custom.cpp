// The custom operator family: operators that TFLite's runtime or MediaPipe register under a
// custom code. One file per operator under kernels/custom/; this file registers them all.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/custom/CustomKernels.h"

namespace ql::rt {

void registerCustomKernels(KernelRegistry& r) {
    custom::registerDetectionPostProcess(r);
    custom::registerMaxPoolingWithArgmax(r);
    custom::registerMaxUnpooling(r);
    custom::registerAudioSpectrogram(r);
    custom::registerMfcc(r);
}

} // namespace ql::rt

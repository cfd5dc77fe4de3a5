// The shape family: kernels that move, rearrange, select or index elements (and a few that
// compute indices). One file per group under kernels/shape/; this file registers them all.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/shape/ShapeKernels.h"

namespace ql::rt {

void registerShapeKernels(KernelRegistry& r) {
    shape::registerReshapeKernels(r);
    shape::registerTransposeKernels(r);
    shape::registerConcatKernels(r);
    shape::registerPadKernels(r);
    shape::registerSliceKernels(r);
    shape::registerGatherKernels(r);
    shape::registerSpaceKernels(r);
    shape::registerResizeKernels(r);
    shape::registerSelectKernels(r);
    shape::registerIndexKernels(r);
    shape::registerSearchKernels(r);
    shape::registerScatterKernels(r);
    shape::registerSegmentKernels(r);
    shape::registerDiagKernels(r);
    shape::registerEmbeddingLookupKernels(r);
}

} // namespace ql::rt

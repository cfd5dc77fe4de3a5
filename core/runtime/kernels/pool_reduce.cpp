// The pool/reduce family: 2-D pooling, L2 normalisation and reductions over axes. One file
// per group under kernels/pool_reduce/; this file registers them all.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/pool_reduce/PoolReduceKernels.h"

namespace ql::rt {

void registerPoolReduceKernels(KernelRegistry& r) {
    poolreduce::registerPoolingKernels(r);
    poolreduce::registerL2NormKernels(r);
    poolreduce::registerLrnKernels(r);
    poolreduce::registerReduceKernels(r);
}

} // namespace ql::rt

#pragma once
// Registration functions of the pool/reduce family's files; pool_reduce.cpp calls them.

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::poolreduce {

void registerPoolingKernels(KernelRegistry& r); // AVERAGE_POOL_2D MAX_POOL_2D L2_POOL_2D
void registerL2NormKernels(KernelRegistry& r);  // L2_NORMALIZATION
void registerLrnKernels(KernelRegistry& r);     // LOCAL_RESPONSE_NORMALIZATION
void registerReduceKernels(KernelRegistry& r);  // MEAN SUM REDUCE_MAX REDUCE_MIN REDUCE_PROD REDUCE_ANY REDUCE_ALL

} // namespace ql::rt::poolreduce

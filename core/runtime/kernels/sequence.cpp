// The sequence family: UNIDIRECTIONAL_SEQUENCE_LSTM and SVDF. The kernels live in
// kernels/sequence/ (float and integer steps, gemmlowp fixed point, prepare/eval classes);
// this file registers them.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/sequence/SequenceKernels.h"

namespace ql::rt {

void registerSequenceKernels(KernelRegistry& r) {
    registerLstm(r);
    registerSvdf(r);
}

} // namespace ql::rt

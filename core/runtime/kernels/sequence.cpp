// The sequence family: UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF, RNN and UNIDIRECTIONAL_SEQUENCE_RNN. The kernels live in
// kernels/sequence/ (float and integer steps, gemmlowp fixed point, prepare/eval classes);
// this file registers them.
#include "runtime/Kernel.h"
#include "runtime/kernels/Registration.h"
#include "runtime/kernels/sequence/SequenceKernels.h"

namespace ql::rt {

void registerSequenceKernels(KernelRegistry& r) {
    registerLstm(r);
    registerSvdf(r);
    registerRnn(r);
}

} // namespace ql::rt

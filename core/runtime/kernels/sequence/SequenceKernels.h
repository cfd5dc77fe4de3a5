#pragma once
// Registration entry points of the sequence family (called by registerSequenceKernels).

#include "runtime/Kernel.h"

namespace ql::rt {

void registerLstm(KernelRegistry& r); // UNIDIRECTIONAL_SEQUENCE_LSTM
void registerSvdf(KernelRegistry& r); // SVDF
void registerRnn(KernelRegistry& r);  // RNN UNIDIRECTIONAL_SEQUENCE_RNN

} // namespace ql::rt

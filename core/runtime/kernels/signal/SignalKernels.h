#pragma once
// The signal family: FFTs and complex-number operators (RFFT2D, COMPLEX_ABS, REAL, IMAG).

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::signal {

void registerRfft2d(KernelRegistry& r);
void registerComplexOps(KernelRegistry& r);

} // namespace ql::rt::signal

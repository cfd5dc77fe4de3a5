#pragma once
// Registration functions of the quantize family's files; quantize.cpp calls them all.

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::qk {

void registerQuantizeDequantizeKernels(KernelRegistry& r); // QUANTIZE DEQUANTIZE
void registerCastKernel(KernelRegistry& r);                // CAST
void registerDensifyKernel(KernelRegistry& r);             // DENSIFY

} // namespace ql::rt::qk

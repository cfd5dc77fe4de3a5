#pragma once
// The vector instruction sets the element-wise integer kernels (ADD, the 8-bit tables, ...)
// choose from at run time. Each SIMD function carries its own target attribute and runs only
// after detectSimdIsa() (or supported()) said the CPU has it; the scalar path is the
// reference every SIMD path is tested against, bit for bit.

namespace ql::rt {

enum class SimdIsa {
    Scalar,
    Avx2,       // AVX2
    Avx512,     // AVX-512 F, BW, VL, DQ
    Avx512Vbmi, // the same with VBMI (byte permutes: 8-bit tables)
};

// The widest of the above that this CPU has (checked once).
SimdIsa detectSimdIsa();
bool simdSupported(SimdIsa isa);
const char* simdIsaName(SimdIsa isa);

} // namespace ql::rt

#pragma once
// acc + x * w rounded twice, the product to float and then the sum: what XNNPACK's portable
// float micro-kernels compute (scalar C, WebAssembly and WebAssembly SIMD have no fused
// multiply-add), as opposed to one rounding of a fused multiply-add. The empty asm makes the
// product opaque, so no compiler contracts the two operations into an FMA whatever the ISA
// flags of the file (GCC contracts across statements by default in C++).

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ql::rt {

inline float mulThenAdd(float acc, float x, float w) {
    float p = x * w;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    asm("" : "+x"(p));
#endif
    return acc + p;
}

} // namespace ql::rt

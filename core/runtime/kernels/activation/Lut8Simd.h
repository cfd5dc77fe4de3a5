#pragma once
// out[i] = table[in[i]] over bytes: every 8-bit unary operator whose output depends only on
// the input byte (LOGISTIC, TANH, ELU, GELU, HARD_SWISH, the RELU family, LEAKY_RELU on int8
// and uint8) is one such lookup once prepare has filled the table with the reference kernel's
// own element function, so the result is bit-exact with it by construction. With AVX-512 VBMI
// the lookup takes 64 bytes at a time (two 128-entry byte permutes, picked by the index's top
// bit); otherwise a plain loop.
#include "runtime/kernels/SimdIsa.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace ql::rt {
class ThreadPool;
}

namespace ql::rt::act {

// table[byte] = element(q) for every value q of an 8-bit type (int8 when `isSigned`, else
// uint8), q being the value the byte stores; element returns the output value (in range).
template <class F> std::array<uint8_t, 256> tabulate8(bool isSigned, F&& element) {
    std::array<uint8_t, 256> table{};
    for (int byte = 0; byte < 256; ++byte) {
        const int32_t q = isSigned ? int32_t(int8_t(uint8_t(byte))) : byte;
        table[size_t(byte)] = static_cast<uint8_t>(element(q));
    }
    return table;
}

void applyLut8(const std::array<uint8_t, 256>& table, const uint8_t* in, uint8_t* out, size_t n,
               SimdIsa isa = detectSimdIsa());
// The same split over `pool` in chunks of at least 64 KiB (smaller tensors run inline).
void applyLut8(const std::array<uint8_t, 256>& table, const uint8_t* in, uint8_t* out, size_t n,
               ThreadPool* pool);

} // namespace ql::rt::act

#pragma once
// Vectorised int8 x int8 -> int32 dot products for the integer FULLY_CONNECTED path.
// The instruction set is chosen once at run time (AVX-512 VNNI, AVX-512BW, AVX2, or plain
// C++); each variant is compiled with a function target attribute, never with a global
// -march, so the binary runs on any x86-64. Integer sums are exact in every variant, so all
// of them equal the scalar loop bit for bit (tests compare them on random shapes).

#include <cstdint>
#include <string_view>

namespace ql::rt::fc {

enum class Int8Isa { Scalar, Avx2, Avx512Bw, Avx512Vnni };

// The best variant this CPU supports (or the override set below).
Int8Isa int8DotIsa();
std::string_view int8IsaName(Int8Isa isa);
bool int8IsaSupported(Int8Isa isa);
// For tests and benchmarks: force a variant (must be supported); nullptr-like reset with
// `clearInt8IsaOverride`.
void setInt8IsaOverride(Int8Isa isa);
void clearInt8IsaOverride();

// acc[b * units + o] = sum_d x[b * depth + d] * w[o * depth + d] for o in [oBegin, oEnd),
// all batches. `rowSums` (sum_d w[o * depth + d] for every o) is used by the VNNI variant,
// which multiplies unsigned (x + 128) by signed w and subtracts 128 * rowSum; pass null to
// let it compute them.
void int8DotRows(const int8_t* x, const int8_t* w, int batches, int depth, int units, int oBegin, int oEnd,
                 const int32_t* rowSums, int32_t* acc);
void int8DotRowsIsa(Int8Isa isa, const int8_t* x, const int8_t* w, int batches, int depth, int units, int oBegin,
                    int oEnd, const int32_t* rowSums, int32_t* acc);

} // namespace ql::rt::fc

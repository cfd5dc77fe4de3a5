#include "util/Float16.h"

#include <bit>
#include <cassert>

namespace ql {

float halfToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    uint32_t bits;
    if (exponent == 0x1F) {
        // inf or NaN: keep the payload in the top mantissa bits.
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {
        // normal: rebias 15 -> 127
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign; // +-0
    } else {
        // subnormal half: value = mantissa * 2^-24; normalise it for the float.
        int e = -1;
        do {
            ++e;
            mantissa <<= 1;
        } while ((mantissa & 0x400u) == 0);
        // mantissa * 2^-24 = 1.m * 2^(-15 - e)
        bits = sign | (uint32_t(127 - 15 - e) << 23) | ((mantissa & 0x3FFu) << 13);
    }
    return std::bit_cast<float>(bits);
}

uint16_t floatToHalf(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t absBits = bits & 0x7FFFFFFFu;
    if (absBits >= 0x7F800000u) {
        if (absBits == 0x7F800000u) return sign | 0x7C00u; // inf
        // NaN: keep it quiet and keep what fits of the payload.
        return sign | 0x7E00u | static_cast<uint16_t>((absBits >> 13) & 0x3FFu);
    }
    // 65520 = 65504 + half an ulp (16): from there on, round-to-nearest-even gives inf.
    if (absBits >= 0x477FF000u) return sign | 0x7C00u;
    if (absBits >= 0x38800000u) {
        // Normal half (|f| >= 2^-14): rebias and round the 13 dropped bits, ties to even.
        // A carry out of the mantissa correctly bumps the exponent.
        const uint32_t rebased = absBits - (uint32_t(127 - 15) << 23);
        const uint32_t lsb = (rebased >> 13) & 1u;
        return sign | static_cast<uint16_t>((rebased + 0x0FFFu + lsb) >> 13);
    }
    if (absBits < 0x33000000u) return sign; // below 2^-25: rounds to +-0 (2^-25 itself is a tie to 0)
    // Subnormal half: value = m * 2^-24 with m = round(|f| * 2^24).
    const uint32_t exponent = absBits >> 23;          // 102..112
    const uint32_t mantissa = (absBits & 0x7FFFFFu) | 0x800000u; // 24 significant bits
    const uint32_t shift = 126u - exponent;           // 14..24: bits to drop
    const uint32_t kept = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1u);
    const uint32_t rounded = kept + ((rest > half || (rest == half && (kept & 1u))) ? 1u : 0u);
    return sign | static_cast<uint16_t>(rounded); // 0x400 (smallest normal) on a carry: correct
}

void halfToFloat(std::span<const uint16_t> in, std::span<float> out) {
    assert(in.size() == out.size());
    for (size_t i = 0; i < in.size(); ++i) out[i] = halfToFloat(in[i]);
}

void floatToHalf(std::span<const float> in, std::span<uint16_t> out) {
    assert(in.size() == out.size());
    for (size_t i = 0; i < in.size(); ++i) out[i] = floatToHalf(in[i]);
}

} // namespace ql

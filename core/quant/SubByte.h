#pragma once
// TFLite's sub-byte integer types: INT4 and UINT4 pack two values per byte, INT2 four. The
// first element sits in the lowest bits of the first byte (tensor_utils::UnpackDenseInt4IntoInt8
// and PackInt8IntoDenseInt4 in TFLite): byte k of an int4 buffer holds elements 2k (bits 0-3)
// and 2k+1 (bits 4-7); an odd count leaves the high nibble of the last byte unused (written 0).
// Signed values are two's complement in their field: nibble 0x8..0xF is -8..-1.

#include "model/TensorTypes.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ql {

// The value of the `bits`-wide field `raw` (already masked), sign-extended when `isSigned`.
inline int32_t subByteValue(uint32_t raw, int bits, bool isSigned) {
    const uint32_t signBit = 1u << (bits - 1);
    return isSigned && (raw & signBit) ? int32_t(raw) - int32_t(1u << bits) : int32_t(raw);
}

// Element i of a packed buffer of `type` (INT4, UINT4 or INT2). The caller checks that the
// buffer holds byteCount(type, count) bytes.
inline int32_t packedElement(std::span<const uint8_t> bytes, TensorType type, size_t i) {
    const int bits = subByteBits(type);
    const size_t perByte = size_t(8 / bits);
    const uint32_t raw =
        (uint32_t(bytes[i / perByte]) >> ((i % perByte) * size_t(bits))) & ((1u << bits) - 1);
    return subByteValue(raw, bits, type != TensorType::UINT4);
}

// Unpacks `out.size()` int4 values; `packed` holds at least (out.size() + 1) / 2 bytes.
void unpackInt4(std::span<const uint8_t> packed, std::span<int8_t> out);

// Packs values in [-8, 7] (others are truncated to their low 4 bits) two per byte, low nibble
// first; (values.size() + 1) / 2 bytes.
std::vector<uint8_t> packInt4(std::span<const int8_t> values);

// The int8 values of an INT4 constant whose buffer holds either the packed layout
// ((count + 1) / 2 bytes) or, as some converters wrote it, one value per byte (count bytes,
// each in [-8, 7]; the low nibble is read, which is the same value). Empty when the buffer
// has neither size.
std::vector<int8_t> int4ConstantValues(std::span<const uint8_t> buffer, size_t count);

} // namespace ql

#include "quant/SubByte.h"

namespace ql {

void unpackInt4(std::span<const uint8_t> packed, std::span<int8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) {
        const uint32_t raw = (uint32_t(packed[i / 2]) >> ((i % 2) * 4)) & 0xFu;
        out[i] = static_cast<int8_t>(subByteValue(raw, 4, true));
    }
}

std::vector<uint8_t> packInt4(std::span<const int8_t> values) {
    std::vector<uint8_t> out((values.size() + 1) / 2, 0);
    for (size_t i = 0; i < values.size(); ++i)
        out[i / 2] |= uint8_t((uint8_t(values[i]) & 0xFu) << ((i % 2) * 4));
    return out;
}

std::vector<int8_t> int4ConstantValues(std::span<const uint8_t> buffer, size_t count) {
    std::vector<int8_t> out(count);
    if (buffer.size() == (count + 1) / 2) {
        unpackInt4(buffer, out);
    } else if (buffer.size() == count) {
        for (size_t i = 0; i < count; ++i)
            out[i] = static_cast<int8_t>(subByteValue(buffer[i] & 0xFu, 4, true));
    } else {
        out.clear();
    }
    return out;
}

} // namespace ql

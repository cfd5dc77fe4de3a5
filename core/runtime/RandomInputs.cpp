#include "runtime/RandomInputs.h"

#include <cmath>
#include <cstring>

namespace ql::rt {
namespace {

constexpr double kTwo32 = 4294967296.0;

template <class T> void fillInts(std::span<uint8_t> bytes, double lo, double hi, OracleRng& rng) {
    const double span = hi - lo + 1.0;
    const size_t n = bytes.size() / sizeof(T);
    for (size_t i = 0; i < n; ++i) {
        const double v = lo + std::floor((static_cast<double>(rng.next()) / kTwo32) * span);
        const T t = static_cast<T>(static_cast<int64_t>(v));
        std::memcpy(bytes.data() + i * sizeof(T), &t, sizeof(T));
    }
}

template <class T> void fillFloats(std::span<uint8_t> bytes, double lo, double hi, OracleRng& rng) {
    const size_t n = bytes.size() / sizeof(T);
    for (size_t i = 0; i < n; ++i) {
        const T t = static_cast<T>(lo + (hi - lo) * (static_cast<double>(rng.next()) / kTwo32));
        std::memcpy(bytes.data() + i * sizeof(T), &t, sizeof(T));
    }
}

} // namespace

Status fillRandom(std::span<uint8_t> bytes, TensorType type, bool quantized, OracleRng& rng, const RandomRanges& r) {
    switch (type) {
    case TensorType::FLOAT32: fillFloats<float>(bytes, r.floatLo, r.floatHi, rng); return {};
    case TensorType::FLOAT64: fillFloats<double>(bytes, r.floatLo, r.floatHi, rng); return {};
    case TensorType::INT8: fillInts<int8_t>(bytes, -128, 127, rng); return {};
    case TensorType::UINT8: fillInts<uint8_t>(bytes, 0, 255, rng); return {};
    case TensorType::INT16: fillInts<int16_t>(bytes, -32768, 32767, rng); return {};
    case TensorType::UINT16: fillInts<uint16_t>(bytes, 0, 65535, rng); return {};
    case TensorType::BOOL: fillInts<uint8_t>(bytes, 0, 1, rng); return {};
    case TensorType::INT32:
        if (quantized) fillInts<int32_t>(bytes, -2147483648.0, 2147483647.0, rng);
        else fillInts<int32_t>(bytes, r.intLo, r.intHi, rng);
        return {};
    case TensorType::UINT32: fillInts<uint32_t>(bytes, r.intLo, r.intHi, rng); return {};
    case TensorType::INT64: fillInts<int64_t>(bytes, r.intLo, r.intHi, rng); return {};
    default: return makeError("cannot make random " + std::string(typeName(type)) + " data");
    }
}

} // namespace ql::rt

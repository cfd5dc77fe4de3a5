#include "data/Convert.h"

#include "quant/AffineQuotient.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace ql::data {
namespace {

template <class T> T loadAs(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// IEEE half -> float (for .npy float16 files).
float halfToFloat(uint16_t h) {
    const uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    float v;
    if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
    else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    else v = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
    return sign ? -v : v;
}

double loadReal(const uint8_t* p, TensorType t) {
    switch (t) {
    case TensorType::FLOAT32: return loadAs<float>(p);
    case TensorType::FLOAT64: return loadAs<double>(p);
    case TensorType::FLOAT16: return halfToFloat(loadAs<uint16_t>(p));
    case TensorType::INT8: return loadAs<int8_t>(p);
    case TensorType::UINT8: return loadAs<uint8_t>(p);
    case TensorType::BOOL: return loadAs<uint8_t>(p) ? 1.0 : 0.0;
    case TensorType::INT16: return loadAs<int16_t>(p);
    case TensorType::UINT16: return loadAs<uint16_t>(p);
    case TensorType::INT32: return loadAs<int32_t>(p);
    case TensorType::UINT32: return loadAs<uint32_t>(p);
    case TensorType::INT64: return static_cast<double>(loadAs<int64_t>(p));
    case TensorType::UINT64: return static_cast<double>(loadAs<uint64_t>(p));
    default: return 0.0;
    }
}

template <class T> void storeInt(double r, const InputInfo& dst, uint8_t* out) {
    constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
    double q;
    if (dst.quantized) {
        // TFLite's AffineQuantize: round(val / scale) (in double for int16, quant/AffineQuotient.h's
        // affineQuotient), then + zero_point.
        const TensorType type = sizeof(T) == 2 && std::is_signed_v<T> ? TensorType::INT16 : TensorType::INT8;
        q = std::round(affineQuotient(static_cast<float>(r), dst.scale, type)) + static_cast<double>(dst.zeroPoint);
    } else {
        q = std::round(r);
    }
    if (std::isnan(q)) q = 0;
    const T v = static_cast<T>(std::clamp(q, lo, hi));
    std::memcpy(out, &v, sizeof(T));
}

// A (possibly resized, fractional) pixel value as a byte: round half up, clamp to 0..255.
uint8_t pixelByte(float p) { return static_cast<uint8_t>(std::clamp(std::floor(p + 0.5f), 0.0f, 255.0f)); }

} // namespace

bool isReadableType(TensorType t) {
    switch (t) {
    case TensorType::FLOAT32: case TensorType::FLOAT64: case TensorType::FLOAT16:
    case TensorType::INT8: case TensorType::UINT8: case TensorType::BOOL:
    case TensorType::INT16: case TensorType::UINT16: case TensorType::INT32:
    case TensorType::UINT32: case TensorType::INT64: case TensorType::UINT64: return true;
    default: return false;
    }
}

bool isWritableType(TensorType t) { return t != TensorType::FLOAT16 && isReadableType(t); }

void storeReal(double r, const InputInfo& dst, uint8_t* out) {
    switch (dst.type) {
    case TensorType::FLOAT32: { const float v = static_cast<float>(r); std::memcpy(out, &v, 4); return; }
    case TensorType::FLOAT64: std::memcpy(out, &r, 8); return;
    case TensorType::INT8: storeInt<int8_t>(r, dst, out); return;
    case TensorType::UINT8: storeInt<uint8_t>(r, dst, out); return;
    case TensorType::INT16: storeInt<int16_t>(r, dst, out); return;
    case TensorType::UINT16: storeInt<uint16_t>(r, dst, out); return;
    case TensorType::INT32: storeInt<int32_t>(r, dst, out); return;
    case TensorType::UINT32: storeInt<uint32_t>(r, dst, out); return;
    case TensorType::INT64: storeInt<int64_t>(r, dst, out); return;
    case TensorType::UINT64: storeInt<uint64_t>(r, dst, out); return;
    case TensorType::BOOL: *out = r != 0.0 ? 1 : 0; return;
    default: return; // rejected by isWritableType before any conversion
    }
}

void convertNumeric(const uint8_t* src, TensorType srcType, size_t count, const InputInfo& dst, uint8_t* out) {
    const size_t inSize = elementSize(srcType), outSize = elementSize(dst.type);
    if (srcType == dst.type) {
        std::memcpy(out, src, count * inSize);
        return;
    }
    if (srcType == TensorType::FLOAT32 && dst.type == TensorType::INT8 && dst.quantized) {
        // The common calibration case, without the per-element type switch.
        const float scale = dst.scale; // divide like TFLite (not multiply by 1/scale)
        for (size_t i = 0; i < count; ++i) {
            const float q = std::round(loadAs<float>(src + 4 * i) / scale) + static_cast<float>(dst.zeroPoint);
            out[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(std::isnan(q) ? 0.0f : q, -128.0f, 127.0f)));
        }
        return;
    }
    for (size_t i = 0; i < count; ++i) storeReal(loadReal(src + i * inSize, srcType), dst, out + i * outSize);
}

void convertPixels(std::span<const float> pixels, size_t channels, size_t channelInner, const InputInfo& dst,
                   const Normalization* norm, uint8_t* out) {
    const size_t outSize = elementSize(dst.type);
    channels = std::max<size_t>(channels, 1);
    channelInner = std::max<size_t>(channelInner, 1);
    if (!norm) {
        switch (dst.type) {
        case TensorType::UINT8:
            for (size_t i = 0; i < pixels.size(); ++i) out[i] = pixelByte(pixels[i]);
            return;
        case TensorType::INT8:
            for (size_t i = 0; i < pixels.size(); ++i)
                out[i] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>(pixelByte(pixels[i])) - 128));
            return;
        case TensorType::FLOAT32: case TensorType::FLOAT64:
            for (size_t i = 0; i < pixels.size(); ++i) storeReal(pixels[i] / 255.0, dst, out + i * outSize);
            return;
        default: // other integer inputs: p / 255 quantized when quantized, else the raw pixel
            for (size_t i = 0; i < pixels.size(); ++i)
                storeReal(dst.quantized ? pixels[i] / 255.0 : pixels[i], dst, out + i * outSize);
            return;
        }
    }
    for (size_t i = 0; i < pixels.size(); ++i) {
        const size_t c = (i / channelInner) % channels;
        storeReal(norm->apply(pixels[i], c), dst, out + i * outSize);
    }
}

std::string shapeString(std::span<const int32_t> shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

bool squeezedEqual(std::span<const int32_t> a, std::span<const int32_t> b) {
    std::vector<int32_t> sa, sb;
    for (int32_t d : a) if (d != 1) sa.push_back(d);
    for (int32_t d : b) if (d != 1) sb.push_back(d);
    return sa == sb;
}

size_t itemsPerSample(std::span<const int32_t> item, const InputInfo& input, bool allowFlatten) {
    int64_t itemCount = 1;
    for (int32_t d : item) itemCount *= d;
    const int64_t inputCount = input.elementCount();
    if (itemCount == inputCount && (allowFlatten || squeezedEqual(item, input.shape))) return 1;
    if (input.shape.size() >= 1 && input.shape[0] > 1 && itemCount * input.shape[0] == inputCount) {
        const std::span<const int32_t> row(input.shape.data() + 1, input.shape.size() - 1);
        if (allowFlatten || squeezedEqual(item, row)) return static_cast<size_t>(input.shape[0]);
    }
    return 0;
}

} // namespace ql::data

#include "quant/FixedPoint.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql {

QuantizedMultiplier quantizeMultiplier(double realMultiplier) {
    QuantizedMultiplier r;
    if (realMultiplier == 0.0 || std::isnan(realMultiplier)) return r;
    if (std::isinf(realMultiplier)) { // e.g. a zero scale in a damaged model: saturate
        r.multiplier = realMultiplier > 0 ? std::numeric_limits<int32_t>::max() : -std::numeric_limits<int32_t>::max();
        r.shift = 30;
        return r;
    }
    int shift = 0;
    const double q = std::frexp(realMultiplier, &shift); // realMultiplier = q * 2^shift, q in [0.5, 1)
    int64_t qFixed = static_cast<int64_t>(std::round(q * double(int64_t(1) << 31)));
    if (qFixed == (int64_t(1) << 31)) { // q rounded up to 1.0
        qFixed /= 2;
        ++shift;
    }
    if (shift < -31) { // too small to represent: flush to zero as TFLite does
        shift = 0;
        qFixed = 0;
    }
    if (shift > 30) { // TFLite caps the exponent; the multiplier saturates
        shift = 30;
        qFixed = (int64_t(1) << 31) - 1;
    }
    r.multiplier = static_cast<int32_t>(qFixed);
    r.shift = shift;
    return r;
}

int32_t multiplyByQuantizedMultiplier(int32_t x, int32_t qm, int shift, Rounding rounding) {
    if (rounding == Rounding::Single) {
        // One rounding: (x * qm) >> (31 - shift), rounded half up.
        const int totalShift = 31 - shift;
        const int64_t round = int64_t(1) << (totalShift - 1);
        const int64_t result = (int64_t(x) * int64_t(qm) + round) >> totalShift;
        return static_cast<int32_t>(std::clamp<int64_t>(result, INT32_MIN, INT32_MAX));
    }
    const int leftShift = shift > 0 ? shift : 0;
    const int rightShift = shift > 0 ? 0 : -shift;
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(static_cast<int32_t>(int64_t(x) * (int64_t(1) << leftShift)), qm),
                               rightShift);
}

int32_t multiplyByQuantizedMultiplier(int64_t x, int32_t qm, int shift, Rounding rounding) {
    if (rounding == Rounding::Single) {
        const int totalShift = 31 - shift;
        const int64_t round = int64_t(1) << (totalShift - 1);
        // x < 2^47 and qm < 2^31: the product fits in 128 bits only; use the reduced
        // multiplier path below for the magnitude TFLite allows.
        const __int128 p = static_cast<__int128>(x) * qm + round;
        const __int128 result = p >> totalShift;
        return static_cast<int32_t>(std::clamp<__int128>(result, INT32_MIN, INT32_MAX));
    }
    // TFLite's 64-bit variant: reduce the multiplier to 16 bits, then one rounding shift.
    const int32_t reduced = qm < 0x7FFF0000 ? ((qm + (1 << 15)) >> 16) : 0x7FFF;
    const int totalShift = 15 - shift;
    const int64_t v = x * int64_t(reduced) + (int64_t(1) << (totalShift - 1));
    return static_cast<int32_t>(v >> totalShift);
}

std::pair<int32_t, int32_t> quantizedRange(TensorType type) {
    switch (type) {
    case TensorType::INT8: return {-128, 127};
    case TensorType::UINT8: return {0, 255};
    case TensorType::INT16: return {-32768, 32767};
    case TensorType::INT4: return {-8, 7};
    case TensorType::INT32: return {INT32_MIN, INT32_MAX};
    default: return {INT32_MIN, INT32_MAX};
    }
}

std::pair<int32_t, int32_t> activationRangeQuantized(Activation act, float scale, int32_t zp, TensorType type) {
    auto [qmin, qmax] = quantizedRange(type);
    // TFLite divides in float (kernel_util.cc, CalculateActivationRangeQuantizedImpl:
    // zero_point + round(f / scale)); a double quotient rounds differently for some scales,
    // e.g. 6 / 0.000660611084f is 9083 in float and 9082 in double.
    auto quantize = [&](float f) {
        const float q = std::round(f / scale);
        return static_cast<int32_t>(std::clamp<double>(double(zp) + double(q), INT32_MIN, INT32_MAX));
    };
    switch (act) {
    case Activation::RELU: return {std::max(qmin, quantize(0.0f)), qmax};
    case Activation::RELU6: return {std::max(qmin, quantize(0.0f)), std::min(qmax, quantize(6.0f))};
    case Activation::RELU_N1_TO_1: return {std::max(qmin, quantize(-1.0f)), std::min(qmax, quantize(1.0f))};
    default: return {qmin, qmax};
    }
}

std::pair<float, float> activationRangeFloat(Activation act) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    switch (act) {
    case Activation::RELU: return {0.0f, inf};
    case Activation::RELU6: return {0.0f, 6.0f};
    case Activation::RELU_N1_TO_1: return {-1.0f, 1.0f};
    default: return {-inf, inf};
    }
}

} // namespace ql

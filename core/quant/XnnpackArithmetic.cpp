#include "quant/XnnpackArithmetic.h"

#include "quant/FixedPoint.h"

#include <cstring>
#include <limits>

namespace ql::xnn {
namespace {

// XNNPACK's quantization of a float bound: lrintf(clamp(bound / scale + zp, qmin, qmax)).
int32_t quantizeBound(float bound, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax) {
    float v = bound / scale + static_cast<float>(zeroPoint);
    v = std::min(std::max(v, static_cast<float>(qmin)), static_cast<float>(qmax));
    return static_cast<int32_t>(std::nearbyint(v));
}

int floatExponent(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return static_cast<int>((bits >> 23) & 0xFF) - 127;
}

// The zero points and quantized clamp bounds shared by the binary operators' parameters.
template <class P> bool setZeroPointsAndBounds(P& p, int32_t aZeroPoint, int32_t bZeroPoint, int32_t outputZeroPoint, int32_t outMin,
                                               int32_t outMax) {
    p.aZeroPoint = aZeroPoint;
    p.bZeroPoint = bZeroPoint;
    p.outputZeroPoint = outputZeroPoint;
    p.outMin = outMin;
    p.outMax = outMax;
    return true;
}

} // namespace

std::pair<int32_t, int32_t> activationRange(Activation act, float outputScale, int32_t outputZeroPoint, TensorType type) {
    const auto [qmin, qmax] = quantizedRange(type);
    const auto [lo, hi] = activationRangeFloat(act); // the delegate's ConvertActivationToOutputRange
    return {quantizeBound(lo, outputScale, outputZeroPoint, qmin, qmax), quantizeBound(hi, outputScale, outputZeroPoint, qmin, qmax)};
}

bool addParams(float aScale, int32_t aZeroPoint, float bScale, int32_t bZeroPoint, float outputScale, int32_t outputZeroPoint,
               int32_t outMin, int32_t outMax, AddParams& p, bool subtract) {
    const float aRatio = aScale / outputScale;
    const float bRatio = bScale / outputScale;
    constexpr float kMin = 0x1.0p-10f, kMax = 0x1.0p+8f;
    if (!(aRatio >= kMin && aRatio < kMax && bRatio >= kMin && bRatio < kMax)) return false;
    // The larger ratio gets a multiplier in [2^20, 2^21); shift in [13, 30].
    p.shift = 20 - floatExponent(std::max(aRatio, bRatio));
    p.aMultiplier = static_cast<int32_t>(std::nearbyint(std::ldexp(aRatio, p.shift))); // exact scaling, then lrintf
    p.bMultiplier = static_cast<int32_t>(std::nearbyint(std::ldexp(bRatio, p.shift)));
    if (subtract) p.bMultiplier = -p.bMultiplier; // the sign applied after rounding the magnitude, as XNNPACK
    return setZeroPointsAndBounds(p, aZeroPoint, bZeroPoint, outputZeroPoint, outMin, outMax);
}

bool mulParams(float aScale, int32_t aZeroPoint, float bScale, int32_t bZeroPoint, float outputScale, int32_t outputZeroPoint,
               int32_t outMin, int32_t outMax, MulParams& p) {
    const float ratio = aScale * bScale / outputScale; // product first, then the division, in float
    if (!(ratio >= 0x1.0p-16f && ratio < 0x1.0p+8f)) return false;
    p.scale = ratio;
    return setZeroPointsAndBounds(p, aZeroPoint, bZeroPoint, outputZeroPoint, outMin, outMax);
}

bool meanParams(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint, int64_t count, int32_t outMin,
                int32_t outMax, MeanParams& p) {
    const float ratio = inputScale / outputScale;
    if (!(ratio >= 0x1.0p-8f && ratio < 0x1.0p+8f) || count <= 0 || count > (int64_t(1) << 23)) return false;
    p.bias = -static_cast<int32_t>(count) * inputZeroPoint;
    p.scale = inputScale / (outputScale * static_cast<float>(count));
    p.outputZeroPoint = outputZeroPoint;
    p.outMin = outMin;
    p.outMax = outMax;
    return true;
}

bool convertParams(float inputScale, int32_t inputZeroPoint, float outputScale, int32_t outputZeroPoint, int32_t outMin,
                   int32_t outMax, ConvertParams& p) {
    const float ratio = inputScale / outputScale;
    if (!(ratio >= 0x1.0p-8f && ratio <= 0x1.0p+7f)) return false;
    p.multiplier = static_cast<int32_t>(std::nearbyint(256.0f * ratio));
    p.inputZeroPoint = inputZeroPoint;
    p.outputZeroPoint = outputZeroPoint;
    p.outMin = outMin;
    p.outMax = outMax;
    return true;
}

} // namespace ql::xnn

#include "runtime/kernels/activation/QuantizedActivation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql::rt::act {

Lut8 makeLut8(TensorType type, float inputScale, int32_t inputZeroPoint, float outputScale,
              int32_t outputZeroPoint, const std::function<float(float)>& f, bool halfToEven) {
    Lut8 lut{};
    const bool isSigned = type == TensorType::INT8;
    const int32_t minval = isSigned ? -128 : 0, maxval = isSigned ? 127 : 255;
    const float inverseScale = 1 / outputScale;
    for (int32_t val = minval; val <= maxval; ++val) {
        const float dequantized = inputScale * static_cast<float>(val - inputZeroPoint);
        const float transformed = f(dequantized);
        // TfLiteRound: half away from 0; XNNPACK's lrintf: half to even (default rounding mode).
        const float rescaled = halfToEven ? std::nearbyint(transformed * inverseScale)
                                          : std::round(transformed * inverseScale);
        // The float-to-int conversion saturates (NaN gives 0), as the WebAssembly runtime's
        // i32.trunc_sat does; a tiny output scale or a function value of inf/NaN would
        // otherwise convert an out-of-range float, which C++ leaves undefined.
        const float shifted = rescaled + static_cast<float>(outputZeroPoint);
        const int32_t quantized = std::isnan(shifted)        ? 0
                                  : shifted >= 2147483648.0f ? std::numeric_limits<int32_t>::max()
                                  : shifted < -2147483648.0f ? std::numeric_limits<int32_t>::min()
                                                             : static_cast<int32_t>(shifted);
        lut[static_cast<uint8_t>(val)] =
            static_cast<uint8_t>(std::clamp(quantized, minval, maxval));
    }
    return lut;
}

bool makeXnnLeakyReluParams(float inputScale, int32_t inputZeroPoint, float outputScale,
                            int32_t outputZeroPoint, float alpha, XnnLeakyReluParams* p) {
    // xnn_create_leaky_relu_nc_qs8: the positive ratio first, the slope applied to it in float.
    const float positive = inputScale / outputScale;
    const float negative = positive * alpha;
    if (!(positive >= 0x1.0p-8f && positive < 0x1.0p+7f) || !(std::abs(negative) <= 0x1.0p+7f))
        return false;
    p->inputZeroPoint = inputZeroPoint;
    p->positiveMultiplier = static_cast<int32_t>(std::lrint(256.0f * positive));
    p->negativeMultiplier = static_cast<int32_t>(std::lrint(256.0f * negative));
    p->bias = outputZeroPoint * 256 + 128;
    return true;
}

int16_t downScaleInt32ToInt16Multiplier(int32_t m) {
    constexpr int32_t kRoundingOffset = 1 << 15;
    if (m >= std::numeric_limits<int32_t>::max() - kRoundingOffset)
        return std::numeric_limits<int16_t>::max();
    return static_cast<int16_t>((m + kRoundingOffset) >> 16);
}

bool makeHardSwishParams(float inputScale, int32_t inputZeroPoint, float outputScale,
                         int32_t outputZeroPoint, HardSwishParams* p) {
    p->inputZeroPoint = static_cast<int16_t>(inputZeroPoint);
    p->outputZeroPoint = static_cast<int16_t>(outputZeroPoint);
    // All in float, as activations.cc HardSwishPrepare.
    const float hiresInputScale = (1.0f / 128.0f) * inputScale;
    const float reluishScale = 3.0f / 32768.0f;
    const float outputMultiplier = hiresInputScale / outputScale;
    const QuantizedMultiplier om = quantizeMultiplier(outputMultiplier);
    p->outputMultiplier = downScaleInt32ToInt16Multiplier(om.multiplier);
    p->outputExponent = om.shift;
    const float reluishMultiplier = hiresInputScale / reluishScale;
    const QuantizedMultiplier rm = quantizeMultiplier(reluishMultiplier);
    p->reluishMultiplier = downScaleInt32ToInt16Multiplier(rm.multiplier);
    p->reluishExponent = rm.shift;
    return p->outputExponent <= 0;
}

namespace {

int16_t srdhm16(int16_t a, int16_t b) { // gemmlowp SaturatingRoundingDoublingHighMul<int16>
    if (a == b && a == std::numeric_limits<int16_t>::min())
        return std::numeric_limits<int16_t>::max();
    const int32_t ab = int32_t(a) * int32_t(b);
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

int16_t sdhm16(int16_t a, int16_t b) { // TFLite's SaturatingDoublingHighMul: truncating
    if (a == b && a == std::numeric_limits<int16_t>::min())
        return std::numeric_limits<int16_t>::max();
    return static_cast<int16_t>((int32_t(a) * int32_t(b)) / (1 << 15));
}

int16_t saturatingLeftShift16(int16_t v, int amount) {
    const int64_t r = int64_t(v) * (int64_t(1) << amount);
    return static_cast<int16_t>(std::clamp<int64_t>(r, std::numeric_limits<int16_t>::min(),
                                                    std::numeric_limits<int16_t>::max()));
}

int16_t roundingDivideByPOT16(int16_t x, int exponent) {
    if (exponent == 0) return x;
    return static_cast<int16_t>(roundingDivideByPOT(int32_t(x), exponent));
}

} // namespace

int32_t hardSwishElement(const HardSwishParams& p, int32_t q, int32_t qmin, int32_t qmax) {
    const auto inputValue = static_cast<int16_t>(q - p.inputZeroPoint);
    // |input| <= 255: shifting by 7 bits stays inside int16.
    const auto inputOnHiresScale = static_cast<int16_t>(inputValue * (1 << 7));
    const int16_t inputOnPreshiftOutputScale = srdhm16(inputOnHiresScale, p.outputMultiplier);
    // Rescale x so that 3.0 maps to 32768 (saturating), in [-1, 1].
    int16_t reluish = inputOnHiresScale;
    if (p.reluishExponent > 0) reluish = saturatingLeftShift16(reluish, p.reluishExponent - 1);
    reluish = srdhm16(reluish, p.reluishMultiplier);
    if (p.reluishExponent > 0) reluish = saturatingLeftShift16(reluish, 1);
    if (p.reluishExponent < 0) reluish = roundingDivideByPOT16(reluish, -p.reluishExponent);
    // [-1, 1] -> [0, 1]
    reluish = static_cast<int16_t>((int32_t(reluish) + (1 << 15)) >> 1);
    const int16_t preshiftOutput = sdhm16(reluish, inputOnPreshiftOutputScale);
    int16_t out = roundingDivideByPOT16(preshiftOutput, -p.outputExponent);
    int32_t result = int32_t(out) + p.outputZeroPoint;
    // TFLite adds the zero point in int16 arithmetic; the sum of an int16 within [-32768, 32767]
    // and a zero point in the 8-bit range can leave int16 only by wrapping, which the clamp below
    // would not undo. Wrap like TFLite's int16 addition.
    result = static_cast<int16_t>(result);
    return std::clamp(result, qmin, qmax);
}

} // namespace ql::rt::act

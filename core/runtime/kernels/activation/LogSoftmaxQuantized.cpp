#include "runtime/kernels/activation/LogSoftmaxQuantized.h"

#include "runtime/kernels/sequence/GemmlowpFixedPoint.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace ql::rt::act {
namespace {

using F0 = gfp::Fx<int32_t, 0>;

constexpr int kInputIntegerBits = 5;         // d_j in Q5.26: exp(-32) no longer counts
constexpr int kAccumulationIntegerBits = 12; // the sum of up to 2^12 exps cannot overflow
constexpr int kOutputIntegerBits = 4;        // output scale 16/256

// SaturatingRoundingMultiplyByPOTParam for exponent >= 0: x * 2^exponent, saturated.
int32_t saturatingShiftLeft(int32_t x, int exponent) {
    const int64_t v = int64_t(x) * (int64_t(1) << exponent);
    return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

int32_t saturatingAdd(int32_t a, int32_t b) {
    return static_cast<int32_t>(std::clamp<int64_t>(int64_t(a) + b, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

int32_t saturatingSub(int32_t a, int32_t b) {
    return static_cast<int32_t>(std::clamp<int64_t>(int64_t(a) - b, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

} // namespace

// log(x) for x >= 1 (TFLite common.h, log_x_for_x_greater_than_or_equal_to_1_impl with
// OutputIntegerBits 5, InputIntegerBits 12): x = 2^k * r with r in [sqrt(1/2), sqrt(2)) chosen
// from two normalisations (x and x * sqrt(1/2)), log(x) = k log 2 + log(r) where log(r) comes
// from a rational approximation around r = sqrt(sqrt(1/2)) in Q0.31, accumulated in Q6.25.
int32_t logQ12ToQ5(int32_t xRawQ12) {
    constexpr int kOutputBits = kInputIntegerBits; // Q5.26 result
    constexpr int kAccumBits = kOutputBits + 1;
    using FAccum = gfp::Fx<int32_t, kAccumBits>;
    const F0 log2 = F0::fromRaw(1488522236);          // log(2)
    const F0 sqrtSqrtHalf = F0::fromRaw(1805811301);  // 2^-1/4
    const F0 sqrtHalf = F0::fromRaw(1518500250);      // 2^-1/2
    const F0 oneQuarter = F0::fromRaw(536870912);
    const F0 alphaN = F0::fromRaw(117049297);         // 11/240 * 2^1/4
    const F0 alphaD = F0::fromRaw(127690142);         // 1/20 * 2^1/4
    const F0 alphaI = F0::fromRaw(1057819769);        // 2 / 2^1/4 - 2^1/4
    const F0 alphaF = F0::fromRaw(638450708);         // 1/4 * 2^1/4
    const FAccum shiftedQuarter = gfp::rescale<kAccumBits>(oneQuarter);

    const F0 za = F0::fromRaw(xRawQ12); // the raw bits read as Q0.31; the exponent is tracked apart
    const int zaHeadroomPlusOne = std::countl_zero(static_cast<uint32_t>(za.raw));
    const F0 raTmp = F0::fromRaw(saturatingShiftLeft(za.raw, zaHeadroomPlusOne - 1));
    const int32_t raRaw = saturatingShiftLeft((raTmp * sqrtHalf).raw, 1);
    const FAccum zaPow2Adj =
        FAccum::fromRaw(saturatingAdd(saturatingShiftLeft(kAccumulationIntegerBits - zaHeadroomPlusOne, 31 - kAccumBits), shiftedQuarter.raw));

    const F0 zb = za * sqrtHalf;
    const int zbHeadroom = std::countl_zero(static_cast<uint32_t>(zb.raw)) - 1;
    const int32_t rbRaw = saturatingShiftLeft(za.raw, zbHeadroom);
    const FAccum zbPow2Adj =
        FAccum::fromRaw(saturatingSub(saturatingShiftLeft(kAccumulationIntegerBits - zbHeadroom, 31 - kAccumBits), shiftedQuarter.raw));

    const F0 r = F0::fromRaw(std::min(raRaw, rbRaw));
    const FAccum zPow2Adj = FAccum::fromRaw(std::max(zaPow2Adj.raw, zbPow2Adj.raw));

    const F0 p = F0::fromRaw(gfp::roundingHalfSum<int32_t>(r.raw, sqrtSqrtHalf.raw));
    F0 q = r - sqrtSqrtHalf;
    q = q + q;
    const F0 commonSq = q * q;
    const F0 num = q * r + q * commonSq * alphaN;
    const F0 denomMinusOne = p * (alphaI + q + alphaD * commonSq) + alphaF * q;
    const F0 recipDenom = gfp::oneOverOnePlusXForXIn01(denomMinusOne);
    const FAccum numScaled = gfp::rescale<kAccumBits>(num);
    return gfp::rescale<kOutputBits>(zPow2Adj * log2 + numScaled * recipDenom).raw;
}

bool makeLogSoftmaxInt8Params(float inputScale, LogSoftmaxInt8Params* p) {
    // PreprocessSoftmaxScaling (beta 1): min(s_in * 2^26, 2^31 - 1) in double, a multiplier > 1.
    const double inputReal = std::min(double(inputScale) * double(1 << (31 - kInputIntegerBits)), double((int64_t(1) << 31) - 1));
    p->input = quantizeMultiplier(inputReal);
    // TFLite computes 1 << (31 - shift) in int: a shift below 1 would overflow there.
    if (p->input.shift < 1 || p->input.shift > 31) return false;
    const double reverseReal = double(int32_t(1) << (31 - p->input.shift)) / double(p->input.multiplier);
    p->reverse = quantizeMultiplier(reverseReal);
    // CalculateInputRadius(5, shift): the largest |d| whose left shift does not overflow.
    const double radius = 1.0 * ((1 << kInputIntegerBits) - 1) * double(int64_t(1) << (31 - kInputIntegerBits)) /
                          double(int64_t(1) << p->input.shift);
    p->diffMin = -static_cast<int32_t>(std::floor(radius));
    return true;
}

void logSoftmaxInt8Row(const LogSoftmaxInt8Params& p, const int8_t* in, int8_t* out, int32_t depth) {
    using F5 = gfp::Fx<int32_t, kInputIntegerBits>;
    int32_t maxVal = std::numeric_limits<int8_t>::min();
    for (int32_t j = 0; j < depth; ++j) maxVal = std::max(maxVal, int32_t(in[j]));

    gfp::Fx<int32_t, kAccumulationIntegerBits> sum = {}; // Q12.19
    for (int32_t j = 0; j < depth; ++j) {
        const int32_t diff = int32_t(in[j]) - maxVal;
        if (diff < p.diffMin) continue;
        const int32_t diffQ5 = multiplyByQuantizedMultiplier(diff, p.input, p.rounding);
        sum = sum + gfp::rescale<kAccumulationIntegerBits>(gfp::expOnNegativeValues(F5::fromRaw(diffQ5)));
    }
    const int32_t logSumQ5 = logQ12ToQ5(sum.raw);
    // log(sum) - 32 in Q5.26, scaled back to input units: smaller differences give -128.
    const int32_t shiftedLogSum = static_cast<int32_t>(int64_t(logSumQ5) + std::numeric_limits<int32_t>::min());
    const int32_t adjustedDiffMin = std::max(p.diffMin - 1, multiplyByQuantizedMultiplier(shiftedLogSum, p.reverse, p.rounding));

    for (int32_t j = 0; j < depth; ++j) {
        const int32_t diff = int32_t(in[j]) - maxVal;
        if (diff <= adjustedDiffMin) {
            out[j] = std::numeric_limits<int8_t>::min();
            continue;
        }
        const int32_t diffQ5 = multiplyByQuantizedMultiplier(diff, p.input, p.rounding);
        // Q5.26 -> units of the output scale 1/16 (a 22-bit shift), zero point 127.
        const int32_t q = roundingDivideByPOT(static_cast<int32_t>(int64_t(diffQ5) - logSumQ5), 31 - kInputIntegerBits - kOutputIntegerBits) + 127;
        out[j] = static_cast<int8_t>(std::clamp(q, -128, 127));
    }
}

void logSoftmaxUint8Row(const std::array<float, 256>& table, float inputScale, float outputScale, int32_t outputZeroPoint,
                        const uint8_t* in, uint8_t* out, int32_t depth) {
    int32_t maxVal = 0;
    for (int32_t j = 0; j < depth; ++j) maxVal = std::max(maxVal, int32_t(in[j]));
    const float* t = table.data() + (255 - maxVal); // t[q] = exp(s_in (q - max))
    float sum = 0.0f;
    for (int32_t j = 0; j < depth; ++j) sum += t[in[j]];
    const float logSum = std::log(sum);
    // The same float expressions, in the same order, as the runtime.
    const float scale = inputScale / outputScale;
    const float precomputed = (inputScale * float(maxVal) + logSum) / outputScale;
    for (int32_t j = 0; j < depth; ++j) {
        const float logProb = scale * float(in[j]) - precomputed;
        const int32_t q = static_cast<int32_t>(std::rint(logProb)) + outputZeroPoint;
        out[j] = static_cast<uint8_t>(std::clamp(q, 0, 255));
    }
}

} // namespace ql::rt::act

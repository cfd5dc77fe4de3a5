#include "runtime/kernels/elementwise/Arithmetic.h"

#include "runtime/kernels/sequence/GemmlowpFixedPoint.h"

#include <bit>

namespace ql::rt::ew {

namespace {

// RoundingDivideByPOT as TFLite's runtime executes it for uint8 DIV: with extreme scales the
// exponent reaches 32 or more, where gemmlowp's mask (computed in 64 bits, truncated to 32) is
// all ones and its 32-bit shift is undefined in C++; the runtime's machines (wasm i32.shr_s,
// x86 sar) take the shift count mod 32. Reproduced here, without undefined behaviour, so that
// DIV stays bit-exact with the runtime (the div_uint8 golden reaches exponent 33).
int32_t runtimeRoundingDivideByPOT(int32_t x, int exponent) {
    if (exponent < 32) return roundingDivideByPOT(x, exponent);
    const int32_t mask = -1;
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> (exponent & 31)) + (remainder > threshold ? 1 : 0);
}

} // namespace

AddSubParams makeAddSubParams(float s1, int32_t z1, float s2, int32_t z2, float sOut, int32_t zOut, int leftShift,
                              bool subtract, std::pair<int32_t, int32_t> activation) {
    AddSubParams p;
    p.input1Offset = -z1;
    p.input2Offset = -z2;
    p.outputOffset = zOut;
    p.leftShift = leftShift;
    p.subtract = subtract;
    // As add.cc: `2 * std::max(float, float)` is a float (exact), the ratios are doubles.
    const double twiceMaxInputScale = 2 * std::max(s1, s2);
    p.input1 = quantizeMultiplier(double(s1) / twiceMaxInputScale);
    p.input2 = quantizeMultiplier(double(s2) / twiceMaxInputScale);
    p.output = quantizeMultiplier(twiceMaxInputScale / (double(float(1 << leftShift) * sOut)));
    p.actMin = activation.first;
    p.actMax = activation.second;
    return p;
}

SquaredDiffParams makeSquaredDiffParams(float s1, int32_t z1, float s2, int32_t z2, float sOut, int32_t zOut) {
    SquaredDiffParams p;
    p.input1Offset = -z1;
    p.input2Offset = -z2;
    p.outputOffset = zOut;
    const double twiceMax = 2 * std::max(s1, s2);
    p.input1 = quantizeMultiplier(double(s1) / twiceMax);
    p.input2 = quantizeMultiplier(double(s2) / twiceMax);
    p.output = quantizeMultiplier((twiceMax * twiceMax) / (double(float(1 << (p.leftShift * 2)) * sOut)));
    return p;
}

namespace {

// TFLite's CountLeadingSignBits for int32: redundant sign bits (31 for 0 and -1).
int countLeadingSignBits(int32_t x) { return std::countl_zero(static_cast<uint32_t>(x < 0 ? ~x : x)) - 1; }

} // namespace

int32_t divElement(const DivParams& p, int32_t a, int32_t b) {
    int32_t num = a + p.input1Offset;
    int32_t den = b + p.input2Offset;
    if (den < 0) { // the reciprocal is used as a positive multiplier
        num = -num;
        den = -den;
    }
    // GetReciprocal(den, 31): den = 2^bits * (1 + x) with x in [0, 1); 1/(1+x) in Q0.31.
    const int headroomPlusOne = std::countl_zero(static_cast<uint32_t>(den));
    const int reciprocalShift = 31 - headroomPlusOne;
    const auto shiftedMinusOne = static_cast<int32_t>((static_cast<uint32_t>(den) << headroomPlusOne) - (uint32_t(1) << 31));
    const int32_t reciprocal = gfp::oneOverOnePlusXForXIn01(gfp::Fx<int32_t, 0>::fromRaw(shiftedMinusOne)).raw;
    // num * 2^headroom fits int32 (0 stays 0); MultiplyByQuantizedMultiplierGreaterThanOne.
    const int headroom = countLeadingSignBits(num);
    const auto normalised = static_cast<int32_t>(int64_t(num) * (int64_t(1) << headroom));
    const int32_t quotient = saturatingRoundingDoublingHighMul(normalised, reciprocal);
    // MultiplyByQuantizedMultiplierSmallerThanOneExp with shift output - reciprocal - headroom.
    const int totalShift = p.output.shift - reciprocalShift - headroom;
    const int32_t scaled = runtimeRoundingDivideByPOT(saturatingRoundingDoublingHighMul(quotient, p.output.multiplier), -totalShift);
    return std::clamp(p.outputOffset + scaled, p.actMin, p.actMax);
}

} // namespace ql::rt::ew

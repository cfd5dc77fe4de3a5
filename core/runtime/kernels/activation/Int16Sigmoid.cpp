#include "runtime/kernels/activation/Int16Sigmoid.h"

#include "quant/FixedPoint.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/sequence/GemmlowpFixedPoint.h"

#include <array>
#include <cmath>
#include <cstdlib>

namespace ql::rt::act {
namespace {

// sigmoid(i / 24) in Q0.16 for i = 0..255, the values of TFLite's sigmoid_table_uint16
// (kernels/internal/common.h). They are not exactly round(65536 sigmoid(i/24)) (44 entries are
// one higher, the last is 65535), so they are kept as data; bit-exactness depends on them.
constexpr std::array<uint16_t, 256> kSigmoidTable = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

// x' = (x * m + round) >> shift: the input in units of 1/(3 * 4096) (m = 3 << shift, shift 0
// for the power-of-two form TFLite also accepts here).
int32_t rescaleInput(int32_t m, int shift, int16_t x) {
    if (m == 0) {
        m = 3 << shift;
        shift = 0;
    }
    const int32_t round = shift > 0 ? int32_t(1) << (shift - 1) : 0;
    return (int32_t(x) * m + round) >> shift;
}

} // namespace

int16_t logisticInt16Table(int32_t inputMultiplier, int inputLeftShift, int16_t x) {
    const int32_t in = rescaleInput(inputMultiplier, inputLeftShift, x);
    // |in| / 512 indexes steps of 1/24 (512 / (3 * 4096) = 1/24); 9 fractional bits interpolate.
    const auto absIn = static_cast<uint32_t>(std::abs(in));
    const uint32_t index = absIn >> 9;
    uint32_t value; // sigmoid(|x|) in Q0.25
    if (index >= 255) {
        value = uint32_t(0x7FFF) << 10;
    } else {
        const uint32_t a = kSigmoidTable[index], b = kSigmoidTable[index + 1];
        value = (a << 9) + (absIn & 0x1ff) * (b - a);
    }
    // sigmoid(-x) = 1 - sigmoid(x); round to Q0.15 (negative side biased by -1 as TFLite).
    value = in >= 0 ? value + (1u << 9) : (1u << 25) - value + (1u << 9) - 1;
    return static_cast<int16_t>(value >> 10);
}

int16_t tanhInt16Table(int32_t inputMultiplier, int inputLeftShift, int16_t x) {
    const int32_t in = rescaleInput(inputMultiplier, inputLeftShift, x);
    // tanh(x) = 2 sigmoid(2x) - 1: the same table at twice the rate, 8 fractional index bits.
    const auto absIn = static_cast<uint32_t>(std::abs(in));
    const uint32_t index = absIn >> 8;
    int32_t value; // sigmoid(2|x|) in Q0.24
    if (index >= 255) {
        value = int32_t(0xFFFF) << 8;
    } else {
        const uint32_t a = kSigmoidTable[index], b = kSigmoidTable[index + 1];
        value = static_cast<int32_t>((a << 8) + (absIn & 0xff) * (b - a));
    }
    // 2 s - 1 in Q0.23, rounded to Q0.15 (again with TFLite's -1 bias for negative inputs).
    value = in >= 0 ? value - (1 << 23) + (1 << 7) : -value + (1 << 23) + (1 << 7) - 1;
    return static_cast<int16_t>(value >> 8);
}

bool makeInt16SigmoidParams(bool tanh, float inputScale, float outputScale, Int16SigmoidParams* p) {
    constexpr int kInputIntegerBits = 3; // Q3.12 is the fixed-point path's input format
    *p = {};
    p->tanh = tanh;
    int outLog2 = 0;
    if (!ew::checkedLog2(outputScale, &outLog2) || outLog2 != -15) return false;
    int inLog2 = 0;
    const bool pot = ew::checkedLog2(inputScale, &inLog2);
    const int leftShift = (15 - kInputIntegerBits) + inLog2;
    if (pot && (leftShift == 0 || (tanh && leftShift == 1))) {
        p->fixedPoint = true;
        p->fixedPointLeftShift = leftShift;
        return true;
    }
    // Rescale to units of 1/(3 * 4096) (+-2^17 is +-10.7), keeping the multiplier above 2^14.
    double multiplier = double(inputScale) * 4096.0 * 3.0;
    int shift = 0;
    while (multiplier <= 32767.0 / 2.0 && shift <= 30) {
        ++shift;
        multiplier *= 2.0;
    }
    p->inputMultiplier = static_cast<int32_t>(multiplier);
    p->inputLeftShift = shift;
    // A multiplier of 0 would select TFLite's power-of-two form of the table path; with the loop
    // above it can only happen for scales below 2^-44, which no int16 model uses.
    return p->inputMultiplier > 0;
}

int16_t int16Sigmoid(const Int16SigmoidParams& p, int16_t x) {
    if (!p.fixedPoint)
        return p.tanh ? tanhInt16Table(p.inputMultiplier, p.inputLeftShift, x) : logisticInt16Table(p.inputMultiplier, p.inputLeftShift, x);
    using F3 = gfp::Fx<int16_t, 3>;
    if (!p.tanh) return gfp::logistic(F3::fromRaw(x)).raw;
    const int16_t raw = p.fixedPointLeftShift == 1 ? gfp::saturatingRoundingMultiplyByPOT<1>(x) : x;
    return gfp::tanh(F3::fromRaw(raw)).raw;
}

} // namespace ql::rt::act

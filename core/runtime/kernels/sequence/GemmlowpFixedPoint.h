#pragma once
// gemmlowp's scalar fixed-point arithmetic (fixedpoint/fixedpoint.h), which TFLite's integer
// LSTM uses for its gate activations: tensor_utils::ApplySigmoid evaluates
// gemmlowp::logistic on Q3.12 int16 values, ApplyTanh gemmlowp::tanh on Qn.(15-n) values.
// Written from the published algorithms so that every rounding step matches:
//   exp(x) on [-1/4, 0): 4th-order Taylor expansion around -1/8;
//   exp(x) for x < 0: the above on x mod 1/4, times exp(-2^k) for each set bit k ("barrel
//     shifter"), exp(0) = 1;
//   1/(1+x) and (1-x)/(1+x) on [0, 1]: three Newton-Raphson steps from 48/17 - 32/17 * d;
//   logistic(x) = 1/(1+exp(-|x|)) mirrored, tanh(x) = (1-exp(-2|x|))/(1+exp(-2|x|)) mirrored.
// Raw values wrap like the raw integer type (int16 sums are truncated back to int16), as in
// gemmlowp.

#include <cstdint>
#include <limits>
#include <type_traits>

namespace ql::rt::gfp {

template <class Raw> using Wide = std::conditional_t<sizeof(Raw) == 2, int32_t, int64_t>;

template <class Raw> inline Raw wrap(int64_t v) { return static_cast<Raw>(v); }

template <class Raw> inline Raw srdhm(Raw a, Raw b) {
    if (a == b && a == std::numeric_limits<Raw>::min()) return std::numeric_limits<Raw>::max();
    constexpr int kBits = 8 * sizeof(Raw);
    const Wide<Raw> ab = Wide<Raw>(a) * Wide<Raw>(b);
    const Wide<Raw> nudge = ab >= 0 ? (Wide<Raw>(1) << (kBits - 2)) : (1 - (Wide<Raw>(1) << (kBits - 2)));
    return static_cast<Raw>((ab + nudge) / (Wide<Raw>(1) << (kBits - 1)));
}

template <class Raw> inline Raw roundingDivideByPOT(Raw x, int exponent) {
    const Raw mask = static_cast<Raw>((int64_t(1) << exponent) - 1);
    const Raw remainder = static_cast<Raw>(x & mask);
    const Raw threshold = static_cast<Raw>((mask >> 1) + (x < 0 ? 1 : 0));
    return wrap<Raw>(int64_t(x >> exponent) + (remainder > threshold ? 1 : 0));
}

// x * 2^exponent, rounded (exponent < 0) or saturated (exponent > 0).
template <int Exponent, class Raw> inline Raw saturatingRoundingMultiplyByPOT(Raw x) {
    if constexpr (Exponent == 0) return x;
    else if constexpr (Exponent < 0) return roundingDivideByPOT<Raw>(x, -Exponent);
    else {
        constexpr int kBits = 8 * sizeof(Raw);
        constexpr int64_t threshold = (int64_t(1) << (kBits - 1 - Exponent)) - 1;
        if (x > threshold) return std::numeric_limits<Raw>::max();
        if (x < -threshold) return std::numeric_limits<Raw>::min();
        return wrap<Raw>(int64_t(x) * (int64_t(1) << Exponent));
    }
}

template <class Raw> inline Raw roundingHalfSum(Raw a, Raw b) {
    const Wide<Raw> sum = Wide<Raw>(a) + Wide<Raw>(b);
    const Wide<Raw> sign = sum >= 0 ? 1 : -1;
    return static_cast<Raw>((sum + sign) / 2);
}

// gemmlowp writes its constants as int32 raw values; narrower raw types round them down.
template <class Raw> inline Raw constantRaw(int32_t int32Value) {
    if constexpr (sizeof(Raw) == 4) return int32Value;
    else return static_cast<Raw>(roundingDivideByPOT<int32_t>(int32Value, 32 - 8 * int(sizeof(Raw))));
}

template <class Raw> inline Raw mask(bool c) { return c ? Raw(-1) : Raw(0); }
template <class Raw> inline Raw select(Raw m, Raw a, Raw b) { return static_cast<Raw>((m & a) ^ (~m & b)); }

template <class Raw, int IntegerBits> struct Fx {
    static constexpr int kTotalBits = 8 * sizeof(Raw);
    static constexpr int kIntegerBits = IntegerBits;
    static constexpr int kFractionalBits = kTotalBits - 1 - IntegerBits;
    Raw raw = 0;

    static Fx fromRaw(Raw r) { return Fx{r}; }
    static Fx zero() { return Fx{0}; }
    static Fx one() { return Fx{IntegerBits == 0 ? std::numeric_limits<Raw>::max() : Raw(Raw(1) << kFractionalBits)}; }
    template <int Exponent> static Fx constantPOT() { return Fx{static_cast<Raw>(Raw(1) << (kFractionalBits + Exponent))}; }
    static Fx constant(int32_t int32Raw) { return Fx{constantRaw<Raw>(int32Raw)}; }

    friend Fx operator+(Fx a, Fx b) { return Fx{wrap<Raw>(int64_t(a.raw) + b.raw)}; }
    friend Fx operator-(Fx a, Fx b) { return Fx{wrap<Raw>(int64_t(a.raw) - b.raw)}; }
    friend Fx operator-(Fx a) { return Fx{wrap<Raw>(-int64_t(a.raw))}; }
    friend Fx operator&(Fx a, Fx b) { return Fx{static_cast<Raw>(a.raw & b.raw)}; }
};

template <class Raw, int A, int B> inline Fx<Raw, A + B> operator*(Fx<Raw, A> a, Fx<Raw, B> b) {
    return Fx<Raw, A + B>{srdhm<Raw>(a.raw, b.raw)};
}

template <int Dst, class Raw, int Src> inline Fx<Raw, Dst> rescale(Fx<Raw, Src> x) {
    return Fx<Raw, Dst>{saturatingRoundingMultiplyByPOT<Src - Dst>(x.raw)};
}

// Multiplies the value by 2^Exponent exactly by moving the binary point: same raw bits,
// Exponent more integer bits (gemmlowp's ExactMulByPot).
template <int Exponent, class Raw, int I> inline Fx<Raw, I + Exponent> exactMulByPot(Fx<Raw, I> x) {
    return Fx<Raw, I + Exponent>{x.raw};
}

template <int Exponent, class Raw, int I> inline Fx<Raw, I> srMulByPot(Fx<Raw, I> x) {
    return Fx<Raw, I>{saturatingRoundingMultiplyByPOT<Exponent>(x.raw)};
}

// gemmlowp adds the final exp term with saturation only for 16-bit raw values.
template <class Raw> inline Fx<Raw, 0> addSaturatingIf16Bit(Fx<Raw, 0> a, Fx<Raw, 0> b) {
    if constexpr (sizeof(Raw) == 2) {
        const int32_t s = int32_t(a.raw) + int32_t(b.raw);
        return Fx<Raw, 0>{static_cast<Raw>(s > 32767 ? 32767 : (s < -32768 ? -32768 : s))};
    } else {
        return a + b;
    }
}

template <class Raw> Fx<Raw, 0> expOnIntervalBetweenNegativeOneQuarterAnd0Excl(Fx<Raw, 0> a) {
    using F = Fx<Raw, 0>;
    const F constantTerm = F::constant(1895147668);  // exp(-1/8)
    const F constant1Over3 = F::constant(715827883); // 1/3
    const F x = a + F::template constantPOT<-3>();
    const F x2 = x * x;
    const F x3 = x2 * x;
    const F x4 = x2 * x2;
    const F x4Over4 = srMulByPot<-2>(x4);
    const F poly = srMulByPot<-1>(((x4Over4 + x3) * constant1Over3) + x2);
    return addSaturatingIf16Bit(constantTerm, constantTerm * (x + poly));
}

template <class Raw, int I> Fx<Raw, 0> expOnNegativeValues(Fx<Raw, I> a) {
    using InputF = Fx<Raw, I>;
    using ResultF = Fx<Raw, 0>;
    constexpr int kFractionalBits = InputF::kFractionalBits;
    const InputF kOneQuarter = InputF::template constantPOT<-2>();
    const InputF maskQ = kOneQuarter - InputF::fromRaw(1);
    const InputF aModQuarterMinusQuarter = (a & maskQ) - kOneQuarter;
    ResultF result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale<0>(aModQuarterMinusQuarter));
    const Raw remainder = (aModQuarterMinusQuarter - a).raw;
    auto barrel = [&](auto exponentTag, int32_t multiplierRaw) {
        constexpr int Exponent = decltype(exponentTag)::value;
        if constexpr (I > Exponent) {
            const ResultF m = ResultF::constant(multiplierRaw);
            constexpr int kShift = kFractionalBits + Exponent;
            const Raw bit = static_cast<Raw>(remainder & static_cast<Raw>(int64_t(1) << kShift));
            result.raw = select<Raw>(mask<Raw>(bit != 0), (result * m).raw, result.raw);
        }
    };
    barrel(std::integral_constant<int, -2>{}, 1672461947);
    barrel(std::integral_constant<int, -1>{}, 1302514674);
    barrel(std::integral_constant<int, 0>{}, 790015084);
    barrel(std::integral_constant<int, 1>{}, 290630308);
    barrel(std::integral_constant<int, 2>{}, 39332535);
    barrel(std::integral_constant<int, 3>{}, 720401);
    barrel(std::integral_constant<int, 4>{}, 242);
    if constexpr (I > 5) {
        constexpr int clampB = I > 5 ? 36 - I : 0;
        const InputF clamp = InputF::constant(-(int32_t(1) << clampB)); // -32
        result.raw = select<Raw>(mask<Raw>(a.raw < clamp.raw), ResultF::zero().raw, result.raw);
    }
    result.raw = select<Raw>(mask<Raw>(a.raw == 0), ResultF::one().raw, result.raw);
    return result;
}

template <class Raw> Fx<Raw, 2> newtonRaphsonReciprocalOfHalfDenominator(Fx<Raw, 0> halfDenominator) {
    using F2 = Fx<Raw, 2>;
    const F2 c48Over17 = F2::constant(1515870810);
    const F2 cNeg32Over17 = F2::constant(-1010580540);
    F2 x = c48Over17 + halfDenominator * cNeg32Over17;
    for (int i = 0; i < 3; ++i) {
        const F2 hdx = halfDenominator * x;
        const F2 oneMinus = F2::one() - hdx;
        x = x + rescale<2>(x * oneMinus);
    }
    return x;
}

template <class Raw> Fx<Raw, 0> oneOverOnePlusXForXIn01(Fx<Raw, 0> a) {
    const Fx<Raw, 0> half{roundingHalfSum<Raw>(a.raw, Fx<Raw, 0>::one().raw)};
    return rescale<0>(exactMulByPot<-1>(newtonRaphsonReciprocalOfHalfDenominator(half)));
}

template <class Raw> Fx<Raw, 0> oneMinusXOverOnePlusXForXIn01(Fx<Raw, 0> a) {
    const Fx<Raw, 0> half{roundingHalfSum<Raw>(a.raw, Fx<Raw, 0>::one().raw)};
    return rescale<0>(newtonRaphsonReciprocalOfHalfDenominator(half) - Fx<Raw, 2>::one());
}

template <class Raw, int I> Fx<Raw, 0> logistic(Fx<Raw, I> a) {
    using InputF = Fx<Raw, I>;
    using ResultF = Fx<Raw, 0>;
    const Raw maskPositive = mask<Raw>(a.raw > 0);
    const Raw maskZero = mask<Raw>(a.raw == 0);
    const InputF absInput{select<Raw>(maskPositive, a.raw, (-a).raw)};
    const ResultF ifPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(-absInput));
    const ResultF ifNegative = ResultF::one() - ifPositive;
    const ResultF oneHalf = ResultF::constant(1 << 30);
    return ResultF{select<Raw>(maskZero, oneHalf.raw, select<Raw>(maskPositive, ifPositive.raw, ifNegative.raw))};
}

template <class Raw, int I> Fx<Raw, 0> tanh(Fx<Raw, I> a) {
    using InputF = Fx<Raw, I>;
    using ResultF = Fx<Raw, 0>;
    const Raw maskNegative = mask<Raw>(a.raw < 0);
    const Raw maskZero = mask<Raw>(a.raw == 0);
    const InputF n{select<Raw>(maskNegative, a.raw, (-a).raw)};
    const ResultF t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(exactMulByPot<1>(n)));
    return ResultF{select<Raw>(maskZero, ResultF::zero().raw, select<Raw>(maskNegative, (-t).raw, t.raw))};
}

} // namespace ql::rt::gfp

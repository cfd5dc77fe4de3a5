// The int16x8 requantization (Int16Requantize.h): the AVX-512 path against
// reference::requantize<int64_t> bit for bit, on odd channel counts, 64-bit sums up to the
// int16x8 bound 2^47, multipliers from 2^-40 to 2^13 (right shifts of 2 to 55 bits, the
// saturating multiplier 0x7FFF0000 and above), output zero points and clamps; then the
// parameters that keep the scalar path.
#include "runtime/kernels/SimdIsa.h"
#include "runtime/kernels/conv/Int16Requantize.h"
#include "runtime/kernels/conv/Reference.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

using namespace ql;
using namespace ql::rt;

namespace {

conv::RequantParams randomParams(std::mt19937& rng, int channels) {
    conv::RequantParams p;
    std::uniform_int_distribution<int> exponent(-40, 13), pick(0, 9);
    std::uniform_real_distribution<double> mantissa(0.5, 1.0);
    for (int c = 0; c < channels; ++c) {
        QuantizedMultiplier m = quantizeMultiplier(std::ldexp(mantissa(rng), exponent(rng)));
        if (pick(rng) == 0) m.multiplier = 0x7FFF0000 + pick(rng) * 1000; // the Q0.15 cut saturates
        if (pick(rng) == 1) m.multiplier = 0x40000000;                    // exactly 0.5
        p.multiplier.push_back(m.multiplier);
        p.shift.push_back(m.shift);
    }
    p.outputOffset = pick(rng) < 7 ? 0 : std::uniform_int_distribution<int>(-300, 300)(rng);
    p.actMin = pick(rng) < 5 ? -32768 : 0;
    p.actMax = pick(rng) < 8 ? 32767 : 6000;
    return p;
}

} // namespace

TEST_CASE("int16x8 requantization: the AVX-512 path equals reference::requantize<int64_t>",
          "[conv][opt][int16]") {
    if (!simdSupported(SimdIsa::Avx512)) {
        WARN("SKIPPED: this CPU has no AVX-512");
        return;
    }
    std::mt19937 rng(4747);
    std::uniform_int_distribution<int64_t> wide(-(int64_t(1) << 47), (int64_t(1) << 47) - 1),
        narrow(-5000000, 5000000);
    int vectorised = 0;
    for (int round = 0; round < 300; ++round) {
        const int channels = std::uniform_int_distribution<int>(1, 70)(rng);
        const conv::RequantParams p = randomParams(rng, channels);
        const optimized::Int16Requantizer vector(p, SimdIsa::Avx512), scalar(p, SimdIsa::Scalar);
        REQUIRE_FALSE(scalar.vectorised());
        // Shifts t = 15 - shift outside [1, 62] cannot occur with these exponents.
        REQUIRE(vector.vectorised());
        ++vectorised;
        for (int pixel = 0; pixel < 8; ++pixel) {
            std::vector<int64_t> acc(static_cast<size_t>(channels));
            for (auto& a : acc)
                a = pixel % 2 ? wide(rng) : narrow(rng);
            if (pixel == 7) acc[0] = -(int64_t(1) << 47), acc.back() = (int64_t(1) << 47) - 1;
            std::vector<int16_t> expected(static_cast<size_t>(channels)),
                got(static_cast<size_t>(channels) + 1, int16_t(0x5A5A));
            for (int c = 0; c < channels; ++c)
                expected[size_t(c)] =
                    static_cast<int16_t>(reference::requantize<int64_t>(acc[size_t(c)], p, c));
            scalar.run(acc.data(), channels, got.data());
            REQUIRE(std::vector<int16_t>(got.begin(), got.begin() + channels) == expected);
            got.assign(got.size(), int16_t(0x5A5A));
            vector.run(acc.data(), channels, got.data());
            INFO("round " << round << " channels " << channels << " pixel " << pixel);
            REQUIRE(std::vector<int16_t>(got.begin(), got.begin() + channels) == expected);
            CHECK(got.back() == int16_t(0x5A5A)); // no store past the last channel
        }
    }
    CHECK(vectorised == 300);
}

TEST_CASE(
    "int16x8 requantization: single rounding, fp32 scales and extreme shifts keep the scalar path",
    "[conv][opt][int16]") {
    conv::RequantParams p;
    p.multiplier = {0x40000000, 0x50000000};
    p.shift = {-3, 2};
    p.actMin = -32768;
    p.actMax = 32767;
    CHECK(optimized::Int16Requantizer(p, SimdIsa::Avx512).vectorised() ==
          simdSupported(SimdIsa::Avx512));
    CHECK_FALSE(optimized::Int16Requantizer(p, SimdIsa::Avx2).vectorised());
    conv::RequantParams single = p;
    single.rounding = Rounding::Single;
    CHECK_FALSE(optimized::Int16Requantizer(single, SimdIsa::Avx512).vectorised());
    conv::RequantParams big = p;
    big.shift = {-3, 15}; // t = 0: the scalar 2^(t-1) is undefined, never vectorised
    CHECK_FALSE(optimized::Int16Requantizer(big, SimdIsa::Avx512).vectorised());
    conv::RequantParams tiny = p;
    tiny.shift = {-48, 0}; // t = 63
    CHECK_FALSE(optimized::Int16Requantizer(tiny, SimdIsa::Avx512).vectorised());
}

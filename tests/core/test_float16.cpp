// float16 <-> float32 conversions: exhaustive over all 65536 halves, plus the rounding cases
// (ties to even, subnormals, overflow) checked by hand and, where the compiler has _Float16,
// against the compiler's own conversion.
#include "util/Float16.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using ql::floatToHalf;
using ql::halfToFloat;

namespace {

// Independent decode by the formula: (-1)^s * 2^(e-15) * (1 + m/1024), subnormal 2^-14 * m/1024.
double decodeByFormula(uint16_t h) {
    const int s = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    const double sign = s ? -1.0 : 1.0;
    if (e == 0) return sign * std::ldexp(m / 1024.0, -14);
    if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * std::numeric_limits<double>::infinity();
    return sign * std::ldexp(1.0 + m / 1024.0, e - 15);
}

} // namespace

TEST_CASE("float16: every half converts exactly and round-trips", "[float16]") {
    int nans = 0;
    for (uint32_t i = 0; i < 65536; ++i) {
        const auto h = static_cast<uint16_t>(i);
        const float f = halfToFloat(h);
        const double expected = decodeByFormula(h);
        if (std::isnan(expected)) {
            REQUIRE(std::isnan(f));
            // Quiet NaN with the payload's top bits kept; the sign survives.
            const uint16_t back = floatToHalf(f);
            REQUIRE((back & 0x7C00) == 0x7C00);
            REQUIRE((back & 0x3FF) != 0);
            REQUIRE((back & 0x8000) == (h & 0x8000));
            ++nans;
            continue;
        }
        REQUIRE(static_cast<double>(f) == expected);
        REQUIRE(std::signbit(f) == bool(h & 0x8000));
        REQUIRE(floatToHalf(f) == h);
    }
    CHECK(nans == 2 * 1023);
}

TEST_CASE("float16: rounding to nearest, ties to even, between every pair of neighbours", "[float16]") {
    // For each finite positive half h (and its successor), the float halfway between them must
    // round to the one with the even mantissa; just below/above must round down/up.
    for (uint16_t h = 0; h < 0x7BFF; ++h) {
        const double lo = decodeByFormula(h), hi = decodeByFormula(static_cast<uint16_t>(h + 1));
        const auto mid = static_cast<float>((lo + hi) / 2); // exact: halves have 11 bits
        REQUIRE(static_cast<double>(mid) == (lo + hi) / 2);
        const uint16_t even = (h & 1) ? static_cast<uint16_t>(h + 1) : h;
        REQUIRE(floatToHalf(mid) == even);
        REQUIRE(floatToHalf(-mid) == (even | 0x8000));
        REQUIRE(floatToHalf(std::nextafter(mid, 0.0f)) == h);
        REQUIRE(floatToHalf(std::nextafter(mid, 1e9f)) == h + 1);
    }
}

TEST_CASE("float16: hand-checked values", "[float16]") {
    CHECK(floatToHalf(1.0f) == 0x3C00);
    CHECK(floatToHalf(-2.0f) == 0xC000);
    CHECK(floatToHalf(65504.0f) == 0x7BFF);
    CHECK(floatToHalf(65519.0f) == 0x7BFF);          // below the overflow tie
    CHECK(floatToHalf(65520.0f) == 0x7C00);          // the tie rounds to even = inf
    CHECK(floatToHalf(1e10f) == 0x7C00);
    CHECK(floatToHalf(-std::numeric_limits<float>::infinity()) == 0xFC00);
    CHECK(floatToHalf(std::ldexp(1.0f, -14)) == 0x0400); // smallest normal
    CHECK(floatToHalf(std::ldexp(1.0f, -24)) == 0x0001); // smallest subnormal
    CHECK(floatToHalf(std::ldexp(1.0f, -25)) == 0x0000); // tie between 0 and 2^-24 -> even (0)
    CHECK(floatToHalf(std::ldexp(1.5f, -25)) == 0x0001);
    CHECK(floatToHalf(std::ldexp(3.0f, -25)) == 0x0002); // 1.5 * 2^-24: tie -> even (2)
    CHECK(floatToHalf(-0.0f) == 0x8000);
    CHECK(floatToHalf(0.1f) == 0x2E66);              // 0.0999755859375
    CHECK(halfToFloat(0x3555) == Approx(0.333251953125).epsilon(0));
    CHECK(halfToFloat(0x0001) == std::ldexp(1.0f, -24));
    // Largest subnormal rounds up into the smallest normal.
    CHECK(floatToHalf(std::nextafter(std::ldexp(1.0f, -14), 0.0f)) == 0x0400);
}

#if defined(__FLT16_MAX__) && !defined(__clang__)
TEST_CASE("float16: agrees with the compiler's _Float16 on a sweep of floats", "[float16]") {
    // Every 97th float bit pattern (about 44 million values), both signs, incl. NaNs.
    for (uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 97) {
        const float f = std::bit_cast<float>(static_cast<uint32_t>(bits));
        if (std::isnan(f)) continue;
        const _Float16 ref = static_cast<_Float16>(f);
        const uint16_t refBits = std::bit_cast<uint16_t>(ref);
        if (floatToHalf(f) != refBits) {
            INFO("float bits " << bits);
            REQUIRE(floatToHalf(f) == refBits);
        }
    }
}
#endif

TEST_CASE("float16: span conversions", "[float16]") {
    const std::vector<uint16_t> halves = {0x3C00, 0xC000, 0x7BFF, 0x0001};
    std::vector<float> floats(halves.size());
    ql::halfToFloat(halves, floats);
    CHECK(floats[0] == 1.0f);
    CHECK(floats[2] == 65504.0f);
    std::vector<uint16_t> back(halves.size());
    ql::floatToHalf(floats, back);
    CHECK(back == halves);
}

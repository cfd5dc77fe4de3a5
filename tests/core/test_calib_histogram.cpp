// core/calib: the re-binning histogram.
#include "calib/Histogram.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>

using namespace ql::calib;

namespace {

// Reference counts at the histogram's final width, computed from scratch.
std::map<int64_t, uint64_t> referenceBins(const std::vector<float>& values, int exponent) {
    std::map<int64_t, uint64_t> bins;
    for (float v : values) ++bins[static_cast<int64_t>(std::floor(std::ldexp(static_cast<double>(v), -exponent)))];
    return bins;
}

} // namespace

TEST_CASE("re-binning merges counts exactly as the range grows", "[calib][histogram]") {
    std::mt19937 rng(7);
    Histogram h;
    std::vector<float> all;
    // Each round widens the range (x4), so the histogram re-bins several times; the first round
    // is a single value, the second all zeros.
    std::vector<std::vector<float>> rounds = {{0.3f}, std::vector<float>(100, 0.0f)};
    for (int r = 0; r < 6; ++r) {
        std::normal_distribution<float> n(0.5f * r, std::ldexp(1.0f, 2 * r - 4));
        std::vector<float> v(5000);
        for (float& x : v) x = n(rng);
        rounds.push_back(v);
    }
    int lastExponent = -1000;
    int rebins = 0;
    for (const auto& v : rounds) {
        h.add(v);
        all.insert(all.end(), v.begin(), v.end());
        if (h.exponent() != lastExponent) ++rebins;
        lastExponent = h.exponent();
        REQUIRE(h.total() == all.size()); // counts preserved by every merge
    }
    CHECK(rebins >= 4);
    // Exact: every bin equals counting the values from scratch at the final width.
    const auto ref = referenceBins(all, h.exponent());
    uint64_t matched = 0;
    for (size_t k = 0; k < h.binCount(); ++k) {
        const int64_t idx = h.first() + static_cast<int64_t>(k);
        const auto it = ref.find(idx);
        const uint64_t expected = it == ref.end() ? 0 : it->second;
        REQUIRE(h.count(k) == expected);
        matched += expected;
    }
    CHECK(matched == all.size());
    // Resolution: the data spans more than 2048 bins.
    const auto [mn, mx] = std::minmax_element(all.begin(), all.end());
    const double span = std::floor(*mx / h.width()) - std::floor(*mn / h.width()) + 1;
    CHECK(span > 2048);
    CHECK(span <= Histogram::kBins);
}

TEST_CASE("histogram quantiles, counts below, folding and merging", "[calib][histogram]") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1.0f, 3.0f);
    std::vector<float> v(200000);
    for (float& x : v) x = u(rng);
    Histogram h;
    h.add(v);
    CHECK(h.quantile(0.5) == Approx(1.0).margin(0.02));
    CHECK(h.quantile(0.25) == Approx(0.0).margin(0.02));
    CHECK(h.quantile(0.0) >= -1.0);
    CHECK(h.quantile(1.0) <= 3.0);
    CHECK(h.countBelow(2.0) / v.size() == Approx(0.75).margin(0.01));

    const Histogram f = h.folded();
    CHECK(f.total() == h.total());
    CHECK(f.first() == 0);
    // |x| for x uniform in [-1, 3): P(|x| < 1) = 0.5.
    CHECK(f.countBelow(1.0) / v.size() == Approx(0.5).margin(0.01));

    Histogram c = h;
    c.coarsen(3);
    CHECK(c.total() == h.total());
    CHECK(c.width() == h.width() * 8);

    Histogram small;
    small.add(std::vector<float>{0.001f, 0.002f});
    Histogram merged = small;
    merged.merge(h);
    CHECK(merged.total() == h.total() + 2);
    CHECK(merged.countBelow(0.0025) >= 2);
}

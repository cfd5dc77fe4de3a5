// The error figures every analysis view reports, on values whose error is known by hand.
#include "analysis/ErrorMetrics.h"

#include <catch2/catch.hpp>

#include <random>

using namespace ql::analysis;

TEST_CASE("error metrics of a known offset", "[analysis][metrics]") {
    const std::vector<float> ref{1, -2, 3, -4};
    std::vector<float> test = ref;
    for (float& v : test) v += 0.5f;
    const ErrorStats s = compareValues(ref, test);
    CHECK(s.count == 4);
    CHECK(s.mse == Approx(0.25));
    CHECK(s.rmse == Approx(0.5));
    CHECK(s.meanError == Approx(0.5));
    CHECK(s.maxAbsError == Approx(0.5));
    // signal power 1+4+9+16 = 30, noise 4 * 0.25 = 1
    CHECK(s.sqnrDb == Approx(10 * std::log10(30.0)));
    CHECK(std::isnan(s.rmseOverScale));
    CHECK(std::isnan(s.clipRate));
}

TEST_CASE("identical values: infinite SQNR, cosine 1; zero reference with noise: -inf", "[analysis][metrics]") {
    const std::vector<float> a{0.25f, -1, 7};
    const ErrorStats same = compareValues(a, a);
    CHECK(std::isinf(same.sqnrDb));
    CHECK(same.sqnrDb > 0);
    CHECK(same.cosine == Approx(1));
    const std::vector<float> zeros(3, 0.f);
    const ErrorStats z = compareValues(zeros, a);
    CHECK(std::isinf(z.sqnrDb));
    CHECK(z.sqnrDb < 0);
    CHECK(z.cosine == 0);
    CHECK(formatDb(same.sqnrDb) == "inf dB");
    CHECK(formatDb(12.345) == "12.3 dB");
}

TEST_CASE("pure rounding of a uniform signal gives RMSE/scale near 1/sqrt(12)", "[analysis][metrics]") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1, 1);
    const double scale = 2.0 / 255;
    std::vector<float> ref(200000), test(ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
        ref[i] = u(rng);
        test[i] = static_cast<float>(scale * std::round(ref[i] / scale));
    }
    ErrorAccumulator acc;
    acc.setGrid(scale, -0.5, 0.5); // half the values lie outside this grid
    acc.add(ref, test);
    const ErrorStats s = acc.result();
    CHECK(s.rmseOverScale == Approx(kRoundingNoiseRmseOverScale).epsilon(0.01));
    CHECK(s.clipRate == Approx(0.5).epsilon(0.02));
}

TEST_CASE("merging accumulators equals one pass; non-finite pairs are skipped", "[analysis][metrics]") {
    const std::vector<float> r1{1, 2, 3}, t1{1.1f, 2, 2.5f}, r2{-1, NAN, 4}, t2{-1, 0, 4.4f};
    ErrorAccumulator a, b, all;
    a.add(r1, t1);
    b.add(r2, t2);
    all.add(r1, t1);
    all.add(r2, t2);
    a.merge(b);
    const ErrorStats m = a.result(), s = all.result();
    CHECK(m.count == 5);
    CHECK(m.skipped == 1);
    CHECK(m.mse == Approx(s.mse));
    CHECK(m.sqnrDb == Approx(s.sqnrDb));
    CHECK(m.maxAbsError == Approx(0.5));
}

TEST_CASE("per-channel error along an axis", "[analysis][metrics]") {
    // shape [2, 3]: channel axis 1; only channel 2 has an error
    const std::vector<float> ref{1, 2, 3, 4, 5, 6}, test{1, 2, 3.5f, 4, 5, 5};
    const auto ch = perChannelError(ref, test, {2, 3}, 1);
    REQUIRE(ch.size() == 3);
    CHECK(ch[0].mse == 0);
    CHECK(ch[1].mse == 0);
    CHECK(ch[2].mse == Approx((0.25 + 1.0) / 2));
    CHECK(perChannelError(ref, test, {4, 3}, 1).empty()); // shape does not match the data
}

TEST_CASE("block sums equal a naive pass, also with non-finite values inside a block", "[analysis][metrics]") {
    std::mt19937 rng(9);
    std::normal_distribution<float> g(0, 3);
    std::vector<float> ref(5003), test(ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
        ref[i] = g(rng);
        test[i] = ref[i] + 0.1f * g(rng);
    }
    ref[1500] = NAN;
    test[4100] = INFINITY;
    double s2 = 0, e2 = 0, e1 = 0, mx = 0;
    size_t n = 0, clipped = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        if (!std::isfinite(ref[i]) || !std::isfinite(test[i])) continue;
        const double e = double(test[i]) - double(ref[i]);
        s2 += double(ref[i]) * ref[i];
        e2 += e * e;
        e1 += e;
        mx = std::max(mx, std::abs(e));
        clipped += (ref[i] < -4 || ref[i] > 4);
        ++n;
    }
    ErrorAccumulator acc;
    acc.setGrid(0.1, -4, 4);
    acc.add(ref, test);
    const ErrorStats s = acc.result();
    CHECK(s.count == n);
    CHECK(s.skipped == 2);
    CHECK(s.mse == Approx(e2 / double(n)).epsilon(1e-12));
    CHECK(s.meanError == Approx(e1 / double(n)).epsilon(1e-9));
    CHECK(s.maxAbsError == mx);
    CHECK(s.sqnrDb == Approx(10 * std::log10(s2 / e2)).epsilon(1e-12));
    CHECK(s.clipRate == Approx(double(clipped) / double(n)));
}

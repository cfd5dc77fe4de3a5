// core/calib: calibrators on synthetic distributions with known answers, TFLite's nudging,
// clipping rates, per-channel weight ranges.
#include "calib/Calibrator.h"
#include "calib/CalibratorRegistry.h"
#include "calib/RangeSearch.h"
#include "model/ModelBuilder.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

using namespace ql;
using namespace ql::calib;

namespace {

TensorStats statsOf(const std::vector<float>& v) {
    TensorStats s;
    for (float x : v) {
        s.min = std::min(s.min, x);
        s.max = std::max(s.max, x);
        s.zeros += x == 0.0f;
    }
    s.count = v.size();
    s.observations = 1;
    s.histogram.add(v);
    return s;
}

// Mean squared error of quantizing and dequantizing the data with TFLite's parameters.
double actualMse(const std::vector<float>& v, Range r, bool symmetric) {
    const QuantParams q = paramsFromRange(r, TensorType::INT8, symmetric);
    const float s = q.scale[0];
    const int64_t zp = q.zeroPoint[0];
    const int qmin = symmetric ? -127 : -128;
    double sum = 0;
    for (float x : v) {
        const double qv = std::clamp<double>(std::round(x / s) + static_cast<double>(zp), qmin, 127);
        const double d = s * (qv - static_cast<double>(zp)) - x;
        sum += d * d;
    }
    return sum / static_cast<double>(v.size());
}

} // namespace

TEST_CASE("TFLite's nudging on hand-computed ranges", "[calib][params]") {
    // [-1, 3] int8: scale = 4 / 255 = 0.0156862745; zero_point_from_min = -128 - (-1 / scale)
    // = -128 + 63.75 = -64.25 -> round -> -64.
    QuantParams a = paramsFromRange({-1.0f, 3.0f}, TensorType::INT8, false);
    CHECK(a.scale[0] == Approx(0.0156862745).epsilon(1e-7));
    CHECK(a.zeroPoint[0] == -64);
    CHECK(a.min[0] == -1.0f);
    CHECK(a.max[0] == 3.0f);
    // [2, 10] int8: widened to [0, 10]: scale 10 / 255, zero_point_from_min = -128 -> -128.
    QuantParams b = paramsFromRange({2.0f, 10.0f}, TensorType::INT8, false);
    CHECK(b.scale[0] == Approx(10.0 / 255.0).epsilon(1e-7));
    CHECK(b.zeroPoint[0] == -128);
    CHECK(b.min[0] == 0.0f);
    // [-3, -1] int8: widened to [-3, 0]: scale 3 / 255; -128 + 3 / (3 / 255) = 127 -> 127.
    QuantParams c = paramsFromRange({-3.0f, -1.0f}, TensorType::INT8, false);
    CHECK(c.scale[0] == Approx(3.0 / 255.0).epsilon(1e-7));
    CHECK(c.zeroPoint[0] == 127);
    // [-0.5, 6] uint8: scale 6.5 / 255 = 0.0254902; 0 - (-0.5 / scale) = 19.615 -> 20.
    QuantParams d = paramsFromRange({-0.5f, 6.0f}, TensorType::UINT8, false);
    CHECK(d.scale[0] == Approx(6.5 / 255.0).epsilon(1e-7));
    CHECK(d.zeroPoint[0] == 20);
    // [-1, 3] int8 symmetric: scale = 3 / 127 = 0.023622, zero point 0.
    QuantParams e = paramsFromRange({-1.0f, 3.0f}, TensorType::INT8, true);
    CHECK(e.scale[0] == Approx(3.0 / 127.0).epsilon(1e-7));
    CHECK(e.zeroPoint[0] == 0);
    // int16 is symmetric even when asked otherwise: [-1, 3] -> 3 / 32767, zero point 0.
    QuantParams f = paramsFromRange({-1.0f, 3.0f}, TensorType::INT16, false);
    CHECK(f.scale[0] == Approx(3.0 / 32767.0).epsilon(1e-7));
    CHECK(f.zeroPoint[0] == 0);
    // [0, 0]: scale 1 (TFLite would write 0), zero point qmin.
    QuantParams g = paramsFromRange({0.0f, 0.0f}, TensorType::INT8, false);
    CHECK(g.scale[0] == 1.0f);
    CHECK(g.zeroPoint[0] == -128);
}

TEST_CASE("calibrator names parse", "[calib]") {
    CHECK(Calibrator::parse("minmax")->kind == Calibrator::Kind::MinMax);
    CHECK(Calibrator::parse("mse")->kind == Calibrator::Kind::Mse);
    CHECK(Calibrator::parse("kl")->kind == Calibrator::Kind::Kl);
    auto p = Calibrator::parse("percentile:99.9");
    REQUIRE(p.ok());
    CHECK(p->percentile == 99.9);
    CHECK(p->name() == "percentile:99.9");
    CHECK(Calibrator::parse("percentile")->percentile == 99.99);
    CHECK_THAT(Calibrator::parse("percentile:101").message(), Catch::Contains("(0, 100]"));
    CHECK_THAT(Calibrator::parse("percentile:abc").message(), Catch::Contains("percentile:P"));
    CHECK_THAT(Calibrator::parse("entropy").message(), Catch::Contains("unknown calibrator 'entropy'"));
}

TEST_CASE("uniform data: minmax is the true range, clipping rates follow the range", "[calib]") {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-2.0f, 5.0f);
    std::vector<float> v(100000);
    for (float& x : v) x = u(rng);
    const TensorStats s = statsOf(v);
    const Range mm = chooseRange(s, {}, 8, false);
    CHECK(mm.min == s.min);
    CHECK(mm.max == s.max);
    CHECK(mm.min == Approx(-2.0f).margin(1e-3));
    CHECK(mm.max == Approx(5.0f).margin(1e-3));
    const Range sym = chooseRange(s, {}, 8, true);
    CHECK(sym.max == s.max);
    CHECK(sym.min == -s.max);
    CHECK(clippingRate(s, mm) == 0.0);

    // percentile:99 of uniform [-2, 5): the 1st and 99th percentiles are -1.93 and 4.93.
    const Range p = chooseRange(s, *Calibrator::parse("percentile:99"), 8, false);
    CHECK(p.min == Approx(-1.93).margin(0.01));
    CHECK(p.max == Approx(4.93).margin(0.01));
    CHECK(clippingRate(s, p) == Approx(0.02).margin(0.002));
    CHECK(clippingRate(s, {-2.0f, 1.5f}) == Approx(0.5).margin(0.005));

    // Clipping uniform data saves little rounding noise and costs a lot: mse keeps ~ all of it.
    const Range m = chooseRange(s, *Calibrator::parse("mse"), 8, false);
    CHECK(m.max - m.min > 0.97 * (s.max - s.min));
}

TEST_CASE("Gaussian data with rare outliers: percentile, mse and kl clip them and quantize better", "[calib]") {
    std::mt19937 rng(5);
    std::normal_distribution<float> n(0.0f, 1.0f);
    std::vector<float> v(1000000);
    for (float& x : v) x = n(rng);
    // 6 outliers out of a million, between 10 and 14 sigma.
    for (int i = 0; i < 6; ++i) v[static_cast<size_t>(i) * 1000 + 17] = (i % 2 ? -1.0f : 1.0f) * (10.0f + 0.8f * i);
    const TensorStats s = statsOf(v);
    for (bool symmetric : {false, true}) {
        INFO((symmetric ? "symmetric" : "asymmetric"));
        const Range mm = chooseRange(s, {}, 8, symmetric);
        const double mseMinMax = actualMse(v, mm, symmetric);
        CHECK(std::max(-mm.min, mm.max) > 13.0f);
        for (const char* name : {"percentile:99.99", "mse", "kl"}) {
            INFO(name);
            const Range r = chooseRange(s, *Calibrator::parse(name), 8, symmetric);
            CHECK(r.max < 9.0f); // the outliers are clipped
            CHECK(r.min > -9.0f);
            CHECK(r.max > 3.0f); // the Gaussian body is kept
            CHECK(clippingRate(s, r) < 1e-3);
            CHECK(actualMse(v, r, symmetric) < 0.7 * mseMinMax);
        }
        // percentile:99.99 of |x| for N(0, 1) is 3.89.
        if (symmetric) CHECK(chooseRange(s, *Calibrator::parse("percentile:99.99"), 8, true).max == Approx(3.89).margin(0.1));
        // The mse calibrator's model agrees with the measured error to within a few percent.
        const Range r = chooseRange(s, *Calibrator::parse("mse"), 8, symmetric);
        CHECK(expectedQuantizationMse(s, r, 8, symmetric) == Approx(actualMse(v, r, symmetric)).epsilon(0.15));
    }
}

TEST_CASE("non-negative data (ReLU): ranges start at zero, zeros cost nothing", "[calib]") {
    std::mt19937 rng(9);
    std::exponential_distribution<float> e(1.0f);
    std::vector<float> v(400000, 0.0f); // half exact zeros
    for (size_t i = 0; i < v.size(); i += 2) v[i] = e(rng);
    const TensorStats s = statsOf(v);
    CHECK(s.zeros >= 200000);
    const double mseMinMax = actualMse(v, {s.min, s.max}, false);
    for (const char* name : {"mse", "percentile:99.9"}) {
        INFO(name);
        const Range r = chooseRange(s, *Calibrator::parse(name), 8, false);
        CHECK(r.min >= 0.0f);
        CHECK(r.max < s.max);
        CHECK(r.max > 3.0f); // exp(1): 98% of the non-zero half lies below 3.9
        CHECK(clippingRate(s, r) < 0.02);
    }
    // kl alone would clip near 4; the guard keeps it only when the error model rates it no
    // worse than minmax's range, which an exponential tail does not allow.
    const Range k = chooseRange(s, *Calibrator::parse("kl"), 8, false);
    CHECK(k.min >= 0.0f);
    CHECK(expectedQuantizationMse(s, k, 8, false) <= expectedQuantizationMse(s, {s.min, s.max}, 8, false));
    // percentile:99.9 of all values = 99.8% of the non-zero half: -ln(0.002) = 6.2.
    CHECK(chooseRange(s, *Calibrator::parse("percentile:99.9"), 8, false).max == Approx(6.2).margin(0.15));
    // An exponential tail is long: clipping it costs more than the finer steps save, and mse
    // stays close to minmax's error.
    const Range m = chooseRange(s, *Calibrator::parse("mse"), 8, false);
    CHECK(actualMse(v, m, false) <= 1.05 * mseMinMax);
    // The zeros do not count as rounding noise: without them the chosen range would be narrower.
    TensorStats noZeroCredit = s;
    noZeroCredit.zeros = 0;
    CHECK(chooseRange(noZeroCredit, *Calibrator::parse("mse"), 8, false).max <= m.max);
}

TEST_CASE("per-channel ranges of constant weights and their symmetric parameters", "[calib][weights]") {
    ModelBuilder b;
    // [2, 3]: channel 0 = {-1, 0.5, 2}, channel 1 = {0, 0, 0}.
    const TensorIndex w = b.addConstant<float>("w", TensorType::FLOAT32, {2, 3}, {-1.0f, 0.5f, 2.0f, 0.0f, 0.0f, 0.0f});
    const TensorIndex x = b.addTensor("x", TensorType::FLOAT32, {1, 3});
    (void)x;
    const Model m = b.build();
    const Tensor& t = m.subgraphs[0].tensor(w);
    auto perRow = constantRanges(m, t, 0);
    REQUIRE(perRow.ok());
    CHECK(perRow->min == std::vector<float>{-1.0f, 0.0f});
    CHECK(perRow->max == std::vector<float>{2.0f, 0.0f});
    auto perCol = constantRanges(m, t, 1);
    REQUIRE(perCol.ok());
    CHECK(perCol->min == std::vector<float>{-1.0f, 0.0f, 0.0f});
    CHECK(perCol->max == std::vector<float>{0.0f, 0.5f, 2.0f});
    auto whole = constantRanges(m, t, -1);
    REQUIRE(whole.ok());
    CHECK(whole->min == std::vector<float>{-1.0f});
    CHECK(whole->max == std::vector<float>{2.0f});
    CHECK_FALSE(constantRanges(m, t, 2).ok());
    CHECK_THAT(constantRanges(m, m.subgraphs[0].tensor(x), 0).message(), Catch::Contains("'x'"));

    const QuantParams q = symmetricChannelParams(*perRow);
    REQUIRE(q.scale.size() == 2);
    CHECK(q.scale[0] == Approx(2.0 / 127.0)); // max(|-1|, |2|) / 127
    CHECK(q.scale[1] == 1.0f);                // an all-zero channel
    CHECK(q.zeroPoint == std::vector<int64_t>{0, 0});
    CHECK(q.quantizedDimension == 0);
}

TEST_CASE("the O(levels) KL divergence equals the direct definition", "[calib][kl]") {
    std::mt19937 rng(21);
    std::geometric_distribution<int> g(0.3);
    std::bernoulli_distribution empty(0.3);
    for (int trial = 0; trial < 5; ++trial) {
        std::vector<double> hist(700);
        for (double& h : hist) h = empty(rng) ? 0.0 : static_cast<double>(g(rng));
        if (trial == 1) hist[299] = 0.0; // an empty outlier bin at keep = 300
        const KlDivergence fast(hist);
        for (size_t levels : {128u, 256u})
            for (size_t keep = levels; keep <= hist.size(); keep += 7) {
                INFO("trial " << trial << " levels " << levels << " keep " << keep);
                REQUIRE(fast(keep, levels) == Approx(klDivergenceDirect(hist, keep, levels)).epsilon(1e-9).margin(1e-12));
            }
        CHECK(fast(300, 128) == Approx(klDivergenceDirect(hist, 300, 128)).epsilon(1e-9).margin(1e-12));
    }
}

namespace {
Calibrator klCalibrator() { return *Calibrator::parse("kl"); }
} // namespace

TEST_CASE("calibrator registry: every entry parses by its syntax and names itself back", "[calib][registry]") {
    const auto all = calibratorRegistry();
    REQUIRE(all.size() >= 4);
    CHECK(all[0].name == "minmax"); // the default
    const std::string list = calibratorSyntaxList(), help = calibratorHelp();
    for (const CalibratorInfo& info : all) {
        INFO(info.name);
        auto c = Calibrator::parse(info.name);
        REQUIRE(c.ok());
        CHECK(c->kind == info.kind);
        CHECK(&calibratorInfo(c->kind) == &info);
        CHECK(findCalibrator(info.name) == &info);
        CHECK(list.find(info.syntax()) != std::string::npos);
        CHECK(help.find(std::string(info.help)) != std::string::npos);
        CHECK(info.range != nullptr);
        // name() round-trips through parse, parameter included.
        auto again = Calibrator::parse(c->name());
        REQUIRE(again.ok());
        CHECK(again->name() == c->name());
        if (info.parameter) {
            CHECK(c->percentile == info.parameter->defaultValue);
            CHECK_FALSE(Calibrator::parse(std::string(info.name) + ":nan").ok());
        } else {
            CHECK_THAT(Calibrator::parse(std::string(info.name) + ":3").message(), Catch::Contains("takes no parameter"));
        }
    }
    CHECK_THAT(Calibrator::parse("entropy").message(), Catch::Contains(list));
}

TEST_CASE("kl: data far from zero is not clipped away (TensorRT's divergence alone would keep one bin)", "[calib][kl]") {
    // Every value in [4.6, 5.4]: the divergence of a threshold that keeps only the first bin of
    // data and folds the rest into the outlier bin is 0, so the unguarded search clips ~all.
    std::mt19937 rng(3);
    std::normal_distribution<float> n(5.0f, 0.1f);
    std::vector<float> v(50000);
    for (float& x : v) x = std::clamp(n(rng), 4.6f, 5.4f);
    const TensorStats s = statsOf(v);
    for (bool symmetric : {false, true}) {
        INFO("symmetric " << symmetric);
        const Range r = chooseRange(s, klCalibrator(), 8, symmetric);
        CHECK(clippingRate(s, r) <= 0.01);
        const Range mm = chooseRange(s, {}, 8, symmetric);
        CHECK(expectedQuantizationMse(s, r, 8, symmetric) <= expectedQuantizationMse(s, mm, 8, symmetric));
    }
}

TEST_CASE("kl: a spike at zero with a long tail keeps an error no worse than minmax", "[calib][kl]") {
    std::mt19937 rng(5);
    std::exponential_distribution<float> e(1.0f);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(60000);
    for (float& x : v) x = u(rng) < 0.6f ? 0.0f : e(rng); // post-ReLU: 60 % zeros
    const TensorStats s = statsOf(v);
    const Range r = chooseRange(s, klCalibrator(), 8, false);
    const Range mm = chooseRange(s, {}, 8, false);
    CHECK(expectedQuantizationMse(s, r, 8, false) <= expectedQuantizationMse(s, mm, 8, false));
    CHECK(r.max > 0.0f);
}

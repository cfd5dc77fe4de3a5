// The per-tensor calibrator choice (--calibrator-for) and the clipping warnings through the
// quantizer, and kl against minmax on real photos.
#include "TestModels.h"
#include "TestSupport.h"
#include "analysis/Evaluate.h"
#include "calib/Calibrator.h"
#include "quantize/OptionChecks.h"
#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using namespace ql;
using namespace ql::calib;

TEST_CASE("calibrator-for: a named tensor gets its own calibrator; unknown names are refused",
          "[calib][quantize]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.calibSpec = "random:6:3";
    auto plain = quantize::runQuantize(model, o);
    REQUIRE(plain.ok());
    REQUIRE_FALSE(plain->result.report.tensors.empty());
    const std::string target = plain->result.report.tensors.back().name;
    o.quantize.calibratorFor = {{target, *Calibrator::parse("percentile:90")}};
    auto mixed = quantize::runQuantize(model, o);
    REQUIRE(mixed.ok());
    size_t percentile = 0, minmax = 0;
    for (const auto& t : mixed->result.report.tensors) {
        if (t.name == target) {
            CHECK(t.calibrator == "percentile:90");
            CHECK(t.clipped > 0.0); // 90th percentile: about a tenth clipped
            ++percentile;
        } else {
            CHECK(t.calibrator == "minmax");
            ++minmax;
        }
    }
    CHECK(percentile == 1);
    CHECK(minmax + 1 == mixed->result.report.tensors.size());
    // The warning names the tensor that clips more than 1 %, and only that one.
    const auto warnings = quantize::clippingWarnings(mixed->result.report);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0],
               Catch::Contains("'" + target + "'") && Catch::Contains("percentile:90"));
    CHECK(quantize::clippingWarnings(plain->result.report).empty());

    o.quantize.calibratorFor = {{target + "x", *Calibrator::parse("kl")}};
    auto bad = quantize::runQuantize(model, o);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.message(),
               Catch::Contains("'" + target + "x=kl'") && Catch::Contains("nearest: " + target));
}

TEST_CASE("range-for: a named activation tensor is quantized over the given clip range",
          "[calib][quantize]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.calibSpec = "random:6:3";
    auto plain = quantize::runQuantize(model, o);
    REQUIRE(plain.ok());
    REQUIRE_FALSE(plain->result.report.tensors.empty());
    const quantize::TensorRangeReport before = plain->result.report.tensors.back();
    // A range narrower than the calibrated one: clips, and its scale is (max - min) / 255.
    const float lo = -0.25f, hi = 0.5f;
    o.quantize.rangeFor = {{before.name, calib::Range{lo, hi}}};
    auto fixed = quantize::runQuantize(model, o);
    REQUIRE(fixed.ok());
    bool found = false;
    for (const auto& t : fixed->result.report.tensors) {
        if (t.name != before.name) continue;
        found = true;
        CHECK(t.calibrator == "fixed range");
        CHECK(t.min == lo);
        CHECK(t.max == hi);
        CHECK(t.scale == Approx((hi - lo) / 255.0).epsilon(1e-6));
        CHECK(t.scale != Approx(before.scale));
    }
    CHECK(found);
    // The quantized model carries those parameters on the tensor's int8 form.
    bool written = false;
    for (const Tensor& t : fixed->result.model.subgraphs[0].tensors)
        if (t.name.rfind(before.name, 0) == 0 && t.type == TensorType::INT8 && !t.quant.scale.empty()) {
            CHECK(t.quant.scale[0] == Approx((hi - lo) / 255.0).epsilon(1e-6));
            written = true;
        }
    CHECK(written);

    o.quantize.rangeFor = {{before.name + "x", calib::Range{lo, hi}}};
    auto unknown = quantize::runQuantize(model, o);
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.message(), Catch::Contains("range-for '" + before.name + "x'"));
    o.quantize.rangeFor = {{before.name, calib::Range{hi, lo}}};
    CHECK_FALSE(quantize::runQuantize(model, o).ok());
    o.quantize.mode = quantize::Mode::Float16;
    o.quantize.rangeFor = {{before.name, calib::Range{lo, hi}}};
    CHECK_FALSE(quantize::runQuantize(model, o).ok());
}

// The figure: kl lost 23 dB against minmax on a real model. On real photos kl must stay
// within 1 dB of minmax (worst output SQNR on other photos). Its time is a benchmark figure.
TEST_CASE("kl against minmax on real photos: within 1 dB", "[calib][kl][shared][photos]") {
    const auto calibDir = test::photosDir("calib"), evalDir = test::photosDir("eval");
    if (!calibDir || !evalDir) {
        WARN("skipped: real photos absent (scripts/fetch-photos.sh)");
        return;
    }
    for (const char* name : {"hand_landmark_lite.tflite", "face_detection_short_range.tflite"}) {
        const auto path = test::sharedModel(name);
        if (!path) {
            WARN("skipped: shared models absent");
            return;
        }
        auto model = readModelFile(*path);
        REQUIRE(model.ok());
        std::vector<double> worst;
        for (const char* c : {"minmax", "kl"}) {
            quantize::QuantizeJobOptions o;
            o.quantize.mode = quantize::Mode::Int8;
            o.quantize.calibrator = *Calibrator::parse(c);
            o.calibSpec = calibDir->string();
            auto q = quantize::runQuantize(*model, o);
            REQUIRE(q.ok());
            analysis::EvalOptions eo;
            eo.dataSpec = evalDir->string();
            eo.reference = *model;
            auto r = analysis::evaluateModel(std::make_shared<const Model>(q->result.model), eo);
            REQUIRE(r.ok());
            double w = std::numeric_limits<double>::infinity();
            for (const auto& out : r->outputs)
                w = std::min(w, out.stats.sqnrDb);
            worst.push_back(w);
        }
        INFO(name << ": minmax " << worst[0] << " dB, kl " << worst[1] << " dB");
        CHECK(worst[1] >= worst[0] - 1.0);
    }
}

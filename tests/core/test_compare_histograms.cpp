// Compare's histograms of one tensor: the float values and the quantized tensor's real values
// over the same bins and the same sampled elements (what the lab's histogram view overlays).
#include "TestModels.h"

#include "analysis/Compare.h"
#include "quantize/QuantizeJob.h"

#include <catch2/catch.hpp>

#include <numeric>

using namespace ql;
using namespace ql::analysis;

TEST_CASE("compare: quantized values histogram over the float values' bins", "[compare][histogram]") {
    auto floatModel = std::make_shared<const Model>(test::makeSmallCnn());
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.calibSpec = "random:8:3";
    auto qr = quantize::runQuantize(floatModel, job);
    REQUIRE(qr.ok());
    auto quantModel = std::make_shared<const Model>(qr->result.model);
    CompareOptions opts;
    opts.data.maxSamples = 4;
    opts.histogramValues = 500; // sampled: not every element
    auto r = compareModels(floatModel, quantModel, "random:4:1", opts);
    REQUIRE(r.ok());
    size_t checked = 0;
    for (const auto& t : r->tensors) {
        INFO(t.name);
        REQUIRE(t.quantizedValues.counts.size() == t.values.counts.size());
        CHECK(t.quantizedValues.lo == t.values.lo);
        CHECK(t.quantizedValues.hi == t.values.hi);
        const auto total = [](const Histogram& h) { return std::accumulate(h.counts.begin(), h.counts.end(), uint64_t(0)); };
        CHECK(total(t.quantizedValues) == total(t.values)); // the same elements
        CHECK(total(t.values) > 0);
        if (!t.quantized || t.channels > 1) continue; // per channel: the limits are channel 0's
        // Quantized values lie on the grid inside the clip limits: no count in a bin (other than
        // the two end bins, which also hold what lies beyond the range) entirely outside them.
        const double w = t.values.binWidth(), eps = 1e-6 * (t.clipMax - t.clipMin);
        for (size_t b = 1; b + 1 < t.quantizedValues.counts.size(); ++b) {
            const double left = t.values.lo + double(b) * w, right = left + w;
            if (right < t.clipMin - eps || left > t.clipMax + eps) CHECK(t.quantizedValues.counts[b] == 0);
        }
        ++checked;
    }
    CHECK(checked > 5);
    // a tensor that quantization changes: the histograms differ somewhere
    bool differs = false;
    for (const auto& t : r->tensors) differs = differs || (t.quantized && t.quantizedValues.counts != t.values.counts);
    CHECK(differs);
}

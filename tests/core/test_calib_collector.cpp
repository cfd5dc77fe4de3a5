// core/calib: the collector (fed by hand-made operator events), and the calibration run through
// the interpreter with progress and cancellation.
#include "TestModels.h"

#include "calib/Calibrate.h"
#include "calib/Calibrator.h"
#include "calib/ObserverPasses.h"
#include "model/ModelBuilder.h"
#include "runtime/Kernel.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace ql;
using namespace ql::calib;

namespace {

struct Fixture {
    std::shared_ptr<const Model> model;
    TensorIndex a, b, ids;

    Fixture() {
        ModelBuilder mb;
        a = mb.addTensor("a", TensorType::FLOAT32, {1, 5000});
        b = mb.addTensor("b", TensorType::FLOAT32, {1, 7});
        ids = mb.addTensor("ids", TensorType::INT32, {1, 7});
        model = std::make_shared<const Model>(mb.build());
    }

    rt::RtTensor view(TensorIndex t, std::vector<float>& values) const {
        rt::RtTensor r;
        r.type = model->subgraphs[0].tensor(t).type;
        r.shape = {1, static_cast<int32_t>(values.size())};
        r.data = reinterpret_cast<uint8_t*>(values.data());
        r.bytes = values.size() * sizeof(float);
        r.source = &model->subgraphs[0].tensor(t);
        r.quant = &model->subgraphs[0].tensor(t).quant;
        return r;
    }
};

void emit(CalibrationCollector& c, std::vector<rt::RtTensor*> outputs) {
    c.observe(rt::NodeEvent{0, OperatorIndex{0}, std::span<rt::RtTensor* const>(outputs)});
}

} // namespace

TEST_CASE("the collector keeps absolute running min/max and an exact histogram", "[calib][collector]") {
    Fixture f;
    CalibrationCollector c(f.model);
    std::mt19937 rng(1);
    std::vector<float> all;
    for (int sample = 0; sample < 8; ++sample) {
        // Growing spread: the fast path re-bins between samples.
        std::normal_distribution<float> n(0.1f * sample, std::ldexp(1.0f, sample - 3));
        std::vector<float> v(5000);
        for (float& x : v) x = n(rng);
        if (sample == 2) std::fill(v.begin(), v.begin() + 1000, 0.0f); // a run of zeros
        all.insert(all.end(), v.begin(), v.end());
        rt::RtTensor t = f.view(f.a, v);
        emit(c, {&t});
        c.finishSample();
    }
    // Then samples inside the known range (the one-pass path), one holding a NaN (its counts
    // are taken back and it goes the general way) and one reaching past the range.
    for (int sample = 0; sample < 4; ++sample) {
        std::normal_distribution<float> n(0.0f, 1.0f);
        std::vector<float> v(5000);
        for (float& x : v) x = n(rng);
        if (sample == 1) v[4321] = std::nanf("");
        if (sample == 3) v[17] = 1000.0f;
        for (float x : v)
            if (!std::isnan(x)) all.push_back(x);
        rt::RtTensor t = f.view(f.a, v);
        emit(c, {&t});
        c.finishSample();
    }
    auto snap = c.snapshot();
    REQUIRE(snap->samples == 12);
    const TensorStats* s = snap->find(f.a);
    REQUIRE(s);
    CHECK(s->observations == 12);
    CHECK(s->nonFinite == 1);
    CHECK(s->max == 1000.0f);
    CHECK(s->count == all.size());
    CHECK(s->min == *std::min_element(all.begin(), all.end()));
    CHECK(s->max == *std::max_element(all.begin(), all.end()));
    CHECK(s->zeros >= 1000);
    CHECK(s->histogram.total() == all.size());
    // Bin for bin equal to counting from scratch at the final width.
    std::map<int64_t, uint64_t> ref;
    for (float x : all) ++ref[static_cast<int64_t>(std::floor(std::ldexp(double(x), -s->histogram.exponent())))];
    for (size_t k = 0; k < s->histogram.binCount(); ++k) {
        const auto it = ref.find(s->histogram.first() + static_cast<int64_t>(k));
        REQUIRE(s->histogram.count(k) == (it == ref.end() ? 0u : it->second));
    }
    CHECK(snap->find(f.b) == nullptr); // never observed
}

TEST_CASE("the collector skips NaN and Inf, non-float tensors, and snapshots are immutable", "[calib][collector]") {
    Fixture f;
    CalibrationCollector c(f.model);
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> v = {1.0f, std::nanf(""), -2.0f, inf, 0.5f, -inf, 3.0f};
    rt::RtTensor t = f.view(f.b, v);
    std::vector<float> raw(7, 0.0f);
    rt::RtTensor ids = f.view(f.ids, raw);
    emit(c, {&t, &ids});
    auto first = c.snapshot();
    const TensorStats* s = first->find(f.b);
    REQUIRE(s);
    CHECK(s->count == 4);
    CHECK(s->nonFinite == 3);
    CHECK(s->min == -2.0f);
    CHECK(s->max == 3.0f);
    CHECK(s->histogram.total() == 4);
    CHECK(first->find(f.ids) == nullptr);

    std::vector<float> w = {10.0f, -10.0f, 0, 0, 0, 0, 0};
    rt::RtTensor t2 = f.view(f.b, w);
    emit(c, {&t2});
    auto second = c.snapshot();
    CHECK(second->find(f.b)->max == 10.0f);
    CHECK(second->find(f.b)->count == 11);
    CHECK(first->find(f.b)->max == 3.0f); // the earlier snapshot did not change
    CHECK(first->find(f.b)->count == 4);
}

TEST_CASE("calibrate runs every sample through the interpreter, reports progress and cancels", "[calib][run]") {
    auto model = std::make_shared<const Model>(test::makeFloatFullyConnected());
    if (!rt::KernelRegistry::builtin().supports(model->subgraphs[0].operators[0])) {
        WARN("skipped: no FULLY_CONNECTED kernel registered yet");
        return;
    }
    auto interp = rt::Interpreter::create(model);
    REQUIRE(interp.ok());
    const auto inputs = data::ModelInputInfo::fromModel(*model);
    auto source = data::openDataSource("random:20:3", inputs);
    REQUIRE(source.ok());

    // Expected statistics from plain runs.
    float inMin = INFINITY, inMax = -INFINITY, outMin = INFINITY, outMax = -INFINITY;
    for (size_t i = 0; i < 20; ++i) {
        auto s = (*source)->get(i);
        REQUIRE(s.ok());
        REQUIRE((*interp)->setInput(0, s->tensors[0].type, s->tensors[0].bytes).ok());
        for (float x : (*interp)->input(0).values<float>()) inMin = std::min(inMin, x), inMax = std::max(inMax, x);
        REQUIRE((*interp)->invoke().ok());
        for (float x : (*interp)->output(0).values<float>()) outMin = std::min(outMin, x), outMax = std::max(outMax, x);
    }

    CalibrationCollector collector(model);
    std::vector<size_t> progress;
    const Status st = calibrate(**interp, **source, collector, [&](size_t done, size_t total) {
        CHECK(total == 20);
        progress.push_back(done);
    });
    REQUIRE(st.ok());
    CHECK(progress.size() == 20);
    CHECK(progress.back() == 20);
    auto snap = collector.snapshot();
    CHECK(snap->samples == 20);
    const Subgraph& sg = model->subgraphs[0];
    const TensorStats* in = snap->find(sg.inputs[0]);
    const TensorStats* out = snap->find(sg.outputs[0]);
    REQUIRE(in);
    REQUIRE(out);
    CHECK(in->count == 80);
    CHECK(in->min == inMin);
    CHECK(in->max == inMax);
    CHECK(out->observations == 20);
    CHECK(out->min == outMin);
    CHECK(out->max == outMax);
    CHECK(out->min >= 0.0f); // fused RELU

    std::atomic<bool> cancel{false};
    CalibrationCollector partial(model);
    const Status cancelled = calibrate(**interp, **source, partial, [&](size_t done, size_t) {
        if (done == 3) cancel = true;
    }, &cancel);
    REQUIRE_FALSE(cancelled.ok());
    CHECK(cancelled.message() == "cancelled");
    CHECK(partial.samples() == 3);
}

TEST_CASE("the vectorised passes agree with the scalar reference on every instruction set", "[calib][collector]") {
    std::mt19937 rng(4);
    std::normal_distribution<float> n(0.0f, 3.0f);
    const float inf = std::numeric_limits<float>::infinity();
    // A window of 4096 bins of width 2^-6 starting at bin -2000: [-31.25, 32.75).
    const BinMap map{64.0f, -2000.0f, 2095.0f, -2000};
    for (size_t size : {1u, 3u, 4u, 7u, 8u, 9u, 31u, 1000u, 1024u}) {
        std::vector<float> v(size);
        for (float& x : v) x = n(rng);
        if (size > 2) v[1] = 0.0f;
        if (size > 5) v[5] = -0.0f;
        if (size == 31) v[30] = std::nanf("");
        if (size == 1000) v[999] = -inf, v[500] = 100.0f;
        std::vector<int32_t> ref(size), got(size);
        const PassStats want = scanAndBinWith(PassIsa::Scalar, v.data(), size, &map, ref.data());
        for (PassIsa isa : {PassIsa::Sse2, PassIsa::Avx2}) {
            if (!passIsaAvailable(isa)) continue;
            INFO("size " << size << " isa " << int(isa));
            const PassStats s = scanAndBinWith(isa, v.data(), size, &map, got.data());
            CHECK(s.allFinite == want.allFinite);
            if (want.allFinite) { // otherwise callers filter and scan again
                CHECK(s.min == want.min);
                CHECK(s.max == want.max);
                CHECK(s.zeros == want.zeros);
            }
            for (size_t i = 0; i < size; ++i)
                if (std::isfinite(v[i])) REQUIRE(got[i] == ref[i]);
        }
    }
    CHECK(passIsaAvailable(PassIsa::Scalar));
}

TEST_CASE("large outputs: exact min/max/count, an evenly sampled histogram", "[calib][collector]") {
    static_assert(kFullHistogramValues == 16384);
    CHECK(histogramSamplingStride(16384, 24) == 1);
    CHECK(histogramSamplingStride(16385, 24) == 5);   // at least 5 (2 and 3 divide most channel counts)
    CHECK(histogramSamplingStride(16385, 40) == 7);   // 5 divides 40
    CHECK(histogramSamplingStride(300000, 24) == 19); // ceil(300000 / 16384) = 19, a prime
    CHECK(histogramSamplingStride(100000, 35) == 11); // ceil = 7, which divides 35
    CHECK(histogramSamplingStride(2000000, 0) == 127);
    ModelBuilder mb;
    const TensorIndex t = mb.addTensor("big", TensorType::FLOAT32, {1, 125, 100, 24});
    auto model = std::make_shared<const Model>(mb.build());
    CalibrationCollector c(model);
    // Channel k of every pixel holds values in [k, k + 1): a stride that aliased with the 24
    // channels would see only some of them.
    std::mt19937 rng(8);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(300000);
    for (int sample = 0; sample < 3; ++sample) {
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 24) + u(rng);
        c.observeTensor(0, t, v, 24);
    }
    auto snap = c.snapshot();
    const TensorStats* s = snap->find(t);
    REQUIRE(s);
    CHECK(s->count == 900000);
    CHECK(s->histogram.total() == 3 * ((300000 + 18) / 19)); // every 19th value
    CHECK(s->min >= 0.0f);
    CHECK(s->max < 24.0f);
    CHECK(s->max > 23.99f);
    CHECK(s->histogram.quantile(0.5) == Approx(12.0).margin(0.15));
    CHECK(s->histogram.quantile(0.1) == Approx(2.4).margin(0.15));
    CHECK(clippingRate(*s, {0.0f, 18.0f}) == Approx(0.25).margin(0.01));

    // The first observation lays out the window (general path); the same values again stay
    // inside it and take the sampled fast path: exactly the same counts again, bin for bin.
    CalibrationCollector twice(model);
    twice.observeTensor(0, t, v, 24);
    const std::vector<uint64_t> once = twice.snapshot()->find(t)->histogram.counts();
    twice.observeTensor(0, t, v, 24);
    const std::vector<uint64_t> both = twice.snapshot()->find(t)->histogram.counts();
    REQUIRE(both.size() == once.size());
    size_t sameBins = 0;
    for (size_t k = 0; k < once.size(); ++k) sameBins += both[k] == 2 * once[k] ? 1 : 0;
    CHECK(sameBins == once.size());
}

TEST_CASE("the collector's memory follows the values observed, not 64 KiB per tensor", "[calib][collector][scale]") {
    // 20,000 tensors of 4 values seen in 4 samples: at most 16 bins in use per tensor.
    constexpr size_t kTensors = 20000;
    ModelBuilder mb;
    for (size_t i = 0; i < kTensors; ++i) mb.addTensor("t" + std::to_string(i), TensorType::FLOAT32, {1, 4});
    auto model = std::make_shared<const Model>(mb.build());
    CalibrationCollector c(model);
    std::vector<float> all;
    for (int sample = 0; sample < 4; ++sample) {
        for (size_t i = 0; i < kTensors; ++i) {
            const std::vector<float> v{float(sample) - 1.5f, 0.25f * float(i % 7), -0.125f * float(sample), 3.0f};
            if (i == 1234) all.insert(all.end(), v.begin(), v.end());
            c.observeTensor(0, TensorIndex{i}, v, 4);
        }
        c.finishSample();
    }
    auto snap = c.snapshot();
    size_t bytes = 0;
    for (size_t i = 0; i < kTensors; ++i) bytes += snap->find(TensorIndex{i})->histogram.storageBytes();
    CHECK(bytes / kTensors <= 16 * 16); // 16 (bin, count) entries, not 4096 counters
    // Still exact, bin for bin.
    const Histogram& h = snap->find(TensorIndex{1234})->histogram;
    CHECK(h.total() == all.size());
    std::map<int64_t, uint64_t> ref;
    for (float x : all) ++ref[static_cast<int64_t>(std::floor(std::ldexp(double(x), -h.exponent())))];
    for (size_t k = 0; k < h.binCount(); ++k) {
        const auto it = ref.find(h.first() + static_cast<int64_t>(k));
        REQUIRE(h.count(k) == (it == ref.end() ? 0u : it->second));
    }
}

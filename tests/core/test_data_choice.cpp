// core/lab/DataChoice: the lab's data choice (source, normalisation) as text for QSettings, the
// normalisation parser's refusals, and the description of a model's inputs with its metadata.
#include "TestModels.h"
#include "lab/DataChoice.h"
#include "lab/QuantExample.h"

#include <catch2/catch.hpp>

using namespace ql;

TEST_CASE("data choice: normalisation text round trip and refusals", "[lab][data]") {
    auto ms = lab::parseNormalization("mean=127.5 std=127.5");
    REQUIRE(ms);
    REQUIRE(ms->has_value());
    CHECK((*ms)->isMeanStd());
    CHECK((*ms)->apply(255.0f, 0) == Approx(1.0f));
    CHECK((*ms)->apply(0.0f, 0) == Approx(-1.0f));
    auto per = lab::parseNormalization("  mean=123.5,117,104  std=58,57,57.5 ");
    REQUIRE(per);
    CHECK((*per)->mean.size() == 3);
    CHECK((*per)->apply(104.0f, 2) == Approx(0.0f));
    CHECK(lab::formatNormalization(**per) == "mean=123.5,117,104 std=58,57,57.5");
    auto range = lab::parseNormalization("range=-1,1");
    REQUIRE(range);
    CHECK((*range)->apply(0.0f, 0) == Approx(-1.0f));
    CHECK(lab::formatNormalization(**range) == "range=-1,1");
    auto none = lab::parseNormalization("   ");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    for (const char* bad : {"mean=1", "std=2", "mean=1 std=0", "range=1", "range=2,1",
                            "mean=x std=1", "mean=1 std=1 range=0,1", "scale=3", "mean= std=1",
                            "mean=nan std=1", "mean=1,,2 std=1"}) {
        INFO(bad);
        auto r = lab::parseNormalization(bad);
        CHECK_FALSE(r);
        CHECK(r.message().find("normalisation") != std::string::npos);
    }
}

TEST_CASE("data choice: stored per model as text; random noise recognised", "[lab][data]") {
    lab::DataChoice c;
    c.spec = "/data/photos";
    c.normalization = data::Normalization::meanStd({127.5f}, {127.5f});
    const auto back = lab::DataChoice::deserialize(c.serialize());
    CHECK(back.spec == c.spec);
    REQUIRE(back.normalization);
    CHECK(back.normalization->mean == std::vector<float>{127.5f});
    CHECK_FALSE(back.isRandom());
    const auto plain = lab::DataChoice::deserialize("random:100");
    CHECK(plain.spec == "random:100");
    CHECK_FALSE(plain.normalization);
    CHECK(plain.isRandom());
    CHECK(lab::DataChoice::deserialize("x.npy\nmean=oops").spec ==
          "x.npy"); // bad normalisation dropped
    CHECK_FALSE(lab::DataChoice::deserialize("x.npy\nmean=oops").normalization);
    CHECK(lab::isRandomSpec("random:8:2"));
    CHECK_FALSE(lab::isRandomSpec("randomfolder"));
    CHECK_FALSE(lab::isRandomSpec(""));
    CHECK(lab::randomDataWarning("random:8").find("random noise (random:8)") != std::string::npos);
}

TEST_CASE("data choice: the model's inputs described with shape, type and normalisation source",
          "[lab][data]") {
    const Model m = test::makeSmallCnn();
    const auto info = data::ModelInputInfo::fromModel(m);
    const std::string text = lab::describeInputs(info);
    REQUIRE_FALSE(info.inputs.empty());
    std::string shape = "[";
    for (size_t d = 0; d < info.inputs[0].shape.size(); ++d)
        shape += (d ? ", " : "") + std::to_string(info.inputs[0].shape[d]);
    shape += "]";
    CHECK(text.find("input 0 '" + info.inputs[0].name + "'") != std::string::npos);
    CHECK(text.find(shape) != std::string::npos);
    CHECK(text.find("no normalisation in the metadata") != std::string::npos);
    data::ModelInputInfo withMeta = info;
    withMeta.metadataNormalization[0] = data::Normalization::meanStd({0.0f}, {255.0f});
    CHECK(lab::describeInputs(withMeta).find("metadata normalisation: mean=0 std=255") !=
          std::string::npos);
}

TEST_CASE("teaching: one value through q = round(r / scale) + zero_point and back",
          "[lab][teaching]") {
    Tensor t;
    t.type = TensorType::INT8;
    t.shape = {2, 3};
    t.quant.scale = {0.5f};
    t.quant.zeroPoint = {-3};
    const std::vector<double> real = {0.2, -1.26, 70.0, 0.75, 0.0, -0.25};
    auto e = lab::quantExample(t, real); // the largest |r|: 70, clipped
    REQUIRE(e);
    CHECK(e->element == 2);
    CHECK(e->divided == Approx(140.0));
    CHECK(e->unclamped == 137);
    CHECK(e->q == 127);
    CHECK(e->back == Approx(0.5 * 130));
    CHECK(lab::formatQuantExample(*e).find("(clipped)") != std::string::npos);
    auto h = lab::quantExample(t, real, 3); // 0.75 / 0.5 = 1.5: half away from zero -> 2
    REQUIRE(h);
    CHECK(h->rounded == 2.0);
    CHECK(h->q == -1);
    CHECK(h->back == Approx(1.0));
    CHECK(h->error == Approx(0.25));
    auto n = lab::quantExample(t, real, 5); // -0.5 -> -1 (away from zero, as std::round)
    REQUIRE(n);
    CHECK(n->rounded == -1.0);
    const std::string text = lab::formatQuantExample(*h);
    CHECK(text.find("q = clamp(round(r / scale) + zero_point, -128, 127)") != std::string::npos);
    CHECK(text.find("round(1.5)") != std::string::npos);
    // per channel along dimension 0: element 4 is in channel 1
    Tensor pc = t;
    pc.quant.scale = {0.5f, 0.25f};
    pc.quant.zeroPoint = {0, 0};
    pc.quant.quantizedDimension = 0;
    auto c = lab::quantExample(pc, real, 4);
    REQUIRE(c);
    CHECK(c->channel == 1);
    CHECK(c->scale == Approx(0.25));
    CHECK_FALSE(lab::quantExample(pc, real, 99));
    Tensor f;
    CHECK_FALSE(lab::quantExample(f, real)); // not quantized
}

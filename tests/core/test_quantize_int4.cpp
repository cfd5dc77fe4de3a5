// int4 weight quantization (quantize/LowBitWeights.h): per-channel and per-tensor scales,
// float16 block scales and the rounding against the stored scale, computed by hand.
#include "quantize/LowBitWeights.h"
#include "util/Float16.h"

#include <catch2/catch.hpp>
#include <cmath>

using namespace ql;
using namespace ql::quantize;

TEST_CASE("int4 weights per channel and per tensor: scale = max|w| / 7, values in [-7, 7]",
          "[quantize][int4]") {
    // [2, 3]: channel 0 max 1.4 -> scale 0.2; channel 1 all zero -> scale 1.
    const std::vector<float> w{0.35f, -1.4f, 0.65f, 0.0f, 0.0f, 0.0f};
    const QuantizedWeights pc = quantizeWeightsInt4(w, {2, 3}, 0);
    REQUIRE(pc.params.scale.size() == 2);
    CHECK(pc.params.scale[0] == Approx(0.2f));
    CHECK(pc.params.scale[1] == 1.0f);
    CHECK(pc.params.zeroPoint == std::vector<int64_t>{0, 0});
    // 0.35 / 0.2 = 1.75 -> 2; -1.4 / 0.2 = -7; 0.65 / 0.2 = 3.25 -> 3.
    CHECK(pc.values == std::vector<int8_t>{2, -7, 3, 0, 0, 0});
    const QuantizedWeights pt = quantizeWeightsInt4(w, {2, 3}, -1);
    REQUIRE(pt.params.scale.size() == 1);
    CHECK(pt.params.scale[0] == Approx(0.2f));
    // A bias-overflow floor raises a channel's scale.
    const std::vector<float> floor{0.5f, 0.0f};
    const QuantizedWeights raised = quantizeWeightsInt4(w, {2, 3}, 0, floor);
    CHECK(raised.params.scale[0] == 0.5f);
    CHECK(raised.values[1] == -3); // -1.4 / 0.5 = -2.8
}

TEST_CASE("int4 blocks: one float16 scale per block, values rounded with the stored scale",
          "[quantize][int4]") {
    // [2, 4] in blocks of 2: block maxima 0.7, 1.4, 0.07, 0 (all zero: the smallest normal
    // float16, 2^-14, keeps the scale positive).
    const std::vector<float> w{0.7f, -0.35f, 1.4f, 0.2f, -0.07f, 0.01f, 0.0f, 0.0f};
    const auto q = quantizeWeightsInt4Blocks(w, {2, 4}, 2);
    REQUIRE(q);
    REQUIRE(q->scales.size() == 4);
    const float s0 = halfToFloat(q->scales[0]), s1 = halfToFloat(q->scales[1]),
                s2 = halfToFloat(q->scales[2]);
    CHECK(q->scales[0] == floatToHalf(0.7f / 7.0f));
    CHECK(q->scales[1] == floatToHalf(1.4f / 7.0f));
    CHECK(q->scales[2] == floatToHalf(0.07f / 7.0f));
    CHECK(halfToFloat(q->scales[3]) == std::ldexp(1.0f, -14));
    CHECK(q->values[0] == 7);
    CHECK(q->values[1] == int8_t(std::round(-0.35f / s0)));
    CHECK(q->values[3] == int8_t(std::round(0.2f / s1)));
    CHECK(q->values[4] == -7);
    CHECK(q->values[5] == int8_t(std::round(0.01f / s2)));
    CHECK(q->values[6] == 0);
    // Every value within half a step of its block's scale.
    for (size_t i = 0; i < w.size(); ++i)
        CHECK(std::fabs(w[i] - float(q->values[i]) * halfToFloat(q->scales[i / 2])) <=
              0.5f * halfToFloat(q->scales[i / 2]) + 1e-7f);
    // A last dimension that is not a multiple of the block size has no blocks.
    CHECK_FALSE(quantizeWeightsInt4Blocks(w, {2, 4}, 3));
}

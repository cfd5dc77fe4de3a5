// CONV_3D and LOCAL_RESPONSE_NORMALIZATION (float32): hand-checked values, prepare failures and
// goldens computed by the real TFLite runtime (tests/fixtures/misc, made as
// tests/fixtures/shape/README.md says, family `misc`). Both of TFLite's kernels sum in another
// order than QuantLab's (im2col + GEMM, Eigen), so floats are compared to 1e-6 of the largest
// value.
#include "test_kernels_shape_fixtures.h"

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;
using Catch::Matchers::Contains;

namespace {

const auto F = TensorType::FLOAT32;

Model conv3d(std::vector<int32_t> inShape, std::vector<int32_t> filterShape, Padding padding,
             int stride, int dilation, bool bias, std::vector<int32_t> outShape,
             Activation act = Activation::NONE) {
    OneOp m;
    const auto x = m.in("x", F, inShape);
    int64_t n = 1;
    for (int32_t d : filterShape)
        n *= d;
    std::vector<float> w(static_cast<size_t>(n));
    for (size_t i = 0; i < w.size(); ++i)
        w[i] = float((int(i) * 37 + 11) % 23 - 11) / 16.f;
    const auto f = m.konst("filter", F, filterShape, w);
    std::vector<TensorIndex> ins = {x, f};
    if (bias) {
        std::vector<float> b(static_cast<size_t>(filterShape[4]));
        for (size_t i = 0; i < b.size(); ++i)
            b[i] = 0.1f * float(i) - 0.2f;
        ins.push_back(m.konst("bias", F, {filterShape[4]}, b));
    }
    const auto y = m.out("y", F, outShape);
    tflite::Conv3DOptionsT o;
    o.padding = padding;
    o.stride_d = o.stride_h = o.stride_w = stride;
    o.dilation_d_factor = o.dilation_h_factor = o.dilation_w_factor = dilation;
    o.fused_activation_function = act;
    return m.finish(BuiltinOp::CONV_3D, ins, {y}, opts(o));
}

Model lrn(std::vector<int32_t> shape, int radius, float bias, float alpha, float beta) {
    OneOp m;
    const auto x = m.in("x", F, shape);
    const auto y = m.out("y", F, shape);
    tflite::LocalResponseNormalizationOptionsT o;
    o.radius = radius;
    o.bias = bias;
    o.alpha = alpha;
    o.beta = beta;
    return m.finish(BuiltinOp::LOCAL_RESPONSE_NORMALIZATION, {x}, {y}, opts(o));
}

} // namespace

TEST_CASE("generate misc fixtures", "[.generate]") {
    if (generateDir().empty()) {
        WARN("skipped: set QL_FIXTURE_OUT");
        return;
    }
    saveFixture("conv3d_valid", conv3d({1, 4, 5, 6, 3}, {2, 3, 3, 3, 4}, Padding::VALID, 1, 1, true,
                                       {1, 3, 3, 4, 4}));
    saveFixture("conv3d_same_stride2_relu", conv3d({2, 5, 6, 5, 2}, {3, 3, 2, 2, 3}, Padding::SAME,
                                                   2, 1, true, {2, 3, 3, 3, 3}, Activation::RELU));
    saveFixture("conv3d_dilated_no_bias", conv3d({1, 6, 6, 6, 2}, {2, 2, 2, 2, 2}, Padding::SAME, 1,
                                                 2, false, {1, 6, 6, 6, 2}));
    saveFixture("lrn_radius2", lrn({1, 3, 4, 9}, 2, 1.f, 0.5f, 0.75f));
    saveFixture("lrn_radius5_wide", lrn({2, 2, 2, 4}, 5, 2.f, 1e-2f, 0.5f));
}

TEST_CASE("CONV_3D and LOCAL_RESPONSE_NORMALIZATION match the TFLite runtime's goldens",
          "[kernels][misc][golden]") {
    checkAllGoldens("misc");
}

TEST_CASE("CONV_3D sums the taps inside the input and LRN normalises across channels",
          "[kernels][misc]") {
    // A 1x1x1 filter of 2 on a [1, 2, 1, 1, 1] input with bias 1: y = 2x + 1.
    OneOp m;
    const auto x = m.in("x", F, {1, 2, 1, 1, 1});
    const auto f = m.konst("filter", F, {1, 1, 1, 1, 1}, std::vector<float>{2.f});
    const auto b = m.konst("bias", F, {1}, std::vector<float>{1.f});
    const auto y = m.out("y", F, {1, 2, 1, 1, 1});
    tflite::Conv3DOptionsT o;
    o.padding = Padding::VALID;
    o.stride_d = o.stride_h = o.stride_w = 1;
    o.dilation_d_factor = o.dilation_h_factor = o.dilation_w_factor = 1;
    auto r = runModel(m.finish(BuiltinOp::CONV_3D, {x, f, b}, {y}, opts(o)),
                      {bytesOf(std::vector<float>{3.f, -1.f})});
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{7.f, -1.f});
    // LRN with radius 0, bias 0, alpha 1, beta 0.5: x / |x|.
    r = runModel(lrn({1, 1, 1, 3}, 0, 0.f, 1.f, 0.5f),
                 {bytesOf(std::vector<float>{4.f, -2.f, 0.5f})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{1.f, -1.f, 1.f});
    CHECK_THAT(prepareError(conv3d({1, 4, 4, 4, 3}, {2, 2, 2, 2, 1}, Padding::VALID, 1, 1, false,
                                   {1, 3, 3, 3, 1})),
               Contains("CONV_3D") &&
                   Contains("filter [2,2,2,2,1] must be [KD, KH, KW, 3, C_out]"));
}

// Shape and data-movement kernels: hand-checked values, edge cases and "fails at prepare".
#include "test_kernels_shape_fixtures.h"

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;
using Catch::Matchers::Contains;

namespace {
const auto F = TensorType::FLOAT32;
const auto I8 = TensorType::INT8;
const auto I32 = TensorType::INT32;
const auto I64 = TensorType::INT64;

std::vector<float> iota(size_t n, float start = 0) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = start + float(i);
    return v;
}
std::vector<int8_t> iota8(size_t n, int start = 0) {
    std::vector<int8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(start + int(i));
    return v;
}
tflite::StridedSliceOptionsT ss(int begin, int end, int ellipsis, int newAxis, int shrink, bool offset = false) {
    tflite::StridedSliceOptionsT o;
    o.begin_mask = begin;
    o.end_mask = end;
    o.ellipsis_mask = ellipsis;
    o.new_axis_mask = newAxis;
    o.shrink_axis_mask = shrink;
    o.offset = offset;
    return o;
}
OpRun stridedSlice(std::vector<int32_t> shape, std::vector<int32_t> b, std::vector<int32_t> e, std::vector<int32_t> s,
                   tflite::StridedSliceOptionsT o) {
    size_t n = 1;
    for (int32_t d : shape) n *= size_t(d);
    const int32_t k = int32_t(b.size());
    return runOp(BuiltinOp::STRIDED_SLICE, {in(F, shape, iota(n)), cst(I32, {k}, b), cst(I32, {k}, e), cst(I32, {k}, s)}, {outT(F)}, opts(o));
}
} // namespace

TEST_CASE("RESHAPE infers -1 and reads a dynamic shape input at eval", "[kernels][shape]") {
    tflite::ReshapeOptionsT o;
    o.new_shape = {3, -1};
    auto r = runOp(BuiltinOp::RESHAPE, {in(F, {2, 6}, iota(12))}, {outT(F)}, opts(o));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{3, 4});
    CHECK(r.output<float>(0) == iota(12));
    // Shape input wins over the option; non-constant shape -> sized at eval.
    r = runOp(BuiltinOp::RESHAPE, {in(F, {2, 6}, iota(12)), in(I32, {3}, std::vector<int32_t>{-1, 2, 2})}, {outT(F)}, opts(o));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{3, 2, 2});
    // A shape input of [0] elements means a scalar.
    r = runOp(BuiltinOp::RESHAPE, {in(F, {1, 1}, std::vector<float>{7}), cst(I32, {0}, std::vector<int32_t>{})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0].empty());
}

TEST_CASE("RESHAPE fails at prepare naming the operator and both shapes", "[kernels][shape][errors]") {
    tflite::ReshapeOptionsT o;
    o.new_shape = {5, -1};
    const auto err = prepareError(oneOpModel(BuiltinOp::RESHAPE, {in(F, {3, 4}, iota(12))}, {outT(F)}, opts(o)));
    CHECK_THAT(err, Contains("RESHAPE") && Contains("cannot reshape 12 elements into [5,-1]"));
    o.new_shape = {-1, -1};
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::RESHAPE, {in(F, {3, 4}, iota(12))}, {outT(F)}, opts(o))), Contains("more than one -1"));
    // A dynamic shape that does not fit is an eval error.
    const auto r = runOp(BuiltinOp::RESHAPE, {in(F, {3, 4}, iota(12)), in(I32, {2}, std::vector<int32_t>{5, 5})}, {outT(F)});
    CHECK_THAT(r.error, Contains("RESHAPE") && Contains("cannot reshape 12 elements into [5,5]"));
}

TEST_CASE("SQUEEZE and EXPAND_DIMS with negative axes", "[kernels][shape]") {
    tflite::SqueezeOptionsT o;
    o.squeeze_dims = {-1};
    auto r = runOp(BuiltinOp::SQUEEZE, {in(F, {1, 3, 1}, iota(3))}, {outT(F)}, opts(o));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 3});
    r = runOp(BuiltinOp::SQUEEZE, {in(F, {1, 3, 1}, iota(3))}, {outT(F)}, opts(tflite::SqueezeOptionsT{}));
    CHECK(r.shapes[0] == std::vector<int32_t>{3});
    o.squeeze_dims = {1};
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::SQUEEZE, {in(F, {1, 3, 1}, iota(3))}, {outT(F)}, opts(o))),
               Contains("SQUEEZE") && Contains("its size is 3, expected 1"));
    r = runOp(BuiltinOp::EXPAND_DIMS, {in(F, {2, 3}, iota(6)), cst(I32, {}, std::vector<int32_t>{-1})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 3, 1});
    r = runOp(BuiltinOp::EXPAND_DIMS, {in(F, {2, 3}, iota(6)), cst(I64, {1}, std::vector<int64_t>{0})}, {outT(F)});
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 2, 3});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::EXPAND_DIMS, {in(F, {2, 3}, iota(6)), cst(I32, {}, std::vector<int32_t>{4})}, {outT(F)})),
               Contains("EXPAND_DIMS") && Contains("axis 4 is out of range [-3, 2]"));
}

TEST_CASE("TRANSPOSE permutes and rejects bad permutations", "[kernels][shape]") {
    auto r = runOp(BuiltinOp::TRANSPOSE, {in(F, {2, 3}, iota(6)), cst(I32, {2}, std::vector<int32_t>{1, 0})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{3, 2});
    CHECK(r.output<float>(0) == std::vector<float>{0, 3, 1, 4, 2, 5});
    // 6-D, the largest rank TFLite supports.
    r = runOp(BuiltinOp::TRANSPOSE, {in(I8, {1, 2, 1, 2, 1, 2}, iota8(8)), cst(I32, {6}, std::vector<int32_t>{5, 4, 3, 2, 1, 0})}, {outT(I8)});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{0, 4, 2, 6, 1, 5, 3, 7});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::TRANSPOSE, {in(F, {2, 3}, iota(6)), cst(I32, {2}, std::vector<int32_t>{0, 0})}, {outT(F)})),
               Contains("TRANSPOSE") && Contains("not a permutation"));
}

TEST_CASE("CONCATENATION: negative axis, fused activation, uint8 requantization", "[kernels][shape]") {
    tflite::ConcatenationOptionsT o;
    o.axis = -1;
    o.fused_activation_function = Activation::RELU;
    auto r = runOp(BuiltinOp::CONCATENATION, {in(F, {2, 1}, std::vector<float>{-1, 2}), in(F, {2, 2}, std::vector<float>{3, -4, 5, 6})}, {outT(F)},
                   opts(o));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 3});
    CHECK(r.output<float>(0) == std::vector<float>{0, 3, 0, 2, 5, 6});
    // uint8: a (0.5, 10) -> output (0.25, 0): q = round(q_a * 2 - 20) = 2*q_a - 20, clamped.
    o.fused_activation_function = Activation::NONE;
    r = runOp(BuiltinOp::CONCATENATION,
              {in(TensorType::UINT8, {3}, std::vector<uint8_t>{10, 12, 200}, qp(0.5f, 10)), in(TensorType::UINT8, {1}, std::vector<uint8_t>{7}, qp(0.25f, 0))},
              {outT(TensorType::UINT8, {4}, qp(0.25f, 0))}, opts(o));
    REQUIRE(r.ok());
    CHECK(r.output<uint8_t>(0) == std::vector<uint8_t>{0, 4, 255, 7});
    // int8 with different parameters is refused (TFLite's int8 kernel requires equal ones).
    const auto err = prepareError(oneOpModel(BuiltinOp::CONCATENATION, {in(I8, {2}, iota8(2), qp(0.5f, 1)), in(I8, {2}, iota8(2), qp(0.25f, 1))},
                                             {outT(I8, {4}, qp(0.5f, 1))}, opts(o)));
    CHECK_THAT(err, Contains("CONCATENATION") && Contains("expected the output's scale"));
    o.axis = 2;
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::CONCATENATION, {in(F, {2, 1}, iota(2)), in(F, {2, 2}, iota(4))}, {outT(F)}, opts(o))),
               Contains("axis 2 is out of range"));
}

TEST_CASE("SPLIT, SPLIT_V, PACK, UNPACK", "[kernels][shape]") {
    tflite::SplitOptionsT so;
    so.num_splits = 2;
    auto r = runOp(BuiltinOp::SPLIT, {cst(I32, {}, std::vector<int32_t>{-1}), in(F, {2, 4}, iota(8))}, {outT(F), outT(F)}, opts(so));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0, 1, 4, 5});
    CHECK(r.output<float>(1) == std::vector<float>{2, 3, 6, 7});
    so.num_splits = 3;
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::SPLIT, {cst(I32, {}, std::vector<int32_t>{1}), in(F, {2, 4}, iota(8))},
                                       {outT(F), outT(F), outT(F)}, opts(so))),
               Contains("SPLIT") && Contains("into 3 equal parts"));
    tflite::SplitVOptionsT sv;
    sv.num_splits = 2;
    r = runOp(BuiltinOp::SPLIT_V, {in(F, {5}, iota(5)), cst(I32, {2}, std::vector<int32_t>{-1, 2}), cst(I32, {}, std::vector<int32_t>{0})},
              {outT(F), outT(F)}, opts(sv));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0, 1, 2});
    CHECK(r.output<float>(1) == std::vector<float>{3, 4});
    tflite::PackOptionsT po;
    po.values_count = 2;
    po.axis = -1;
    r = runOp(BuiltinOp::PACK, {in(F, {3}, iota(3)), in(F, {3}, iota(3, 10))}, {outT(F)}, opts(po));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{3, 2});
    CHECK(r.output<float>(0) == std::vector<float>{0, 10, 1, 11, 2, 12});
    tflite::UnpackOptionsT uo;
    uo.num = 2;
    uo.axis = 1;
    r = runOp(BuiltinOp::UNPACK, {in(F, {3, 2}, iota(6))}, {outT(F), outT(F)}, opts(uo));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{3});
    CHECK(r.output<float>(1) == std::vector<float>{1, 3, 5});
}

TEST_CASE("PAD uses the zero point, PADV2 its constant, MIRROR_PAD reflects", "[kernels][shape]") {
    auto r = runOp(BuiltinOp::PAD, {in(I8, {2}, std::vector<int8_t>{1, 2}, qp(0.1f, -5)), cst(I32, {1, 2}, std::vector<int32_t>{1, 2})},
                   {outT(I8, {}, qp(0.1f, -5))});
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-5, 1, 2, -5, -5});
    r = runOp(BuiltinOp::PADV2, {in(F, {1, 2}, iota(2, 1)), cst(I64, {2, 2}, std::vector<int64_t>{1, 0, 0, 1}), cst(F, {}, std::vector<float>{9})},
              {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 3});
    CHECK(r.output<float>(0) == std::vector<float>{9, 9, 9, 1, 2, 9});
    tflite::MirrorPadOptionsT mo;
    mo.mode = tflite::MirrorPadMode::REFLECT;
    r = runOp(BuiltinOp::MIRROR_PAD, {in(F, {3}, iota(3, 1)), cst(I32, {1, 2}, std::vector<int32_t>{2, 2})}, {outT(F)}, opts(mo));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{3, 2, 1, 2, 3, 2, 1});
    mo.mode = tflite::MirrorPadMode::SYMMETRIC;
    r = runOp(BuiltinOp::MIRROR_PAD, {in(F, {3}, iota(3, 1)), cst(I32, {1, 2}, std::vector<int32_t>{2, 3})}, {outT(F)}, opts(mo));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{2, 1, 1, 2, 3, 3, 2, 1});
    mo.mode = tflite::MirrorPadMode::REFLECT;
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::MIRROR_PAD, {in(F, {3}, iota(3)), cst(I32, {1, 2}, std::vector<int32_t>{3, 0})}, {outT(F)}, opts(mo))),
               Contains("MIRROR_PAD") && Contains("REFLECT"));
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::PAD, {in(F, {3}, iota(3)), cst(I32, {2, 2}, std::vector<int32_t>{0, 0, 0, 0})}, {outT(F)})),
               Contains("PAD") && Contains("expected [1,2]"));
}

TEST_CASE("SLICE: size -1 and empty slices", "[kernels][shape]") {
    auto r = runOp(BuiltinOp::SLICE, {in(F, {3, 4}, iota(12)), cst(I32, {2}, std::vector<int32_t>{1, 1}), cst(I32, {2}, std::vector<int32_t>{-1, 2})},
                   {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 2});
    CHECK(r.output<float>(0) == std::vector<float>{5, 6, 9, 10});
    r = runOp(BuiltinOp::SLICE, {in(F, {3, 4}, iota(12)), cst(I32, {2}, std::vector<int32_t>{3, 0}), cst(I32, {2}, std::vector<int32_t>{0, 4})},
              {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{0, 4});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::SLICE,
                                       {in(F, {3, 4}, iota(12)), cst(I32, {2}, std::vector<int32_t>{2, 0}), cst(I32, {2}, std::vector<int32_t>{2, 1})},
                                       {outT(F)})),
               Contains("SLICE") && Contains("out of range"));
}

TEST_CASE("STRIDED_SLICE: masks, negative strides, ellipsis, new axis, offset", "[kernels][shape]") {
    // x = [[0..3],[4..7],[8..11]]
    auto r = stridedSlice({3, 4}, {-1, 3}, {0, 0}, {-1, -2}, ss(0, 0, 0, 0, 0)); // rows 2,1; cols 3,1
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 2});
    CHECK(r.output<float>(0) == std::vector<float>{11, 9, 7, 5});
    r = stridedSlice({3, 4}, {0, 0}, {0, 0}, {-1, 1}, ss(3, 3, 0, 0, 0)); // masks: whole, reversed rows
    CHECK(r.output<float>(0) == std::vector<float>{8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3});
    r = stridedSlice({3, 4}, {-2, 1}, {0, 3}, {1, 1}, ss(0, 0, 0, 0, 1)); // shrink row -2
    CHECK(r.shapes[0] == std::vector<int32_t>{2});
    CHECK(r.output<float>(0) == std::vector<float>{5, 6});
    r = stridedSlice({2, 3, 4}, {0, 1}, {0, 3}, {1, 2}, ss(0, 0, 1, 0, 0)); // [..., 1:3:2]
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 3, 1});
    CHECK(r.output<float>(0) == std::vector<float>{1, 5, 9, 13, 17, 21});
    r = stridedSlice({3, 4}, {0, 0, 2}, {0, 2, 4}, {1, 1, 1}, ss(0, 0, 0, 1, 0)); // [newaxis, 0:2, 2:4]
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 2, 2});
    CHECK(r.output<float>(0) == std::vector<float>{2, 3, 6, 7});
    r = stridedSlice({3, 4}, {1, 1}, {1, 2}, {1, 1}, ss(0, 0, 0, 0, 0, true)); // offset: end = begin + end
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 2});
    CHECK(r.output<float>(0) == std::vector<float>{5, 6});
    r = stridedSlice({3, 4}, {2, 0}, {1, 4}, {1, 1}, ss(0, 0, 0, 0, 0)); // empty
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{0, 4});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::STRIDED_SLICE,
                                       {in(F, {3}, iota(3)), cst(I32, {1}, std::vector<int32_t>{0}), cst(I32, {1}, std::vector<int32_t>{3}),
                                        cst(I32, {1}, std::vector<int32_t>{0})},
                                       {outT(F)})),
               Contains("STRIDED_SLICE") && Contains("zero stride"));
}

TEST_CASE("GATHER: axis, batch_dims; an index out of range is an eval error", "[kernels][shape]") {
    tflite::GatherOptionsT o;
    o.axis = 1;
    auto r = runOp(BuiltinOp::GATHER, {in(F, {2, 3}, iota(6)), in(I32, {2}, std::vector<int32_t>{2, 0})}, {outT(F)}, opts(o));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{2, 0, 5, 3});
    o.batch_dims = 1;
    r = runOp(BuiltinOp::GATHER, {in(F, {2, 3}, iota(6)), in(I64, {2, 1}, std::vector<int64_t>{2, 0})}, {outT(F)}, opts(o));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 1});
    CHECK(r.output<float>(0) == std::vector<float>{2, 3});
    o.batch_dims = 0;
    r = runOp(BuiltinOp::GATHER, {in(F, {2, 3}, iota(6)), in(I32, {2}, std::vector<int32_t>{1, 3})}, {outT(F)}, opts(o));
    CHECK_THAT(r.error, Contains("GATHER") && Contains("index 3") && Contains("out of range [0, 3)"));
    r = runOp(BuiltinOp::GATHER_ND, {in(F, {2, 3}, iota(6)), in(I32, {2, 2}, std::vector<int32_t>{1, 2, 0, 1})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{5, 1});
    r = runOp(BuiltinOp::GATHER_ND, {in(F, {2, 3}, iota(6)), in(I32, {1, 1}, std::vector<int32_t>{-1})}, {outT(F)});
    CHECK_THAT(r.error, Contains("GATHER_ND") && Contains("out of range"));
}

TEST_CASE("TILE, BROADCAST_TO, REVERSE_V2", "[kernels][shape]") {
    auto r = runOp(BuiltinOp::TILE, {in(F, {1, 2}, iota(2)), cst(I32, {2}, std::vector<int32_t>{2, 2})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0, 1, 0, 1, 0, 1, 0, 1});
    r = runOp(BuiltinOp::BROADCAST_TO, {in(F, {2, 1}, iota(2)), cst(I32, {3}, std::vector<int32_t>{2, 2, 3})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::BROADCAST_TO, {in(F, {2, 2}, iota(4)), cst(I32, {1}, std::vector<int32_t>{3})}, {outT(F)})),
               Contains("BROADCAST_TO") && Contains("cannot broadcast"));
    r = runOp(BuiltinOp::REVERSE_V2, {in(F, {2, 3}, iota(6)), cst(I32, {2}, std::vector<int32_t>{0, -1})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{5, 4, 3, 2, 1, 0});
}

TEST_CASE("DEPTH_TO_SPACE, SPACE_TO_DEPTH, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND", "[kernels][shape]") {
    tflite::DepthToSpaceOptionsT d;
    d.block_size = 2;
    auto r = runOp(BuiltinOp::DEPTH_TO_SPACE, {in(F, {1, 1, 1, 4}, iota(4))}, {outT(F)}, opts(d));
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 2, 2, 1});
    CHECK(r.output<float>(0) == iota(4));
    r = runOp(BuiltinOp::DEPTH_TO_SPACE, {in(F, {1, 1, 2, 4}, iota(8))}, {outT(F)}, opts(d));
    CHECK(r.output<float>(0) == std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7});
    tflite::SpaceToDepthOptionsT s;
    s.block_size = 2;
    r = runOp(BuiltinOp::SPACE_TO_DEPTH, {in(F, {1, 2, 4, 1}, iota(8))}, {outT(F)}, opts(s));
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::DEPTH_TO_SPACE, {in(F, {1, 1, 1, 3}, iota(3))}, {outT(F)}, opts(d))),
               Contains("DEPTH_TO_SPACE") && Contains("not a multiple of block_size^2 = 4"));
    // SPACE_TO_BATCH_ND then BATCH_TO_SPACE_ND with the same block and crops = paddings is the identity.
    auto s2b = runOp(BuiltinOp::SPACE_TO_BATCH_ND,
                     {in(I8, {1, 2, 3, 1}, iota8(6, 1), qp(1, -1)), cst(I32, {2}, std::vector<int32_t>{2, 2}), cst(I32, {2, 2}, std::vector<int32_t>{0, 0, 1, 0})},
                     {outT(I8, {}, qp(1, -1))});
    REQUIRE(s2b.ok());
    CHECK(s2b.shapes[0] == std::vector<int32_t>{4, 1, 2, 1});
    CHECK(s2b.output<int8_t>(0) == std::vector<int8_t>{-1, 2, 1, 3, -1, 5, 4, 6}); // pad = zero point -1
    auto b2s = runOp(BuiltinOp::BATCH_TO_SPACE_ND,
                     {in(I8, {4, 1, 2, 1}, s2b.output<int8_t>(0), qp(1, -1)), cst(I32, {2}, std::vector<int32_t>{2, 2}),
                      cst(I32, {2, 2}, std::vector<int32_t>{0, 0, 1, 0})},
                     {outT(I8, {}, qp(1, -1))});
    REQUIRE(b2s.ok());
    CHECK(b2s.shapes[0] == std::vector<int32_t>{1, 2, 3, 1});
    CHECK(b2s.output<int8_t>(0) == iota8(6, 1));
}

TEST_CASE("SHAPE, RANK, FILL, ZEROS_LIKE", "[kernels][shape]") {
    auto r = runOp(BuiltinOp::SHAPE, {in(F, {2, 5, 1}, iota(10))}, {outT(I64)});
    REQUIRE(r.ok());
    CHECK(r.output<int64_t>(0) == std::vector<int64_t>{2, 5, 1});
    r = runOp(BuiltinOp::RANK, {in(F, {2, 5, 1}, iota(10))}, {outT(I32)});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{3});
    // FILL with dims from a graph input: the output is sized at eval.
    r = runOp(BuiltinOp::FILL, {in(I32, {2}, std::vector<int32_t>{2, 3}), cst(I8, {}, std::vector<int8_t>{-7})}, {outT(I8)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 3});
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>(6, -7));
    r = runOp(BuiltinOp::ZEROS_LIKE, {in(F, {3}, iota(3, 1))}, {outT(F)});
    CHECK(r.output<float>(0) == std::vector<float>{0, 0, 0});
}

TEST_CASE("SELECT_V2 broadcasts; SELECT selects rows", "[kernels][shape]") {
    auto r = runOp(BuiltinOp::SELECT_V2,
                   {in(TensorType::BOOL, {1, 3}, std::vector<uint8_t>{1, 0, 1}), in(F, {2, 1}, std::vector<float>{10, 20}), in(F, {}, std::vector<float>{-1})},
                   {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{2, 3});
    CHECK(r.output<float>(0) == std::vector<float>{10, -1, 10, 20, -1, 20});
    r = runOp(BuiltinOp::SELECT, {in(TensorType::BOOL, {2}, std::vector<uint8_t>{0, 1}), in(F, {2, 2}, iota(4)), in(F, {2, 2}, iota(4, 10))}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{10, 11, 2, 3});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::SELECT_V2,
                                       {in(TensorType::BOOL, {3}, std::vector<uint8_t>{1, 0, 1}), in(F, {2}, iota(2)), in(F, {2}, iota(2))}, {outT(F)})),
               Contains("SELECT_V2") && Contains("cannot broadcast"));
}

TEST_CASE("ARG_MAX keeps the first of equal values; ARG_MIN int64", "[kernels][shape]") {
    tflite::ArgMaxOptionsT o;
    o.output_type = I32;
    auto r = runOp(BuiltinOp::ARG_MAX, {in(I8, {2, 3}, std::vector<int8_t>{5, 9, 9, -3, -3, -4}), cst(I32, {1}, std::vector<int32_t>{-1})}, {outT(I32)},
                   opts(o));
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{1, 0});
    tflite::ArgMinOptionsT m;
    m.output_type = I64;
    r = runOp(BuiltinOp::ARG_MIN, {in(F, {2, 3}, std::vector<float>{5, 9, 9, -3, -3, -4}), cst(I64, {}, std::vector<int64_t>{0})}, {outT(I64)}, opts(m));
    REQUIRE(r.ok());
    CHECK(r.output<int64_t>(0) == std::vector<int64_t>{1, 1, 1});
}

TEST_CASE("CUMSUM and RANGE", "[kernels][shape]") {
    tflite::CumsumOptionsT c;
    auto r = runOp(BuiltinOp::CUMSUM, {in(I32, {2, 3}, std::vector<int32_t>{1, 2, 3, 4, 5, 6}), cst(I32, {}, std::vector<int32_t>{1})}, {outT(I32)}, opts(c));
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{1, 3, 6, 4, 9, 15});
    c.exclusive = true;
    c.reverse = true;
    r = runOp(BuiltinOp::CUMSUM, {in(I32, {2, 3}, std::vector<int32_t>{1, 2, 3, 4, 5, 6}), cst(I32, {}, std::vector<int32_t>{1})}, {outT(I32)}, opts(c));
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{5, 3, 0, 11, 6, 0});
    r = runOp(BuiltinOp::RANGE, {cst(I32, {}, std::vector<int32_t>{10}), cst(I32, {}, std::vector<int32_t>{3}), cst(I32, {}, std::vector<int32_t>{-3})},
              {outT(I32)});
    REQUIRE(r.ok());
    CHECK(r.output<int32_t>(0) == std::vector<int32_t>{10, 7, 4});
    r = runOp(BuiltinOp::RANGE, {in(F, {}, std::vector<float>{0.5f}), in(F, {}, std::vector<float>{2}), in(F, {}, std::vector<float>{0.5f})}, {outT(F)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{0.5f, 1, 1.5f});
    CHECK_THAT(prepareError(oneOpModel(BuiltinOp::RANGE,
                                       {cst(I32, {}, std::vector<int32_t>{0}), cst(I32, {}, std::vector<int32_t>{3}), cst(I32, {}, std::vector<int32_t>{0})},
                                       {outT(I32)})),
               Contains("RANGE") && Contains("delta must not be 0"));
}

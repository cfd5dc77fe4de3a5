// Shape kernels against goldens computed by the real TFLite runtime (tests/fixtures/shape,
// see its README), and the int16x8 PAD / STRIDED_SLICE models against their golden CSVs.
#include "GoldenCsv.h"
#include "test_kernels_shape_fixtures.h"

#include "tflite/ModelReader.h"

#include <fstream>
#include <sstream>

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;

namespace {

tflite::StridedSliceOptionsT ssOpts(int begin, int end, int ellipsis, int newAxis, int shrink) {
    tflite::StridedSliceOptionsT o;
    o.begin_mask = begin;
    o.end_mask = end;
    o.ellipsis_mask = ellipsis;
    o.new_axis_mask = newAxis;
    o.shrink_axis_mask = shrink;
    return o;
}

Model stridedSlice(const std::string& name, std::vector<int32_t> inShape, std::vector<int32_t> b, std::vector<int32_t> e,
                   std::vector<int32_t> s, tflite::StridedSliceOptionsT o, std::vector<int32_t> outShape) {
    OneOp m;
    const auto q = qp(0.05f, 3);
    const auto x = m.in("x", TensorType::INT8, inShape, q);
    const int32_t n = static_cast<int32_t>(b.size());
    const auto tb = m.konst(name + "/begin", TensorType::INT32, {n}, b);
    const auto te = m.konst(name + "/end", TensorType::INT32, {n}, e);
    const auto ts = m.konst(name + "/strides", TensorType::INT32, {n}, s);
    const auto y = m.out("y", TensorType::INT8, outShape, q);
    return m.finish(BuiltinOp::STRIDED_SLICE, {x, tb, te, ts}, {y}, opts(o));
}

Model resize(BuiltinOp op, TensorType t, QuantParams q, bool align, bool half, bool sizeAsInput) {
    OneOp m;
    const auto x = m.in("x", t, {1, 5, 7, 3}, q);
    const auto size = sizeAsInput ? m.in("size", TensorType::INT32, {2}) : m.konst("size", TensorType::INT32, {2}, std::vector<int32_t>{9, 4});
    const auto y = m.out("y", t, {1, 9, 4, 3}, q);
    tflite::BuiltinOptionsUnion o;
    if (op == BuiltinOp::RESIZE_BILINEAR) {
        tflite::ResizeBilinearOptionsT r;
        r.align_corners = align;
        r.half_pixel_centers = half;
        o = opts(r);
    } else {
        tflite::ResizeNearestNeighborOptionsT r;
        r.align_corners = align;
        r.half_pixel_centers = half;
        o = opts(r);
    }
    return m.finish(op, {x, size}, {y}, o);
}

std::vector<uint8_t> ramp(size_t n, int mul, int add, int mod) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((int(i) * mul + add) % mod);
    return v;
}

} // namespace

TEST_CASE("generate shape fixtures", "[.generate]") {
    if (generateDir().empty()) {
        WARN("skipped: set QL_FIXTURE_OUT");
        return;
    }
    const auto i8 = TensorType::INT8;
    // STRIDED_SLICE: masks, negative strides, ellipsis, new axis.
    saveFixture("strided_slice_masks", stridedSlice("a", {2, 6, 5, 3}, {0, 1, -1, 0}, {2, 6, 0, 3}, {1, 2, -2, 1}, ssOpts(1, 8, 0, 0, 0), {2, 3, 2, 3}));
    saveFixture("strided_slice_shrink", stridedSlice("b", {2, 6, 5, 3}, {1, -2, 0, 1}, {2, 0, 5, 2}, {1, -1, 2, 1}, ssOpts(0, 2, 0, 0, 9), {4, 3}));
    saveFixture("strided_slice_ellipsis", stridedSlice("c", {2, 6, 5, 3}, {0, 1}, {0, 3}, {1, 1}, ssOpts(0, 0, 1, 0, 0), {2, 6, 5, 2}));
    saveFixture("strided_slice_new_axis", stridedSlice("d", {2, 6, 5, 3}, {0, 0, 1}, {0, 2, 4}, {1, 1, 1}, ssOpts(1, 1, 0, 1, 0), {1, 2, 3, 5, 3}));
    {
        // CONCATENATION of uint8 tensors with different scales (requantized), axis -1. Five
        // inputs: the oracle's XNNPACK delegate takes at most four and copies QU8 inputs
        // without requantizing, so this keeps the op on TFLite's builtin kernel.
        OneOp m;
        std::vector<TensorIndex> ins;
        const float scales[5] = {0.1f, 0.037f, 0.08f, 0.2f, 0.013f};
        const int64_t zps[5] = {128, 20, 100, 0, 255};
        for (int i = 0; i < 5; ++i) ins.push_back(m.in("in" + std::to_string(i), TensorType::UINT8, {2, 3, i + 1}, qp(scales[i], zps[i])));
        const auto y = m.out("y", TensorType::UINT8, {2, 3, 15}, qp(0.08f, 100));
        tflite::ConcatenationOptionsT o;
        o.axis = -1;
        saveFixture("concat_uint8_rescale", m.finish(BuiltinOp::CONCATENATION, ins, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto a = m.in("a", i8, {2, 2, 3}, qp(0.1f, -3));
        const auto b = m.in("b", i8, {2, 1, 3}, qp(0.1f, -3));
        const auto y = m.out("y", i8, {2, 3, 3}, qp(0.1f, -3));
        tflite::ConcatenationOptionsT o;
        o.axis = 1;
        saveFixture("concat_int8", m.finish(BuiltinOp::CONCATENATION, {a, b}, {y}, opts(o)));
    }
    // RESIZE: the size as a constant (the oracle's XNNPACK may take the op) and as a graph
    // input (XNNPACK needs a static size, so TFLite's builtin kernel runs).
    const std::vector<uint8_t> size94 = bytesOf(std::vector<int32_t>{9, 4});
    const auto resizeInputs = [&](TensorType t) {
        const size_t n = 1 * 5 * 7 * 3 * elementSize(t);
        return std::vector<std::vector<uint8_t>>{ramp(n, 37, 11, 256), size94};
    };
    saveFixture("resize_bilinear_int8_half_input", resize(BuiltinOp::RESIZE_BILINEAR, i8, qp(0.1f, 2), false, true, true), resizeInputs(i8));
    saveFixture("resize_bilinear_int8_align_input", resize(BuiltinOp::RESIZE_BILINEAR, i8, qp(0.1f, 2), true, false, true), resizeInputs(i8));
    saveFixture("resize_bilinear_int8_plain_input", resize(BuiltinOp::RESIZE_BILINEAR, i8, qp(0.1f, 2), false, false, true), resizeInputs(i8));
    saveFixture("resize_bilinear_uint8_half_input", resize(BuiltinOp::RESIZE_BILINEAR, TensorType::UINT8, qp(0.1f, 128), false, true, true),
                resizeInputs(TensorType::UINT8));
    saveFixture("resize_bilinear_int16_half_input", resize(BuiltinOp::RESIZE_BILINEAR, TensorType::INT16, qp(0.01f, 0), false, true, true),
                resizeInputs(TensorType::INT16));
    saveFixture("resize_bilinear_float_half", resize(BuiltinOp::RESIZE_BILINEAR, TensorType::FLOAT32, {}, false, true, false));
    saveFixture("resize_bilinear_float_align", resize(BuiltinOp::RESIZE_BILINEAR, TensorType::FLOAT32, {}, true, false, false));
    saveFixture("resize_bilinear_int8_half_const", resize(BuiltinOp::RESIZE_BILINEAR, i8, qp(0.1f, 2), false, true, false));
    saveFixture("resize_nearest_int8_half", resize(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, i8, qp(0.1f, 2), false, true, false));
    saveFixture("resize_nearest_int8_align", resize(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, i8, qp(0.1f, 2), true, false, false));
    saveFixture("resize_nearest_uint8_plain", resize(BuiltinOp::RESIZE_NEAREST_NEIGHBOR, TensorType::UINT8, qp(0.1f, 2), false, false, false));
    {
        OneOp m; // GATHER axis 1, batch_dims 1, int32 indices from a constant
        const auto p = m.in("params", i8, {2, 5, 3}, qp(0.2f, 1));
        const auto idx = m.konst("indices", TensorType::INT32, {2, 3}, std::vector<int32_t>{4, 0, 2, 1, 1, 3});
        const auto y = m.out("y", i8, {2, 3, 3}, qp(0.2f, 1));
        tflite::GatherOptionsT o;
        o.axis = 1;
        o.batch_dims = 1;
        saveFixture("gather_batch_dims", m.finish(BuiltinOp::GATHER, {p, idx}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto p = m.in("params", TensorType::FLOAT32, {3, 4, 2});
        const auto idx = m.konst("indices", TensorType::INT32, {2, 2}, std::vector<int32_t>{2, 1, 0, 3});
        const auto y = m.out("y", TensorType::FLOAT32, {2, 2});
        saveFixture("gather_nd_float", m.finish(BuiltinOp::GATHER_ND, {p, idx}, {y}));
    }
    {
        OneOp m; // PAD int8 with a non-zero zero point
        const auto x = m.in("x", i8, {1, 3, 4, 2}, qp(0.1f, -7));
        const auto pads = m.konst("paddings", TensorType::INT32, {4, 2}, std::vector<int32_t>{0, 0, 1, 2, 2, 0, 0, 1});
        const auto y = m.out("y", i8, {1, 6, 6, 3}, qp(0.1f, -7));
        saveFixture("pad_int8_zero_point", m.finish(BuiltinOp::PAD, {x, pads}, {y}));
    }
    {
        OneOp m;
        const auto x = m.in("x", i8, {2, 3, 4}, qp(0.1f, -7));
        const auto pads = m.konst("paddings", TensorType::INT32, {3, 2}, std::vector<int32_t>{1, 0, 0, 2, 1, 1});
        const auto v = m.b.addConstant("value", i8, {}, std::vector<int8_t>{42}, qp(0.1f, -7)); // TFLite requires the output's parameters
        const auto y = m.out("y", i8, {3, 5, 6}, qp(0.1f, -7));
        saveFixture("padv2_int8", m.finish(BuiltinOp::PADV2, {x, pads, v}, {y}));
    }
    for (const bool symmetric : {false, true}) {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {3, 4, 2});
        const auto pads = m.konst("paddings", TensorType::INT32, {3, 2}, std::vector<int32_t>{2, 1, 1, 3, 0, 1});
        const auto y = m.out("y", TensorType::FLOAT32, {6, 8, 3});
        tflite::MirrorPadOptionsT o;
        o.mode = symmetric ? tflite::MirrorPadMode::SYMMETRIC : tflite::MirrorPadMode::REFLECT;
        saveFixture(symmetric ? "mirror_pad_symmetric" : "mirror_pad_reflect", m.finish(BuiltinOp::MIRROR_PAD, {x, pads}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", i8, {2, 3, 1, 4, 2}, qp(0.1f, 0));
        const auto perm = m.konst("perm", TensorType::INT32, {5}, std::vector<int32_t>{3, 0, 4, 2, 1});
        const auto y = m.out("y", i8, {4, 2, 2, 1, 3}, qp(0.1f, 0));
        saveFixture("transpose_5d_int8", m.finish(BuiltinOp::TRANSPOSE, {x, perm}, {y}));
    }
    {
        OneOp m;
        const auto x = m.in("x", i8, {1, 2, 3, 8}, qp(0.1f, 0));
        const auto y = m.out("y", i8, {1, 4, 6, 2}, qp(0.1f, 0));
        tflite::DepthToSpaceOptionsT o;
        o.block_size = 2;
        saveFixture("depth_to_space", m.finish(BuiltinOp::DEPTH_TO_SPACE, {x}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {2, 4, 6, 3});
        const auto y = m.out("y", TensorType::FLOAT32, {2, 2, 3, 12});
        tflite::SpaceToDepthOptionsT o;
        o.block_size = 2;
        saveFixture("space_to_depth", m.finish(BuiltinOp::SPACE_TO_DEPTH, {x}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", i8, {2, 3, 5, 2}, qp(0.1f, 5));
        const auto block = m.konst("block", TensorType::INT32, {2}, std::vector<int32_t>{2, 3});
        const auto pads = m.konst("paddings", TensorType::INT32, {2, 2}, std::vector<int32_t>{1, 0, 2, 2});
        const auto y = m.out("y", i8, {12, 2, 3, 2}, qp(0.1f, 5));
        saveFixture("space_to_batch_int8", m.finish(BuiltinOp::SPACE_TO_BATCH_ND, {x, block, pads}, {y}));
    }
    {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {12, 2, 3, 2});
        const auto block = m.konst("block", TensorType::INT32, {2}, std::vector<int32_t>{2, 3});
        const auto crops = m.konst("crops", TensorType::INT32, {2, 2}, std::vector<int32_t>{1, 0, 2, 2});
        const auto y = m.out("y", TensorType::FLOAT32, {2, 3, 5, 2});
        saveFixture("batch_to_space_float", m.finish(BuiltinOp::BATCH_TO_SPACE_ND, {x, block, crops}, {y}));
    }
    {
        OneOp m; // SELECT_V2 broadcasting all three inputs
        const auto c = m.in("cond", TensorType::BOOL, {2, 1, 3});
        const auto x = m.in("x", TensorType::FLOAT32, {4, 1});
        const auto y = m.in("y", TensorType::FLOAT32, {2, 4, 3});
        const auto o = m.out("out", TensorType::FLOAT32, {2, 4, 3});
        saveFixture("select_v2_broadcast", m.finish(BuiltinOp::SELECT_V2, {c, x, y}, {o}));
    }
    {
        OneOp m;
        const auto x = m.in("x", i8, {3, 5, 4}, qp(0.1f, 0));
        const auto axis = m.konst("axis", TensorType::INT32, {1}, std::vector<int32_t>{-2});
        const auto y = m.out("y", TensorType::INT32, {3, 4}); // the oracle cannot output int64
        tflite::ArgMaxOptionsT o;
        o.output_type = TensorType::INT32;
        saveFixture("arg_max_int8", m.finish(BuiltinOp::ARG_MAX, {x, axis}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {3, 5, 4});
        const auto axis = m.konst("axis", TensorType::INT32, {1}, std::vector<int32_t>{2});
        const auto y = m.out("y", TensorType::INT32, {3, 5});
        tflite::ArgMinOptionsT o;
        o.output_type = TensorType::INT32;
        saveFixture("arg_min_float", m.finish(BuiltinOp::ARG_MIN, {x, axis}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {2, 3, 4});
        const auto mult = m.konst("multiples", TensorType::INT32, {3}, std::vector<int32_t>{2, 1, 3});
        const auto y = m.out("y", TensorType::FLOAT32, {4, 3, 12});
        saveFixture("tile_float", m.finish(BuiltinOp::TILE, {x, mult}, {y}));
    }
    {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {2, 3, 4});
        const auto axis = m.konst("axis", TensorType::INT32, {}, std::vector<int32_t>{1});
        const auto y = m.out("y", TensorType::FLOAT32, {2, 3, 4});
        tflite::CumsumOptionsT o;
        o.exclusive = true;
        o.reverse = true;
        saveFixture("cumsum_exclusive_reverse", m.finish(BuiltinOp::CUMSUM, {x, axis}, {y}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", i8, {2, 7, 3}, qp(0.1f, 0));
        const auto sizes = m.konst("sizes", TensorType::INT32, {3}, std::vector<int32_t>{2, -1, 1});
        const auto axis = m.konst("axis", TensorType::INT32, {}, std::vector<int32_t>{1});
        const auto a = m.out("a", i8, {2, 2, 3}, qp(0.1f, 0)), b = m.out("b", i8, {2, 4, 3}, qp(0.1f, 0)), c = m.out("c", i8, {2, 1, 3}, qp(0.1f, 0));
        tflite::SplitVOptionsT o;
        o.num_splits = 3;
        saveFixture("split_v_int8", m.finish(BuiltinOp::SPLIT_V, {x, sizes, axis}, {a, b, c}, opts(o)));
    }
    {
        OneOp m;
        const auto x = m.in("x", TensorType::FLOAT32, {2, 3, 4});
        const auto axis = m.konst("axis", TensorType::INT32, {1}, std::vector<int32_t>{0});
        const auto y = m.out("y", TensorType::FLOAT32, {2, 3, 4});
        saveFixture("reverse_v2_float", m.finish(BuiltinOp::REVERSE_V2, {x, axis}, {y}));
    }
}

TEST_CASE("shape kernels match the TFLite runtime's goldens", "[kernels][shape][golden]") {
    checkAllGoldens("shape");
}

// Float RESIZE_BILINEAR with a constant size runs in the runtime's XNNPACK delegate: tflite-cpu
// interpolates as its f32 ibilinear kernel (float fractions, each product rounded before the
// add), so the floats are the oracle's exactly; tflite-reference keeps TFLite's builtin formula
// (within float rounding of it: 54 and 15 of the 108 elements differ in the last bits).
TEST_CASE("shape: float RESIZE_BILINEAR equals the runtime's XNNPACK interpolation exactly", "[kernels][shape][golden]") {
    for (const char* name : {"resize_bilinear_float_half", "resize_bilinear_float_align"}) {
        INFO(name);
        const std::string dir = (std::filesystem::path(fixtureRoot("shape")) / name).string();
        const GoldenComparison cpu = compareWithGoldens(dir + "/model.tflite", dir);
        REQUIRE(cpu.error.empty());
        REQUIRE(cpu.elements == 9 * 4 * 3);
        CHECK(cpu.differing == 0);
        rt::RunOptions reference;
        reference.target = Target::TfliteReference;
        const GoldenComparison ref = compareWithGoldens(dir + "/model.tflite", dir, 1, reference);
        REQUIRE(ref.error.empty());
        CHECK(ref.relativeError() <= 1e-6);
    }
}

namespace {

// Runs ../shared/models/int16x8/NAME.tflite on NAME_input0_int16.csv and requires the
// output to equal NAME_golden_int16.csv element for element.
void checkInt16Golden(const std::string& name) {
    auto model = sharedModel("int16x8/" + name + ".tflite");
    if (!model) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    const std::string base = model->substr(0, model->size() - std::string(".tflite").size());
    const auto input = ql::test::readCsv<int64_t>(base + "_input0_int16.csv");
    const auto golden = ql::test::readCsv<int64_t>(base + "_golden_int16.csv");
    REQUIRE(!input.empty());
    REQUIRE(!golden.empty());
    std::vector<int16_t> in(input.begin(), input.end());
    auto read = readModelFile(*model);
    REQUIRE(read.ok());
    const OpRun run = runModel(*read.value(), {bytesOf(in)});
    REQUIRE(run.error.empty());
    const auto out = run.output<int16_t>(0);
    REQUIRE(out.size() == golden.size());
    size_t differing = 0;
    for (size_t i = 0; i < out.size(); ++i) differing += out[i] != golden[i];
    CHECK(differing == 0);
}

} // namespace

TEST_CASE("int16x8 STRIDED_SLICE and PAD models are bit-exact with their golden CSVs", "[kernels][shape][int16][golden]") {
    checkInt16Golden("strided_slice0");
    checkInt16Golden("pad0");
}

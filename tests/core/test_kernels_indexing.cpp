// TOPK_V2, NON_MAX_SUPPRESSION_V4/V5, WHERE, DYNAMIC_UPDATE_SLICE, SCATTER_ND, ONE_HOT,
// BROADCAST_ARGS, the segment reductions, SPARSE_TO_DENSE, BUCKETIZE, MATRIX_DIAG,
// MATRIX_SET_DIAG, REVERSE_SEQUENCE and REDUCE_ALL: hand-checked values, "fails at prepare" cases,
// and goldens computed by the real TFLite runtime (tests/fixtures/indexing, made as
// tests/fixtures/shape/README.md says, family `indexing`).
#include "test_kernels_shape_fixtures.h"

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;
using Catch::Matchers::Contains;

namespace {

const auto F = TensorType::FLOAT32;
const auto I32 = TensorType::INT32;

Model topK(TensorType t, std::vector<int32_t> shape, int32_t k, QuantParams q = {}) {
    OneOp m;
    const auto x = m.in("x", t, shape, q);
    const auto kk = m.konst("k", I32, {}, std::vector<int32_t>{k});
    auto outShape = shape;
    outShape.back() = std::max(k, 0);
    const auto v = m.out("values", t, outShape, q);
    const auto i = m.out("indices", I32, outShape);
    return m.finish(BuiltinOp::TOPK_V2, {x, kk}, {v, i});
}

// Twelve boxes [y1, x1, y2, x2] in overlapping clusters, some with corners given in the other
// order; box 9 has the highest score.
const std::vector<float> kBoxes = {
    0.0f, 0.0f,  0.4f,  0.4f, 0.02f, 0.01f, 0.41f, 0.42f, 0.4f,  0.4f,  0.0f,  0.05f,
    0.5f, 0.5f,  0.9f,  0.9f, 0.52f, 0.5f,  0.92f, 0.88f, 0.55f, 0.45f, 0.95f, 0.85f,
    0.1f, 0.6f,  0.3f,  0.9f, 0.12f, 0.62f, 0.31f, 0.93f, 0.0f,  0.0f,  1.0f,  1.0f,
    0.5f, 0.48f, 0.88f, 0.9f, 0.6f,  0.1f,  0.8f,  0.3f,  0.61f, 0.12f, 0.79f, 0.33f};
// The same with box 9 a point: its IoU with every box, itself included, is 0, so TFLite puts it
// back into the queue after selecting it and selects it again until the output is full.
std::vector<float> boxesWithPoint() {
    std::vector<float> b = kBoxes;
    for (int i = 0; i < 4; ++i)
        b[size_t(36 + i)] = 0.2f;
    return b;
}
const std::vector<float> kScores = {0.9f,  0.85f, 0.3f, 0.8f,  0.75f, 0.7f,
                                    0.65f, 0.6f,  0.4f, 0.95f, 0.55f, 0.5f};

Model nms(bool soft, int32_t maxOut, float iou, float scoreThreshold, float sigma) {
    OneOp m;
    const auto boxes = m.in("boxes", F, {12, 4});
    const auto scores = m.in("scores", F, {12});
    const auto mo = m.konst("max_output_size", I32, {}, std::vector<int32_t>{maxOut});
    const auto it = m.konst("iou_threshold", F, {}, std::vector<float>{iou});
    const auto st = m.konst("score_threshold", F, {}, std::vector<float>{scoreThreshold});
    const auto sel = m.out("selected", I32, {maxOut});
    const auto count = m.out("count", I32, {});
    if (!soft)
        return m.finish(BuiltinOp::NON_MAX_SUPPRESSION_V4, {boxes, scores, mo, it, st},
                        {sel, count});
    const auto sg = m.konst("sigma", F, {}, std::vector<float>{sigma});
    const auto selScores = m.out("selected_scores", F, {maxOut});
    return m.finish(BuiltinOp::NON_MAX_SUPPRESSION_V5, {boxes, scores, mo, it, st, sg},
                    {sel, selScores, count});
}

Model dynamicUpdateSlice(TensorType t, bool startInput, QuantParams q = {}) {
    OneOp m;
    const auto op = m.in("operand", t, {4, 6}, q);
    const auto up = m.in("update", t, {2, 3}, q);
    const auto start = startInput ? m.in("start", I32, {2})
                                  : m.konst("start", I32, {2}, std::vector<int32_t>{3, -1});
    const auto y = m.out("y", t, {4, 6}, q);
    return m.finish(BuiltinOp::DYNAMIC_UPDATE_SLICE, {op, up, start}, {y});
}

Model scatterNd() {
    OneOp m;
    const auto idx = m.konst("indices", I32, {3, 1}, std::vector<int32_t>{1, 3, 1});
    const auto up = m.in("updates", F, {3, 4});
    const auto shape = m.konst("shape", I32, {2}, std::vector<int32_t>{5, 4});
    const auto y = m.out("y", F, {5, 4});
    return m.finish(BuiltinOp::SCATTER_ND, {idx, up, shape}, {y});
}

Model oneHot(int axis) {
    OneOp m;
    const auto idx = m.in("indices", I32, {2, 3});
    const auto depth = m.konst("depth", I32, {}, std::vector<int32_t>{4});
    const auto on = m.konst("on", F, {}, std::vector<float>{1.5f});
    const auto off = m.konst("off", F, {}, std::vector<float>{-0.5f});
    std::vector<int32_t> shape = {2, 3};
    shape.insert(shape.begin() + (axis < 0 ? 2 : axis), 4);
    const auto y = m.out("y", F, shape);
    tflite::OneHotOptionsT o;
    o.axis = axis;
    return m.finish(BuiltinOp::ONE_HOT, {idx, depth, on, off}, {y}, opts(o));
}

Model where(TensorType t, std::vector<int32_t> shape) {
    OneOp m;
    const auto c = m.in("condition", t, shape);
    const auto y = m.out("coordinates", TensorType::INT64, {1, static_cast<int32_t>(shape.size())});
    return m.finish(BuiltinOp::WHERE, {c}, {y});
}

Model segment(BuiltinOp op, TensorType t, std::vector<int32_t> ids, int32_t numSegments) {
    OneOp m;
    const int32_t rows = static_cast<int32_t>(ids.size());
    const auto data = m.in("data", t, {rows, 3});
    const auto id = m.konst("segment_ids", I32, {rows}, ids);
    std::vector<TensorIndex> ins = {data, id};
    if (op != BuiltinOp::SEGMENT_SUM)
        ins.push_back(m.konst("num_segments", I32, {}, std::vector<int32_t>{numSegments}));
    const auto y = m.out("y", t, {numSegments, 3});
    return m.finish(op, ins, {y});
}

Model sparseToDense() {
    OneOp m;
    const auto idx = m.konst("indices", I32, {3, 2}, std::vector<int32_t>{0, 1, 2, 3, 1, 0});
    const auto shape = m.konst("output_shape", I32, {2}, std::vector<int32_t>{3, 4});
    const auto values = m.in("values", F, {3});
    const auto def = m.konst("default", F, {}, std::vector<float>{-7.f});
    const auto y = m.out("y", F, {3, 4});
    return m.finish(BuiltinOp::SPARSE_TO_DENSE, {idx, shape, values, def}, {y},
                    opts(tflite::SparseToDenseOptionsT{}));
}

Model bucketize() {
    OneOp m;
    const auto x = m.in("x", F, {4, 6});
    const auto y = m.out("y", I32, {4, 6});
    tflite::BucketizeOptionsT o;
    o.boundaries = {-0.5f, 0.f, 0.25f, 0.25f, 0.7f};
    return m.finish(BuiltinOp::BUCKETIZE, {x}, {y}, opts(o));
}

Model matrixDiag(bool set) {
    OneOp m;
    const auto x =
        m.in("x", TensorType::INT8,
             set ? std::vector<int32_t>{2, 3, 4} : std::vector<int32_t>{2, 3}, qp(0.1f, 0));
    std::vector<TensorIndex> ins = {x};
    if (set) ins.push_back(m.in("diagonal", TensorType::INT8, {2, 3}, qp(0.1f, 0)));
    const auto y =
        m.out("y", TensorType::INT8,
              set ? std::vector<int32_t>{2, 3, 4} : std::vector<int32_t>{2, 3, 3}, qp(0.1f, 0));
    return m.finish(set ? BuiltinOp::MATRIX_SET_DIAG : BuiltinOp::MATRIX_DIAG, ins, {y});
}

Model reverseSequence() {
    OneOp m;
    const auto x = m.in("x", F, {3, 5, 2});
    const auto len = m.konst("seq_lengths", I32, {3}, std::vector<int32_t>{5, 0, 3});
    const auto y = m.out("y", F, {3, 5, 2});
    tflite::ReverseSequenceOptionsT o;
    o.seq_dim = 1;
    o.batch_dim = 0;
    return m.finish(BuiltinOp::REVERSE_SEQUENCE, {x, len}, {y}, opts(o));
}

Model reduceAll() {
    OneOp m;
    const auto x = m.in("x", TensorType::BOOL, {3, 4});
    const auto axes = m.konst("axes", I32, {1}, std::vector<int32_t>{1});
    const auto y = m.out("y", TensorType::BOOL, {3});
    return m.finish(BuiltinOp::REDUCE_ALL, {x, axes}, {y}, opts(tflite::ReducerOptionsT{}));
}

} // namespace

TEST_CASE("generate indexing fixtures", "[.generate]") {
    if (generateDir().empty()) {
        WARN("skipped: set QL_FIXTURE_OUT");
        return;
    }
    saveFixture("topk_float", topK(F, {3, 10}, 4));
    saveFixture("topk_int8_full_row", topK(TensorType::INT8, {2, 3, 7}, 7, qp(0.1f, -5)));
    saveFixture("topk_int32", topK(I32, {4, 9}, 3));
    saveFixture("nms_v4", nms(false, 6, 0.5f, 0.1f, 0.f), {bytesOf(kBoxes), bytesOf(kScores)});
    saveFixture("nms_v4_short", nms(false, 3, 0.3f, 0.58f, 0.f),
                {bytesOf(kBoxes), bytesOf(kScores)});
    saveFixture("nms_v5_soft", nms(true, 8, 0.7f, 0.2f, 0.5f), {bytesOf(kBoxes), bytesOf(kScores)});
    saveFixture("nms_v4_point_box", nms(false, 4, 0.5f, 0.1f, 0.f),
                {bytesOf(boxesWithPoint()), bytesOf(kScores)});
    saveFixture("dynamic_update_slice_float", dynamicUpdateSlice(F, false));
    saveFixture("dynamic_update_slice_int8_start_input",
                dynamicUpdateSlice(TensorType::INT8, true, qp(0.2f, 1)),
                {bytesOf(std::vector<int8_t>(24, 7)),
                 bytesOf(std::vector<int8_t>{-1, -2, -3, -4, -5, -6}),
                 bytesOf(std::vector<int32_t>{1, 5})});
    saveFixture("scatter_nd_float", scatterNd());
    saveFixture("one_hot_axis0", oneHot(0), {bytesOf(std::vector<int32_t>{0, 2, -1, 3, 1, 5})});
    saveFixture("one_hot_last", oneHot(-1), {bytesOf(std::vector<int32_t>{3, 3, 0, 4, 1, 2})});
    saveFixture("segment_sum_float", segment(BuiltinOp::SEGMENT_SUM, F, {0, 0, 1, 2, 2}, 3));
    saveFixture("unsorted_segment_sum_float",
                segment(BuiltinOp::UNSORTED_SEGMENT_SUM, F, {2, 0, 2, -1, 1}, 4));
    saveFixture("unsorted_segment_prod_float",
                segment(BuiltinOp::UNSORTED_SEGMENT_PROD, F, {1, 0, 1, 1, 3}, 4));
    saveFixture("unsorted_segment_max_int32",
                segment(BuiltinOp::UNSORTED_SEGMENT_MAX, I32, {1, 0, 1, 1, 0}, 3));
    saveFixture("unsorted_segment_min_float",
                segment(BuiltinOp::UNSORTED_SEGMENT_MIN, F, {0, 2, 2, 0, 1}, 3));
    saveFixture("sparse_to_dense_float", sparseToDense());
    saveFixture("bucketize_float", bucketize());
    saveFixture("matrix_diag_int8", matrixDiag(false));
    saveFixture("matrix_set_diag_int8", matrixDiag(true));
    saveFixture("reverse_sequence_float", reverseSequence());
    saveFixture("reduce_all", reduceAll(),
                {bytesOf(std::vector<uint8_t>{1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0})});
    // WHERE has no golden: its int64 output is beyond the 2023 oracle's JavaScript API, and
    // the LiteRT oracle refuses outputs whose shape depends on data.
}

TEST_CASE("indexing kernels match the TFLite runtime's goldens", "[kernels][indexing][golden]") {
    checkAllGoldens("indexing");
}

TEST_CASE("TOPK_V2 keeps the earlier position among equal values", "[kernels][indexing]") {
    auto r = runOp(BuiltinOp::TOPK_V2,
                   {in(F, {1, 6}, std::vector<float>{1, 3, 3, -2, 3, 0}),
                    cst(I32, {}, std::vector<int32_t>{4})},
                   {outT(F), outT(I32)});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0) == std::vector<float>{3, 3, 3, 1});
    CHECK(r.output<int32_t>(1) == std::vector<int32_t>{1, 2, 4, 0});
    CHECK(r.shapes[0] == std::vector<int32_t>{1, 4});
}

TEST_CASE("indexing kernels fail at prepare on bad k, shapes and indices",
          "[kernels][indexing][errors]") {
    CHECK_THAT(prepareError(topK(F, {2, 5}, 6)),
               Contains("TOPK_V2") && Contains("k = 6 is outside [0, 5]"));
    CHECK_THAT(prepareError(topK(F, {2, 5}, -1)), Contains("k = -1"));
    CHECK_THAT(prepareError(segment(BuiltinOp::SEGMENT_SUM, F, {0, 0, 2}, 3)),
               Contains("SEGMENT_SUM") &&
                   Contains("start at 0 and grow by 0 or 1; id 2 is 2 after 0"));
    CHECK_THAT(prepareError(segment(BuiltinOp::UNSORTED_SEGMENT_MAX, F, {0, 4}, 3)),
               Contains("segment id 4 is not below num_segments 3"));
    {
        OneOp m;
        const auto idx = m.konst("indices", I32, {1, 1}, std::vector<int32_t>{5});
        const auto up = m.in("updates", F, {1, 4});
        const auto shape = m.konst("shape", I32, {2}, std::vector<int32_t>{5, 4});
        const auto y = m.out("y", F, {5, 4});
        const Model model = m.finish(BuiltinOp::SCATTER_ND, {idx, up, shape}, {y});
        auto r = runModel(model, {std::vector<uint8_t>(16, 0)});
        CHECK_THAT(r.error,
                   Contains("SCATTER_ND") && Contains("index 5 in row 0 is outside [0, 5)"));
    }
    {
        OneOp m;
        const auto a = m.konst("a", I32, {3}, std::vector<int32_t>{2, 3, 4});
        const auto b = m.konst("b", I32, {2}, std::vector<int32_t>{5, 4});
        const auto y = m.out("y", I32, {3});
        CHECK_THAT(prepareError(m.finish(BuiltinOp::BROADCAST_ARGS, {a, b}, {y})),
                   Contains("do not broadcast (dimension 1)"));
    }
}

TEST_CASE("DYNAMIC_UPDATE_SLICE clamps the start so that the update fits", "[kernels][indexing]") {
    // start (3, -1) on a [4, 6] operand with a [2, 3] update clamps to (2, 0).
    std::vector<float> operand(24);
    for (size_t i = 0; i < operand.size(); ++i)
        operand[i] = float(i);
    const std::vector<float> update = {-1, -2, -3, -4, -5, -6};
    auto r = runModel(dynamicUpdateSlice(F, false), {bytesOf(operand), bytesOf(update)});
    REQUIRE(r.ok());
    std::vector<float> expected = operand;
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x)
            expected[size_t((2 + y) * 6 + x)] = update[size_t(y * 3 + x)];
    CHECK(r.output<float>(0) == expected);
}

TEST_CASE("NON_MAX_SUPPRESSION_V4 selects by score and drops overlaps", "[kernels][indexing]") {
    auto r = runModel(nms(false, 6, 0.5f, 0.1f, 0.f), {bytesOf(kBoxes), bytesOf(kScores)});
    REQUIRE(r.ok());
    const auto sel = r.output<int32_t>(0);
    const int32_t count = r.output<int32_t>(1)[0];
    REQUIRE(count >= 1);
    CHECK(sel[0] == 9); // the highest score (0.95)
    for (int32_t i = count; i < 6; ++i)
        CHECK(sel[size_t(i)] == 0);
    // Boxes 0 and 1 overlap with IoU > 0.5: only the better (0) is kept; so do 3 and 9 (3 goes).
    CHECK(std::count(sel.begin(), sel.begin() + count, 0) == 1);
    CHECK(std::count(sel.begin(), sel.begin() + count, 1) == 0);
    CHECK(std::count(sel.begin(), sel.begin() + count, 3) == 0);
}

TEST_CASE("WHERE lists the coordinates of non-zero elements", "[kernels][indexing]") {
    auto r = runModel(where(F, {2, 3}), {bytesOf(std::vector<float>{0, 2, 0, -1, 0, 3})});
    REQUIRE(r.ok());
    CHECK(r.shapes[0] == std::vector<int32_t>{3, 2});
    CHECK(r.output<int64_t>(0) == std::vector<int64_t>{0, 1, 1, 0, 1, 2});
}

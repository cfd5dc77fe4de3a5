// Pooling, L2 normalisation and reduction kernels against goldens computed by the real
// TFLite runtime (tests/fixtures/pool_reduce, see its README).
#include "test_kernels_shape_fixtures.h"

using namespace ql;
using namespace ql::test;
using namespace ql::test::kf;

namespace {

Model pool(BuiltinOp op, TensorType t, QuantParams q, Padding padding, int stride, int filter, Activation act,
           std::vector<int32_t> inShape, std::vector<int32_t> outShape) {
    ModelBuilder b;
    const auto x = b.addTensor("x", t, inShape, q);
    const auto y = b.addTensor("y", t, outShape, q);
    b.addOperator(op, {x}, {y}, poolOptions(padding, stride, stride, filter, filter, act));
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

// A reduction with the axes as a constant, or as a graph input (then the oracle's XNNPACK
// delegate, which needs static axes, leaves the op to TFLite's builtin kernel).
Model reduce(BuiltinOp op, TensorType t, QuantParams qin, QuantParams qout, std::vector<int32_t> inShape, std::vector<int32_t> axes,
             bool keepDims, std::vector<int32_t> outShape, bool axesAsInput = false) {
    ModelBuilder b;
    const auto x = b.addTensor("x", t, inShape, qin);
    const int32_t n = static_cast<int32_t>(axes.size());
    const auto a = axesAsInput ? b.addTensor("axes", TensorType::INT32, {n}) : b.addConstant("axes", TensorType::INT32, {n}, axes);
    const auto y = b.addTensor("y", t, outShape, qout);
    tflite::ReducerOptionsT o;
    o.keep_dims = keepDims;
    b.addOperator(op, {x, a}, {y}, opts(o));
    b.setInputs(axesAsInput ? std::vector<TensorIndex>{x, a} : std::vector<TensorIndex>{x});
    b.setOutputs({y});
    return b.build();
}

Model l2norm(TensorType t, QuantParams qin, QuantParams qout) {
    ModelBuilder b;
    const auto x = b.addTensor("x", t, {2, 3, 7}, qin);
    const auto y = b.addTensor("y", t, {2, 3, 7}, qout);
    b.addOperator(BuiltinOp::L2_NORMALIZATION, {x}, {y}, opts(tflite::L2NormOptionsT{}));
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) {
        seed = seed * 1664525u + 1013904223u;
        b = static_cast<uint8_t>(seed >> 24);
    }
    return v;
}

} // namespace

TEST_CASE("generate pool/reduce fixtures", "[.generate]") {
    if (generateDir().empty()) {
        WARN("skipped: set QL_FIXTURE_OUT");
        return;
    }
    const auto i8 = TensorType::INT8, u8 = TensorType::UINT8, i16 = TensorType::INT16, f32 = TensorType::FLOAT32;
    const auto A = BuiltinOp::AVERAGE_POOL_2D, M = BuiltinOp::MAX_POOL_2D;
    saveFixture("avg_pool_int8_same", pool(A, i8, qp(0.05f, -4), Padding::SAME, 2, 3, Activation::NONE, {1, 7, 9, 5}, {1, 4, 5, 5}));
    saveFixture("avg_pool_int8_relu6", pool(A, i8, qp(0.05f, -4), Padding::SAME, 1, 3, Activation::RELU6, {1, 5, 6, 3}, {1, 5, 6, 3}));
    saveFixture("avg_pool_uint8_same", pool(A, u8, qp(0.05f, 120), Padding::SAME, 2, 3, Activation::NONE, {1, 7, 9, 5}, {1, 4, 5, 5}));
    saveFixture("avg_pool_int16_valid", pool(A, i16, qp(0.001f, 0), Padding::VALID, 2, 3, Activation::NONE, {2, 7, 9, 3}, {2, 3, 4, 3}));
    saveFixture("avg_pool_float_same", pool(A, f32, {}, Padding::SAME, 2, 3, Activation::RELU, {1, 7, 9, 5}, {1, 4, 5, 5}));
    saveFixture("max_pool_int8_same", pool(M, i8, qp(0.05f, -4), Padding::SAME, 2, 3, Activation::RELU, {1, 7, 9, 5}, {1, 4, 5, 5}));
    saveFixture("max_pool_int16_valid", pool(M, i16, qp(0.001f, 0), Padding::VALID, 2, 2, Activation::NONE, {1, 6, 8, 3}, {1, 3, 4, 3}));
    saveFixture("max_pool_float_valid", pool(M, f32, {}, Padding::VALID, 2, 2, Activation::NONE, {1, 6, 8, 3}, {1, 3, 4, 3}));
    saveFixture("l2_pool_float_same", pool(BuiltinOp::L2_POOL_2D, f32, {}, Padding::SAME, 2, 2, Activation::NONE, {1, 5, 6, 3}, {1, 3, 3, 3}));
    saveFixture("l2norm_float", l2norm(f32, {}, {}));
    saveFixture("l2norm_int8", l2norm(i8, qp(0.02f, 3), qp(1.0f / 128, 0)));
    saveFixture("l2norm_uint8", l2norm(u8, qp(0.02f, 120), qp(1.0f / 128, 128)));
    // MEAN: the 4-D H,W special case (int8 as mobilenet_v2 uses it) and the general paths.
    const auto R = BuiltinOp::MEAN;
    saveFixture("mean_int8_hw", reduce(R, i8, qp(0.05f, -3), qp(0.02f, 5), {2, 5, 7, 6}, {1, 2}, true, {2, 1, 1, 6}));
    const std::vector<std::vector<uint8_t>> hwInputs = {randomBytes(2 * 5 * 7 * 6, 7), bytesOf(std::vector<int32_t>{1, 2})};
    saveFixture("mean_int8_hw_input", reduce(R, i8, qp(0.05f, -3), qp(0.02f, 5), {2, 5, 7, 6}, {1, 2}, true, {2, 1, 1, 6}, true), hwInputs);
    saveFixture("mean_uint8_hw_input", reduce(R, u8, qp(0.05f, 130), qp(0.02f, 120), {2, 5, 7, 6}, {1, 2}, true, {2, 1, 1, 6}, true), hwInputs);
    const std::vector<std::vector<uint8_t>> hw16 = {randomBytes(2 * 5 * 7 * 6 * 2, 9), bytesOf(std::vector<int32_t>{2, 1})};
    saveFixture("mean_int16_hw_input", reduce(R, i16, qp(0.001f, 0), qp(0.0007f, 0), {2, 5, 7, 6}, {2, 1}, true, {2, 1, 1, 6}, true), hw16);
    const std::vector<std::vector<uint8_t>> genInputs = {randomBytes(3 * 4 * 5, 11), bytesOf(std::vector<int32_t>{-1, 0})};
    saveFixture("mean_int8_general_input", reduce(R, i8, qp(0.05f, -3), qp(0.02f, 5), {3, 4, 5}, {-1, 0}, false, {4}, true), genInputs);
    saveFixture("mean_int8_same_params_input", reduce(R, i8, qp(0.05f, -3), qp(0.05f, -3), {3, 4, 5}, {-1, 0}, false, {4}, true), genInputs);
    saveFixture("mean_float_hw", reduce(R, f32, {}, {}, {2, 5, 7, 6}, {1, 2}, true, {2, 1, 1, 6}));
    saveFixture("mean_float_general", reduce(R, f32, {}, {}, {3, 4, 5}, {0, 2}, false, {4}));
    const std::vector<std::vector<uint8_t>> sumInputs = {randomBytes(3 * 4 * 5, 13), bytesOf(std::vector<int32_t>{1})};
    saveFixture("sum_int8_rescale_input", reduce(BuiltinOp::SUM, i8, qp(0.01f, 2), qp(0.08f, -1), {3, 4, 5}, {1}, true, {3, 1, 5}, true), sumInputs);
    saveFixture("sum_uint8_rescale_input", reduce(BuiltinOp::SUM, u8, qp(0.01f, 128), qp(0.3f, 10), {3, 4, 5}, {1}, true, {3, 1, 5}, true), sumInputs);
    saveFixture("sum_float", reduce(BuiltinOp::SUM, f32, {}, {}, {3, 4, 5}, {1, -1}, false, {3}));
    saveFixture("reduce_max_int8", reduce(BuiltinOp::REDUCE_MAX, i8, qp(0.1f, 1), qp(0.1f, 1), {3, 4, 5}, {0, 2}, true, {1, 4, 1}));
    saveFixture("reduce_min_float", reduce(BuiltinOp::REDUCE_MIN, f32, {}, {}, {3, 4, 5}, {1}, false, {3, 5}));
    saveFixture("reduce_prod_int8", reduce(BuiltinOp::REDUCE_PROD, i8, qp(0.02f, 0), qp(0.01f, 0), {3, 4, 3}, {1}, false, {3, 3}));
    saveFixture("reduce_prod_float", reduce(BuiltinOp::REDUCE_PROD, f32, {}, {}, {3, 4, 3}, {1}, false, {3, 3}));
    saveFixture("reduce_any_bool", reduce(BuiltinOp::REDUCE_ANY, TensorType::BOOL, {}, {}, {3, 4, 3}, {0, 2}, false, {4}));
}

TEST_CASE("pool/reduce kernels match the TFLite runtime's goldens", "[kernels][pool_reduce][golden]") {
    checkAllGoldens("pool_reduce");
}

// Float MEAN over H and W runs in the runtime's XNNPACK delegate as global average pooling:
// the 35 pixels of mean_float_hw ([2, 5, 7, 6]) are summed in the 7-row tree of its portable
// micro-kernels (a first pass, three middle passes, a last pass) and scaled by 1.0f / 35.
// tflite-cpu follows that order (XnnpackMeanF32.h): the oracle's floats exactly; a sequential
// sum differs in the last bits, which tflite-reference keeps (TFLite's builtin reduce kernel).
TEST_CASE("pool/reduce: float MEAN over H,W equals the runtime's XNNPACK global average pooling exactly",
          "[kernels][pool_reduce][golden]") {
    const std::string dir = (std::filesystem::path(fixtureRoot("pool_reduce")) / "mean_float_hw").string();
    const GoldenComparison cpu = compareWithGoldens(dir + "/model.tflite", dir);
    REQUIRE(cpu.error.empty());
    REQUIRE(cpu.elements == 12);
    CHECK(cpu.differing == 0);
    rt::RunOptions reference;
    reference.target = Target::TfliteReference;
    const GoldenComparison ref = compareWithGoldens(dir + "/model.tflite", dir, 1, reference);
    REQUIRE(ref.error.empty());
    CHECK(ref.relativeError() <= 1e-6);
}

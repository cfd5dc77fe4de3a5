// The quantizer on small built models: scales and zero points against hand-computed values.
#include "calib/CalibrationCollector.h"
#include "model/ModelBuilder.h"
#include "quantize/GraphEdit.h"
#include "quantize/OpRules.h"
#include "quantize/Quantizer.h"
#include "util/Float16.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace ql;
using namespace ql::quantize;

namespace {

// input [1,4] -> FULLY_CONNECTED (3x4 weights with known row maxima, bias) -> output [1,3]
std::shared_ptr<const Model> fcModel(std::vector<float> bias = {0.3f, -0.6f, 1.0f}) {
    ModelBuilder b;
    const auto in = b.addTensor("in", TensorType::FLOAT32, {1, 4});
    const std::vector<float> w = {0.5f, -1.27f, 0.2f, 0.1f,   // max |w| 1.27 -> scale 0.01
                                  2.54f, 0.0f, -1.0f, 0.3f,   // 2.54 -> 0.02
                                  0.0f, 0.0f, 0.0f, 0.0f};    // all zero -> scale 1
    const auto wt = b.addConstant("w", TensorType::FLOAT32, {3, 4}, w);
    const auto bt = b.addConstant("b", TensorType::FLOAT32, {3}, bias);
    const auto out = b.addTensor("out", TensorType::FLOAT32, {1, 3});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, wt, bt}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    return std::make_shared<const Model>(b.build());
}

// Statistics where the input spans [-1, 2] and the output [0, 5.1].
std::shared_ptr<const calib::CalibrationStats> fcStats(const std::shared_ptr<const Model>& m) {
    calib::CalibrationCollector c(m);
    const std::vector<float> in = {-1.0f, 2.0f, 0.5f, 0.0f};
    const std::vector<float> out = {0.0f, 5.1f, 1.0f};
    c.observeTensor(0, m->subgraphs[0].inputs[0], in);
    c.observeTensor(0, m->subgraphs[0].outputs[0], out);
    c.finishSample();
    return c.snapshot();
}

const Tensor* findByName(const Model& m, const std::string& name) {
    for (const Tensor& t : m.subgraphs[0].tensors)
        if (t.name == name) return &t;
    return nullptr;
}

template <class T> std::vector<T> values(const Model& m, const Tensor& t) {
    const Buffer& b = m.buffer(t.buffer);
    std::vector<T> v(b.size / sizeof(T));
    std::memcpy(v.data(), b.data, v.size() * sizeof(T));
    return v;
}

} // namespace

TEST_CASE("quantize: int8 FULLY_CONNECTED scales and zero points equal hand-computed values", "[quantize]") {
    const auto m = fcModel();
    const auto stats = fcStats(m);
    QuantizeOptions o;
    o.mode = Mode::Int8;
    auto r = quantizeModel(*m, stats.get(), o);
    REQUIRE(r.ok());
    const Model& q = r->model;
    const Subgraph& sg = q.subgraphs[0];

    // float I/O: QUANTIZE -> FULLY_CONNECTED (v4) -> DEQUANTIZE
    REQUIRE(sg.operators.size() == 3);
    CHECK(sg.operators[0].op == BuiltinOp::QUANTIZE);
    CHECK(sg.operators[1].op == BuiltinOp::FULLY_CONNECTED);
    CHECK(sg.operators[1].version == 4);
    CHECK(sg.operators[2].op == BuiltinOp::DEQUANTIZE);
    CHECK(sg.tensor(sg.inputs[0]).type == TensorType::FLOAT32);
    CHECK(sg.tensor(sg.outputs[0]).type == TensorType::FLOAT32);

    // input: scale = (2 - -1) / 255, zero_point = round(-128 - (-1) / scale) = -43
    const Tensor& in = sg.tensor(sg.operators[1].inputs[0]);
    REQUIRE(in.type == TensorType::INT8);
    const float sIn = 3.0f / 255.0f;
    CHECK(in.quant.scale[0] == Approx(sIn));
    CHECK(in.quant.zeroPoint[0] == -43);

    // weights: per channel (dim 0), scale = max|w| / 127, zero point 0
    const Tensor& w = sg.tensor(sg.operators[1].inputs[1]);
    REQUIRE(w.type == TensorType::INT8);
    REQUIRE(w.quant.scale.size() == 3);
    CHECK(w.quant.quantizedDimension == 0);
    CHECK(w.quant.scale[0] == Approx(0.01f));
    CHECK(w.quant.scale[1] == Approx(0.02f));
    CHECK(w.quant.scale[2] == 1.0f);
    CHECK(w.quant.zeroPoint == std::vector<int64_t>{0, 0, 0});
    const auto wq = values<int8_t>(q, w);
    CHECK(wq == std::vector<int8_t>{50, -127, 20, 10, 127, 0, -50, 15, 0, 0, 0, 0});

    // bias: int32, scale = s_in * s_w[c], q = round(b / scale)
    const Tensor& b = sg.tensor(sg.operators[1].inputs[2]);
    REQUIRE(b.type == TensorType::INT32);
    REQUIRE(b.quant.scale.size() == 3);
    CHECK(b.quant.scale[0] == Approx(sIn * 0.01f));
    CHECK(b.quant.scale[1] == Approx(sIn * 0.02f));
    const auto bq = values<int32_t>(q, b);
    CHECK(bq[0] == int32_t(std::lround(0.3 / (double(sIn) * 0.01))));   // 2550
    CHECK(bq[1] == int32_t(std::lround(-0.6 / (double(sIn) * 0.02))));  // -2550
    CHECK(bq[2] == int32_t(std::lround(1.0 / double(sIn))));            // 85

    // output: [0, 5.1] -> scale 0.02, zero point -128
    const Tensor& out = sg.tensor(sg.operators[1].outputs[0]);
    CHECK(out.type == TensorType::INT8);
    CHECK(out.quant.scale[0] == Approx(0.02f));
    CHECK(out.quant.zeroPoint[0] == -128);

    // the report names both activation tensors with their ranges
    REQUIRE(r->report.tensors.size() == 2);
    CHECK(r->report.tensors[0].min == -1.0f);
    CHECK(r->report.tensors[0].max == 2.0f);
    CHECK(r->report.tensors[0].clipped == 0.0);
}

TEST_CASE("quantize: --per-tensor gives one weight scale and one bias scale", "[quantize]") {
    const auto m = fcModel();
    const auto stats = fcStats(m);
    QuantizeOptions o;
    o.mode = Mode::Int8;
    o.perTensor = true;
    auto r = quantizeModel(*m, stats.get(), o);
    REQUIRE(r.ok());
    const Subgraph& sg = r->model.subgraphs[0];
    const Tensor& w = sg.tensor(sg.operators[1].inputs[1]);
    REQUIRE(w.quant.scale.size() == 1);
    CHECK(w.quant.scale[0] == Approx(2.54f / 127.0f));
    const Tensor& b = sg.tensor(sg.operators[1].inputs[2]);
    REQUIRE(b.quant.scale.size() == 1);
    CHECK(b.quant.scale[0] == Approx(3.0f / 255.0f * 0.02f));
}

TEST_CASE("quantize: a bias that would overflow int32 raises the weight scale", "[quantize]") {
    // b = 1e6 with s_in * s_w = 3/255 * 0.01: 8.5e9 > 2^31 - 1.
    const auto m = fcModel({1.0e6f, 0.0f, 0.0f});
    const auto stats = fcStats(m);
    QuantizeOptions o;
    o.mode = Mode::Int8;
    auto r = quantizeModel(*m, stats.get(), o);
    REQUIRE(r.ok());
    const Subgraph& sg = r->model.subgraphs[0];
    const Tensor& w = sg.tensor(sg.operators[1].inputs[1]);
    const Tensor& b = sg.tensor(sg.operators[1].inputs[2]);
    const double needed = 1.0e6 / (3.0 / 255.0 * 2147483647.0);
    CHECK(w.quant.scale[0] >= needed);
    CHECK(w.quant.scale[0] < needed * 1.001);
    CHECK(w.quant.scale[1] == Approx(0.02f)); // other channels untouched
    const auto bq = values<int32_t>(r->model, b);
    CHECK(bq[0] > 2147000000);
    CHECK(bq[0] <= 2147483647);
    // the weights were requantized with the raised scale
    const auto wq = values<int8_t>(r->model, w);
    CHECK(wq[1] == int8_t(std::lround(-1.27 / double(w.quant.scale[0]))));
}

TEST_CASE("quantize: fixed and shared output parameters follow TFLite's specification", "[quantize]") {
    // in [1,4] -> RESHAPE [2,2] -> LOGISTIC ; in -> TANH ; CONCATENATION(in, tanh) -> SOFTMAX
    ModelBuilder b;
    const auto in = b.addTensor("in", TensorType::FLOAT32, {1, 4});
    const auto shp = b.addConstant("shape", TensorType::INT32, {2}, std::vector<int32_t>{2, 2});
    const auto r1 = b.addTensor("reshaped", TensorType::FLOAT32, {2, 2});
    const auto lg = b.addTensor("logistic", TensorType::FLOAT32, {2, 2});
    const auto th = b.addTensor("tanh", TensorType::FLOAT32, {1, 4});
    const auto cc = b.addTensor("concat", TensorType::FLOAT32, {1, 8});
    const auto sm = b.addTensor("softmax", TensorType::FLOAT32, {1, 8});
    b.addOperator(BuiltinOp::RESHAPE, {in, shp}, {r1}, reshapeOptions({2, 2}));
    b.addOperator(BuiltinOp::LOGISTIC, {r1}, {lg});
    b.addOperator(BuiltinOp::TANH, {in}, {th});
    b.addOperator(BuiltinOp::CONCATENATION, {in, th}, {cc}, concatenationOptions(1));
    b.addOperator(BuiltinOp::SOFTMAX, {cc}, {sm}, softmaxOptions());
    b.setInputs({in});
    b.setOutputs({lg, sm});
    auto m = std::make_shared<const Model>(b.build());
    calib::CalibrationCollector c(m);
    c.observeTensor(0, in, std::vector<float>{-2.0f, 2.0f, 0.0f, 1.0f});
    c.observeTensor(0, r1, std::vector<float>{-2.0f, 2.0f, 0.0f, 1.0f});
    c.observeTensor(0, lg, std::vector<float>{0.1f, 0.9f, 0.5f, 0.7f});
    c.observeTensor(0, th, std::vector<float>{-0.96f, 0.96f, 0.0f, 0.7f});
    c.observeTensor(0, cc, std::vector<float>{-2.0f, 2.0f, 0.0f, 1.0f, -0.96f, 0.96f, 0.0f, 0.7f});
    c.observeTensor(0, sm, std::vector<float>{0.01f, 0.3f});
    c.finishSample();
    QuantizeOptions o;
    o.mode = Mode::Int8Only;
    auto r = quantizeModel(*m, c.snapshot().get(), o);
    REQUIRE(r.ok());
    const Model& q = r->model;
    const Tensor* reshaped = findByName(q, "reshaped");
    const Tensor* input = findByName(q, "in");
    REQUIRE(reshaped);
    REQUIRE(input);
    CHECK(input->type == TensorType::INT8); // int8-only: int8 I/O
    CHECK(reshaped->quant.scale == input->quant.scale);
    CHECK(reshaped->quant.zeroPoint == input->quant.zeroPoint);
    const Tensor* logistic = findByName(q, "logistic");
    CHECK(logistic->quant.scale[0] == 1.0f / 256.0f);
    CHECK(logistic->quant.zeroPoint[0] == -128);
    const Tensor* tanh = findByName(q, "tanh");
    CHECK(tanh->quant.scale[0] == 1.0f / 128.0f);
    CHECK(tanh->quant.zeroPoint[0] == 0);
    const Tensor* softmax = findByName(q, "softmax");
    CHECK(softmax->quant.scale[0] == 1.0f / 256.0f);
    CHECK(softmax->quant.zeroPoint[0] == -128);
    // CONCATENATION: both inputs carry the output's params (tanh's input requantized)
    const Subgraph& sg = q.subgraphs[0];
    for (const Operator& op : sg.operators)
        if (op.op == BuiltinOp::CONCATENATION) {
            const Tensor& out = sg.tensor(op.outputs[0]);
            for (TensorIndex t : op.inputs) {
                CHECK(sg.tensor(t).quant.scale == out.quant.scale);
                CHECK(sg.tensor(t).quant.zeroPoint == out.quant.zeroPoint);
            }
            CHECK(op.version == 2);
        }
    CHECK(r->report.insertedQuantize == 1); // the requantization of tanh
    CHECK(r->report.insertedDequantize == 0);
}

TEST_CASE("quantize: int8-only names the operators that have no integer kernel", "[quantize]") {
    ModelBuilder b;
    const auto in = b.addTensor("in", TensorType::FLOAT32, {1, 4});
    const auto ex = b.addTensor("exp", TensorType::FLOAT32, {1, 4});
    b.addOperator(BuiltinOp::EXP, {in}, {ex});
    b.setInputs({in});
    b.setOutputs({ex});
    auto m = std::make_shared<const Model>(b.build());
    calib::CalibrationCollector c(m);
    c.observeTensor(0, in, std::vector<float>{-1.0f, 1.0f});
    c.observeTensor(0, ex, std::vector<float>{0.3f, 2.7f});
    c.finishSample();
    QuantizeOptions o;
    o.mode = Mode::Int8Only;
    auto r = quantizeModel(*m, c.snapshot().get(), o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message().find("#0 EXP") != std::string::npos);
    // int8 keeps it float with QUANTIZE/DEQUANTIZE where needed (none here: float I/O)
    o.mode = Mode::Int8;
    auto f = quantizeModel(*m, c.snapshot().get(), o);
    REQUIRE(f.ok());
    CHECK(f->report.floatOps.size() == 1);
    CHECK(f->model.subgraphs[0].operators.size() == 1);
}

TEST_CASE("quantize: --keep-float keeps an op float with QUANTIZE and DEQUANTIZE around it", "[quantize]") {
    const auto m = fcModel();
    const auto stats = fcStats(m);
    QuantizeOptions o;
    o.mode = Mode::Int8;
    o.keepFloat = {"FULLY_CONNECTED"};
    auto r = quantizeModel(*m, stats.get(), o);
    REQUIRE(r.ok());
    REQUIRE(r->model.subgraphs[0].operators.size() == 1);
    CHECK(r->model.subgraphs[0].operators[0].version == 1);
    CHECK(r->report.quantizedOps == 0);
}

TEST_CASE("quantize: uint8 I/O shifts the int8 zero point by 128 through QUANTIZE ops", "[quantize]") {
    const auto m = fcModel();
    const auto stats = fcStats(m);
    QuantizeOptions o;
    o.mode = Mode::Int8Only;
    o.io = IoType::UInt8;
    auto r = quantizeModel(*m, stats.get(), o);
    REQUIRE(r.ok());
    const Subgraph& sg = r->model.subgraphs[0];
    const Tensor& in = sg.tensor(sg.inputs[0]);
    const Tensor& out = sg.tensor(sg.outputs[0]);
    CHECK(in.type == TensorType::UINT8);
    CHECK(in.quant.zeroPoint[0] == -43 + 128);
    CHECK(out.type == TensorType::UINT8);
    CHECK(out.quant.zeroPoint[0] == 0);
    REQUIRE(sg.operators.size() == 3);
    CHECK(sg.operators[0].op == BuiltinOp::QUANTIZE);
    CHECK(sg.operators[2].op == BuiltinOp::QUANTIZE);
}

TEST_CASE("quantize: int16x8 uses symmetric int16 activations and an int64 bias", "[quantize]") {
    const auto m = fcModel();
    const auto stats = fcStats(m);
    QuantizeOptions o;
    o.mode = Mode::Int16x8;
    auto r = quantizeModel(*m, stats.get(), o);
    REQUIRE(r.ok());
    const Subgraph& sg = r->model.subgraphs[0];
    const Operator& fc = sg.operators[1];
    CHECK(fc.version == 7);
    const Tensor& in = sg.tensor(fc.inputs[0]);
    CHECK(in.type == TensorType::INT16);
    CHECK(in.quant.scale[0] == Approx(2.0f / 32767.0f));
    CHECK(in.quant.zeroPoint[0] == 0);
    const Tensor& b = sg.tensor(fc.inputs[2]);
    CHECK(b.type == TensorType::INT64);
    CHECK(sg.operators[0].version == 2); // QUANTIZE to int16
    CHECK(sg.operators[2].version == 3); // DEQUANTIZE from int16
}

TEST_CASE("quantize: float16 stores float16 constants behind DEQUANTIZE", "[quantize]") {
    const auto m = fcModel();
    auto r = quantizeModel(*m, nullptr, QuantizeOptions{Mode::Float16});
    REQUIRE(r.ok());
    const Subgraph& sg = r->model.subgraphs[0];
    REQUIRE(sg.operators.size() == 3);
    CHECK(sg.operators[0].op == BuiltinOp::DEQUANTIZE);
    CHECK(sg.operators[0].version == 3);
    CHECK(sg.tensor(sg.operators[0].inputs[0]).type == TensorType::FLOAT16);
    const Tensor& w = sg.tensor(sg.operators[2].inputs[1]);
    CHECK(w.type == TensorType::FLOAT32);
    CHECK_FALSE(r->model.isConstant(w));
    // folding the DEQUANTIZE back gives the float16-rounded weights
    const Model folded = foldConstantDequantize(r->model);
    const Subgraph& fs = folded.subgraphs[0];
    REQUIRE(fs.operators.size() == 1);
    const auto wv = values<float>(folded, fs.tensor(fs.operators[0].inputs[1]));
    CHECK(wv[1] == halfToFloat(floatToHalf(-1.27f)));
}

TEST_CASE("quantize: dynamic range keeps small weights float (1024-element threshold)", "[quantize]") {
    const auto m = fcModel();
    QuantizeOptions o{Mode::Dynamic};
    auto r = quantizeModel(*m, nullptr, o);
    REQUIRE(r.ok());
    CHECK(r->report.quantizedOps == 0); // 12 weights < 1024
    o.dynamicMinElements = 1;
    r = quantizeModel(*m, nullptr, o);
    REQUIRE(r.ok());
    const Operator& fc = r->model.subgraphs[0].operators[0];
    CHECK(fc.version == 9);
    CHECK(fc.options.AsFullyConnectedOptions()->asymmetric_quantize_inputs);
    const Tensor& w = r->model.subgraphs[0].tensor(fc.inputs[1]);
    CHECK(w.type == TensorType::INT8);
    REQUIRE(w.quant.scale.size() == 1); // hybrid FULLY_CONNECTED: per tensor
    CHECK(w.quant.scale[0] == Approx(2.54f / 127.0f));
    CHECK(r->model.subgraphs[0].tensor(fc.inputs[2]).type == TensorType::FLOAT32); // bias stays float
}

TEST_CASE("quantize: modes and I/O types parse; unknown ones are errors", "[quantize]") {
    CHECK(parseMode("int8-only").ok());
    CHECK(*parseMode("int16x8") == Mode::Int16x8);
    CHECK_FALSE(parseMode("int4").ok());
    CHECK_FALSE(parseIoType("int16").ok());
    CHECK(needsCalibration(Mode::Int8));
    CHECK_FALSE(needsCalibration(Mode::Dynamic));
}

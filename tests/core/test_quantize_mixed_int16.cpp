// Mixed int8 / int16x8 (QuantizeOptions::int16 in mode int8) on a real model calibrated on real
// photos: the named operators run with int16 activations, int8 weights and int64 biases inside
// the int8 model; the written model is equal to the runtime (TFLite and LiteRT) bit for bit,
// and the search (analysis/Sensitivity.h) may choose int16 moves and reports a list whose
// measurement and MAC share are reproducible.
#include "SingleOp.h"
#include "analysis/ErrorMetrics.h"
#include "analysis/Sensitivity.h"
#include "data/DataSource.h"
#include "io/Npy.h"
#include "model/ModelStats.h"
#include "quantize/GraphCleanup.h"
#include "test_quantize_support.h"
#include "tflite/ModelWriter.h"

#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

using namespace ql;
using namespace ql::test;

namespace {

// face_detection_short_range: the depthwise output 'depthwise_conv2d_15' has a range of about
// [-320, 12] on photos (one channel far below the others), so its int8 grid is coarse for the
// CONV_2D 'conv2d_16' that reads it: the pair is where int16 activations help.
const char* kModel = "face_detection_short_range.tflite";
const std::vector<std::string> kWide = {"depthwise_conv2d_15", "conv2d_16"};

struct Setup {
    std::shared_ptr<const Model> model;
    std::string calib, eval;
    data::DataOptions calibOptions, evalOptions;
};

std::optional<Setup> setup() {
    const auto path = sharedModel(kModel);
    const auto calib = photosDir("calib");
    const auto eval = photosDir("eval");
    if (!path || !calib || !eval) return std::nullopt;
    auto m = readModelFile(*path);
    REQUIRE(m.ok());
    Setup s;
    s.model = *m;
    s.calib = calib->string();
    s.eval = eval->string();
    s.calibOptions.normalization = data::Normalization::range(-1.0f, 1.0f); // MediaPipe's [-1, 1]
    s.calibOptions.maxSamples = 8;
    s.evalOptions = s.calibOptions;
    return s;
}

std::shared_ptr<const Model> quantized(const Setup& s, const std::vector<std::string>& int16,
                                       quantize::QuantizeReport* report = nullptr) {
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.quantize.int16 = int16;
    o.calibSpec = s.calib;
    o.data = s.calibOptions;
    auto q = quantize::runQuantize(s.model, o);
    REQUIRE(q.ok());
    if (report) *report = q->result.report;
    return std::make_shared<const Model>(std::move(q->result.model));
}

// Worst-output SQNR of `q` against the float model over the evaluation photos.
double worstSqnr(const Setup& s, const Model& q) {
    auto source =
        data::openDataSource(s.eval, data::ModelInputInfo::fromModel(*s.model), s.evalOptions);
    REQUIRE(source.ok());
    std::vector<analysis::ErrorAccumulator> acc(s.model->subgraphs[0].outputs.size());
    for (size_t i = 0; i < (*source)->size(); ++i) {
        auto sample = (*source)->get(i);
        REQUIRE(sample.ok());
        const OpRun f = runModel(*s.model, {sample->tensors[0].bytes});
        const OpRun r = runModel(q, {sample->tensors[0].bytes});
        REQUIRE(f.ok());
        REQUIRE(r.ok());
        for (size_t k = 0; k < acc.size(); ++k)
            acc[k].add(f.output<float>(k), r.output<float>(k));
    }
    double worst = INFINITY;
    for (const auto& a : acc)
        worst = std::min(worst, a.result().sqnrDb);
    return worst;
}

const Operator* producerOf(const Model& m, const std::string& tensor) {
    const Subgraph& sg = m.subgraphs[0];
    for (const Operator& op : sg.operators)
        for (TensorIndex t : op.outputs)
            if (t.valid() && sg.tensor(t).name == tensor) return &op;
    return nullptr;
}

} // namespace

TEST_CASE(
    "mixed int8 / int16x8: the named operators get int16 activations, int8 weights and int64 bias",
    "[quantize][int16][shared][photos]") {
    const auto s = setup();
    if (!s) {
        WARN("skipped: ../shared/models or the real photos absent");
        return;
    }
    quantize::QuantizeReport report;
    const auto mixed = quantized(*s, kWide, &report);
    CHECK(report.int16Ops.size() == 2);
    CHECK(report.floatOps.empty());
    const Subgraph& sg = mixed->subgraphs[0];
    for (const std::string& name : kWide) {
        INFO(name);
        const Operator* op = producerOf(*mixed, name);
        REQUIRE(op);
        CHECK(sg.tensor(op->outputs[0]).type == TensorType::INT16);
        CHECK(sg.tensor(op->outputs[0]).quant.zeroPoint[0] == 0); // int16: symmetric
        CHECK(sg.tensor(op->inputs[0]).type == TensorType::INT16);
        CHECK(sg.tensor(op->inputs[1]).type == TensorType::INT8);
        CHECK(sg.tensor(op->inputs[2]).type == TensorType::INT64);
    }
    // Every other CONV_2D / DEPTHWISE_CONV_2D stays int8; the runtime has no int8 -> int16
    // requantize, so no QUANTIZE reads int8 and writes int16.
    size_t int8Convs = 0;
    for (const Operator& op : sg.operators) {
        if (op.op == BuiltinOp::CONV_2D || op.op == BuiltinOp::DEPTHWISE_CONV_2D)
            int8Convs += sg.tensor(op.outputs[0]).type == TensorType::INT8;
        if (op.op == BuiltinOp::QUANTIZE)
            CHECK_FALSE((sg.tensor(op.inputs[0]).type == TensorType::INT8 &&
                         sg.tensor(op.outputs[0]).type == TensorType::INT16));
    }
    size_t convs = 0;
    for (const Operator& op : s->model->subgraphs[0].operators)
        convs += op.op == BuiltinOp::CONV_2D || op.op == BuiltinOp::DEPTHWISE_CONV_2D;
    CHECK(int8Convs + 2 == convs);

    // int16 around the coarse tensor: the model is closer to the float one than all-int8.
    const auto allInt8 = quantized(*s, {});
    const double mixedDb = worstSqnr(*s, *mixed), int8Db = worstSqnr(*s, *allInt8);
    INFO("worst-output SQNR: all int8 " << int8Db << " dB, mixed " << mixedDb << " dB");
    CHECK(mixedDb > int8Db);
}

TEST_CASE("mixed int8 / int16x8: the written model equals TFLite and LiteRT bit for bit on a photo",
          "[quantize][int16][oracle][shared][photos]") {
    const auto s = setup();
    if (!s || !oracleScript()) {
        WARN("skipped: the oracle, ../shared/models or the real photos absent");
        return;
    }
    TempDir dir;
    const auto mixed = quantized(*s, kWide);
    const std::string file = dir.file("mixed.tflite");
    REQUIRE(writeModelFile(*mixed, file).ok());
    auto source =
        data::openDataSource(s->eval, data::ModelInputInfo::fromModel(*mixed), s->evalOptions);
    REQUIRE(source.ok());
    auto sample = (*source)->get(0);
    REQUIRE(sample.ok());
    const data::SampleTensor& t = sample->tensors[0];
    const std::string input = dir.file("input_0.npy");
    REQUIRE(writeNpy(input, t.type, std::vector<int64_t>(t.shape.begin(), t.shape.end()), t.bytes)
                .ok());
    rt::RunOptions run;
    run.target = Target::TfliteCpu;
    const OpRun mine = runModel(*mixed, {t.bytes}, run);
    REQUIRE(mine.ok());
    for (const bool litert : {false, true}) {
        if (litert && !litertOracleScript()) continue;
        INFO((litert ? "LiteRT" : "TFLite"));
        const std::string out = dir.file(litert ? "litert" : "tflite");
        std::string log;
        const std::vector<std::string> args = {file, "--inputs", input, "--out", out, "--quiet"};
        REQUIRE((litert ? runLitertOracle(args, &log) : runOracle(args, &log)) == 0);
        for (size_t k = 0; k < mine.outputs.size(); ++k) {
            const ql::test::NpyArray ref =
                ql::test::readNpy(out + "/output_" + std::to_string(k) + ".npy");
            // Float outputs written by DEQUANTIZE from equal integers: equal floats.
            CHECK(ref.data == mine.outputs[k]);
        }
    }
}

TEST_CASE("mixed int8 / int16x8: options that make no sense are refused", "[quantize][int16]") {
    const auto s = setup();
    if (!s) {
        WARN("skipped: ../shared/models or the real photos absent");
        return;
    }
    quantize::QuantizeJobOptions o;
    o.calibSpec = s->calib;
    o.data = s->calibOptions;
    o.data.maxSamples = 2;
    o.quantize.int16 = {"conv2d_16"};
    for (auto mode : {quantize::Mode::Int16x8, quantize::Mode::Int8Only}) {
        o.quantize.mode = mode;
        auto q = quantize::runQuantize(s->model, o);
        REQUIRE_FALSE(q.ok());
        CHECK(q.message().find("int16") != std::string::npos);
    }
    o.quantize.mode = quantize::Mode::Int8;
    o.quantize.int16 = {"conv2d_61"};
    auto q = quantize::runQuantize(s->model, o);
    REQUIRE_FALSE(q.ok());
    CHECK(q.message().find("nearest") != std::string::npos);
    // A type name selects every operator of that type (the model's 4 RESHAPEs).
    o.quantize.int16 = {"RESHAPE"};
    auto r = quantize::runQuantize(s->model, o);
    REQUIRE(r.ok());
    CHECK(r->result.report.int16Refused.empty());
    CHECK(r->result.report.int16Ops.size() == 4);
}

TEST_CASE(
    "sensitivity with int16 moves: the reported lists reproduce their measurement and MAC share",
    "[sensitivity][int16][shared][photos]") {
    const auto s = setup();
    if (!s) {
        WARN("skipped: ../shared/models or the real photos absent");
        return;
    }
    auto calib =
        data::openDataSource(s->calib, data::ModelInputInfo::fromModel(*s->model), s->calibOptions);
    data::DataOptions evalOptions = s->evalOptions;
    evalOptions.maxSamples = 4;
    auto eval =
        data::openDataSource(s->eval, data::ModelInputInfo::fromModel(*s->model), evalOptions);
    REQUIRE(calib.ok());
    REQUIRE(eval.ok());
    analysis::SensitivityOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.targetSqnrDb = 60; // out of reach: the search runs its full budget
    o.maxFloatLayers = 4;
    o.greedyWidth = 4;
    auto r = analysis::runSensitivity(s->model, **calib, **eval, o);
    REQUIRE(r.ok());
    size_t capable = 0;
    for (const auto& l : r->layers)
        capable += l.int16Capable;
    CHECK(capable > 0);
    // Every kept step improves on the one before.
    double before = r->allQuantized.sqnrDb;
    for (const auto& step : r->steps) {
        CHECK(step.after.sqnrDb > before);
        before = step.after.sqnrDb;
    }
    REQUIRE(!(r->keepFloat.empty() && r->int16.empty()));
    CHECK(r->suggested.sqnrDb > r->allQuantized.sqnrDb);

    // Re-quantizing with the reported lists gives the reported figure on the same samples.
    analysis::SensitivityOptions again = o;
    again.targetSqnrDb.reset();
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.quantize.keepFloat = r->keepFloat;
    job.quantize.int16 = r->int16;
    job.calibSpec = s->calib;
    job.data = s->calibOptions;
    auto q = quantize::runQuantize(s->model, job);
    REQUIRE(q.ok());
    Setup four = *s;
    four.evalOptions = evalOptions;
    const double reproduced = worstSqnr(four, q->result.model);
    CHECK(std::fabs(reproduced - r->suggested.sqnrDb) < 1e-3);

    // The MAC share: the named operators' MACs over the model's.
    const Model folded = quantize::prepareFloatModel(*s->model);
    const Subgraph& sg = folded.subgraphs[0];
    std::set<std::string> named(r->keepFloat.begin(), r->keepFloat.end());
    named.insert(r->int16.begin(), r->int16.end());
    uint64_t macs = 0, total = 0;
    for (const Operator& op : sg.operators) {
        const uint64_t n = operatorMacs(sg, op);
        total += n;
        for (TensorIndex t : op.outputs)
            if (t.valid() && named.count(sg.tensor(t).name)) {
                macs += n;
                break;
            }
    }
    CHECK(r->totalMacs == total);
    CHECK(std::fabs(r->macShareOutsideInt8 - double(macs) / double(total)) < 1e-12);
}

TEST_CASE("sensitivity with a MAC budget: the list never leaves more than the budget out of int8",
          "[sensitivity][int16][shared][photos]") {
    const auto s = setup();
    if (!s) {
        WARN("skipped: ../shared/models or the real photos absent");
        return;
    }
    data::DataOptions calibOptions = s->calibOptions, evalOptions = s->evalOptions;
    calibOptions.maxSamples = 4;
    evalOptions.maxSamples = 2;
    auto calib =
        data::openDataSource(s->calib, data::ModelInputInfo::fromModel(*s->model), calibOptions);
    auto eval =
        data::openDataSource(s->eval, data::ModelInputInfo::fromModel(*s->model), evalOptions);
    REQUIRE(calib.ok());
    REQUIRE(eval.ok());
    analysis::SensitivityOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.targetSqnrDb = 60;
    o.maxFloatLayers = 6;
    o.greedyWidth = 4;
    o.maxMacShare = 0.05;
    auto r = analysis::runSensitivity(s->model, **calib, **eval, o);
    REQUIRE(r.ok());
    CHECK(r->macShareOutsideInt8 <= 0.05);
    // The steps' operators together stay within the budget too.
    std::set<size_t> ops;
    for (const auto& step : r->steps)
        for (OperatorIndex op : step.ops)
            ops.insert(op.index());
    uint64_t macs = 0;
    for (const auto& l : r->layers)
        if (ops.count(l.op.index())) macs += l.macs;
    CHECK(double(macs) <= 0.05 * double(r->totalMacs));
}

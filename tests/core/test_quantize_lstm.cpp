// UNIDIRECTIONAL_SEQUENCE_LSTM in the quantizer: calibration outputs of the float
// kernel, TFLite's 8x8->16 recipe in int8 / int8-only, the hybrid kernel in dynamic, float in
// int16x8; built LSTMs and tflite-micro's trained_lstm against the TFLite oracle, TensorFlow's
// own trained_lstm_int8.tflite and the float model (SQNR on Fashion-MNIST rows).
#include "test_quantize_support.h"

#include "TestModels.h"
#include "analysis/Sensitivity.h"
#include "calib/Calibrate.h"
#include "data/DataSource.h"
#include "model/ModelBuilder.h"
#include "quantize/GraphEdit.h"
#include "quantize/LstmRules.h"
#include "tflite/ModelWriter.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

using namespace ql;
using namespace ql::test;

namespace {

struct Spec {
    int batch = 1, time = 5, input = 12, cell = 16, output = 16;
    bool peephole = false, projection = false, layerNorm = false, withFc = true;
};

std::vector<float> uniform(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

// input [batch, time, input] -> float LSTM (tanh, cell clip 10) -> (RESHAPE -> FULLY_CONNECTED)
Model buildFloatLstm(const Spec& s, unsigned seed) {
    std::mt19937 rng(seed);
    ModelBuilder b;
    std::vector<TensorIndex> in(24, TensorIndex{-1});
    in[0] = b.addTensor("input", TensorType::FLOAT32, {s.batch, s.time, s.input});
    const char* gates[4] = {"input", "forget", "cell", "output"};
    for (int g = 0; g < 4; ++g) {
        in[size_t(1 + g)] = b.addConstant(std::string(gates[g]) + "_x", TensorType::FLOAT32, {s.cell, s.input},
                                          uniform(rng, size_t(s.cell * s.input), -0.5f, 0.5f));
        in[size_t(5 + g)] = b.addConstant(std::string(gates[g]) + "_h", TensorType::FLOAT32, {s.cell, s.output},
                                          uniform(rng, size_t(s.cell * s.output), -0.4f, 0.4f));
        in[size_t(12 + g)] = b.addConstant(std::string(gates[g]) + "_bias", TensorType::FLOAT32, {s.cell},
                                           uniform(rng, size_t(s.cell), g == 1 ? 0.5f : -0.3f, g == 1 ? 1.0f : 0.3f));
        if (s.layerNorm)
            in[size_t(20 + g)] = b.addConstant(std::string(gates[g]) + "_ln", TensorType::FLOAT32, {s.cell}, uniform(rng, size_t(s.cell), 0.5f, 1.5f));
    }
    if (s.peephole)
        for (size_t i : {9, 10, 11})
            in[i] = b.addConstant("peephole_" + std::to_string(i), TensorType::FLOAT32, {s.cell}, uniform(rng, size_t(s.cell), -0.3f, 0.3f));
    if (s.projection) {
        in[16] = b.addConstant("projection", TensorType::FLOAT32, {s.output, s.cell}, uniform(rng, size_t(s.output * s.cell), -0.4f, 0.4f));
        in[17] = b.addConstant("projection_bias", TensorType::FLOAT32, {s.output}, uniform(rng, size_t(s.output), -0.1f, 0.1f));
    }
    for (size_t i : {18, 19}) {
        const int width = i == 18 ? s.output : s.cell;
        in[i] = b.addTensor(i == 18 ? "output_state" : "cell_state", TensorType::FLOAT32, {s.batch, width});
        b.subgraph().tensors[in[i].index()].isVariable = true;
    }
    const TensorIndex seq = b.addTensor("lstm_out", TensorType::FLOAT32, {s.batch, s.time, s.output});
    tflite::UnidirectionalSequenceLSTMOptionsT o;
    o.fused_activation_function = Activation::TANH;
    o.cell_clip = 10.0f;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(o));
    b.addOperator(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, in, {seq}, std::move(u), 1);
    b.setInputs({in[0]});
    if (!s.withFc) {
        b.setOutputs({seq});
        return b.build();
    }
    const TensorIndex shape = b.addConstant("shape", TensorType::INT32, {2}, std::vector<int32_t>{s.batch, s.time * s.output});
    const TensorIndex flat = b.addTensor("flat", TensorType::FLOAT32, {s.batch, s.time * s.output});
    tflite::ReshapeOptionsT ro;
    ro.new_shape = {s.batch, s.time * s.output};
    tflite::BuiltinOptionsUnion ru;
    ru.Set(std::move(ro));
    b.addOperator(BuiltinOp::RESHAPE, {seq, shape}, {flat}, std::move(ru), 1);
    const TensorIndex w = b.addConstant("fc_w", TensorType::FLOAT32, {4, s.time * s.output}, uniform(rng, size_t(4 * s.time * s.output), -0.3f, 0.3f));
    const TensorIndex bias = b.addConstant("fc_b", TensorType::FLOAT32, {4}, uniform(rng, 4, -0.1f, 0.1f));
    const TensorIndex out = b.addTensor("logits", TensorType::FLOAT32, {s.batch, 4});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {flat, w, bias}, {out}, fullyConnectedOptions(), 1);
    b.setOutputs({out});
    return b.build();
}

const Operator* findLstm(const Model& m) {
    for (const Operator& op : m.subgraphs[0].operators)
        if (op.op == BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM) return &op;
    return nullptr;
}

bool isPowerOfTwo(float x) {
    int e = 0;
    return x > 0 && std::frexp(x, &e) == 0.5f;
}

float maxAbs(const Model& m, const Tensor& t) {
    float mx = 0;
    for (float v : quantize::constantFloats(m, t)) mx = std::max(mx, std::fabs(v));
    return mx;
}

// Checks TFLite's 8x8->16 recipe on the quantized LSTM `q` made from `f` (LstmRules.h).
void checkInt8Recipe(const Model& fm, const Model& qm) {
    const Operator* f = findLstm(fm);
    const Operator* q = findLstm(qm);
    REQUIRE(f);
    REQUIRE(q);
    const Subgraph& fs = fm.subgraphs[0];
    const Subgraph& qs = qm.subgraphs[0];
    auto qt = [&](size_t i) -> const Tensor& { return qs.tensor(q->inputs[i]); };
    CHECK(q->version == 1);
    REQUIRE(q->inputs.size() == f->inputs.size());
    CHECK(qt(0).type == TensorType::INT8);
    const bool layerNorm = q->inputs.size() == 24 && q->inputs[21].valid();
    const bool projection = q->inputs[16].valid();
    for (size_t i = 1; i < q->inputs.size(); ++i) {
        INFO("LSTM input " << i);
        CHECK(q->inputs[i].valid() == f->inputs[i].valid());
        if (!q->inputs[i].valid()) continue;
        const Tensor& t = qt(i);
        REQUIRE(t.quant.scale.size() == 1); // per tensor everywhere
        if ((i >= 1 && i <= 8) || i == 16) {
            CHECK(t.type == TensorType::INT8);
            CHECK(t.quant.zeroPoint[0] == 0);
            CHECK(t.quant.scale[0] == Approx(maxAbs(fm, fs.tensor(f->inputs[i])) / 127.0f).epsilon(1e-6));
        } else if ((i >= 9 && i <= 11) || i >= 20) {
            CHECK(t.type == TensorType::INT16);
            CHECK(t.quant.scale[0] == Approx(maxAbs(fm, fs.tensor(f->inputs[i])) / 32767.0f).epsilon(1e-6));
        } else if (i >= 12 && i <= 15) {
            CHECK(t.type == TensorType::INT32);
            const float expected = layerNorm ? qt(i + 8).quant.scale[0] / 1024.0f : qt(0).quant.scale[0] * qt(i - 11).quant.scale[0];
            CHECK(t.quant.scale[0] == Approx(expected).epsilon(1e-6));
        } else if (i == 17) {
            CHECK(t.type == TensorType::INT32);
            CHECK(t.quant.scale[0] == Approx(qt(16).quant.scale[0] * qs.tensor(q->intermediates[4]).quant.scale[0]).epsilon(1e-6));
        }
    }
    // States: the output state shares the output's parameters; the cell state is int16 with a
    // power-of-two scale.
    const Tensor& out = qs.tensor(q->outputs[0]);
    CHECK(out.type == TensorType::INT8);
    CHECK(qt(18).type == TensorType::INT8);
    CHECK(qt(18).isVariable);
    CHECK(qt(18).quant.scale == out.quant.scale);
    CHECK(qt(18).quant.zeroPoint == out.quant.zeroPoint);
    CHECK(qt(19).type == TensorType::INT16);
    CHECK(qt(19).quant.zeroPoint[0] == 0);
    CHECK(isPowerOfTwo(qt(19).quant.scale[0]));
    REQUIRE(q->intermediates.size() == 5);
    for (int g = 0; g < 4; ++g) CHECK(qs.tensor(q->intermediates[size_t(g)]).type == (layerNorm ? TensorType::INT16 : TensorType::FLOAT32));
    const Tensor& hidden = qs.tensor(q->intermediates[4]);
    CHECK(hidden.type == TensorType::INT8);
    CHECK(hidden.quant.zeroPoint[0] == 0); // TFLite's runtime subtracts it instead of adding it
    if (!projection) {
        CHECK(hidden.quant.scale == out.quant.scale);
        CHECK(hidden.quant.zeroPoint == out.quant.zeroPoint);
    }
}

std::string agreementLine(const OracleAgreement& a) {
    std::ostringstream s;
    s << "float rel diff " << a.worstFloatRel;
    if (a.intValues) s << ", int max " << a.maxLsb << " LSB, " << a.intOffByOne << "/" << a.intValues << " values differ";
    return s.str();
}

// Largest |QuantLab - TFLite| of a float graph output that a DEQUANTIZE makes, in LSB of the
// integer it dequantizes (the oracle's outputs for `seed` are in dir/oracle_<seed>).
double dequantizedLsbDiff(std::shared_ptr<const Model> model, const TempDir& dir, int seed) {
    const std::string out = dir.file("oracle_" + std::to_string(seed));
    std::vector<NpyArray> inputs;
    for (size_t i = 0; i < model->subgraphs[0].inputs.size(); ++i) inputs.push_back(*readNpy(out + "/input_" + std::to_string(i) + ".npy"));
    const RunOutputs mine = runQuantLab(model, inputs);
    double worst = 0;
    const Subgraph& sg = model->subgraphs[0];
    for (size_t o = 0; o < mine.values.size(); ++o) {
        if (mine.types[o] != TensorType::FLOAT32) continue;
        const OperatorIndex p = sg.producer[sg.outputs[o].index()];
        REQUIRE(p.valid());
        REQUIRE(sg.op(p).op == BuiltinOp::DEQUANTIZE);
        const double lsb = sg.tensor(sg.op(p).inputs[0]).quant.scale[0];
        const auto ref = readNpy(out + "/output_" + std::to_string(o) + ".npy");
        const auto rv = asDoubles(ref->type, ref->data.data(), ref->data.size() / 4);
        for (size_t i = 0; i < rv.size(); ++i) worst = std::max(worst, std::fabs(rv[i] - mine.values[o][i]) / lsb);
    }
    return worst;
}

// Quantizes `model` in `mode`, writes it, and compares the file with the oracle.
OracleAgreement quantizeAndCompare(std::shared_ptr<const Model> model, quantize::Mode mode, const std::string& calib,
                                   const TempDir& dir, const std::string& label, std::shared_ptr<const Model>* written = nullptr) {
    auto q = quantizeWith(model, mode, calib);
    REQUIRE(q.ok());
    const std::string path = dir.file(label + "_" + std::string(quantize::modeName(mode)) + ".tflite");
    REQUIRE(writeModelFile(q->result.model, path).ok());
    auto back = readModelFile(path);
    REQUIRE(back.ok());
    if (written) *written = *back;
    return compareWithOracle(path, dir, 3);
}

} // namespace

TEST_CASE("quantize lstm: calibration outputs leave the LSTM unchanged and expose its internals", "[quantize][lstm]") {
    for (bool layerNorm : {false, true}) {
        Spec s;
        s.batch = 2;
        s.layerNorm = layerNorm;
        s.withFc = false;
        auto plain = std::make_shared<const Model>(buildFloatLstm(s, 7));
        auto tapped = quantize::withLstmCalibrationOutputs(plain);
        REQUIRE(tapped != plain);
        const auto taps = quantize::lstmCalibrationTaps(*plain);
        REQUIRE(taps.size() == 1);
        CHECK(taps[0].cellState.index() == plain->subgraphs[0].tensors.size());
        CHECK(tapped->subgraphs[0].tensors.size() == plain->subgraphs[0].tensors.size() + 6);

        std::mt19937 rng(3);
        const std::vector<float> x = uniform(rng, size_t(s.batch * s.time * s.input), -1, 1);
        NpyArray in;
        in.shape = {s.batch, s.time, s.input};
        in.data.resize(x.size() * 4);
        std::memcpy(in.data.data(), x.data(), in.data.size());
        const RunOutputs a = runQuantLab(plain, {in});
        REQUIRE(a.error.empty());

        auto interp = rt::Interpreter::create(tapped);
        REQUIRE(interp.ok());
        REQUIRE((*interp)->setInput(0, TensorType::FLOAT32, in.data).ok());
        std::vector<std::vector<float>> seen(7);
        REQUIRE((*interp)->invoke([&](const rt::NodeEvent& e) {
                             for (size_t k = 0; k < e.outputs.size() && k < seen.size(); ++k)
                                 seen[k].assign(e.outputs[k]->as<float>(), e.outputs[k]->as<float>() + e.outputs[k]->elementCount());
                         }).ok());
        // Output 0 is bit for bit the plain model's.
        REQUIRE(seen[0].size() == a.values[0].size());
        for (size_t i = 0; i < seen[0].size(); ++i) CHECK(double(seen[0][i]) == a.values[0][i]);
        // Without projection the hidden value of each step is that step's output (rows b * time + t).
        REQUIRE(seen[2].size() == seen[0].size());
        CHECK(seen[2] == seen[0]);
        // The cell state tap: the final state of each batch row, bounded by the cell clip.
        REQUIRE(seen[1].size() == size_t(s.batch * s.cell));
        for (float c : seen[1]) CHECK(std::fabs(c) <= 10.0f);
        for (int g = 0; g < 4; ++g) CHECK(seen[3 + size_t(g)].size() == (layerNorm ? size_t(s.batch * s.time * s.cell) : 0u));
    }
}

TEST_CASE("quantize lstm: int8 follows TFLite's 8x8->16 recipe on built LSTMs", "[quantize][lstm]") {
    for (int variant = 0; variant < 3; ++variant) {
        Spec s;
        s.peephole = variant >= 1;
        s.projection = variant >= 1;
        s.output = s.projection ? 10 : s.cell;
        s.layerNorm = variant == 2;
        INFO("variant " << variant);
        auto fm = std::make_shared<const Model>(buildFloatLstm(s, 11 + unsigned(variant)));
        auto q = quantizeWith(fm, quantize::Mode::Int8, "random:16:3");
        REQUIRE(q.ok());
        for (const std::string& line : q->result.report.floatOps) CHECK(line.find("LSTM") == std::string::npos);
        checkInt8Recipe(*fm, q->result.model);
        // The LSTM's ranges are reported with the other activations.
        bool cellReported = false;
        for (const auto& r : q->result.report.tensors) cellReported = cellReported || r.name == "lstm_out/cell_state";
        CHECK(cellReported);
        auto only = quantizeWith(fm, quantize::Mode::Int8Only, "random:16:3");
        REQUIRE(only.ok());
        checkInt8Recipe(*fm, only->result.model);
        // int16x8: TFLite has no 16x8 LSTM (operator_property.cc: quantizable_int16 = false).
        auto i16 = quantizeWith(fm, quantize::Mode::Int16x8, "random:16:3");
        REQUIRE(i16.ok());
        bool keptFloat = false;
        for (const std::string& line : i16->result.report.floatOps)
            keptFloat = keptFloat || line.find("UNIDIRECTIONAL_SEQUENCE_LSTM (no int16x8 kernel") != std::string::npos;
        CHECK(keptFloat);
        CHECK(findLstm(i16->result.model)->inputs[0].valid());
        CHECK(i16->result.model.subgraphs[0].tensor(findLstm(i16->result.model)->inputs[2]).type == TensorType::FLOAT32);
    }
}

TEST_CASE("quantize lstm: dynamic gives the hybrid LSTM int8 weights", "[quantize][lstm]") {
    Spec s;
    s.peephole = true;
    auto fm = std::make_shared<const Model>(buildFloatLstm(s, 5));
    auto q = quantizeWith(fm, quantize::Mode::Dynamic);
    REQUIRE(q.ok());
    const Operator* op = findLstm(q->result.model);
    REQUIRE(op);
    const Subgraph& sg = q->result.model.subgraphs[0];
    CHECK(op->version == 3);
    CHECK(op->options.AsUnidirectionalSequenceLSTMOptions()->asymmetric_quantize_inputs);
    for (size_t i = 1; i < op->inputs.size(); ++i) {
        if (!op->inputs[i].valid()) continue;
        const bool weight = i <= 11 || i == 16;
        CHECK(sg.tensor(op->inputs[i]).type == (weight ? TensorType::INT8 : TensorType::FLOAT32));
    }
    // Below the element threshold (all weights together) the LSTM stays float.
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Dynamic;
    o.quantize.dynamicMinElements = 100000;
    auto none = quantize::runQuantize(fm, o);
    REQUIRE(none.ok());
    CHECK(none->result.model.subgraphs[0].tensor(findLstm(none->result.model)->inputs[2]).type == TensorType::FLOAT32);
}

TEST_CASE("quantize lstm: built LSTMs in int8, int8-only and dynamic match the TFLite oracle", "[quantize][lstm][oracle]") {
    if (!oracleScript()) {
        WARN("skipped: oracle not installed");
        return;
    }
    TempDir dir;
    for (int variant = 0; variant < 6; ++variant) {
        Spec s;
        s.withFc = variant < 3; // variants 3-5: the LSTM's int8 output is the graph output
        s.batch = variant % 3 == 1 ? 2 : 1;
        s.peephole = variant % 3 >= 1;
        s.projection = variant % 3 >= 1;
        s.output = s.projection ? 10 : s.cell;
        s.layerNorm = variant % 3 == 2;
        auto fm = std::make_shared<const Model>(buildFloatLstm(s, 21 + unsigned(variant)));
        for (auto mode : {quantize::Mode::Int8, quantize::Mode::Int8Only, quantize::Mode::Dynamic}) {
            const std::string label = "lstm_v" + std::to_string(variant);
            std::shared_ptr<const Model> written;
            const OracleAgreement a = quantizeAndCompare(fm, mode, "random:16:3", dir, label, &written);
            INFO(label << " " << quantize::modeName(mode) << ": " << a.message);
            REQUIRE(a.ran);
            WARN(label << " " << quantize::modeName(mode) << " vs oracle: " << agreementLine(a));
            CHECK(a.maxLsb <= 1.0);
            if (mode == quantize::Mode::Int8) {
                // Float I/O: the output is a DEQUANTIZE of the int8 result.
                const double lsb = dequantizedLsbDiff(written, dir, 3);
                WARN("  (" << lsb << " LSB of the dequantized int8)");
                // The LSTM's own <= 1 LSB (int8-only above) can meet XNNPACK's <= 1 LSB of the
                // FULLY_CONNECTED after it.
                CHECK(lsb <= (s.withFc ? 2.0001 : 1.0001));
            } else {
                CHECK(a.worstFloatRel <= 1e-4);
            }
        }
    }
}

namespace {

// Output statistics of a model over samples of an IDX file (each sample from a fresh state).
struct Sqnr {
    double signal = 0, noise = 0;
    size_t samples = 0, top1Agree = 0;
    double db() const { return noise > 0 ? 10.0 * std::log10(signal / noise) : 200.0; }
};

// Dequantized output 0 of `model` for every sample of `source` (opened for that model).
std::vector<std::vector<double>> runAll(std::shared_ptr<const Model> model, const std::string& idx, size_t count) {
    data::DataOptions opt;
    opt.maxSamples = count;
    auto src = data::openDataSource(idx, data::ModelInputInfo::fromModel(*model), opt);
    REQUIRE(src.ok());
    auto interp = rt::Interpreter::create(model);
    REQUIRE(interp.ok());
    std::vector<std::vector<double>> out;
    for (size_t i = 0; i < (*src)->size(); ++i) {
        auto sample = (*src)->get(i);
        REQUIRE(sample.ok());
        (*interp)->resetVariables();
        REQUIRE((*interp)->setInput(0, sample->tensors[0].type, sample->tensors[0].bytes).ok());
        REQUIRE((*interp)->invoke().ok());
        const rt::RtTensor& t = (*interp)->output(0);
        std::vector<double> v = asDoubles(t.type, t.as<uint8_t>(), size_t(t.elementCount()));
        if (t.type != TensorType::FLOAT32)
            for (double& x : v) x = double(t.scale()) * (x - t.zeroPoint());
        out.push_back(std::move(v));
    }
    return out;
}

Sqnr sqnr(const std::vector<std::vector<double>>& ref, const std::vector<std::vector<double>>& x) {
    Sqnr s;
    for (size_t i = 0; i < ref.size() && i < x.size(); ++i) {
        for (size_t k = 0; k < ref[i].size(); ++k) {
            s.signal += ref[i][k] * ref[i][k];
            s.noise += (ref[i][k] - x[i][k]) * (ref[i][k] - x[i][k]);
        }
        auto argmax = [](const std::vector<double>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
        s.top1Agree += argmax(ref[i]) == argmax(x[i]) ? 1 : 0;
        ++s.samples;
    }
    return s;
}

} // namespace

TEST_CASE("quantize lstm: trained_lstm matches TensorFlow's structure, the oracle and its accuracy", "[quantize][lstm][shared][oracle]") {
    const auto floatPath = sharedModel("trained_lstm.tflite");
    const auto tfPath = sharedModel("trained_lstm_int8.tflite");
    if (!floatPath || !tfPath) {
        WARN("skipped: ../shared/models absent");
        return;
    }
    auto fm = readModelFile(*floatPath);
    auto tf = readModelFile(*tfPath);
    REQUIRE(fm.ok());
    REQUIRE(tf.ok());
    const std::string fashion = "/usr/share/datasets/fashion-mnist/";
    const bool haveData = std::filesystem::exists(fashion + "train-images-idx3-ubyte.gz");
    if (!haveData) WARN("Fashion-MNIST absent: calibrating on random data, no SQNR");
    quantize::QuantizeJobOptions o;
    o.calibSpec = haveData ? fashion + "train-images-idx3-ubyte.gz" : "random:32:3";
    o.data.maxSamples = 256;
    o.data.stride = 97;

    TempDir dir;
    std::map<quantize::Mode, std::shared_ptr<const Model>> mine;
    for (auto mode : {quantize::Mode::Int8, quantize::Mode::Int8Only, quantize::Mode::Dynamic}) {
        o.quantize.mode = mode;
        auto q = quantize::runQuantize(*fm, o);
        REQUIRE(q.ok());
        const std::string path = dir.file(std::string("trained_lstm_") + std::string(quantize::modeName(mode)) + ".tflite");
        REQUIRE(writeModelFile(q->result.model, path).ok());
        auto back = readModelFile(path);
        REQUIRE(back.ok());
        mine[mode] = *back;
        if (mode != quantize::Mode::Dynamic) {
            CHECK(q->result.report.floatOps.empty());
            checkInt8Recipe(**fm, **back);
            // The same types as TensorFlow's file, input by input and intermediate by intermediate.
            const Operator* a = findLstm(**back);
            const Operator* b = findLstm(**tf);
            REQUIRE(a->inputs.size() == b->inputs.size());
            for (size_t i = 0; i < a->inputs.size(); ++i) {
                INFO("input " << i);
                REQUIRE(a->inputs[i].valid() == b->inputs[i].valid());
                if (!a->inputs[i].valid()) continue;
                const Tensor& x = (*back)->subgraphs[0].tensor(a->inputs[i]);
                const Tensor& y = (*tf)->subgraphs[0].tensor(b->inputs[i]);
                CHECK(x.type == y.type);
                CHECK(x.isVariable == y.isVariable);
                CHECK(x.quant.scale.size() == y.quant.scale.size());
                if (i >= 1 && i <= 15) CHECK(x.quant.zeroPoint == y.quant.zeroPoint);
            }
            REQUIRE(a->intermediates.size() == b->intermediates.size());
            for (size_t i = 0; i < a->intermediates.size(); ++i)
                CHECK((*back)->subgraphs[0].tensor(a->intermediates[i]).type == (*tf)->subgraphs[0].tensor(b->intermediates[i]).type);
            CHECK(a->version == b->version);
            const float cellScale = (*back)->subgraphs[0].tensor(a->inputs[19]).quant.scale[0];
            const float tfCellScale = (*tf)->subgraphs[0].tensor(b->inputs[19]).quant.scale[0];
            WARN("trained_lstm " << quantize::modeName(mode) << ": cell state scale " << cellScale << " (TensorFlow " << tfCellScale
                                 << "), output scale " << (*back)->subgraphs[0].tensor(a->inputs[18]).quant.scale[0] << " zp "
                                 << (*back)->subgraphs[0].tensor(a->inputs[18]).quant.zeroPoint[0] << " (TensorFlow "
                                 << (*tf)->subgraphs[0].tensor(b->inputs[18]).quant.scale[0] << " zp "
                                 << (*tf)->subgraphs[0].tensor(b->inputs[18]).quant.zeroPoint[0] << ")");
        } else {
            const Operator* a = findLstm(**back);
            CHECK((*back)->subgraphs[0].tensor(a->inputs[2]).type == TensorType::INT8);
            CHECK(a->version == 3);
        }
        if (oracleScript()) {
            const OracleAgreement agree = compareWithOracle(path, dir, 5);
            INFO(agree.message);
            REQUIRE(agree.ran);
            WARN("trained_lstm " << quantize::modeName(mode) << " vs oracle: " << agreementLine(agree));
            CHECK(agree.maxLsb <= 1.0);
            if (mode == quantize::Mode::Int8) {
                const double lsb = dequantizedLsbDiff(*back, dir, 5);
                WARN("  (" << lsb << " LSB of the dequantized int8)");
                CHECK(lsb <= 1.0001);
            } else {
                CHECK(agree.worstFloatRel <= 1e-4);
            }
        } else {
            WARN("skipped: oracle not installed");
        }
    }

    if (!haveData) return;
    const std::string test = fashion + "t10k-images-idx3-ubyte.gz";
    const size_t n = 300;
    const auto ref = runAll(*fm, test, n);
    const Sqnr tfS = sqnr(ref, runAll(*tf, test, n));
    const Sqnr int8S = sqnr(ref, runAll(mine[quantize::Mode::Int8], test, n));
    const Sqnr onlyS = sqnr(ref, runAll(mine[quantize::Mode::Int8Only], test, n));
    const Sqnr dynS = sqnr(ref, runAll(mine[quantize::Mode::Dynamic], test, n));
    WARN("trained_lstm output SQNR vs float on " << n << " Fashion-MNIST test images: TensorFlow int8 " << tfS.db() << " dB (top-1 "
                                                 << tfS.top1Agree << "/" << n << "), QuantLab int8 " << int8S.db() << " dB ("
                                                 << int8S.top1Agree << "), int8-only " << onlyS.db() << " dB (" << onlyS.top1Agree
                                                 << "), dynamic " << dynS.db() << " dB (" << dynS.top1Agree << ")");
    CHECK(int8S.db() > tfS.db() - 3.0);
    CHECK(onlyS.db() > tfS.db() - 3.0);
    CHECK(dynS.db() > int8S.db());
}

TEST_CASE("quantize lstm: sensitivity ranks the int8 LSTM like any quantized layer", "[quantize][lstm][sensitivity]") {
    Spec s;
    auto fm = std::make_shared<const Model>(buildFloatLstm(s, 31));
    auto calib = data::openDataSource("random:16:1", data::ModelInputInfo::fromModel(*fm));
    auto measure = data::openDataSource("random:8:2", data::ModelInputInfo::fromModel(*fm));
    REQUIRE(calib.ok());
    REQUIRE(measure.ok());
    analysis::SensitivityOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    auto r = analysis::runSensitivity(fm, **calib, **measure, o);
    REQUIRE(r.ok());
    // The LSTM is quantized in int8 (calibrated through its extra outputs), so it is measured.
    const auto lstm = std::find_if(r->layers.begin(), r->layers.end(),
                                   [](const analysis::LayerSensitivity& l) { return l.type == "UNIDIRECTIONAL_SEQUENCE_LSTM"; });
    REQUIRE(lstm != r->layers.end());
    CHECK(std::isfinite(lstm->onlyThis.sqnrDb));
    CHECK(lstm->onlyThis.sqnrDb > 10.0);
}

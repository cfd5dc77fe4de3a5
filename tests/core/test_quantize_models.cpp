// Every mode on built and shared float models: the written file reads back, runs in QuantLab,
// loads in the real TFLite runtime (the oracle) and the runtime's outputs equal QuantLab's.
#include "test_quantize_support.h"

#include "TestModels.h"
#include "quantize/GraphEdit.h"
#include "tflite/ModelWriter.h"

#include <sstream>

using namespace ql;
using namespace ql::test;

namespace {

struct Case {
    std::string model;
    quantize::Mode mode;
};

// Output scale of a float graph output made by DEQUANTIZE (the LSB of the integer result), 0 otherwise.
double dequantizedLsb(const Model& m, size_t output) {
    const Subgraph& sg = m.subgraphs[0];
    const TensorIndex t = sg.outputs[output];
    const OperatorIndex p = sg.producer[t.index()];
    if (!p.valid() || sg.op(p).op != BuiltinOp::DEQUANTIZE) return 0;
    const Tensor& in = sg.tensor(sg.op(p).inputs[0]);
    return in.quant.isQuantized() ? double(in.quant.scale[0]) : 0;
}

// Quantizes, writes, reads back, runs in QuantLab, compares with the oracle. Returns a line
// for the log; CHECKs the fidelity contract.
// strict: the fidelity contract is asserted (ints <= 1 LSB, floats 1e-4 of max or <= 1 LSB of
// the dequantized int). Otherwise (int8 and dynamic on the deep models, face_detection and
// hand_landmark) a bound: with the reference arithmetic their outputs drift from the runtime's
// (CONV_2D and DEPTHWISE_CONV_2D round differently from XNNPACK); with the default tflite-cpu target
// hand_landmark_lite int8 is bit-exact.
std::string checkOne(std::shared_ptr<const Model> model, const std::string& label, quantize::Mode mode, const TempDir& dir,
                     bool strict = true) {
    std::ostringstream log;
    log << label << " " << quantize::modeName(mode) << ": ";
    auto q = quantizeWith(model, mode, "random:4:5");
    if (!q) {
        log << "quantize refused: " << q.message();
        return log.str();
    }
    const std::string path = dir.file(label + "_" + std::string(quantize::modeName(mode)) + ".tflite");
    REQUIRE(writeModelFile(q->result.model, path).ok());
    auto back = readModelFile(path);
    REQUIRE(back.ok());
    CHECK(((*back)->metadataBytes("quantlab").size() > 10) == (mode != quantize::Mode::None));
    auto interp = rt::Interpreter::create(*back);
    if (!interp) {
        WARN("skipped (QuantLab kernel missing): " << label << " " << quantize::modeName(mode) << ": " << interp.message());
        log << "QuantLab cannot run it: " << interp.message();
        return log.str();
    }
    const OracleAgreement a = compareWithOracle(path, dir, 1);
    if (!a.ran) {
        if (!oracleScript()) WARN("skipped: oracle not installed");
        else FAIL_CHECK(label << " " << quantize::modeName(mode) << ": " << a.message);
        log << a.message;
        return log.str();
    }
    // Float outputs: 1e-4 of max |output|, or one LSB of the integer result they dequantize.
    double worstLsb = 0;
    bool floatOk = a.worstFloatRel <= 1e-4;
    if (!floatOk) {
        // Recompute in LSB units for dequantized outputs.
        auto model2 = *back;
        const std::string out = dir.file("oracle_1");
        std::vector<NpyArray> inputs;
        for (size_t i = 0; i < model2->subgraphs[0].inputs.size(); ++i)
            inputs.push_back(*readNpy(out + "/input_" + std::to_string(i) + ".npy"));
        const RunOutputs mine = runQuantLab(model2, inputs);
        floatOk = true;
        for (size_t o = 0; o < mine.values.size(); ++o) {
            if (mine.types[o] != TensorType::FLOAT32) continue;
            const auto ref = readNpy(out + "/output_" + std::to_string(o) + ".npy");
            const auto rv = asDoubles(ref->type, ref->data.data(), ref->data.size() / 4);
            double mx = 0, d = 0;
            for (size_t i = 0; i < rv.size(); ++i) {
                mx = std::max(mx, std::fabs(rv[i]));
                d = std::max(d, std::fabs(rv[i] - mine.values[o][i]));
            }
            const double lsb = dequantizedLsb(*model2, o);
            if (lsb > 0) worstLsb = std::max(worstLsb, d / lsb);
            if (d > 1e-4 * mx && !(lsb > 0 && d <= lsb * 1.0001)) floatOk = false;
        }
    }
    if (strict) {
        CHECK(floatOk);
        CHECK(a.maxLsb <= 1.0);
    } else {
        CHECK(a.worstFloatRel <= 0.25); // measured: <= 0.12 on hand_landmark_lite int8 and dynamic
    }
    log << "vs oracle: float rel diff " << a.worstFloatRel;
    if (worstLsb > 0) log << " (" << worstLsb << " LSB of the dequantized int)";
    if (a.intValues) log << ", int max " << a.maxLsb << " LSB, " << a.intOffByOne << "/" << a.intValues << " values differ";
    return log.str();
}

} // namespace

TEST_CASE("quantize models: every mode on a built CNN runs in QuantLab and matches the oracle", "[quantize][oracle]") {
    TempDir dir;
    auto cnn = std::make_shared<const Model>(makeSmallCnn());
    for (auto mode : {quantize::Mode::None, quantize::Mode::Float16, quantize::Mode::Dynamic, quantize::Mode::Int8,
                      quantize::Mode::Int8Only, quantize::Mode::Int16x8}) {
        const std::string line = checkOne(cnn, "small_cnn", mode, dir);
        WARN(line);
    }
}

TEST_CASE("quantize models: every mode on the shared float models matches the oracle", "[quantize][oracle][shared]") {
    TempDir dir;
    for (const char* name : {"hello_world_float", "trained_lstm", "face_detection_short_range", "hand_landmark_lite"}) {
        const auto path = sharedModel(std::string(name) + ".tflite");
        if (!path) {
            WARN("skipped: ../shared/models absent");
            return;
        }
        auto model = readModelFile(*path);
        REQUIRE(model.ok());
        for (auto mode : {quantize::Mode::Float16, quantize::Mode::Dynamic, quantize::Mode::Int8, quantize::Mode::Int8Only,
                          quantize::Mode::Int16x8}) {
            const std::string n(name);
            // int16x8 is bit-exact on the deep models too since QUANTIZE float -> int16 divides in
            // double like the runtime (it drifted by up to 3,301 LSB before). int8 and dynamic
            // on the deep models still drift with the default (reference) arithmetic: asserted
            // to a bound until the runtime's own arithmetic is the default.
            const bool strict = n == "hello_world_float" || n == "trained_lstm" || mode == quantize::Mode::Int16x8;
            const std::string line = checkOne(*model, name, mode, dir, strict);
            INFO(line);
            CHECK(line.find("quantize refused") == std::string::npos);
        }
    }
}

namespace {

// Subgraph 0 reduced to operator `op` alone (its input 0 becomes the graph input).
Model singleOp(const Model& m, size_t op) {
    Model x = m;
    Subgraph& sg = x.subgraphs[0];
    const Operator keep = sg.operators[op];
    sg.operators = {keep};
    sg.inputs = {keep.inputs[0]};
    sg.outputs = {keep.outputs[0]};
    x.signatures.clear();
    x.rebuildIndex();
    quantize::removeUnused(x);
    return x;
}

} // namespace

// Every hybrid CONV_2D of hand_landmark_lite equals TFLite's when both get the same float input
// (both TFLite paths: EvalHybridPerChannel with per-batch asymmetric input quantization, and
// EvalHybrid with symmetric input quantization for one filter scale), bit for bit. A whole
// hybrid model equals the runtime only when the float operators between the hybrid layers do
// too: the next layer's q = round(x * 127 / range) turns a one-ULP difference into a 1-LSB input
// flip (each moves an output by |w| * s_in), which compounds layer after layer. Hence
// tflite-cpu's float kernels follow XNNPACK's own arithmetic (runtime/Target.h).
TEST_CASE("quantize models: hybrid CONV_2D of hand_landmark_lite equals TFLite op by op", "[quantize][oracle][shared][hybrid]") {
    const auto path = sharedModel("hand_landmark_lite.tflite");
    if (!path) {
        WARN("skipped: ../shared/models absent");
        return;
    }
    if (!oracleScript()) {
        WARN("skipped: oracle not installed");
        return;
    }
    auto model = readModelFile(*path);
    REQUIRE(model.ok());
    TempDir dir;
    for (bool perTensor : {false, true}) {
        quantize::QuantizeJobOptions o;
        o.quantize.mode = quantize::Mode::Dynamic;
        o.quantize.keepFloat = {"FULLY_CONNECTED", "DEPTHWISE_CONV_2D"};
        o.quantize.perTensor = perTensor;
        auto q = quantize::runQuantize(*model, o);
        REQUIRE(q.ok());
        const Model& qm = q->result.model;
        size_t checked = 0;
        for (size_t i = 0; i < qm.subgraphs[0].operators.size() && checked < 6; ++i) {
            const Operator& op = qm.subgraphs[0].operators[i];
            if (op.op != BuiltinOp::CONV_2D || qm.subgraphs[0].tensor(op.inputs[1]).type != TensorType::INT8) continue;
            if (i % 4 != 0 && checked > 0) continue; // a spread of layers: the first, then every 4th op
            const std::string file = dir.file("hybrid_" + std::to_string(perTensor) + "_" + std::to_string(i) + ".tflite");
            REQUIRE(writeModelFile(singleOp(qm, i), file).ok());
            const OracleAgreement a = compareWithOracle(file, dir, int(i));
            INFO((perTensor ? "per-tensor" : "per-channel") << " op #" << i << ": " << a.message);
            REQUIRE(a.ran);
            CHECK(a.worstFloatRel == 0);
            ++checked;
        }
        CHECK(checked == 6);
    }
}

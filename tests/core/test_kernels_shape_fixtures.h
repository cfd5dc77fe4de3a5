#pragma once
// Shared by the shape and pool/reduce kernel tests: small model-building helpers and the
// oracle-golden fixtures (tests/fixtures/<family>/<case>/{model.tflite,input_i.npy,output_i.npy}).
// The hidden test cases tagged [.generate] write the models (and fixed inputs where random
// ones make no sense); tests/fixtures/<family>/generate.sh then runs the TFLite oracle.

#include "SingleOp.h"
#include "TestSupport.h"

#include "model/ModelBuilder.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ql::test::kf {

inline QuantParams qp(float scale, int64_t zeroPoint) {
    QuantParams q;
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

template <class T> tflite::BuiltinOptionsUnion opts(T value) {
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(value));
    return u;
}

inline std::string npyDescr(TensorType t) {
    switch (t) {
    case TensorType::FLOAT32: return "<f4";
    case TensorType::INT8: return "|i1";
    case TensorType::UINT8: return "|u1";
    case TensorType::INT16: return "<i2";
    case TensorType::INT32: return "<i4";
    case TensorType::INT64: return "<i8";
    case TensorType::BOOL: return "|b1";
    default: return "";
    }
}

// numpy .npy v1.0, little-endian, C order.
inline void writeNpy(const std::string& path, TensorType type, const std::vector<int32_t>& shape, const std::vector<uint8_t>& bytes) {
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
    std::string header = "{'descr': '" + npyDescr(type) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += char(1);
    out += char(0);
    out += char(header.size() & 0xff);
    out += char(header.size() >> 8);
    out += header;
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::ofstream(path, std::ios::binary) << out;
}

// Where [.generate] writes; empty (and the case is skipped) without QL_FIXTURE_OUT.
inline std::string generateDir() {
    const char* d = std::getenv("QL_FIXTURE_OUT");
    return d ? d : "";
}

// Writes <QL_FIXTURE_OUT>/<name>/model.tflite and, when given, input_i.npy.
inline void saveFixture(const std::string& name, const Model& model, const std::vector<std::vector<uint8_t>>& inputs = {}) {
    const std::string dir = generateDir() + "/" + name;
    std::filesystem::create_directories(dir);
    auto bytes = serializeModel(model);
    REQUIRE(bytes.ok());
    writeBytes(dir + "/model.tflite", bytes.value());
    const Subgraph& sg = model.subgraphs[0];
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& t = sg.tensor(sg.inputs[i]);
        writeNpy(dir + "/input_" + std::to_string(i) + ".npy", t.type, t.shape, inputs[i]);
    }
}

// A one-operator fixture model built by name: graph inputs are the tensors added with in(),
// in that order; konst() adds constants.
struct OneOp {
    ModelBuilder b;
    std::vector<TensorIndex> inputs;
    TensorIndex in(const std::string& name, TensorType t, std::vector<int32_t> shape, QuantParams q = {}) {
        const TensorIndex i = b.addTensor(name, t, std::move(shape), std::move(q));
        inputs.push_back(i);
        return i;
    }
    template <class T> TensorIndex konst(const std::string& name, TensorType t, std::vector<int32_t> shape, const std::vector<T>& v) {
        return b.addConstant(name, t, std::move(shape), v);
    }
    TensorIndex out(const std::string& name, TensorType t, std::vector<int32_t> shape, QuantParams q = {}) {
        return b.addTensor(name, t, std::move(shape), std::move(q));
    }
    Model finish(BuiltinOp op, std::vector<TensorIndex> opIns, std::vector<TensorIndex> outs, tflite::BuiltinOptionsUnion o = {}) {
        b.addOperator(op, std::move(opIns), outs, std::move(o));
        b.setInputs(inputs);
        b.setOutputs(outs);
        return b.build();
    }
};

inline std::string fixtureRoot(const std::string& family) { return std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/" + family; }

// Fixtures where the oracle is known to differ from QuantLab's default target (tflite-cpu):
// at most `maxLsb` per element, with the measured figures in a comment. None at present; the
// last two were, and tflite-cpu now computes them as the runtime does:
// - resize_bilinear_int8_half_const: the delegate runs int8 RESIZE_BILINEAR with a constant size
//   with XNNPACK's 11-bit fixed point (3 of 108 elements differ by 1 from TFLite's
//   ResizeBilinearInteger, which tflite-reference computes);
// - mean_int8_hw_input: non-constant axes keep MEAN out of XNNPACK and TFLite's builtin kernel
//   runs optimized_integer_ops::Mean (bias z_out - round(z_in s_in / s_out), multiplier
//   s_in / (n s_out) on the raw sum), not reference_integer_ops::Mean (6 of 12 elements differ
//   by 1 under tflite-reference).
struct Deviation {
    const char* fixture;
    double maxLsb;
};
inline const std::vector<Deviation>& knownDeviations() {
    static const std::vector<Deviation> d;
    return d;
}

// Every fixture case of a family: runs QuantLab on the golden inputs and requires integer
// outputs bit-exact (or within a known deviation) and float outputs within 1e-6 of the
// largest golden value.
inline void checkAllGoldens(const std::string& family) {
    namespace fs = std::filesystem;
    const fs::path root = fixtureRoot(family);
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory() && fs::exists(e.path() / "model.tflite")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE(!cases.empty());
    for (const auto& c : cases) {
        const std::string name = c.filename().string();
        INFO("fixture " << name);
        const NpyArray golden0 = readNpy((c / "output_0.npy").string());
        if (golden0.dtype == "|b1") { // compareWithGoldens has no bool; compare bytes here
            auto model = readModelFile((c / "model.tflite").string());
            REQUIRE(model.ok());
            std::vector<std::vector<uint8_t>> inputs;
            for (size_t i = 0; i < model.value()->subgraphs[0].inputs.size(); ++i)
                inputs.push_back(readNpy((c / ("input_" + std::to_string(i) + ".npy")).string()).data);
            const OpRun run = runModel(*model.value(), inputs);
            INFO(run.error);
            REQUIRE(run.ok());
            CHECK(run.outputs[0] == golden0.data);
            continue;
        }
        const GoldenComparison cmp = compareWithGoldens((c / "model.tflite").string(), c.string());
        INFO(cmp.error);
        REQUIRE(cmp.error.empty());
        CHECK(cmp.elements > 0);
        double allowed = 0;
        for (const Deviation& d : knownDeviations())
            if (name == d.fixture) allowed = d.maxLsb;
        INFO("differing " << cmp.differing << " of " << cmp.elements << ", max diff " << cmp.maxAbsDiff);
        if (cmp.isFloat) CHECK(cmp.relativeError() <= 1e-6);
        else if (allowed > 0) CHECK(cmp.maxAbsDiff <= allowed);
        else CHECK(cmp.differing == 0);
    }
}

} // namespace ql::test::kf

namespace ql::test::kf {

// A tensor of a one-operator test model: a graph input fed with `data`, or a constant.
struct Arg {
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape;
    std::vector<uint8_t> data;
    bool constant = false;
    QuantParams quant;
};
template <class V> Arg in(TensorType t, std::vector<int32_t> shape, const std::vector<V>& v, QuantParams q = {}) {
    return {t, std::move(shape), bytesOf(v), false, std::move(q)};
}
template <class V> Arg cst(TensorType t, std::vector<int32_t> shape, const std::vector<V>& v, QuantParams q = {}) {
    return {t, std::move(shape), bytesOf(v), true, std::move(q)};
}
inline Arg outT(TensorType t, std::vector<int32_t> shape = {}, QuantParams q = {}) { return {t, std::move(shape), {}, false, std::move(q)}; }
inline Arg omitted() { return {TensorType::FLOAT32, {-999}, {}, false, {}}; } // an input index of -1

inline Model oneOpModel(BuiltinOp op, const std::vector<Arg>& ins, const std::vector<Arg>& outs, tflite::BuiltinOptionsUnion o = {}) {
    ModelBuilder b;
    std::vector<TensorIndex> opIns, graphIns, opOuts;
    for (size_t i = 0; i < ins.size(); ++i) {
        const Arg& a = ins[i];
        if (a.shape.size() == 1 && a.shape[0] == -999) {
            opIns.push_back(TensorIndex{});
            continue;
        }
        const std::string name = "in" + std::to_string(i);
        const TensorIndex t = a.constant ? b.addConstantBytes(name, a.type, a.shape, a.data, a.quant) : b.addTensor(name, a.type, a.shape, a.quant);
        opIns.push_back(t);
        if (!a.constant) graphIns.push_back(t);
    }
    for (size_t i = 0; i < outs.size(); ++i) opOuts.push_back(b.addTensor("out" + std::to_string(i), outs[i].type, outs[i].shape, outs[i].quant));
    b.addOperator(op, opIns, opOuts, std::move(o));
    b.setInputs(graphIns);
    b.setOutputs(opOuts);
    return b.build();
}

// Builds, prepares and runs the operator on the non-constant inputs' data.
inline OpRun runOp(BuiltinOp op, const std::vector<Arg>& ins, const std::vector<Arg>& outs, tflite::BuiltinOptionsUnion o = {},
                   rt::RunOptions options = {}) {
    std::vector<std::vector<uint8_t>> feed;
    for (const Arg& a : ins)
        if (!a.constant && !(a.shape.size() == 1 && a.shape[0] == -999)) feed.push_back(a.data);
    return runModel(oneOpModel(op, ins, outs, std::move(o)), feed, options);
}

} // namespace ql::test::kf

#pragma once
// Helpers for the quantizer tests: run a model in QuantLab on given inputs, and compare a
// written model's outputs with the real TFLite runtime's (the oracle) on the same inputs.

#include "io/Npy.h"
#include "model/Model.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"
#include "TestSupport.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace ql::test {

struct RunOutputs {
    std::vector<TensorType> types;
    std::vector<std::vector<double>> values; // as numbers (raw integers for integer outputs)
    std::string error;
};

inline std::vector<double> asDoubles(TensorType type, const uint8_t* p, size_t n) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) switch (type) {
        case TensorType::FLOAT32: { float f; std::memcpy(&f, p + 4 * i, 4); v[i] = f; break; }
        case TensorType::INT8: v[i] = double(int8_t(p[i])); break;
        case TensorType::UINT8: v[i] = double(p[i]); break;
        case TensorType::INT16: { int16_t h; std::memcpy(&h, p + 2 * i, 2); v[i] = h; break; }
        case TensorType::INT32: { int32_t h; std::memcpy(&h, p + 4 * i, 4); v[i] = h; break; }
        default: v[i] = 0;
        }
    return v;
}

// Runs `model` in QuantLab with `inputs` (one array per graph input, in order).
inline RunOutputs runQuantLab(std::shared_ptr<const Model> model, const std::vector<ql::NpyArray>& inputs) {
    RunOutputs r;
    auto interp = rt::Interpreter::create(model);
    if (!interp) { r.error = interp.message(); return r; }
    for (size_t i = 0; i < inputs.size() && i < (*interp)->inputCount(); ++i) {
        Status st = (*interp)->setInput(i, inputs[i].type, inputs[i].data);
        if (!st) { r.error = st.message(); return r; }
    }
    Status st = (*interp)->invoke();
    if (!st) { r.error = st.message(); return r; }
    for (size_t o = 0; o < (*interp)->outputCount(); ++o) {
        const rt::RtTensor& t = (*interp)->output(o);
        r.types.push_back(t.type);
        r.values.push_back(asDoubles(t.type, t.as<uint8_t>(), size_t(t.elementCount())));
    }
    return r;
}

struct OracleAgreement {
    bool ran = false;          // oracle present and the model loaded
    std::string message;       // oracle or QuantLab failure
    double worstFloatRel = 0;  // max |a-b| / max|b| over float outputs
    double maxLsb = 0;         // max |a-b| over integer outputs
    size_t intValues = 0, intOffByOne = 0;
};

// Runs the oracle on `path` with seeded random inputs, then QuantLab on the same inputs.
inline OracleAgreement compareWithOracle(const std::string& path, const TempDir& dir, int seed = 1) {
    OracleAgreement a;
    if (!oracleScript()) { a.message = "oracle not installed"; return a; }
    const std::string out = dir.file("oracle_" + std::to_string(seed));
    std::string log;
    const int rc = runOracle({path, "--random", std::to_string(seed), "--out", out, "--quiet"}, &log);
    if (rc != 0) { a.message = "oracle failed: " + log.substr(0, 600); return a; }
    auto model = readModelFile(path);
    if (!model) { a.message = model.message(); return a; }
    std::vector<ql::NpyArray> inputs;
    for (size_t i = 0; i < (*model)->subgraphs[0].inputs.size(); ++i) {
        auto arr = ql::readNpy(out + "/input_" + std::to_string(i) + ".npy");
        if (!arr) { a.message = arr.message(); return a; }
        inputs.push_back(std::move(*arr));
    }
    RunOutputs mine = runQuantLab(*model, inputs);
    if (!mine.error.empty()) { a.message = "QuantLab: " + mine.error; return a; }
    a.ran = true;
    for (size_t o = 0; o < mine.values.size(); ++o) {
        auto ref = ql::readNpy(out + "/output_" + std::to_string(o) + ".npy");
        if (!ref) { a.ran = false; a.message = ref.message(); return a; }
        const std::vector<double> rv = asDoubles(ref->type, ref->data.data(), ref->data.size() / elementSize(ref->type));
        if (rv.size() != mine.values[o].size()) { a.ran = false; a.message = "output size differs"; return a; }
        if (mine.types[o] == TensorType::FLOAT32) {
            double mx = 0, diff = 0;
            for (size_t i = 0; i < rv.size(); ++i) {
                mx = std::max(mx, std::fabs(rv[i]));
                diff = std::max(diff, std::fabs(rv[i] - mine.values[o][i]));
            }
            a.worstFloatRel = std::max(a.worstFloatRel, mx > 0 ? diff / mx : diff);
        } else {
            for (size_t i = 0; i < rv.size(); ++i) {
                const double d = std::fabs(rv[i] - mine.values[o][i]);
                a.maxLsb = std::max(a.maxLsb, d);
                a.intOffByOne += d > 0 ? 1 : 0;
            }
            a.intValues += rv.size();
        }
    }
    return a;
}

inline Result<quantize::QuantizeJobResult> quantizeWith(std::shared_ptr<const Model> model, quantize::Mode mode,
                                                        const std::string& calib = "random:8:3") {
    quantize::QuantizeJobOptions o;
    o.quantize.mode = mode;
    o.calibSpec = calib;
    return quantize::runQuantize(std::move(model), o);
}

} // namespace ql::test

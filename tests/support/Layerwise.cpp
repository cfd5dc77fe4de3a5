#include "Layerwise.h"

#include "SingleOp.h"
#include "TestSupport.h"
#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelWriter.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

namespace ql::test {
namespace {

template <class T> void diffInts(std::span<const uint8_t> ref, std::span<const uint8_t> ours, OperatorDiff& d) {
    const size_t n = std::min(ref.size(), ours.size()) / sizeof(T);
    for (size_t i = 0; i < n; ++i) {
        T a, b;
        std::memcpy(&a, ref.data() + i * sizeof(T), sizeof(T));
        std::memcpy(&b, ours.data() + i * sizeof(T), sizeof(T));
        const int64_t delta = std::llabs(static_cast<int64_t>(a) - static_cast<int64_t>(b));
        d.differing += delta ? 1 : 0;
        d.maxLsb = std::max(d.maxLsb, delta);
    }
}

void diffBytes(TensorType type, std::span<const uint8_t> ref, std::span<const uint8_t> ours, OperatorDiff& d) {
    d.elements = ref.size() / std::max<size_t>(elementSize(type), 1);
    if (ref.size() != ours.size()) {
        d.maxLsb = -1;
        return;
    }
    switch (type) {
    case TensorType::FLOAT32: {
        d.isFloat = true;
        for (size_t i = 0; i < d.elements; ++i) {
            float a, b;
            std::memcpy(&a, ref.data() + i * 4, 4);
            std::memcpy(&b, ours.data() + i * 4, 4);
            d.maxRef = std::max(d.maxRef, static_cast<double>(std::fabs(a)));
            const double e = std::fabs(static_cast<double>(a) - b);
            d.maxAbs = std::isnan(e) ? INFINITY : std::max(d.maxAbs, e);
        }
        break;
    }
    case TensorType::INT8: diffInts<int8_t>(ref, ours, d); break;
    case TensorType::UINT8:
    case TensorType::BOOL: diffInts<uint8_t>(ref, ours, d); break;
    case TensorType::INT16: diffInts<int16_t>(ref, ours, d); break;
    case TensorType::INT32: diffInts<int32_t>(ref, ours, d); break;
    case TensorType::INT64: diffInts<int64_t>(ref, ours, d); break;
    default: d.maxLsb = -1; break;
    }
}

} // namespace

IsolatedOperator isolateOperator(const Model& m, size_t o) {
    const Subgraph& sg = m.subgraphs[0];
    const Operator& op = sg.operators[o];
    ModelBuilder b;
    IsolatedOperator out;
    std::map<int64_t, TensorIndex> mapped;
    std::vector<TensorIndex> graphInputs, ins, outs;
    auto copyTensor = [&](TensorIndex t, bool isOutput) -> TensorIndex {
        if (!t.valid()) return t;
        if (auto it = mapped.find(t.value); it != mapped.end()) return it->second;
        const Tensor& src = sg.tensor(t);
        TensorIndex n;
        if (!isOutput && m.isConstant(src)) {
            const Buffer& buf = m.buffer(src.buffer);
            n = b.addConstantBytes(src.name, src.type, src.shape, std::vector<uint8_t>(buf.data, buf.data + buf.size), src.quant);
        } else {
            n = b.addTensor(src.name, src.type, src.shape, src.quant);
            if (!isOutput) {
                graphInputs.push_back(n);
                out.sourceInputs.push_back(t);
            }
        }
        mapped[t.value] = n;
        return n;
    };
    for (TensorIndex t : op.inputs) ins.push_back(copyTensor(t, false));
    for (TensorIndex t : op.outputs) outs.push_back(copyTensor(t, true));
    b.addOperator(op.op, ins, outs, op.options, op.version);
    b.setInputs(graphInputs);
    b.setOutputs(outs);
    out.model = b.build();
    return out;
}

LayerwiseResult layerwise(const std::shared_ptr<const Model>& model, const std::string& inputDir, const std::string& workDir,
                          const std::vector<rt::RunOptions>& variants) {
    LayerwiseResult result;
    result.perVariant.resize(variants.size());
    rt::InterpreterOptions opt;
    opt.keepAllTensors = true;
    if (!variants.empty()) opt.run = variants.front();
    auto made = rt::Interpreter::create(model, opt);
    if (!made) {
        result.error = made.message();
        return result;
    }
    rt::Interpreter& it = *made.value();
    for (size_t i = 0; i < it.inputCount(); ++i) {
        auto in = ql::readNpy(inputDir + "/input_" + std::to_string(i) + ".npy");
        if (!in) {
            result.error = in.message();
            return result;
        }
        if (Status s = it.setInput(i, in->type, in->shape, in->data); !s) {
            result.error = s.message();
            return result;
        }
    }
    if (Status s = it.invoke(); !s) {
        result.error = s.message();
        return result;
    }
    const Subgraph& sg = model->subgraphs[0];
    for (size_t o = 0; o < sg.operators.size(); ++o) {
        const Operator& op = sg.operators[o];
        const IsolatedOperator single = isolateOperator(*model, o);
        const std::string dir = workDir + "/op" + std::to_string(o);
        fs::create_directories(dir);
        if (Status s = writeModelFile(single.model, dir + "/op.tflite"); !s) {
            result.skipped.push_back("operator " + std::to_string(o) + " (" + op.typeName() + "): " + s.message());
            continue;
        }
        std::vector<std::vector<uint8_t>> inputs;
        for (size_t i = 0; i < single.sourceInputs.size(); ++i) {
            const rt::RtTensor& t = it.tensor(single.sourceInputs[i]);
            inputs.emplace_back(t.data, t.data + t.bytes);
            (void)writeNpy(dir + "/input_" + std::to_string(i) + ".npy", t.type,
                           std::vector<int64_t>(t.shape.begin(), t.shape.end()), {t.data, t.bytes});
        }
        std::string log;
        if (runOracle({dir + "/op.tflite", "--inputs", dir, "--out", dir + "/out", "--quiet"}, &log) != 0) {
            result.skipped.push_back("operator " + std::to_string(o) + " (" + op.typeName() + "): " + log.substr(0, 200));
            continue;
        }
        for (size_t v = 0; v < variants.size(); ++v) {
            const OpRun ours = runModel(single.model, inputs, variants[v]);
            for (size_t k = 0; k < op.outputs.size(); ++k) {
                auto ref = ql::readNpy(dir + "/out/output_" + std::to_string(k) + ".npy");
                OperatorDiff d;
                d.op = o;
                d.type = op.typeName();
                d.output = k;
                if (!ref || !ours.ok() || k >= ours.outputs.size()) {
                    d.maxLsb = -1;
                } else {
                    diffBytes(ref->type, ref->data, ours.outputs[k], d);
                }
                result.perVariant[v].push_back(d);
            }
        }
    }
    return result;
}

std::vector<TypeSummary> summarizeByType(const std::vector<OperatorDiff>& diffs) {
    std::vector<TypeSummary> rows;
    for (const OperatorDiff& d : diffs) {
        if (d.isFloat) continue;
        auto it = std::find_if(rows.begin(), rows.end(), [&](const TypeSummary& r) { return r.type == d.type; });
        if (it == rows.end()) {
            rows.push_back({d.type});
            it = rows.end() - 1;
        }
        if (d.output == 0) ++it->operators;
        it->elements += d.elements;
        it->differing += d.differing;
        it->maxLsb = d.maxLsb < 0 || it->maxLsb < 0 ? -1 : std::max(it->maxLsb, d.maxLsb);
    }
    return rows;
}

std::string typeTable(const std::vector<TypeSummary>& rows) {
    std::string s = "| op type | operators | max LSB | differing | share |\n|---|---|---|---|---|\n";
    char line[256];
    for (const TypeSummary& r : rows) {
        std::snprintf(line, sizeof line, "| %s | %zu | %lld | %zu/%zu | %.3f %% |\n", r.type.c_str(), r.operators,
                      static_cast<long long>(r.maxLsb), r.differing, r.elements, 100.0 * r.share());
        s += line;
    }
    return s;
}

} // namespace ql::test

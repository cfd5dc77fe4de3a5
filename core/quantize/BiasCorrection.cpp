#include "quantize/BiasCorrection.h"

#include "data/Convert.h"
#include "quantize/FloatCounterpart.h"
#include "runtime/Interpreter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

namespace ql::quantize {
namespace {

// One quantized op whose bias can be corrected.
struct Target {
    size_t op = 0;                // in the quantized model's subgraph 0
    TensorIndex quantOut, floatOut, floatIn, input, filter, bias;
    size_t channels = 0;
    std::vector<double> errorSum; // sum over samples and positions of (q_real - float)
    std::vector<uint64_t> count;
    const std::vector<float>* floatValues = nullptr; // the float output of the current sample
};

bool correctable(BuiltinOp k) {
    return k == BuiltinOp::CONV_2D || k == BuiltinOp::DEPTHWISE_CONV_2D || k == BuiltinOp::FULLY_CONNECTED;
}

std::vector<Target> findTargets(const Model& floatModel, const Model& quantModel) {
    const Subgraph& fs = floatModel.subgraphs[0];
    const Subgraph& qs = quantModel.subgraphs[0];
    const FloatCounterpart counterpart(fs);
    std::vector<Target> out;
    for (size_t i = 0; i < qs.operators.size(); ++i) {
        const Operator& op = qs.operators[i];
        if (!correctable(op.op) || op.inputs.size() < 3 || op.outputs.size() != 1) continue;
        const TensorIndex in = op.inputs[0], w = op.inputs[1], b = op.inputs[2], o = op.outputs[0];
        if (!in.valid() || !w.valid() || !b.valid()) continue;
        const Tensor& ot = qs.tensor(o);
        const Tensor& bt = qs.tensor(b);
        const Tensor& it = qs.tensor(in);
        const Tensor& wt = qs.tensor(w);
        if ((ot.type != TensorType::INT8 && ot.type != TensorType::INT16) || !ot.quant.isQuantized() || ot.quant.isPerChannel())
            continue;
        if ((bt.type != TensorType::INT32 && bt.type != TensorType::INT64) || !quantModel.isConstant(bt)) continue;
        if (!it.quant.isQuantized() || !wt.quant.isQuantized() || ot.shape.empty()) continue;
        const int fo = counterpart.of(ot.name), fin = counterpart.of(it.name);
        if (fo < 0 || fin < 0) continue;
        if (fs.tensors[size_t(fin)].type != TensorType::FLOAT32 || fs.tensors[size_t(fin)].elementCount() != it.elementCount())
            continue;
        if (it.type != TensorType::INT8 && it.type != TensorType::INT16) continue;
        const Tensor& ft = fs.tensors[size_t(fo)];
        if (ft.type != TensorType::FLOAT32 || ft.elementCount() != ot.elementCount()) continue;
        Target t;
        t.op = i;
        t.quantOut = o;
        t.floatOut = TensorIndex{size_t(fo)};
        t.floatIn = TensorIndex{size_t(fin)};
        t.input = in;
        t.filter = w;
        t.bias = b;
        t.channels = size_t(ot.shape.back());
        if (t.channels == 0 || size_t(bt.elementCount()) != t.channels) continue;
        if (wt.quant.scale.size() != 1 && wt.quant.scale.size() != t.channels) continue;
        t.errorSum.assign(t.channels, 0.0);
        t.count.assign(t.channels, 0);
        out.push_back(std::move(t));
    }
    return out;
}

template <class T> void accumulate(Target& t, const rt::RtTensor& q) {
    const float s = q.scale();
    const int32_t z = q.zeroPoint();
    const T* v = q.as<T>();
    const std::vector<float>& f = *t.floatValues;
    const size_t n = std::min(size_t(q.elementCount()), f.size());
    for (size_t i = 0; i < n; ++i) {
        const size_t c = i % t.channels;
        t.errorSum[c] += double(s) * (double(v[i]) - z) - double(f[i]); // r = s * (q - z)
        ++t.count[c];
    }
}

// The same real values in the quantized model's input types (float data into an int8 / uint8 /
// int16 input is quantized with that input's parameters, data/Convert.h).
Result<data::Sample> toQuantInputs(const data::Sample& sample, const data::ModelInputInfo& to) {
    if (sample.tensors.size() != to.inputs.size())
        return makeError("the data has " + std::to_string(sample.tensors.size()) + " inputs, the quantized model " +
                         std::to_string(to.inputs.size()));
    data::Sample out;
    for (size_t i = 0; i < to.inputs.size(); ++i) {
        const data::SampleTensor& src = sample.tensors[i];
        const data::InputInfo& dst = to.inputs[i];
        if (src.elementCount() != dst.elementCount())
            return makeError("input " + std::to_string(i) + " (" + dst.name + "): " + std::to_string(src.elementCount()) +
                             " elements, expected " + std::to_string(dst.elementCount()));
        data::SampleTensor t;
        t.type = dst.type;
        t.shape = dst.shape;
        t.bytes.resize(size_t(dst.elementCount()) * elementSize(dst.type));
        data::convertNumeric(src.bytes.data(), src.type, size_t(src.elementCount()), dst, t.bytes.data());
        out.tensors.push_back(std::move(t));
    }
    return out;
}

// Runs every sample through both models and accumulates each target's per-channel error.
// Each target op is fed the quantized version of its float input (an input hook overwrites
// its input before eval), so the error measured is the op's own (weights, bias, requantization)
// and not what upstream ops already got wrong: all corrections can then be applied at once
// without correcting the same error twice (upstream errors are corrected upstream).
Status measure(std::shared_ptr<const Model> floatModel, std::shared_ptr<const Model> quantModel, const data::DataSource& data,
               std::vector<Target>& targets, size_t* samples, const Progress& progress, ql::Target runtimeTarget) {
    rt::InterpreterOptions keep;
    keep.keepAllTensors = true; // the float inputs and outputs of every target are read after the run
    auto fi = rt::Interpreter::create(floatModel, keep);
    if (!fi) return makeError("bias correction, float model: " + fi.message());
    rt::InterpreterOptions quantOptions;
    quantOptions.run.target = runtimeTarget;
    auto qi = rt::Interpreter::create(quantModel, quantOptions);
    if (!qi) return makeError("bias correction, quantized model: " + qi.message());
    std::unordered_map<const Tensor*, Target*> byQuantOut;
    std::unordered_map<int32_t, Target*> byOp;
    for (Target& t : targets) {
        byQuantOut[&(*qi)->model().subgraphs[0].tensor(t.quantOut)] = &t;
        byOp[int32_t(t.op)] = &t;
    }
    std::vector<std::vector<float>> floatIn(targets.size()), floatOut(targets.size());
    const rt::InputHook cleanInputs = [&](const rt::InputEvent& ev) {
        if (ev.subgraph != 0 || ev.inputs.empty() || !ev.inputs[0]) return;
        const auto it = byOp.find(ev.op.value);
        if (it == byOp.end()) return;
        rt::RtTensor& x = *ev.inputs[0];
        if (x.constant) return;
        const std::vector<float>& r = floatIn[size_t(it->second - targets.data())];
        data::InputInfo info;
        info.type = x.type;
        info.quantized = true;
        info.scale = x.scale();
        info.zeroPoint = x.zeroPoint();
        const size_t es = elementSize(x.type);
        const size_t n = std::min(r.size(), size_t(x.elementCount()));
        for (size_t i = 0; i < n; ++i) data::storeReal(r[i], info, x.data + i * es); // q = round(r / s) + z
    };
    const rt::Observer quantObserver = [&](const rt::NodeEvent& ev) {
        if (ev.subgraph != 0) return;
        for (const rt::RtTensor* o : ev.outputs) {
            const auto it = o ? byQuantOut.find(o->source) : byQuantOut.end();
            if (it == byQuantOut.end()) continue;
            if (o->type == TensorType::INT8) accumulate<int8_t>(*it->second, *o);
            else accumulate<int16_t>(*it->second, *o);
        }
    };
    const auto quantInfo = data::ModelInputInfo::fromModel(*quantModel);
    const size_t total = data.size();
    for (size_t i = 0; i < total; ++i) {
        if (progress.cancelled()) return makeError("cancelled");
        const std::string where = "bias correction sample " + std::to_string(i) + ": ";
        auto sample = data.get(i);
        if (!sample) return makeError(where + sample.message());
        auto qsample = toQuantInputs(*sample, quantInfo);
        if (!qsample) return makeError(where + qsample.message());
        (*fi)->resetVariables();
        (*qi)->resetVariables();
        if (sample->tensors.size() != (*fi)->inputCount())
            return makeError(where + "the data has " + std::to_string(sample->tensors.size()) + " inputs, the model " +
                             std::to_string((*fi)->inputCount()));
        for (size_t k = 0; k < sample->tensors.size(); ++k)
            if (Status s = (*fi)->setInput(k, sample->tensors[k].type, sample->tensors[k].bytes); !s)
                return makeError(where + s.message());
        if (Status s = (*fi)->invoke(); !s) return makeError(where + "float model: " + s.message());
        for (size_t k = 0; k < targets.size(); ++k) {
            const auto in = (*fi)->tensor(targets[k].floatIn).values<float>();
            const auto out = (*fi)->tensor(targets[k].floatOut).values<float>();
            floatIn[k].assign(in.begin(), in.end());
            floatOut[k].assign(out.begin(), out.end());
            targets[k].floatValues = &floatOut[k];
        }
        for (size_t k = 0; k < qsample->tensors.size(); ++k)
            if (Status s = (*qi)->setInput(k, qsample->tensors[k].type, qsample->tensors[k].bytes); !s)
                return makeError(where + s.message());
        if (Status s = (*qi)->invoke(quantObserver, cleanInputs); !s) return makeError(where + "quantized model: " + s.message());
        *samples = i + 1;
        progress("bias correction", total ? double(i + 1) / double(total) : 1.0);
    }
    return {};
}

std::vector<float> filterScales(const Tensor& w, size_t channels) {
    std::vector<float> s(channels);
    for (size_t c = 0; c < channels; ++c) s[c] = w.quant.scale.size() == 1 ? w.quant.scale[0] : w.quant.scale[c];
    return s;
}

} // namespace

Result<std::vector<ChannelErrors>> measureOutputBias(std::shared_ptr<const Model> floatModel,
                                                     std::shared_ptr<const Model> quantModel,
                                                     const data::DataSource& floatData, const Progress& progress) {
    std::vector<Target> targets = findTargets(*floatModel, *quantModel);
    size_t samples = 0;
    if (Status s = measure(floatModel, quantModel, floatData, targets, &samples, progress, ql::Target::TfliteCpu); !s) return makeError(s.message());
    std::vector<ChannelErrors> out;
    for (const Target& t : targets) {
        ChannelErrors e;
        e.tensor = quantModel->subgraphs[0].tensor(t.quantOut).name;
        e.meanError.resize(t.channels);
        for (size_t c = 0; c < t.channels; ++c) e.meanError[c] = t.count[c] ? t.errorSum[c] / double(t.count[c]) : 0.0;
        out.push_back(std::move(e));
    }
    return out;
}

Result<BiasCorrectionReport> correctBias(std::shared_ptr<const Model> floatModel, Model& quantModel,
                                         const data::DataSource& floatData, const Progress& progress, ql::Target target) {
    BiasCorrectionReport rep;
    if (floatModel->subgraphs.empty() || quantModel.subgraphs.empty()) return rep;
    auto snapshot = std::make_shared<const Model>(quantModel);
    std::vector<Target> targets = findTargets(*floatModel, *snapshot);
    rep.candidates = targets.size();
    if (targets.empty()) return rep;
    if (Status s = measure(floatModel, snapshot, floatData, targets, &rep.samples, progress, target); !s) return makeError(s.message());

    Subgraph& qs = quantModel.subgraphs[0];
    double shiftSum = 0;
    size_t measured = 0;
    for (const Target& t : targets) {
        const Tensor& bt = qs.tensor(t.bias);
        const float sIn = qs.tensor(t.input).quant.scale[0];
        const std::vector<float> sW = filterScales(qs.tensor(t.filter), t.channels);
        const bool wide = bt.type == TensorType::INT64;
        const Buffer& old = quantModel.buffer(bt.buffer);
        if (old.size < t.channels * (wide ? 8 : 4)) continue;
        std::vector<uint8_t> bytes(old.data, old.data + t.channels * (wide ? 8 : 4));
        size_t shifted = 0;
        for (size_t c = 0; c < t.channels; ++c) {
            if (!t.count[c]) continue;
            const double meanError = t.errorSum[c] / double(t.count[c]);
            // The bias is in units of s_in * s_w_c (TFLite's int8 spec).
            const double shift = std::round(meanError / (double(sIn) * double(sW[c])));
            ++measured;
            shiftSum += std::fabs(shift);
            rep.maxAbsShift = std::max(rep.maxAbsShift, std::fabs(shift));
            if (shift == 0 || !std::isfinite(shift)) continue;
            ++shifted;
            if (wide) {
                int64_t b;
                std::memcpy(&b, bytes.data() + 8 * c, 8);
                const double nb = std::clamp(double(b) - shift, -9.2e18, 9.2e18);
                b = static_cast<int64_t>(nb);
                std::memcpy(bytes.data() + 8 * c, &b, 8);
            } else {
                int32_t b;
                std::memcpy(&b, bytes.data() + 4 * c, 4);
                const double nb = std::clamp(double(b) - shift, double(std::numeric_limits<int32_t>::min()),
                                             double(std::numeric_limits<int32_t>::max()));
                b = static_cast<int32_t>(nb);
                std::memcpy(bytes.data() + 4 * c, &b, 4);
            }
        }
        if (shifted == 0) continue;
        ++rep.ops;
        rep.channels += shifted;
        // A fresh buffer: the old one may be shared or point into the source file.
        const BufferIndex nb = quantModel.addBuffer(std::move(bytes));
        qs.tensor(t.bias).buffer = nb;
    }
    rep.meanAbsShift = measured ? shiftSum / double(measured) : 0.0;
    return rep;
}

} // namespace ql::quantize

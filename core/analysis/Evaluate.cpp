#include "analysis/Evaluate.h"

#include "analysis/EvaluateSupport.h"
#include "data/Convert.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelWriter.h"
#include "util/Float16.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

namespace ql::analysis {

namespace {

using Clock = std::chrono::steady_clock;

// Real value of element e of a sample tensor read for input `info`.
double realValue(const data::SampleTensor& t, const data::InputInfo& info, size_t e) {
    auto deq = [&](double q) { return info.quantized ? double(info.scale) * (q - double(info.zeroPoint)) : q; };
    const uint8_t* p = t.bytes.data();
    switch (t.type) {
    case TensorType::FLOAT32: return reinterpret_cast<const float*>(p)[e];
    case TensorType::FLOAT16: return halfToFloat(reinterpret_cast<const uint16_t*>(p)[e]);
    case TensorType::INT8: return deq(reinterpret_cast<const int8_t*>(p)[e]);
    case TensorType::UINT8: return deq(p[e]);
    case TensorType::INT16: return deq(reinterpret_cast<const int16_t*>(p)[e]);
    case TensorType::INT32: return deq(reinterpret_cast<const int32_t*>(p)[e]);
    case TensorType::INT64: return deq(double(reinterpret_cast<const int64_t*>(p)[e]));
    case TensorType::BOOL: return p[e] ? 1.0 : 0.0;
    default: return 0.0;
    }
}

struct Runner {
    std::unique_ptr<rt::Interpreter> interp;
    const data::ModelInputInfo* info = nullptr;
};

Result<Runner> makeRunner(std::shared_ptr<const Model> model, int threads, Target target, const data::ModelInputInfo& info) {
    rt::InterpreterOptions o;
    o.run.threads = std::max(1, threads);
    o.run.target = target;
    auto interp = rt::Interpreter::create(std::move(model), o);
    if (!interp) return makeError(interp.message());
    Runner r;
    r.interp = std::move(interp.value());
    r.info = &info;
    return r;
}

} // namespace

Result<data::Sample> convertSample(const data::Sample& s, const data::ModelInputInfo& from, const data::ModelInputInfo& to) {
    if (s.tensors.size() != to.inputs.size() || from.inputs.size() != to.inputs.size())
        return makeError("the sample has " + std::to_string(s.tensors.size()) + " tensors, the model " +
                         std::to_string(to.inputs.size()) + " inputs");
    data::Sample out;
    out.tensors.resize(s.tensors.size());
    for (size_t i = 0; i < s.tensors.size(); ++i) {
        const data::SampleTensor& t = s.tensors[i];
        const data::InputInfo& dst = to.inputs[i];
        data::SampleTensor& o = out.tensors[i];
        o.type = dst.type;
        o.shape = dst.shape;
        const int64_t n = t.elementCount();
        if (n != dst.elementCount())
            return makeError("input " + std::to_string(i) + " '" + dst.name + "': " + std::to_string(n) +
                             " values, the model expects " + std::to_string(dst.elementCount()));
        if (t.type == dst.type && from.inputs[i].quantized == dst.quantized &&
            (!dst.quantized || (from.inputs[i].scale == dst.scale && from.inputs[i].zeroPoint == dst.zeroPoint))) {
            o.bytes = t.bytes;
            continue;
        }
        const size_t es = elementSize(dst.type);
        o.bytes.assign(size_t(n) * es, 0);
        for (int64_t e = 0; e < n; ++e) data::storeReal(realValue(t, from.inputs[i], size_t(e)), dst, o.bytes.data() + size_t(e) * es);
    }
    return out;
}

Status feed(rt::Interpreter& interp, const data::Sample& s) {
    interp.resetVariables();
    for (size_t i = 0; i < s.tensors.size(); ++i) {
        Status st = interp.setInput(i, s.tensors[i].type, s.tensors[i].bytes);
        if (!st) return st;
    }
    return Status::success();
}

void appendOutputValues(const rt::RtTensor& t, std::vector<float>& out) {
    const size_t n = size_t(t.elementCount());
    const bool q = t.isQuantized();
    const double s = q ? t.scale() : 1.0, z = q ? t.zeroPoint() : 0;
    auto deq = [&](double v) { return float(q ? s * (v - z) : v); };
    out.reserve(out.size() + n);
    for (size_t i = 0; i < n; ++i) {
        switch (t.type) {
        case TensorType::FLOAT32: out.push_back(t.as<float>()[i]); break;
        case TensorType::FLOAT16: out.push_back(halfToFloat(t.as<uint16_t>()[i])); break;
        case TensorType::INT8: out.push_back(deq(t.as<int8_t>()[i])); break;
        case TensorType::UINT8: out.push_back(deq(t.as<uint8_t>()[i])); break;
        case TensorType::INT16: out.push_back(deq(t.as<int16_t>()[i])); break;
        case TensorType::INT32: out.push_back(deq(t.as<int32_t>()[i])); break;
        case TensorType::INT64: out.push_back(deq(double(t.as<int64_t>()[i]))); break;
        case TensorType::BOOL: out.push_back(t.as<uint8_t>()[i] ? 1.0f : 0.0f); break;
        default: out.push_back(0.0f); break;
        }
    }
}

size_t labelRank(std::span<const float> scores, size_t label) {
    if (label >= scores.size()) return scores.size();
    const float v = scores[label];
    size_t rank = 0;
    for (size_t c = 0; c < scores.size(); ++c)
        if (scores[c] > v || (scores[c] == v && c < label)) ++rank;
    return rank;
}

uint64_t modelFileBytes(const Model& model) {
    if (model.sourceBytes) return model.sourceBytes;
    auto bytes = serializeModel(model);
    return bytes ? bytes->size() : 0;
}

Result<EvalResult> evaluateOnSourceWith(std::shared_ptr<const Model> model, const data::DataSource& source,
                                        const data::ModelInputInfo& sourceInfo, const EvalOptions& opts,
                                        const Progress& progress, ReferenceOutputs* cache) {
    const data::ModelInputInfo modelInfo = data::ModelInputInfo::fromModel(*model);
    auto runner = makeRunner(model, opts.threads, opts.target, modelInfo);
    if (!runner) return makeError(runner.message());
    rt::Interpreter& interp = *runner->interp;
    const bool hasReference = bool(opts.reference);
    const bool useCache = cache && cache->filled && cache->values.size() == source.size();
    const bool fillCache = cache && !cache->filled && !cache->disabled;
    if (fillCache) cache->values.clear();
    std::unique_ptr<rt::Interpreter> refInterp;
    data::ModelInputInfo refInfo;
    if (hasReference && !useCache) {
        refInfo = data::ModelInputInfo::fromModel(*opts.reference);
        auto r = makeRunner(opts.reference, opts.threads, opts.target, refInfo);
        if (!r) return makeError("reference model: " + r.message());
        refInterp = std::move(r->interp);
    }
    const size_t refOutputs = refInterp ? refInterp->outputCount() : useCache && !cache->values.empty() ? cache->values[0].size() : 0;
    if (hasReference && refOutputs != interp.outputCount())
        return makeError("the model has " + std::to_string(interp.outputCount()) + " outputs, the reference " +
                         std::to_string(refOutputs));

    EvalResult res;
    res.target = opts.target;
    res.fileBytes = modelFileBytes(*model);
    res.dataDescription = source.describe();
    res.hasReference = hasReference;
    size_t cachedFloats = 0;
    const Subgraph& sg = model->subgraphs[0];
    std::vector<ErrorAccumulator> perOutput(interp.outputCount());
    ErrorAccumulator pooled;
    std::vector<double> latencies;
    size_t hit1 = 0, hit5 = 0, refHit1 = 0, refHit5 = 0;
    std::vector<float> got;
    std::vector<std::vector<float>> current; // this sample's reference outputs when not cached
    const size_t total = source.size();
    for (size_t s = 0; s < total; ++s) {
        if (progress.cancelled()) return makeError("cancelled");
        auto sample = source.get(s);
        if (!sample) return makeError("sample " + std::to_string(s) + ": " + sample.message());
        auto mine = convertSample(*sample, sourceInfo, modelInfo);
        if (!mine) return makeError("sample " + std::to_string(s) + ": " + mine.message());
        Status st = feed(interp, *mine);
        if (!st) return makeError("sample " + std::to_string(s) + ": " + st.message());
        const auto t0 = Clock::now();
        st = interp.invoke();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!st) return makeError("sample " + std::to_string(s) + ": " + st.message());
        latencies.push_back(ms);

        // The label as a plain int (-1: none); GCC 12 misreads std::optional here (-Wmaybe-uninitialized).
        bool hasLabel = false;
        int label = -1;
        if (opts.useLabels)
            if (const std::optional<int> l = source.label(s)) {
                hasLabel = true;
                label = *l;
            }
        if (hasLabel) {
            got.clear();
            appendOutputValues(interp.output(0), got);
            if (label < 0 || size_t(label) >= got.size())
                return makeError("sample " + std::to_string(s) + ": label " + std::to_string(label) + " is outside the " +
                                 std::to_string(got.size()) + " classes of output 0 '" + sg.tensor(sg.outputs[0]).name + "'");
            res.classes = got.size();
            const size_t rank = labelRank(got, size_t(label));
            hit1 += rank < 1;
            hit5 += rank < 5;
            ++res.labelled;
        }
        if (hasReference) {
            const std::vector<std::vector<float>>* refOut = &current;
            if (useCache) {
                refOut = &cache->values[s];
            } else {
                auto theirs = convertSample(*sample, sourceInfo, refInfo);
                if (!theirs) return makeError("sample " + std::to_string(s) + " (reference): " + theirs.message());
                st = feed(*refInterp, *theirs);
                if (st) st = refInterp->invoke();
                if (!st) return makeError("sample " + std::to_string(s) + " (reference): " + st.message());
                current.assign(refOutputs, {});
                for (size_t o = 0; o < refOutputs; ++o) appendOutputValues(refInterp->output(o), current[o]);
            }
            for (size_t o = 0; o < interp.outputCount(); ++o) {
                const std::vector<float>& ref = (*refOut)[o];
                got.clear();
                appendOutputValues(interp.output(o), got);
                if (got.size() != ref.size())
                    return makeError("output " + std::to_string(o) + ": " + std::to_string(got.size()) +
                                     " values, the reference has " + std::to_string(ref.size()));
                perOutput[o].add(ref, got);
                pooled.add(ref, got);
                if (o == 0 && hasLabel) {
                    const size_t rank = labelRank(ref, size_t(label));
                    refHit1 += rank < 1;
                    refHit5 += rank < 5;
                }
            }
            if (fillCache && !cache->disabled) {
                for (const auto& v : current) cachedFloats += v.size();
                if (cachedFloats > kMaxCachedReferenceFloats) {
                    cache->disabled = true; // too large to keep: every mode runs the reference again
                    cache->values.clear();
                } else {
                    cache->values.push_back(current);
                }
            }
        }
        progress("evaluating", double(s + 1) / double(total));
    }
    res.samples = total;
    if (fillCache && !cache->disabled) cache->filled = true;
    if (res.labelled) {
        res.top1 = double(hit1) / double(res.labelled);
        res.top5 = double(hit5) / double(res.labelled);
        if (hasReference) {
            res.referenceTop1 = double(refHit1) / double(res.labelled);
            res.referenceTop5 = double(refHit5) / double(res.labelled);
        }
    }
    if (hasReference) {
        res.pooled = pooled.result();
        for (size_t o = 0; o < perOutput.size(); ++o)
            res.outputs.push_back({sg.tensor(sg.outputs[o]).name, perOutput[o].result()});
    }
    if (!latencies.empty()) {
        std::sort(latencies.begin(), latencies.end());
        const size_t n = latencies.size();
        res.latencyMedianMs = n % 2 ? latencies[n / 2] : 0.5 * (latencies[n / 2 - 1] + latencies[n / 2]);
        res.latencyMinMs = latencies.front();
    }
    return res;
}

Result<EvalResult> evaluateOnSource(std::shared_ptr<const Model> model, const data::DataSource& source,
                                    const EvalOptions& opts, const Progress& progress) {
    if (!model || model->subgraphs.empty()) return makeError("the model has no subgraph");
    const data::ModelInputInfo info = data::ModelInputInfo::fromModel(opts.reference ? *opts.reference : *model);
    return evaluateOnSourceWith(std::move(model), source, info, opts, progress, nullptr);
}

Result<EvalResult> evaluateModel(std::shared_ptr<const Model> model, const EvalOptions& opts, const Progress& progress) {
    if (!model || model->subgraphs.empty()) return makeError("the model has no subgraph");
    const data::ModelInputInfo info = data::ModelInputInfo::fromModel(opts.reference ? *opts.reference : *model);
    if (opts.reference && opts.reference->subgraphs.empty()) return makeError("the reference model has no subgraph");
    if (opts.reference && opts.reference->subgraphs[0].inputs.size() != model->subgraphs[0].inputs.size())
        return makeError("the model has " + std::to_string(model->subgraphs[0].inputs.size()) + " inputs, the reference " +
                         std::to_string(opts.reference->subgraphs[0].inputs.size()));
    auto source = data::openDataSource(opts.dataSpec, info, opts.data);
    if (!source) return makeError(opts.dataSpec + ": " + source.message());
    if ((*source)->size() == 0) return makeError(opts.dataSpec + ": no samples");
    return evaluateOnSourceWith(std::move(model), **source, info, opts, progress, nullptr);
}

} // namespace ql::analysis

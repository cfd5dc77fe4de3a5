#include "analysis/Sensitivity.h"

#include "analysis/ErrorMetrics.h"
#include "calib/Calibrate.h"
#include "model/ModelStats.h"
#include "data/Convert.h"
#include "quantize/BiasCorrection.h"
#include "quantize/GraphCleanup.h"
#include "quantize/GraphEdit.h"
#include "quantize/LstmRules.h"
#include "quantize/OpRules.h"
#include "quantize/Quantizer.h"
#include "runtime/Interpreter.h"
#include "runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

namespace ql::analysis {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Graph output `o` of a finished run as floats: r = scale * (q - zero_point) for quantized
// integer outputs, a plain cast otherwise.
std::vector<float> outputFloats(const rt::RtTensor& t) {
    const size_t n = size_t(t.elementCount());
    std::vector<float> v(n);
    const bool q = t.isQuantized();
    const float s = q ? t.scale() : 1.0f;
    const float z = q ? float(t.zeroPoint()) : 0.0f;
    for (size_t i = 0; i < n; ++i) {
        switch (t.type) {
        case TensorType::FLOAT32: v[i] = t.as<float>()[i]; break;
        case TensorType::INT8: v[i] = s * (float(t.as<int8_t>()[i]) - z); break;
        case TensorType::UINT8: v[i] = s * (float(t.as<uint8_t>()[i]) - z); break;
        case TensorType::INT16: v[i] = s * (float(t.as<int16_t>()[i]) - z); break;
        case TensorType::INT32: v[i] = s * (float(t.as<int32_t>()[i]) - z); break;
        case TensorType::INT64: v[i] = s * (float(t.as<int64_t>()[i]) - z); break;
        default: v[i] = 0; break;
        }
    }
    return v;
}

// Index of the largest value of the last dimension of an output with one row (batch 1).
int argmax(const std::vector<float>& v) {
    return v.empty() ? -1 : int(std::max_element(v.begin(), v.end()) - v.begin());
}

// Runs fn(i) for i in [0, n) on `threads` threads that claim indices one at a time (measurements
// differ a lot in cost, so a dynamic schedule keeps both cores busy to the end). fn(worker, i).
template <class Fn> void forEachDynamic(int threads, size_t n, Fn&& fn) {
    const size_t workers = std::min(size_t(std::max(1, threads)), std::max<size_t>(n, 1));
    rt::ThreadPool pool{static_cast<int>(workers)};
    std::atomic<size_t> next{0};
    pool.parallelFor(workers, [&](size_t begin, size_t end) {
        for (size_t w = begin; w < end; ++w)
            for (size_t i = next++; i < n; i = next++) fn(w, i);
    });
}

// The stage text with the count of the current stage: "measuring layers: 12 of 41" (n of N
// for the UI and the CLI's progress line; the part before ':' names the stage).
std::string counted(std::string_view stage, size_t done, size_t total) {
    return std::string(stage) + ": " + std::to_string(done) + " of " + std::to_string(total);
}

bool better(SensitivityMetric metric, const Measurement& a, const Measurement& b) {
    if (metric == SensitivityMetric::Accuracy && a.accuracy != b.accuracy) return a.accuracy > b.accuracy;
    if (a.sqnrDb != b.sqnrDb) return a.sqnrDb > b.sqnrDb;
    return a.cosine > b.cosine;
}

// Everything a measurement needs, shared read-only by the worker threads.
class Study {
public:
    Study(const SensitivityOptions& o, const Progress& p) : m_opt(o), m_progress(p) {}

    Status prepare(std::shared_ptr<const Model> model, const data::DataSource& calibration, const data::DataSource& data,
                   SensitivityResult& out);
    // A configuration is a list of move ids: an operator index o keeps o float, wide(o) gives it
    // int16 activations.
    Result<Measurement> measure(const std::vector<size_t>& moves) const;
    // Measures every configuration in parallel; `stage` names the progress stage.
    Result<std::vector<Measurement>> measureAll(const std::vector<std::vector<size_t>>& configs, std::string_view stage);

    const std::vector<size_t>& candidates() const { return m_candidates; }
    const std::vector<size_t>& passive() const { return m_passive; }
    size_t wide(size_t o) const { return o + m_wideBase; }
    bool isWide(size_t id) const { return id >= m_wideBase; }
    size_t opOf(size_t id) const { return isWide(id) ? id - m_wideBase : id; }
    bool int16Capable(size_t o) const { return m_int16Capable.count(o) > 0; }
    uint64_t macs(size_t o) const { return o < m_macs.size() ? m_macs[o] : 0; }
    uint64_t totalMacs() const { return m_totalMacs; }
    // MACs the moves leave out of int8 (each operator once).
    uint64_t macsOf(const std::vector<size_t>& ids) const {
        std::set<size_t> ops;
        for (size_t id : ids) ops.insert(opOf(id));
        uint64_t n = 0;
        for (size_t o : ops) n += macs(o);
        return n;
    }
    const Operator& op(size_t o) const { return m_work->subgraphs[0].operators[o]; }
    const std::string& originalName(size_t o) const { return m_originalName.at(o); }
    bool ambiguous(size_t o) const { return m_ambiguous.count(o) > 0; }
    size_t measurements() const { return m_measurements.load(); }
    // Per activation tensor of `o` (outputs first, then inputs): `o` with the candidates that
    // produce or read that tensor, when there are any.
    std::vector<std::vector<size_t>> tensorGroups(size_t o) const;

private:
    Status calibrate(const data::DataSource& calibration, SensitivityResult& out);
    Status loadReference(const data::DataSource& data, SensitivityResult& out);
    Status findCandidates();
    void chooseNames();

    const SensitivityOptions& m_opt;
    const Progress& m_progress;
    std::shared_ptr<Model> m_work;  // folded float model, ambiguous output names made unique
    std::shared_ptr<const calib::CalibrationStats> m_stats;
    const data::DataSource* m_calibration = nullptr; // bias correction's samples (runSensitivity's caller keeps it)
    std::vector<data::Sample> m_samples;
    std::vector<int> m_labels;                         // empty without labels
    std::vector<std::vector<std::vector<float>>> m_ref; // [sample][output] float model outputs
    std::vector<size_t> m_candidates;                  // operator indices
    std::vector<size_t> m_passive;                     // quantized value movers, not candidates
    std::set<size_t> m_int16Capable;                   // candidates with an int16x8 kernel (mode int8)
    std::vector<uint64_t> m_macs;                      // per operator of m_work
    uint64_t m_totalMacs = 0;
    size_t m_wideBase = 0;                             // move id of "operator 0 int16"
    std::map<size_t, std::string> m_keepName;          // name given to keepFloat (in m_work)
    std::map<size_t, std::string> m_originalName;      // the name in the user's model
    std::set<size_t> m_ambiguous;
    mutable std::atomic<size_t> m_measurements{0};
    std::mutex m_progressMutex;
};

Status Study::calibrate(const data::DataSource& calibration, SensitivityResult& out) {
    if (!quantize::needsCalibration(m_opt.quantize.mode)) return {};
    if (calibration.size() == 0) return makeError("calibration data: no samples");
    const auto t0 = Clock::now();
    rt::InterpreterOptions io;
    io.run.threads = std::max(1, m_opt.threads);
    io.run.target = m_opt.runtimeTarget;
    // LSTMs expose their cell state and gate ranges through calibration outputs.
    const std::shared_ptr<const Model> calibrationModel = quantize::withLstmCalibrationOutputs(m_work);
    auto interp = rt::Interpreter::create(calibrationModel, io);
    if (!interp) return makeError("calibration: " + interp.message());
    calib::CalibrationCollector collector(calibrationModel);
    Status st = calib::calibrate(**interp, calibration, collector,
                                 [&](size_t done, size_t n) { m_progress(counted("calibrating", done, n), n ? double(done) / double(n) : 1.0); },
                                 m_progress.cancel);
    if (!st) return st;
    m_stats = collector.snapshot();
    out.calibrationSamples = m_stats->samples;
    out.calibrationSeconds = secondsSince(t0);
    return {};
}

// Loads the measurement samples once and runs the float model on each (in parallel chunks,
// one interpreter per chunk); the outputs are the reference of every later measurement.
Status Study::loadReference(const data::DataSource& data, SensitivityResult& out) {
    const auto t0 = Clock::now();
    const size_t n = data.size();
    if (n == 0) return makeError("data: no samples");
    m_samples.resize(n);
    bool allLabels = true;
    std::vector<int> labels(n, -1);
    for (size_t i = 0; i < n; ++i) {
        if (m_progress.cancelled()) return makeError("cancelled");
        auto s = data.get(i);
        if (!s) return makeError("data sample " + std::to_string(i) + ": " + s.message());
        m_samples[i] = std::move(*s);
        const auto l = data.label(i);
        if (l) labels[i] = *l;
        else allLabels = false;
    }
    if (m_opt.metric == SensitivityMetric::Accuracy) {
        if (!allLabels) return makeError("data: accuracy needs a label for every sample (--labels)");
        m_labels = std::move(labels);
    }
    m_ref.assign(n, {});
    std::vector<std::string> errors(n);
    const size_t workers = size_t(std::max(1, m_opt.threads));
    std::vector<std::unique_ptr<rt::Interpreter>> interps(workers);
    std::atomic<size_t> done{0};
    forEachDynamic(m_opt.threads, n, [&](size_t w, size_t i) {
        if (m_progress.cancelled()) { errors[i] = "cancelled"; return; }
        if (!interps[w]) {
            rt::InterpreterOptions io;
            io.run.target = m_opt.runtimeTarget;
            auto created = rt::Interpreter::create(m_work, io);
            if (!created) { errors[i] = "float model: " + created.message(); return; }
            interps[w] = std::move(*created);
        }
        rt::Interpreter& in = *interps[w];
        in.resetVariables();
        for (size_t k = 0; k < m_samples[i].tensors.size(); ++k) {
            const data::SampleTensor& t = m_samples[i].tensors[k];
            Status st = in.setInput(k, t.type, t.bytes);
            if (!st) { errors[i] = "data sample " + std::to_string(i) + ": " + st.message(); return; }
        }
        Status st = in.invoke();
        if (!st) { errors[i] = "float model, sample " + std::to_string(i) + ": " + st.message(); return; }
        for (size_t o = 0; o < in.outputCount(); ++o) m_ref[i].push_back(outputFloats(in.output(o)));
        const size_t d = ++done;
        std::lock_guard lock(m_progressMutex);
        m_progress(counted("running the float model", d, n), double(d) / double(n));
    });
    for (const std::string& e : errors)
        if (!e.empty()) return makeError(e);
    if (!m_labels.empty()) {
        const Subgraph& sg = m_work->subgraphs[0];
        if (sg.outputs.empty()) return makeError("accuracy: the model has no output");
        const Tensor& o0 = sg.tensor(sg.outputs[0]);
        if (o0.shape.empty() || o0.elementCount() != o0.shape.back())
            return makeError("accuracy: output 0 '" + o0.name + "' must hold one row of class scores (batch 1)");
        size_t correct = 0;
        for (size_t i = 0; i < n; ++i) {
            if (m_ref[i].empty()) return makeError("accuracy: the model has no output");
            correct += argmax(m_ref[i][0]) == m_labels[i];
        }
        out.floatAccuracy = double(correct) / double(n);
    }
    out.samples = n;
    out.referenceSeconds = secondsSince(t0);
    return {};
}

// Operators the chosen mode quantizes: for the integer modes those the fully quantized model
// does not list as left float; for dynamic those with hybrid weights big enough.
Status Study::findCandidates() {
    const Subgraph& sg = m_work->subgraphs[0];
    if (m_opt.quantize.mode == quantize::Mode::Dynamic) {
        for (size_t o = 0; o < sg.operators.size(); ++o) {
            const auto rule = quantize::hybridRule(sg.operators[o].op);
            if (!rule) continue;
            for (int wi : rule->weightInputs) {
                const Operator& op = sg.operators[o];
                if (size_t(wi) >= op.inputs.size() || !op.inputs[size_t(wi)].valid()) continue;
                const Tensor& w = sg.tensor(op.inputs[size_t(wi)]);
                if (w.type == TensorType::FLOAT32 && m_work->isConstant(w) &&
                    size_t(w.elementCount()) >= m_opt.quantize.dynamicMinElements) {
                    m_candidates.push_back(o);
                    break;
                }
            }
        }
    } else {
        auto full = quantize::quantizeModel(*m_work, m_stats.get(), m_opt.quantize);
        if (!full) return full.error();
        std::set<size_t> leftFloat;
        for (const std::string& line : full->report.floatOps) // "#12 LSTM (no integer kernel)"
            if (line.size() > 1 && line[0] == '#') leftFloat.insert(size_t(std::strtoul(line.c_str() + 1, nullptr, 10)));
        const bool int16 = m_opt.quantize.mode == quantize::Mode::Int16x8;
        for (size_t o = 0; o < sg.operators.size(); ++o) {
            if (leftFloat.count(o)) continue;
            // The LSTM has its own recipe (LstmRules), not an OpRule; quantized, it is a candidate.
            if (quantize::isFloatLstm(sg, sg.operators[o])) {
                m_candidates.push_back(o);
                continue;
            }
            const auto rule = quantize::opRule(sg.operators[o].op);
            if (!rule || !(int16 ? rule->int16 : rule->int8)) continue;
            // Operators that only move or select values (RESHAPE, PAD, MAX_POOL_2D, ...) reuse
            // their input's parameters: their int8 form adds no error of its own. The averaging
            // ones of that rule (AVERAGE_POOL_2D, RESIZE_BILINEAR) round, and stay candidates.
            const BuiltinOp kind = sg.operators[o].op;
            if (rule->output == quantize::OutputRule::SameAsInput && kind != BuiltinOp::AVERAGE_POOL_2D &&
                kind != BuiltinOp::RESIZE_BILINEAR) {
                m_passive.push_back(o);
                continue;
            }
            bool floatOut = false;
            for (TensorIndex t : sg.operators[o].outputs)
                floatOut = floatOut || (t.valid() && sg.tensor(t).type == TensorType::FLOAT32);
            if (floatOut) m_candidates.push_back(o);
            if (floatOut && rule->int16 && m_opt.int16Moves && m_opt.quantize.mode == quantize::Mode::Int8)
                m_int16Capable.insert(o);
        }
    }
    m_wideBase = sg.operators.size();
    m_macs.assign(sg.operators.size(), 0);
    for (size_t o = 0; o < sg.operators.size(); ++o) {
        m_macs[o] = operatorMacs(sg, sg.operators[o]);
        m_totalMacs += m_macs[o];
    }
    if (m_candidates.empty())
        return makeError("no operator of the model is quantized in mode " + std::string(quantize::modeName(m_opt.quantize.mode)));
    return {};
}

// keepFloat selects an operator by its type name or by any of its outputs' names. Per
// candidate: an output name that no other operator's output carries and that is no operator
// type; else the first output of the working copy is renamed and the layer flagged.
void Study::chooseNames() {
    Subgraph& sg = m_work->subgraphs[0];
    std::map<std::string, int> outputUses;
    std::set<std::string> typeNames;
    for (const Operator& op : sg.operators) {
        typeNames.insert(op.typeName());
        for (TensorIndex t : op.outputs)
            if (t.valid()) ++outputUses[sg.tensor(t).name];
    }
    std::set<std::string> allNames;
    for (const Tensor& t : sg.tensors) allNames.insert(t.name);
    std::vector<size_t> named = m_candidates;
    named.insert(named.end(), m_passive.begin(), m_passive.end());
    for (size_t o : named) {
        const Operator& op = sg.operators[o];
        std::string chosen;
        for (TensorIndex t : op.outputs) {
            if (!t.valid()) continue;
            const std::string& name = sg.tensor(t).name;
            if (!name.empty() && outputUses[name] == 1 && !typeNames.count(name)) { chosen = name; break; }
        }
        const TensorIndex first = op.outputs.empty() ? TensorIndex{} : op.outputs[0];
        m_originalName[o] = chosen.empty() && first.valid() ? sg.tensor(first).name : chosen;
        if (chosen.empty() && first.valid()) {
            std::string name = sg.tensor(first).name + "@op" + std::to_string(o);
            while (allNames.count(name)) name += "_";
            allNames.insert(name);
            sg.tensor(first).name = name;
            chosen = name;
            m_ambiguous.insert(o);
        }
        m_keepName[o] = chosen;
    }
}

std::vector<std::vector<size_t>> Study::tensorGroups(size_t o) const {
    const Subgraph& sg = m_work->subgraphs[0];
    const std::set<size_t> cands(m_candidates.begin(), m_candidates.end());
    std::vector<std::vector<size_t>> groups;
    auto groupOf = [&](TensorIndex t) {
        if (!t.valid() || t.index() >= sg.producer.size() || m_work->isConstant(sg.tensor(t))) return;
        std::vector<size_t> g{o};
        auto add = [&](OperatorIndex n) {
            if (n.valid() && cands.count(n.index()) && std::find(g.begin(), g.end(), n.index()) == g.end())
                g.push_back(n.index());
        };
        add(sg.producer[t.index()]);
        for (OperatorIndex c : sg.consumers[t.index()]) add(c);
        if (g.size() > 1) groups.push_back(std::move(g));
    };
    const Operator& op = sg.operators[o];
    for (TensorIndex t : op.outputs) groupOf(t);
    for (TensorIndex t : op.inputs) groupOf(t);
    return groups;
}

Status Study::prepare(std::shared_ptr<const Model> model, const data::DataSource& calibration,
                      const data::DataSource& data, SensitivityResult& out) {
    using quantize::Mode;
    const Mode mode = m_opt.quantize.mode;
    if (mode == Mode::Int8Only)
        return makeError("mode int8-only admits no float operator; measure sensitivity with --mode int8");
    if (mode == Mode::None || mode == Mode::Float16)
        return makeError("mode " + std::string(quantize::modeName(mode)) + " has no per-layer choice (int8, int16x8 or dynamic)");
    if (!m_opt.quantize.keepFloat.empty() || !m_opt.quantize.int16.empty())
        return makeError("keepFloat and int16 must be empty: the search chooses them");
    if (!model || model->subgraphs.empty()) return makeError("the model has no subgraph");
    m_work = std::make_shared<Model>(quantize::prepareFloatModel(*model));
    m_work->rebuildIndex();
    m_calibration = &calibration;
    Status st = calibrate(calibration, out);
    if (!st) return st;
    if (m_progress.cancelled()) return makeError("cancelled");
    st = findCandidates();
    if (!st) return st;
    chooseNames();
    return loadReference(data, out);
}

Result<Measurement> Study::measure(const std::vector<size_t>& moves) const {
    quantize::QuantizeOptions qo = m_opt.quantize;
    for (size_t id : moves) (isWide(id) ? qo.int16 : qo.keepFloat).push_back(m_keepName.at(opOf(id)));
    auto q = quantize::quantizeModel(*m_work, m_stats.get(), qo);
    if (!q) return q.error();
    if (qo.biasCorrection && quantize::needsCalibration(qo.mode)) {
        // As quantize --bias-correction writes it (QuantizeJob): each measurement is the model the
        // list would give.
        auto bc = quantize::correctBias(m_work, q->model, *m_calibration, {}, m_opt.runtimeTarget);
        if (!bc) return makeError("bias correction: " + bc.message());
    }
    ++m_measurements;
    auto qm = std::make_shared<const Model>(std::move(q->model));
    rt::InterpreterOptions io;
    io.run.target = m_opt.runtimeTarget;
    auto interp = rt::Interpreter::create(qm, io);
    if (!interp) return makeError("quantized model: " + interp.message());
    rt::Interpreter& in = **interp;
    const size_t outputs = in.outputCount();
    std::vector<ErrorAccumulator> acc(outputs);
    size_t correct = 0;
    std::vector<uint8_t> converted;
    for (size_t i = 0; i < m_samples.size(); ++i) {
        if (m_progress.cancelled()) return makeError("cancelled");
        in.resetVariables();
        for (size_t k = 0; k < m_samples[i].tensors.size(); ++k) {
            const data::SampleTensor& t = m_samples[i].tensors[k];
            const rt::RtTensor& dst = in.input(k);
            Status st;
            if (dst.type == t.type || t.type != TensorType::FLOAT32) {
                st = in.setInput(k, t.type, t.bytes);
            } else { // a float sample into a quantized input: q = clamp(round(r / s) + zp)
                data::InputInfo info;
                info.type = dst.type;
                info.quantized = dst.isQuantized();
                info.scale = info.quantized ? dst.scale() : 1.0f;
                info.zeroPoint = info.quantized ? dst.zeroPoint() : 0;
                converted.assign(size_t(t.elementCount()) * elementSize(dst.type), 0);
                data::convertNumeric(t.bytes.data(), t.type, size_t(t.elementCount()), info, converted.data());
                st = in.setInput(k, dst.type, converted);
            }
            if (!st) return makeError("quantized model: " + st.message());
        }
        Status st = in.invoke();
        if (!st) return makeError("quantized model, sample " + std::to_string(i) + ": " + st.message());
        for (size_t o = 0; o < outputs && o < m_ref[i].size(); ++o) {
            const std::vector<float> v = outputFloats(in.output(o));
            acc[o].add(m_ref[i][o], v);
            if (o == 0 && !m_labels.empty()) correct += argmax(v) == m_labels[i];
        }
    }
    Measurement m;
    for (size_t o = 0; o < outputs; ++o) {
        const ErrorStats e = acc[o].result();
        m.outputSqnrDb.push_back(e.sqnrDb);
        m.sqnrDb = std::min(m.sqnrDb, e.sqnrDb);
        m.cosine = std::min(m.cosine, e.cosine);
    }
    if (!m_labels.empty()) m.accuracy = double(correct) / double(m_samples.size());
    return m;
}

Result<std::vector<Measurement>> Study::measureAll(const std::vector<std::vector<size_t>>& configs, std::string_view stage) {
    std::vector<Result<Measurement>> results(configs.size(), makeError("not run"));
    std::atomic<size_t> done{0};
    m_progress(counted(stage, 0, configs.size()), 0.0);
    forEachDynamic(m_opt.threads, configs.size(), [&](size_t, size_t i) {
        results[i] = measure(configs[i]);
        const size_t d = ++done;
        std::lock_guard lock(m_progressMutex);
        m_progress(counted(stage, d, configs.size()), double(d) / double(configs.size()));
    });
    std::vector<Measurement> out;
    for (auto& r : results) {
        if (!r) return r.error();
        out.push_back(std::move(*r));
    }
    return out;
}

} // namespace

bool meetsTarget(const SensitivityOptions& o, const Measurement& m, double floatAccuracy) {
    if (o.metric == SensitivityMetric::Accuracy)
        return o.targetDrop && !std::isnan(m.accuracy) && floatAccuracy - m.accuracy <= *o.targetDrop + 1e-12;
    return o.targetSqnrDb && m.sqnrDb >= *o.targetSqnrDb;
}

Result<SensitivityResult> runSensitivity(std::shared_ptr<const Model> model, const data::DataSource& calibration,
                                         const data::DataSource& data, const SensitivityOptions& options,
                                         const Progress& progress) {
    const auto t0 = Clock::now();
    SensitivityResult out;
    out.metric = options.metric;
    out.hasTarget = options.metric == SensitivityMetric::Accuracy ? options.targetDrop.has_value()
                                                                   : options.targetSqnrDb.has_value();
    Study study(options, progress);
    Status st = study.prepare(std::move(model), calibration, data, out);
    if (!st) return st.error();
    const std::vector<size_t>& cands = study.candidates();

    // Round 1: nothing float, then (a) and (b) for every candidate, and (c) for the int16-capable.
    std::vector<std::vector<size_t>> configs{{}};
    for (size_t c : cands) {
        std::vector<size_t> others = study.passive(); // value movers float too: nothing else is int8
        for (size_t d : cands)
            if (d != c) others.push_back(d);
        configs.push_back(std::move(others)); // (a): only c quantized
        configs.push_back({c});               // (b): only c float
        if (study.int16Capable(c)) configs.push_back({study.wide(c)}); // (c): only c int16
    }
    auto round = study.measureAll(configs, "measuring layers");
    if (!round) return round.error();
    out.allQuantized = (*round)[0];
    out.totalMacs = study.totalMacs();
    std::map<size_t, Measurement> last; // move id -> metric with (list so far + that move)
    for (size_t i = 0, k = 1; i < cands.size(); ++i) {
        LayerSensitivity l;
        l.op = OperatorIndex{cands[i]};
        l.type = study.op(cands[i]).typeName();
        l.name = study.originalName(cands[i]);
        l.nameAmbiguous = study.ambiguous(cands[i]);
        l.macs = study.macs(cands[i]);
        l.onlyThis = (*round)[k++];
        l.allButThis = (*round)[k++];
        last[cands[i]] = l.allButThis;
        if (study.int16Capable(cands[i])) {
            l.int16Capable = true;
            l.int16This = (*round)[k++];
            last[study.wide(cands[i])] = l.int16This;
        }
        out.layers.push_back(std::move(l));
    }
    // Most sensitive first: worst (a), then best recovery (b), then graph order.
    std::stable_sort(out.layers.begin(), out.layers.end(), [&](const LayerSensitivity& a, const LayerSensitivity& b) {
        if (better(options.metric, a.onlyThis, b.onlyThis) != better(options.metric, b.onlyThis, a.onlyThis))
            return better(options.metric, b.onlyThis, a.onlyThis);
        return better(options.metric, a.allButThis, b.allButThis);
    });

    // Greedy forward selection, re-measured after every choice. A move keeps one more operator
    // float or gives it int16 activations, or (group moves) does either to one of the most
    // sensitive operators by (a) together with the producer and consumers of one of its
    // activation tensors: a tensor stays int8 while its producer or any consumer is int8, so
    // the damage of quantizing a tensor to int8 disappears only with both sides moved.
    out.targetMet = meetsTarget(options, out.allQuantized, out.floatAccuracy);
    std::vector<size_t> keep; // move ids chosen so far
    std::set<size_t> kept;    // their operators
    Measurement current = out.allQuantized;
    // The best list measured so far (any move of any round, not only the kept steps): what
    // keepFloat / int16 report when the target is not met.
    std::vector<size_t> bestList;
    Measurement bestMeasured = out.allQuantized;
    // Strictly better on the target's own figure (accuracy with that metric, else SQNR).
    const auto improvesOn = [&](const Measurement& a, const Measurement& b) {
        return options.metric == SensitivityMetric::Accuracy ? a.accuracy > b.accuracy : a.sqnrDb > b.sqnrDb;
    };
    // Cost of a move: the MACs it leaves out of int8, at least 0.1 % of the model's (operators
    // without MACs still add conversions and a float or int16 kernel).
    const double floorMacs = std::max(1.0, 0.001 * double(study.totalMacs()));
    const auto cost = [&](const std::vector<size_t>& ids) {
        double c = 0;
        std::set<size_t> ops;
        for (size_t id : ids)
            if (ops.insert(study.opOf(id)).second) c += std::max(floorMacs, double(study.macs(study.opOf(id))));
        return c;
    };
    // Within the MAC budget: the list so far plus the move.
    const auto affordable = [&](const std::vector<size_t>& move) {
        if (options.maxMacShare >= 1.0) return true;
        std::vector<size_t> all = keep;
        all.insert(all.end(), move.begin(), move.end());
        return double(study.macsOf(all)) <= options.maxMacShare * double(study.totalMacs());
    };
    std::vector<size_t> singles; // step 1: the (b) and (c) measurements are already in `last`
    for (const auto& [id, m] : last)
        if (affordable({id})) singles.push_back(id);
    bool measured = true;
    while (out.hasTarget && !out.targetMet && !last.empty()) {
        const size_t room = options.maxFloatLayers ? options.maxFloatLayers - keep.size() : cands.size();
        if (!measured) { // re-measure the best remaining single moves with the list so far
            std::vector<size_t> rest;
            for (const auto& [id, m] : last)
                if (affordable({id})) rest.push_back(id);
            std::stable_sort(rest.begin(), rest.end(), [&](size_t a, size_t b) { return better(options.metric, last[a], last[b]); });
            if (options.greedyWidth && rest.size() > options.greedyWidth) rest.resize(options.greedyWidth);
            std::vector<std::vector<size_t>> next;
            for (size_t id : rest) {
                next.push_back(keep);
                next.back().push_back(id);
            }
            auto r = study.measureAll(next, "choosing layers to keep float");
            if (!r) return r.error();
            for (size_t i = 0; i < rest.size(); ++i) last[rest[i]] = (*r)[i];
            singles = rest;
        }
        measured = false;
        std::vector<std::vector<size_t>> moves;
        std::vector<Measurement> results;
        for (size_t id : singles) {
            moves.push_back({id});
            results.push_back(last[id]);
        }
        // Group moves only when no single move reaches the target.
        bool singleMeets = false;
        for (const Measurement& m : results) singleMeets = singleMeets || meetsTarget(options, m, out.floatAccuracy);
        if (!singleMeets && options.groupMoves && room >= 2) {
            std::vector<std::vector<size_t>> groups;
            std::set<std::vector<size_t>> seen;
            size_t tried = 0;
            for (const LayerSensitivity& l : out.layers) {
                if (tried >= options.groupMoves) break;
                if (kept.count(l.op.index())) continue;
                ++tried;
                for (std::vector<size_t> g : study.tensorGroups(l.op.index())) {
                    std::erase_if(g, [&](size_t n) { return kept.count(n) > 0; });
                    if (g.size() < 2 || g.size() > room || !affordable(g)) continue;
                    std::vector<size_t> key = g;
                    std::sort(key.begin(), key.end());
                    if (seen.insert(key).second) groups.push_back(g);
                    // The same group with int16 activations, when every operator has an int16x8 kernel.
                    if (std::all_of(g.begin(), g.end(), [&](size_t n) { return study.int16Capable(n); })) {
                        std::vector<size_t> w;
                        for (size_t n : g) w.push_back(study.wide(n));
                        std::vector<size_t> wkey = w;
                        std::sort(wkey.begin(), wkey.end());
                        if (seen.insert(wkey).second) groups.push_back(std::move(w));
                    }
                }
            }
            std::vector<std::vector<size_t>> configs;
            for (const auto& g : groups) {
                configs.push_back(keep);
                configs.back().insert(configs.back().end(), g.begin(), g.end());
            }
            auto r = study.measureAll(configs, "choosing layers to keep float");
            if (!r) return r.error();
            for (size_t i = 0; i < groups.size(); ++i) {
                moves.push_back(groups[i]);
                results.push_back((*r)[i]);
            }
        }
        if (moves.empty()) break;
        for (size_t i = 0; i < moves.size(); ++i)
            if (improvesOn(results[i], bestMeasured)) {
                bestMeasured = results[i];
                bestList = keep;
                bestList.insert(bestList.end(), moves[i].begin(), moves[i].end());
            }
        // A move that meets the target with the fewest MACs outside int8 wins; otherwise the best
        // gain per MAC left out of int8 (accuracy first with that metric, then SQNR).
        auto gain = [&](size_t i, bool accuracy) {
            const double now = accuracy ? current.accuracy : current.sqnrDb;
            const double then = accuracy ? results[i].accuracy : results[i].sqnrDb;
            if (std::isinf(then) && then > 0) return std::numeric_limits<double>::infinity();
            if (std::isinf(now)) return 0.0;
            return (then - now) / cost(moves[i]);
        };
        size_t best = 0;
        for (size_t i = 1; i < moves.size(); ++i) {
            const bool mi = meetsTarget(options, results[i], out.floatAccuracy);
            const bool mb = meetsTarget(options, results[best], out.floatAccuracy);
            if (mi != mb) { if (mi) best = i; continue; }
            if (mi && cost(moves[i]) != cost(moves[best])) { if (cost(moves[i]) < cost(moves[best])) best = i; continue; }
            if (mi) { if (better(options.metric, results[i], results[best])) best = i; continue; }
            const bool acc = options.metric == SensitivityMetric::Accuracy;
            const double gi = acc ? gain(i, true) : gain(i, false), gb = acc ? gain(best, true) : gain(best, false);
            if (gi != gb) { if (gi > gb) best = i; continue; }
            if (acc && gain(i, false) > gain(best, false)) best = i;
        }
        // A step is kept only when it improves the measured target: strictly higher SQNR (or
        // accuracy with that metric), or the target met. A tie or a loss ends the search.
        const bool meets = meetsTarget(options, results[best], out.floatAccuracy);
        if (!meets && !improvesOn(results[best], current)) break;
        GreedyStep step;
        step.op = OperatorIndex{study.opOf(moves[best][0])};
        step.name = study.originalName(study.opOf(moves[best][0]));
        step.int16 = study.isWide(moves[best][0]);
        for (size_t id : moves[best]) {
            const size_t o = study.opOf(id);
            step.ops.push_back(OperatorIndex{o});
            step.names.push_back(study.originalName(o));
            keep.push_back(id);
            kept.insert(o);
            last.erase(o);
            last.erase(study.wide(o));
        }
        step.after = results[best];
        step.candidatesMeasured = moves.size();
        step.targetMet = meetsTarget(options, step.after, out.floatAccuracy);
        out.targetMet = step.targetMet;
        current = step.after;
        out.steps.push_back(std::move(step));
        const GreedyStep& done = out.steps.back();
        if (done.targetMet) { // the target met: this list, even if another measured one scores higher
            bestList = keep;
            bestMeasured = done.after;
        }
        if (options.maxFloatLayers && keep.size() >= options.maxFloatLayers) break;
        if (done.targetMet) break;
    }
    out.suggested = bestMeasured;
    for (size_t id : bestList)
        (study.isWide(id) ? out.int16 : out.keepFloat).push_back(study.originalName(study.opOf(id)));
    out.macShareOutsideInt8 = study.totalMacs() ? double(study.macsOf(bestList)) / double(study.totalMacs()) : 0.0;
    out.targetMet = meetsTarget(options, bestMeasured, out.floatAccuracy);
    out.measurements = study.measurements();
    out.seconds = secondsSince(t0);
    return out;
}

} // namespace ql::analysis

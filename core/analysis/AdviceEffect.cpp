#include "analysis/AdviceEffect.h"

#include "analysis/ErrorMetrics.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql::analysis {
namespace {

// The value of "key":"text" or "key":word in the metadata's flat JSON object, empty if absent.
std::string jsonField(std::string_view json, std::string_view key) {
    const std::string k = "\"" + std::string(key) + "\":";
    const size_t at = json.find(k);
    if (at == std::string_view::npos) return {};
    size_t b = at + k.size();
    const bool quoted = b < json.size() && json[b] == '"';
    if (quoted) ++b;
    size_t e = b;
    while (e < json.size() && (quoted ? json[e] != '"' : json[e] != ',' && json[e] != '}'))
        ++e;
    return std::string(json.substr(b, e - b));
}

bool hasInt16Activations(const Model& m) {
    for (const Subgraph& sg : m.subgraphs)
        for (const Tensor& t : sg.tensors)
            if (t.type == TensorType::INT16 && !m.isConstant(t)) return true;
    return false;
}

// Worst-output SQNR of each model against the float outputs on the samples.
class Evaluator {
public:
    Evaluator(std::vector<data::Sample> samples, Target target)
        : m_samples(std::move(samples)), m_target(target) {}

    Result<std::vector<std::vector<float>>> run(std::shared_ptr<const Model> model,
                                                size_t sample) const {
        rt::InterpreterOptions io;
        io.run.target = m_target;
        if (!m_interp || m_model != model) {
            auto created = rt::Interpreter::create(model, io);
            if (!created) return created.error();
            m_interp = std::move(*created);
            m_model = model;
        }
        rt::Interpreter& in = *m_interp;
        in.resetVariables();
        for (size_t k = 0; k < m_samples[sample].tensors.size(); ++k) {
            const data::SampleTensor& t = m_samples[sample].tensors[k];
            if (Status st = in.setInput(k, t.type, t.bytes); !st) return st.error();
        }
        if (Status st = in.invoke(); !st) return st.error();
        std::vector<std::vector<float>> out;
        for (size_t o = 0; o < in.outputCount(); ++o) {
            const rt::RtTensor& t = in.output(o);
            if (t.type != TensorType::FLOAT32)
                return makeError("output " + std::to_string(o) + " is not float");
            out.emplace_back(t.as<float>(), t.as<float>() + t.elementCount());
        }
        return out;
    }

    Status reference(std::shared_ptr<const Model> floatModel) {
        for (size_t i = 0; i < m_samples.size(); ++i) {
            auto r = run(floatModel, i);
            if (!r) return makeError("float model: " + r.message());
            m_ref.push_back(std::move(*r));
        }
        return {};
    }

    Result<double> worstSqnr(std::shared_ptr<const Model> model) const {
        std::vector<ErrorAccumulator> acc;
        for (size_t i = 0; i < m_samples.size(); ++i) {
            auto r = run(model, i);
            if (!r) return makeError("quantized model: " + r.message());
            acc.resize(r->size());
            for (size_t o = 0; o < r->size() && o < m_ref[i].size(); ++o)
                acc[o].add(m_ref[i][o], (*r)[o]);
        }
        double worst = std::numeric_limits<double>::infinity();
        for (const ErrorAccumulator& a : acc)
            worst = std::min(worst, a.result().sqnrDb);
        return worst;
    }

private:
    std::vector<data::Sample> m_samples;
    Target m_target;
    std::vector<std::vector<std::vector<float>>> m_ref;
    mutable std::unique_ptr<rt::Interpreter> m_interp;
    mutable std::shared_ptr<const Model> m_model;
};

} // namespace

std::string AdviceChange::label() const {
    switch (kind) {
    case Kind::Int16:
        return "int16 activations";
    case Kind::KeepFloat:
        return "keep float";
    case Kind::PerChannel:
        return "per-channel weights";
    case Kind::CalibratorFor:
        return calibrator + " range for '" + name + "'";
    }
    return {};
}

std::string_view AdviceChange::kindName() const {
    switch (kind) {
    case Kind::Int16:
        return "int16";
    case Kind::KeepFloat:
        return "keep_float";
    case Kind::PerChannel:
        return "per_channel";
    case Kind::CalibratorFor:
        return "calibrator_for";
    }
    return {};
}

quantize::QuantizeOptions recipeOf(const Model& quantModel) {
    quantize::QuantizeOptions o;
    const auto bytes = quantModel.metadataBytes("quantlab");
    const std::string json(bytes.begin(), bytes.end());
    const std::string mode = jsonField(json, "mode");
    auto parsed = quantize::parseMode(mode);
    o.mode = parsed                            ? *parsed
             : hasInt16Activations(quantModel) ? quantize::Mode::Int16x8
                                               : quantize::Mode::Int8;
    if (o.mode == quantize::Mode::Int8Only) o.mode = quantize::Mode::Int8;
    if (auto c = calib::Calibrator::parse(jsonField(json, "calibrator")); c) o.calibrator = *c;
    o.perTensor = jsonField(json, "perChannel") == "false";
    o.equalize = jsonField(json, "equalize") == "true";
    o.biasCorrection = jsonField(json, "biasCorrection") == "true";
    if (jsonField(json, "rounding") == "gptq") o.rounding = quantize::WeightRounding::Gptq;
    return o;
}

Result<AdviceMeasurement> measureAdvice(std::shared_ptr<const Model> floatModel,
                                        const Model& quantModel, const std::string& calibSpec,
                                        const std::string& evalSpec,
                                        const data::DataOptions& dataOptions,
                                        const std::vector<AdviceChange>& changes, Target target,
                                        const Progress& progress) {
    AdviceMeasurement out;
    out.recipe = recipeOf(quantModel);
    if (!quantize::needsCalibration(out.recipe.mode))
        return makeError("mode " + std::string(quantize::modeName(out.recipe.mode)) +
                         " has no per-tensor choice to measure");
    auto source =
        data::openDataSource(evalSpec, data::ModelInputInfo::fromModel(*floatModel), dataOptions);
    if (!source) return makeError("data: " + source.message());
    std::vector<data::Sample> samples;
    for (size_t i = 0; i < (*source)->size(); ++i) {
        auto s = (*source)->get(i);
        if (!s) return makeError("data sample " + std::to_string(i) + ": " + s.message());
        samples.push_back(std::move(*s));
    }
    Evaluator eval(std::move(samples), target);
    if (Status st = eval.reference(floatModel); !st) return st.error();

    auto measure = [&](const quantize::QuantizeOptions& q) -> Result<double> {
        quantize::QuantizeJobOptions job;
        job.quantize = q;
        job.calibSpec = calibSpec;
        job.data.normalization =
            dataOptions.normalization; // every calibration sample, as the evaluation's pixels
        job.target = target;
        auto r = quantize::runQuantize(floatModel, job);
        if (!r) return r.error();
        return eval.worstSqnr(std::make_shared<const Model>(std::move(r->result.model)));
    };
    auto base = measure(out.recipe);
    if (!base) return makeError("the recipe re-quantized: " + base.message());
    out.baselineSqnrDb = *base;
    for (size_t i = 0; i < changes.size(); ++i) {
        if (progress.cancelled()) return makeError("cancelled");
        progress("measuring advice", double(i) / double(changes.size()));
        const AdviceChange& c = changes[i];
        quantize::QuantizeOptions q = out.recipe;
        switch (c.kind) {
        case AdviceChange::Kind::Int16:
            if (q.mode != quantize::Mode::Int8) continue; // int16x8 has int16 activations already
            q.int16.push_back(c.name);
            break;
        case AdviceChange::Kind::KeepFloat:
            q.keepFloat.push_back(c.name);
            break;
        case AdviceChange::Kind::PerChannel:
            if (!q.perTensor) continue;
            q.perTensor = false;
            break;
        case AdviceChange::Kind::CalibratorFor: {
            auto cal = calib::Calibrator::parse(c.calibrator);
            if (!cal) continue;
            q.calibratorFor.emplace_back(c.name, *cal);
            break;
        }
        }
        auto db = measure(q);
        if (!db) continue; // refused by the quantizer (e.g. a name it does not select)
        out.effects.push_back({c, *db, *db - out.baselineSqnrDb, i});
    }
    progress("measuring advice", 1.0);
    return out;
}

} // namespace ql::analysis

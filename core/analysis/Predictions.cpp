// Per-sample predictions of a float and a quantized model (Predictions.h).
#include "analysis/Predictions.h"

#include "analysis/EvaluateSupport.h"
#include "runtime/Interpreter.h"

#include <algorithm>

namespace ql::analysis {

namespace {

// Channel 0 of an NHWC float image (batch 1) as 8-bit grey, [min, max] -> [0, 255].
void toPixels(const data::SampleTensor& t, SamplePrediction& p) {
    if (t.type != TensorType::FLOAT32 || t.shape.size() != 4) return;
    const int h = t.shape[1], w = t.shape[2], c = std::max(1, t.shape[3]);
    if (h <= 0 || w <= 0 || t.elementCount() != int64_t(h) * w * c) return;
    const float* v = t.as<float>();
    float lo = v[0], hi = v[0];
    for (int64_t i = 0; i < int64_t(h) * w; ++i) {
        lo = std::min(lo, v[i * c]);
        hi = std::max(hi, v[i * c]);
    }
    p.width = w;
    p.height = h;
    p.pixels.assign(size_t(h) * size_t(w), 0);
    if (hi <= lo) return;
    for (int64_t i = 0; i < int64_t(h) * w; ++i)
        p.pixels[size_t(i)] = uint8_t(std::clamp(255.0f * (v[i * c] - lo) / (hi - lo) + 0.5f, 0.0f, 255.0f));
}

} // namespace

int argMax(std::span<const float> scores) {
    if (scores.empty()) return -1;
    size_t best = 0;
    for (size_t i = 1; i < scores.size(); ++i)
        if (scores[i] > scores[best]) best = i; // strict: the first maximum wins
    return int(best);
}

Result<PredictionSummary> comparePredictions(std::shared_ptr<const Model> floatModel,
                                             std::shared_ptr<const Model> quantModel,
                                             const data::DataSource& source, size_t maxMistakes,
                                             const Progress& progress) {
    if (!floatModel || !quantModel) return makeError("comparePredictions: a model is missing");
    const data::ModelInputInfo floatInfo = data::ModelInputInfo::fromModel(*floatModel);
    const data::ModelInputInfo quantInfo = data::ModelInputInfo::fromModel(*quantModel);
    auto fi = rt::Interpreter::create(floatModel);
    if (!fi) return makeError("float model: " + fi.message());
    auto qi = rt::Interpreter::create(quantModel);
    if (!qi) return makeError("quantized model: " + qi.message());
    rt::Interpreter& fInterp = **fi;
    rt::Interpreter& qInterp = **qi;
    if (fInterp.outputCount() == 0 || qInterp.outputCount() == 0) return makeError("a model has no output");

    PredictionSummary out;
    std::vector<float> fScores, qScores;
    std::vector<SamplePrediction> shared; // both models wrong; appended after the lost ones
    const size_t total = source.size();
    for (size_t s = 0; s < total; ++s) {
        if (progress.cancelled()) return makeError("cancelled");
        const std::string where = "sample " + std::to_string(s) + ": ";
        auto sample = source.get(s);
        if (!sample) return makeError(where + sample.message());
        auto forQuant = convertSample(*sample, floatInfo, quantInfo);
        if (!forQuant) return makeError(where + forQuant.message());
        Status st = feed(fInterp, *sample);
        if (st) st = fInterp.invoke();
        if (!st) return makeError(where + "float model: " + st.message());
        st = feed(qInterp, *forQuant);
        if (st) st = qInterp.invoke();
        if (!st) return makeError(where + "quantized model: " + st.message());
        fScores.clear();
        qScores.clear();
        appendOutputValues(fInterp.output(0), fScores);
        appendOutputValues(qInterp.output(0), qScores);
        if (fScores.size() != qScores.size())
            return makeError(where + "output 0 has " + std::to_string(fScores.size()) + " values in the float model, " +
                             std::to_string(qScores.size()) + " in the quantized model");
        SamplePrediction p;
        p.index = s;
        p.floatClass = argMax(fScores);
        p.quantClass = argMax(qScores);
        if (const std::optional<int> l = source.label(s)) p.label = *l;
        ++out.samples;
        if (p.floatClass != p.quantClass) ++out.disagreements;
        if (p.label >= 0) {
            ++out.labelled;
            out.floatCorrect += p.floatClass == p.label ? 1 : 0;
            if (p.quantClass == p.label) {
                ++out.quantCorrect;
            } else {
                ++out.mistakesTotal;
                const bool lost = p.floatClass == p.label;
                out.lostByQuantization += lost ? 1 : 0;
                std::vector<SamplePrediction>& group = lost ? out.mistakes : shared;
                if (group.size() < maxMistakes) {
                    if (!sample->tensors.empty()) toPixels(sample->tensors[0], p);
                    group.push_back(std::move(p));
                }
            }
        }
        progress("predicting", double(s + 1) / double(total));
    }
    for (SamplePrediction& p : shared) {
        if (out.mistakes.size() >= maxMistakes) break;
        out.mistakes.push_back(std::move(p));
    }
    return out;
}

Result<PredictionSummary> comparePredictions(std::shared_ptr<const Model> floatModel,
                                             std::shared_ptr<const Model> quantModel, const std::string& dataSpec,
                                             const data::DataOptions& options, size_t maxMistakes,
                                             const Progress& progress) {
    if (!floatModel) return makeError("comparePredictions: the float model is missing");
    auto source = data::openDataSource(dataSpec, data::ModelInputInfo::fromModel(*floatModel), options);
    if (!source) return makeError(dataSpec + ": " + source.message());
    return comparePredictions(std::move(floatModel), std::move(quantModel), **source, maxMistakes, progress);
}

} // namespace ql::analysis

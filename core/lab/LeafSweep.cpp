#include "lab/LeafSweep.h"

#include "analysis/Sensitivity.h"
#include "lab/SideBySide.h"
#include "quantize/DecisionTree.h"
#include "tflite/ModelWriter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace ql::lab {
namespace {

// The evaluation data and the float model's outputs on it, computed once per sweep.
struct EvalSet {
    std::vector<data::Sample> samples;
    std::vector<std::optional<int>> labels;
    data::ModelInputInfo info;
    std::vector<std::vector<std::vector<float>>> reference;
    bool scores = false; // one output, one row of class scores: top-1 is meaningful
    double floatLatencyMs = 0;
    double floatBytes = 0;
};

int argmax(const std::vector<float>& v) {
    return v.empty() ? -1 : int(std::max_element(v.begin(), v.end()) - v.begin());
}

bool looksLikeScores(const rt::RtTensor& t) {
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < t.shape.size(); ++d)
        rows *= t.shape[d];
    return rows == 1 && !t.shape.empty() && t.shape.back() >= 2;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

data::DataOptions dataOptions(const LeafSweepOptions& o, size_t maxSamples) {
    data::DataOptions d;
    d.maxSamples = maxSamples;
    d.normalization = o.normalization;
    return d;
}

Result<EvalSet> prepareEval(const std::shared_ptr<const Model>& floatModel, const std::string& spec,
                            const LeafSweepOptions& options) {
    EvalSet eval;
    eval.info = data::ModelInputInfo::fromModel(*floatModel);
    auto source =
        data::openDataSource(spec, eval.info, dataOptions(options, options.maxEvalSamples));
    if (!source) return makeError(spec + ": " + source.message());
    for (size_t i = 0; i < (*source)->size(); ++i) {
        auto s = (*source)->get(i);
        if (!s) return makeError(spec + ": " + s.message());
        eval.samples.push_back(std::move(*s));
        eval.labels.push_back((*source)->label(i));
    }
    if (eval.samples.empty()) return makeError(spec + ": no samples");
    auto interp = rt::Interpreter::create(floatModel);
    if (!interp) return makeError("float model: " + interp.message());
    std::vector<double> times;
    for (const auto& s : eval.samples) {
        double ms = 0;
        auto out = runSample(**interp, s, &ms);
        if (!out) return makeError("float model: " + out.message());
        times.push_back(ms);
        eval.reference.push_back(std::move(*out));
    }
    for (size_t r = times.size(); r < options.latencyRuns;
         ++r) { // the same number of timed runs as a leaf
        double ms = 0;
        if (runSample(**interp, eval.samples[0], &ms)) times.push_back(ms);
    }
    eval.floatLatencyMs = median(times);
    eval.scores = (*interp)->outputCount() == 1 && looksLikeScores((*interp)->output(0));
    auto bytes = serializeModel(*floatModel);
    eval.floatBytes = bytes ? double(bytes->size()) : 0.0;
    return eval;
}

// Fills size, SQNR, accuracy and latency of `row` (or its error). False only when cancelled.
bool measureInto(LeafRow& row, const EvalSet& eval, const std::shared_ptr<const Model>& quantModel,
                 size_t bytes, const LeafSweepOptions& options, const Progress& progress) {
    row.samples = eval.samples.size();
    row.floatLatencyMs = eval.floatLatencyMs;
    row.bytes = bytes;
    row.sizeRatio = bytes ? eval.floatBytes / double(bytes) : 0.0;
    auto interp = rt::Interpreter::create(quantModel);
    if (!interp) {
        row.error = interp.message();
        return true;
    }
    const auto quantInfo = data::ModelInputInfo::fromModel(*quantModel);
    double signal = 0, noise = 0;
    size_t correct = 0, floatCorrect = 0, labelled = 0;
    std::vector<double> times;
    for (size_t i = 0; i < eval.samples.size(); ++i) {
        if (progress.cancelled()) return false;
        auto converted = convertSample(eval.samples[i], eval.info, quantInfo);
        if (!converted) {
            row.error = converted.message();
            return true;
        }
        double ms = 0;
        auto out = runSample(**interp, *converted, &ms);
        if (!out) {
            row.error = out.message();
            return true;
        }
        times.push_back(ms);
        const auto& reference = eval.reference[i];
        for (size_t o = 0; o < out->size() && o < reference.size(); ++o) {
            const auto& a = reference[o];
            const auto& b = (*out)[o];
            for (size_t e = 0; e < std::min(a.size(), b.size()); ++e) {
                signal += double(a[e]) * a[e];
                noise += (double(a[e]) - b[e]) * (double(a[e]) - b[e]);
            }
        }
        if (eval.scores && eval.labels[i]) {
            ++labelled;
            correct += argmax((*out)[0]) == *eval.labels[i];
            floatCorrect += argmax(reference[0]) == *eval.labels[i];
        }
    }
    for (size_t r = times.size(); r < options.latencyRuns;
         ++r) { // extra runs on sample 0 for a stable median
        auto converted = convertSample(eval.samples[0], eval.info, quantInfo);
        double ms = 0;
        if (converted && runSample(**interp, *converted, &ms)) times.push_back(ms);
    }
    row.ok = true;
    row.sqnrDb = noise == 0    ? std::numeric_limits<double>::infinity()
                 : signal == 0 ? 0.0
                               : 10.0 * std::log10(signal / noise);
    row.latencyMs = median(times);
    if (labelled) {
        row.accuracy = double(correct) / double(labelled);
        row.floatAccuracy = double(floatCorrect) / double(labelled);
    }
    return true;
}

// Quantizes with `job` and measures the result into `row`. False only when cancelled.
bool quantizeAndMeasure(LeafRow& row, const std::shared_ptr<const Model>& floatModel,
                        const quantize::QuantizeJobOptions& job, const EvalSet& eval,
                        const LeafSweepOptions& options, const Progress& progress, double base,
                        double share) {
    Progress sub;
    sub.cancel = progress.cancel;
    const std::string stage = "leaf " + leafRowName(row);
    sub.report = [&](std::string_view s, double f) {
        progress(stage + ": " + std::string(s), base + share * 0.7 * f);
    };
    const auto t0 = std::chrono::steady_clock::now();
    auto q = quantize::runQuantize(floatModel, job, sub);
    row.quantizeSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!q) {
        if (progress.cancelled()) return false;
        row.error = q.message();
        return true;
    }
    auto bytes = serializeModel(q->result.model);
    if (!bytes) {
        row.error = bytes.message();
        return true;
    }
    progress(stage + ": evaluating", base + share * 0.75);
    auto quantModel = std::make_shared<const Model>(std::move(q->result.model));
    if (!measureInto(row, eval, quantModel, bytes->size(), options, progress)) return false;
    progress(stage + ": done", base + share);
    return true;
}

} // namespace

std::string leafRowName(const LeafRow& row) {
    const std::string mode(quantize::modeName(row.mode));
    const std::string n = std::to_string(row.keepFloat.size());
    switch (row.kind) {
    case LeafKind::Mode:
        return mode;
    case LeafKind::KeepFloat:
        return mode + " + " + n + " kept float";
    case LeafKind::Auto: {
        std::string target = row.targetSqnrDb ? std::to_string(int(std::lround(*row.targetSqnrDb)))
                                              : std::string("?");
        return "auto (" + mode + ", SQNR >= " + target + " dB): " + n + " kept float";
    }
    }
    return mode;
}

Result<LeafRow> measureLeaf(std::shared_ptr<const Model> floatModel,
                            std::shared_ptr<const Model> quantModel, const std::string& evalSpec,
                            const LeafSweepOptions& options, const Progress& progress) {
    progress("running the float model", 0.0);
    auto eval = prepareEval(floatModel, evalSpec, options);
    if (!eval) return makeError(eval.message());
    auto bytes = serializeModel(*quantModel);
    if (!bytes) return makeError(bytes.message());
    progress("running the quantized model", 0.5);
    LeafRow row;
    if (!measureInto(row, *eval, quantModel, bytes->size(), options, progress))
        return makeError("cancelled");
    progress("measured", 1.0);
    return row;
}

Result<std::vector<LeafRow>> sweepLeaves(std::shared_ptr<const Model> floatModel,
                                         const LeafSweepOptions& options,
                                         const Progress& progress) {
    const std::vector<quantize::Mode> modes =
        options.modes.empty() ? quantize::leafModes() : options.modes;
    auto eval = prepareEval(floatModel, options.evalSpec, options);
    if (!eval) return makeError(eval.message());

    const bool autoRow = options.autoTargetSqnrDb.has_value();
    const bool keepRow = !options.keepFloat.empty() || autoRow;
    // progress units: one per mode, two for the sensitivity search, one per extra row
    const double units = double(modes.size()) + (autoRow ? 3.0 : 0.0) + (keepRow ? 1.0 : 0.0);
    quantize::QuantizeJobOptions base;
    base.quantize.calibrator = options.calibrator;
    base.quantize.perTensor = options.perTensor;
    base.data = dataOptions(options, options.maxCalibSamples);

    std::vector<LeafRow> rows;
    for (size_t m = 0; m < modes.size(); ++m) {
        if (progress.cancelled()) return makeError("cancelled");
        LeafRow row;
        row.mode = modes[m];
        quantize::QuantizeJobOptions job = base;
        job.quantize.mode = modes[m];
        if (quantize::needsCalibration(modes[m])) job.calibSpec = options.calibSpec;
        if (!quantizeAndMeasure(row, floatModel, job, *eval, options, progress, double(m) / units,
                                1.0 / units))
            return makeError("cancelled");
        rows.push_back(std::move(row));
    }

    double done = double(modes.size());
    std::vector<std::string> keepList = options.keepFloat;
    std::optional<LeafRow> autoResult;
    if (autoRow) {
        // The greedy search of analysis/Sensitivity.h, measured on the evaluation data.
        LeafRow row;
        row.mode = quantize::Mode::Int8;
        row.kind = LeafKind::Auto;
        row.targetSqnrDb = options.autoTargetSqnrDb;
        analysis::SensitivityOptions so;
        so.quantize.mode = quantize::Mode::Int8;
        so.quantize.calibrator = options.calibrator;
        so.quantize.perTensor = options.perTensor;
        so.targetSqnrDb = options.autoTargetSqnrDb;
        so.maxFloatLayers = options.autoMaxFloatLayers;
        so.int16Moves = false; // the leaf table's "keep float" row: a keep-float list
        const auto info = data::ModelInputInfo::fromModel(*floatModel);
        auto calib = data::openDataSource(options.calibSpec, info,
                                          dataOptions(options, options.maxCalibSamples));
        auto measure = data::openDataSource(options.evalSpec, info,
                                            dataOptions(options, options.maxEvalSamples));
        Progress sub;
        sub.cancel = progress.cancel;
        sub.report = [&](std::string_view s, double f) {
            progress("auto: " + std::string(s), (done + 2.0 * f) / units);
        };
        const auto t0 = std::chrono::steady_clock::now();
        Result<analysis::SensitivityResult> sens = makeError("no data");
        if (!calib)
            sens = makeError(options.calibSpec + ": " + calib.message());
        else if (!measure)
            sens = makeError(options.evalSpec + ": " + measure.message());
        else
            sens = analysis::runSensitivity(floatModel, **calib, **measure, so, sub);
        if (progress.cancelled()) return makeError("cancelled");
        const double searchSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        done += 2.0;
        if (!sens) {
            row.error = sens.message();
        } else {
            row.keepFloat = sens->keepFloat;
            if (keepList.empty())
                for (size_t i = 0;
                     i < sens->layers.size() && keepList.size() < options.rankedKeepFloat; ++i)
                    keepList.push_back(sens->layers[i].name);
            quantize::QuantizeJobOptions job = base;
            job.quantize.mode = quantize::Mode::Int8;
            job.quantize.keepFloat = row.keepFloat;
            job.calibSpec = options.calibSpec;
            if (!quantizeAndMeasure(row, floatModel, job, *eval, options, progress, done / units,
                                    1.0 / units))
                return makeError("cancelled");
        }
        row.quantizeSeconds += searchSeconds;
        done += 1.0;
        autoResult = std::move(row);
    }
    if (!keepList.empty()) {
        LeafRow row;
        row.mode = quantize::Mode::Int8;
        row.kind = LeafKind::KeepFloat;
        row.keepFloat = keepList;
        quantize::QuantizeJobOptions job = base;
        job.quantize.mode = quantize::Mode::Int8;
        job.quantize.keepFloat = keepList;
        job.calibSpec = options.calibSpec;
        if (!quantizeAndMeasure(row, floatModel, job, *eval, options, progress, done / units,
                                1.0 / units))
            return makeError("cancelled");
        rows.push_back(std::move(row));
    }
    if (autoResult) rows.push_back(std::move(*autoResult));
    return rows;
}

} // namespace ql::lab

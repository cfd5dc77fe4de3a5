#include "lab/LeafSweep.h"

#include "lab/SideBySide.h"
#include "quantize/DecisionTree.h"
#include "tflite/ModelWriter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace ql::lab {
namespace {

struct EvalData {
    std::vector<data::Sample> samples;
    std::vector<std::optional<int>> labels;
    data::ModelInputInfo info;
};

int argmax(const std::vector<float>& v) {
    return v.empty() ? -1 : int(std::max_element(v.begin(), v.end()) - v.begin());
}

bool looksLikeScores(const rt::RtTensor& t) {
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < t.shape.size(); ++d) rows *= t.shape[d];
    return rows == 1 && !t.shape.empty() && t.shape.back() >= 2;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

Result<std::vector<LeafRow>> sweepLeaves(std::shared_ptr<const Model> floatModel, const LeafSweepOptions& options,
                                         const Progress& progress) {
    const std::vector<quantize::Mode> modes = options.modes.empty() ? quantize::leafModes() : options.modes;
    EvalData eval;
    eval.info = data::ModelInputInfo::fromModel(*floatModel);
    data::DataOptions evalLimits;
    evalLimits.maxSamples = options.maxEvalSamples;
    auto source = data::openDataSource(options.evalSpec, eval.info, evalLimits);
    if (!source) return makeError(options.evalSpec + ": " + source.message());
    for (size_t i = 0; i < (*source)->size(); ++i) {
        auto s = (*source)->get(i);
        if (!s) return makeError(options.evalSpec + ": " + s.message());
        eval.samples.push_back(std::move(*s));
        eval.labels.push_back((*source)->label(i));
    }
    if (eval.samples.empty()) return makeError(options.evalSpec + ": no samples");

    // Float reference outputs, computed once.
    auto floatInterp = rt::Interpreter::create(floatModel);
    if (!floatInterp) return makeError("float model: " + floatInterp.message());
    std::vector<std::vector<std::vector<float>>> reference;
    for (const auto& s : eval.samples) {
        auto out = runSample(**floatInterp, s);
        if (!out) return makeError("float model: " + out.message());
        reference.push_back(std::move(*out));
    }
    const bool scores = (*floatInterp)->outputCount() == 1 && looksLikeScores((*floatInterp)->output(0));
    auto floatBytes = serializeModel(*floatModel);
    const double floatSize = floatBytes ? double(floatBytes->size()) : 0.0;

    std::vector<LeafRow> rows;
    for (size_t m = 0; m < modes.size(); ++m) {
        if (progress.cancelled()) return makeError("cancelled");
        const double base = double(m) / double(modes.size()), share = 1.0 / double(modes.size());
        LeafRow row;
        row.mode = modes[m];
        row.samples = eval.samples.size();
        quantize::QuantizeJobOptions job;
        job.quantize.mode = modes[m];
        job.quantize.calibrator = options.calibrator;
        job.quantize.perTensor = options.perTensor;
        if (quantize::needsCalibration(modes[m])) job.calibSpec = options.calibSpec;
        job.data.maxSamples = options.maxCalibSamples;
        Progress sub;
        sub.cancel = progress.cancel;
        const std::string stage = "leaf " + std::string(quantize::modeName(modes[m]));
        sub.report = [&](std::string_view s, double f) { progress(stage + ": " + std::string(s), base + share * 0.7 * f); };
        const auto t0 = std::chrono::steady_clock::now();
        auto q = quantize::runQuantize(floatModel, job, sub);
        row.quantizeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!q) {
            if (progress.cancelled()) return makeError("cancelled");
            row.error = q.message();
            rows.push_back(std::move(row));
            continue;
        }
        auto bytes = serializeModel(q->result.model);
        if (!bytes) {
            row.error = bytes.message();
            rows.push_back(std::move(row));
            continue;
        }
        row.bytes = bytes->size();
        row.sizeRatio = row.bytes ? floatSize / double(row.bytes) : 0.0;
        auto quantModel = std::make_shared<const Model>(std::move(q->result.model));
        auto interp = rt::Interpreter::create(quantModel);
        if (!interp) {
            row.error = interp.message();
            rows.push_back(std::move(row));
            continue;
        }
        progress(stage + ": evaluating", base + share * 0.75);
        const auto quantInfo = data::ModelInputInfo::fromModel(*quantModel);
        double signal = 0, noise = 0;
        size_t correct = 0, floatCorrect = 0, labelled = 0;
        std::vector<double> times;
        for (size_t i = 0; i < eval.samples.size() && row.error.empty(); ++i) {
            if (progress.cancelled()) return makeError("cancelled");
            auto converted = convertSample(eval.samples[i], eval.info, quantInfo);
            if (!converted) { row.error = converted.message(); break; }
            double ms = 0;
            auto out = runSample(**interp, *converted, &ms);
            if (!out) { row.error = out.message(); break; }
            times.push_back(ms);
            for (size_t o = 0; o < out->size() && o < reference[i].size(); ++o) {
                const auto& a = reference[i][o];
                const auto& b = (*out)[o];
                for (size_t e = 0; e < std::min(a.size(), b.size()); ++e) {
                    signal += double(a[e]) * a[e];
                    noise += (double(a[e]) - b[e]) * (double(a[e]) - b[e]);
                }
            }
            if (scores && eval.labels[i]) {
                ++labelled;
                correct += argmax((*out)[0]) == *eval.labels[i];
                floatCorrect += argmax(reference[i][0]) == *eval.labels[i];
            }
        }
        if (row.error.empty()) {
            for (size_t r = times.size(); r < options.latencyRuns; ++r) { // extra runs on sample 0 for a stable median
                auto converted = convertSample(eval.samples[0], eval.info, quantInfo);
                double ms = 0;
                if (converted && runSample(**interp, *converted, &ms)) times.push_back(ms);
            }
            row.ok = true;
            row.sqnrDb = noise == 0 ? std::numeric_limits<double>::infinity() : signal == 0 ? 0.0 : 10.0 * std::log10(signal / noise);
            row.latencyMs = median(times);
            if (labelled) {
                row.accuracy = double(correct) / double(labelled);
                row.floatAccuracy = double(floatCorrect) / double(labelled);
            }
        }
        rows.push_back(std::move(row));
        progress(stage + ": done", base + share);
    }
    return rows;
}

} // namespace ql::lab

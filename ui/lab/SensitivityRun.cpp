#include "lab/SensitivityRun.h"

#include "analysis/Compare.h"
#include "data/DataSource.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

namespace ql::ui {

OperatorIndex floatOperatorFor(const Model& model, const std::string& name, const std::string& type, OperatorIndex hint) {
    if (model.subgraphs.empty()) return {};
    const Subgraph& sg = model.subgraphs[0];
    std::vector<size_t> hits;
    for (size_t o = 0; o < sg.operators.size(); ++o) {
        const Operator& op = sg.operators[o];
        if (op.typeName() != type) continue;
        for (TensorIndex t : op.outputs)
            if (t.valid() && sg.tensor(t).name == name) {
                hits.push_back(o);
                break;
            }
    }
    if (hits.empty()) return {};
    if (hits.size() > 1 && hint.valid())
        for (size_t o : hits) // core's index counts from the folded model: at or after its own
            if (o >= hint.index()) return OperatorIndex{o};
    return OperatorIndex{hits.front()};
}

std::shared_ptr<const SensitivityRun> runSensitivityJob(const SensitivityRequest& request, const Progress& progress) {
    auto run = std::make_shared<SensitivityRun>();
    run->request = request;
    auto fail = [&](std::string message) {
        run->error = std::move(message);
        return std::shared_ptr<const SensitivityRun>(run);
    };
    if (!request.model) return fail("no float model");
    const auto info = data::ModelInputInfo::fromModel(*request.model);
    data::DataOptions measureOptions;
    measureOptions.maxSamples = request.measureSamples;
    measureOptions.normalization = request.normalization;
    data::DataOptions calibOptions;
    calibOptions.normalization = request.normalization;
    auto measure = data::openDataSource(request.measureSpec, info, measureOptions);
    if (!measure) return fail("measurement data " + request.measureSpec + ": " + measure.message());
    // Dynamic range needs no calibration: the measurement data stands in (unused).
    auto calib = data::openDataSource(request.calibSpec.empty() ? request.measureSpec : request.calibSpec, info,
                                      request.calibSpec.empty() ? measureOptions : calibOptions);
    if (!calib) return fail("calibration data " + request.calibSpec + ": " + calib.message());
    Result<analysis::SensitivityResult> r = makeError("not run");
    try { // the engine reports errors as values; anything thrown (bad_alloc) must not lose the job
        r = analysis::runSensitivity(request.model, **calib, **measure, request.options, progress);
    } catch (const std::exception& e) {
        return fail(std::string("internal error: ") + e.what());
    }
    if (!r) return fail(r.message());
    run->result = std::move(*r);
    for (const auto& l : run->result.layers) {
        run->floatOps.push_back(floatOperatorFor(*request.model, l.name, l.type, l.op));
        int step = 0;
        for (size_t k = 0; k < run->result.steps.size() && !step; ++k)
            for (OperatorIndex op : run->result.steps[k].ops)
                if (op == l.op) step = int(k + 1);
        run->greedyStep.push_back(step);
    }
    return run;
}

std::shared_ptr<const OutputMeasurement> measureOutputSqnr(std::shared_ptr<const Model> floatModel,
                                                           std::shared_ptr<const Model> quantModel,
                                                           const std::string& spec, size_t samples,
                                                           const Progress& progress) {
    auto out = std::make_shared<OutputMeasurement>();
    analysis::CompareOptions o;
    o.data.maxSamples = samples;
    o.perLayer = false;      // the graph outputs are all this needs
    o.histogramValues = 256; // histograms are not shown here
    Result<analysis::CompareResult> r = makeError("not run");
    try {
        r = analysis::compareModels(std::move(floatModel), std::move(quantModel), spec, o, progress);
    } catch (const std::exception& e) {
        out->error = std::string("internal error: ") + e.what();
        return out;
    }
    if (!r) {
        out->error = r.message();
        return out;
    }
    // Worst graph output, pooled over the samples: the ranking's metric.
    double worst = std::numeric_limits<double>::infinity();
    for (int k : r->outputs) {
        if (k < 0) {
            out->error = "a graph output of the quantized model has no float counterpart";
            return out;
        }
        worst = std::min(worst, r->tensors[size_t(k)].accumulated.sqnrDb);
    }
    out->sqnrDb = worst;
    out->samples = r->samples;
    return out;
}

} // namespace ql::ui

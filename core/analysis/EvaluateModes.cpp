// All modes side by side (Evaluate.h): one calibration pass, one quantizer run per mode, every
// result evaluated against the float model on the same samples.
#include "analysis/Evaluate.h"

#include "analysis/EvaluateSupport.h"
#include "calib/Calibrate.h"
#include "quantize/GraphCleanup.h"
#include "quantize/GraphEdit.h"
#include "quantize/LstmRules.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"

#include <chrono>

namespace ql::analysis {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Progress of step `index` of `steps`, each step's own fraction scaled into its share.
Progress subProgress(const Progress& outer, size_t index, size_t steps) {
    Progress p;
    p.cancel = outer.cancel;
    p.report = [&outer, index, steps](std::string_view stage, double f) {
        outer(stage, (double(index) + f) / double(steps));
    };
    return p;
}

} // namespace

Result<AllModesResult> evaluateAllModes(std::shared_ptr<const Model> floatModel, const AllModesOptions& opts,
                                        const Progress& progress) {
    if (!floatModel || floatModel->subgraphs.empty()) return makeError("the model has no subgraph");
    AllModesResult out;
    out.target = opts.eval.target;
    // The float model as the quantizer sees it (float16 / sparse weights behind constant
    // DEQUANTIZE / DENSIFY ops folded into float32 constants, standalone RELUs fused,
    // GraphCleanup.h): calibration and every integer mode start from it.
    auto folded = std::make_shared<const Model>(quantize::prepareFloatModel(*floatModel));
    const data::ModelInputInfo floatInfo = data::ModelInputInfo::fromModel(*floatModel);

    // Evaluation samples are read once, for the float model (Evaluate.h: same real values).
    auto evalSource = data::openDataSource(opts.eval.dataSpec, floatInfo, opts.eval.data);
    if (!evalSource) return makeError(opts.eval.dataSpec + ": " + evalSource.message());
    if ((*evalSource)->size() == 0) return makeError(opts.eval.dataSpec + ": no samples");

    // Steps for progress: calibration (if any integer mode), then quantize + evaluate per mode.
    bool anyInteger = false;
    for (quantize::Mode m : opts.modes) anyInteger = anyInteger || quantize::needsCalibration(m);
    const size_t steps = opts.modes.size() + (anyInteger ? 1 : 0);
    size_t step = 0;

    std::shared_ptr<const calib::CalibrationStats> stats;
    if (anyInteger) {
        const auto t0 = Clock::now();
        if (opts.calibSpec.empty()) {
            out.calibrationError = "no calibration data (--calib SRC)";
        } else {
            auto source = data::openDataSource(opts.calibSpec, data::ModelInputInfo::fromModel(*folded), opts.calibData);
            if (!source) return makeError(opts.calibSpec + ": " + source.message());
            if ((*source)->size() == 0) return makeError(opts.calibSpec + ": no samples");
            // LSTMs expose their cell state and gate ranges through calibration outputs.
            const std::shared_ptr<const Model> calibrationModel = quantize::withLstmCalibrationOutputs(folded);
            auto interp = rt::Interpreter::create(calibrationModel);
            if (!interp) {
                out.calibrationError = "calibration: " + interp.message();
            } else {
                calib::CalibrationCollector collector(calibrationModel);
                const Progress p = subProgress(progress, step, steps);
                Status st = calib::calibrate(**interp, **source, collector,
                                             [&](size_t done, size_t n) { p("calibrating", n ? double(done) / double(n) : 1.0); },
                                             progress.cancel);
                if (progress.cancelled()) return makeError("cancelled");
                if (!st) out.calibrationError = "calibration: " + st.message();
                else stats = collector.snapshot();
            }
        }
        if (stats) out.calibrationSamples = stats->samples;
        out.calibrationSeconds = secondsSince(t0);
        ++step;
    }

    ReferenceOutputs referenceOutputs; // the float model's outputs, computed by the first row
    for (quantize::Mode mode : opts.modes) {
        if (progress.cancelled()) return makeError("cancelled");
        const Progress p = subProgress(progress, step++, steps);
        ModeRow row;
        row.mode = mode;
        std::shared_ptr<const Model> candidate;
        if (mode == quantize::Mode::None) {
            candidate = floatModel;
        } else if (quantize::needsCalibration(mode) && !stats) {
            row.error = out.calibrationError;
        } else {
            p("quantizing " + std::string(quantize::modeName(mode)), 0.0);
            quantize::QuantizeOptions qo = opts.base;
            qo.mode = mode;
            const auto t0 = Clock::now();
            auto q = quantize::quantizeModel(*folded, quantize::needsCalibration(mode) ? stats.get() : nullptr, qo);
            row.quantizeSeconds = secondsSince(t0);
            if (!q) {
                row.error = q.message();
            } else {
                Model m = std::move(q->model);
                m.sourcePath.clear();
                m.sourceBytes = 0;
                quantize::setMetadata(m, "quantlab", quantize::quantizationMetadataJson(qo, stats ? stats->samples : 0));
                row.floatOps = q->report.floatOps.size();
                candidate = std::make_shared<const Model>(std::move(m));
            }
        }
        if (candidate) {
            EvalOptions eo = opts.eval;
            eo.reference = floatModel;
            const std::string stage = "evaluating " + std::string(quantize::modeName(mode));
            Progress ep;
            ep.cancel = progress.cancel;
            ep.report = [&p, &stage](std::string_view, double f) { p(stage, f); };
            auto r = evaluateOnSourceWith(candidate, **evalSource, floatInfo, eo, ep, &referenceOutputs);
            if (progress.cancelled()) return makeError("cancelled");
            if (!r) {
                row.error = r.message();
            } else {
                row.ok = true;
                row.eval = std::move(r.value());
            }
        }
        out.rows.push_back(std::move(row));
    }
    progress("done", 1.0);
    return out;
}

} // namespace ql::analysis

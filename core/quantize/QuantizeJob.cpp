#include "quantize/QuantizeJob.h"

#include "calib/Calibrate.h"
#include "quantize/BiasCorrection.h"
#include "quantize/Equalization.h"
#include "quantize/GptqRounding.h"
#include "quantize/GraphCleanup.h"
#include "quantize/GraphEdit.h"
#include "quantize/LstmRules.h"
#include "quantize/OptionChecks.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelWriter.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#ifndef QUANTLAB_VERSION
#define QUANTLAB_VERSION "0"
#endif

namespace ql::quantize {

std::string quantizationMetadataJson(const QuantizeOptions& o, size_t samples) {
    std::string s = "{\"mode\":\"" + std::string(modeName(o.mode)) + "\"";
    if (needsCalibration(o.mode)) {
        s += ",\"calibrator\":\"" + o.calibrator.name() + "\",\"samples\":" + std::to_string(samples);
        s += ",\"perChannel\":" + std::string(o.perTensor ? "false" : "true");
    }
    if (o.equalize) s += ",\"equalize\":true";
    if (o.biasCorrection) s += ",\"biasCorrection\":true";
    if (o.rounding == WeightRounding::Gptq) s += ",\"rounding\":\"gptq\"";
    s += ",\"version\":\"" QUANTLAB_VERSION "\"}";
    return s;
}

ConversionInfo conversionMetadataFor(const Model& source, const QuantizeOptions& o) {
    ConversionInfo info;
    if (auto decoded = decodeConversionMetadata(source); decoded && decoded->ok()) info = decoded->value();
    info.tensorflowVersion.clear();
    const char* mode = nullptr;
    switch (o.mode) {
    case Mode::None: break;
    case Mode::Float16: mode = "PTQ_FLOAT16"; break;
    case Mode::Dynamic: mode = "PTQ_DYNAMIC_RANGE"; break;
    case Mode::Int8:
    case Mode::Int8Only: mode = "PTQ_FULL_INTEGER"; break;
    case Mode::Int16x8: mode = "PTQ_INT16"; break;
    }
    if (mode && std::find(info.optimizationModes.begin(), info.optimizationModes.end(), mode) == info.optimizationModes.end())
        info.optimizationModes.push_back(mode);
    return info;
}

Result<QuantizeJobResult> runQuantize(std::shared_ptr<const Model> model, const QuantizeJobOptions& options,
                                      const Progress& progress) {
    using Clock = std::chrono::steady_clock;
    QuantizeJobResult out;
    if (Status st = checkOptions(*model, options.quantize); !st) return st.error(); // before calibrating
    if (options.quantize.mode == Mode::None) { // a copy, byte for byte the same graph
        out.result.model = *model;
        out.result.model.sourcePath.clear();
        return out;
    }
    if (options.quantize.biasCorrection && !needsCalibration(options.quantize.mode))
        return makeError("--bias-correction: needs an integer mode (int8, int8-only, int16x8), not " +
                         std::string(modeName(options.quantize.mode)));
    const bool gptq = options.quantize.rounding == WeightRounding::Gptq;
    if (gptq && options.quantize.mode != Mode::Dynamic && !needsCalibration(options.quantize.mode))
        return makeError("--rounding gptq: needs integer weights (modes dynamic, int8, int8-only, int16x8), not " +
                         std::string(modeName(options.quantize.mode)));
    if (gptq && options.calibSpec.empty())
        return makeError("--rounding gptq: needs calibration data (--calib): the layers' inputs choose the rounding");
    std::vector<size_t> origins;
    auto folded = std::make_shared<Model>(prepareFloatModel(*model, &origins));
    EqualizationReport equalization;
    if (options.quantize.equalize) equalization = equalizeCrossLayer(*folded);
    const calib::CalibrationStats* stats = nullptr;
    std::unique_ptr<data::DataSource> calibSource;
    if (needsCalibration(options.quantize.mode)) {
        if (options.calibSpec.empty())
            return makeError("--calib: mode " + std::string(modeName(options.quantize.mode)) + " needs calibration data");
        const auto t0 = Clock::now();
        auto source = data::openDataSource(options.calibSpec, data::ModelInputInfo::fromModel(*folded), options.data);
        if (!source) return makeError(options.calibSpec + ": " + source.message());
        if ((*source)->size() == 0) return makeError(options.calibSpec + ": no samples");
        // LSTMs expose their cell state and gate ranges through calibration outputs.
        const std::shared_ptr<const Model> calibrationModel = withLstmCalibrationOutputs(folded);
        auto interp = rt::Interpreter::create(calibrationModel);
        if (!interp) return makeError("calibration: " + interp.message());
        calib::CalibrationCollector collector(calibrationModel);
        const size_t total = (*source)->size();
        calib::CalibrateOptions calibrateOptions;
        calibrateOptions.skipNonFinite = options.skipNonFinite;
        Status st = calib::calibrate(**interp, **source, collector,
                                     [&](size_t done, size_t n) { progress("calibrating", n ? double(done) / double(n) : 1.0); },
                                     progress.cancel, calibrateOptions);
        if (!st) return makeError(st.message());
        (void)total;
        out.stats = collector.snapshot();
        if (out.stats->samples == 0)
            return makeError(options.calibSpec + ": every sample holds NaN/inf values (" +
                             std::to_string(out.stats->skippedNonFinite) + " skipped): nothing to calibrate on");
        stats = out.stats.get();
        out.calibrationSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        calibSource = std::move(*source);
    }
    if (gptq && !calibSource) { // dynamic range: no calibration, but GPTQ reads the layers' inputs
        auto source = data::openDataSource(options.calibSpec, data::ModelInputInfo::fromModel(*folded), options.data);
        if (!source) return makeError(options.calibSpec + ": " + source.message());
        if ((*source)->size() == 0) return makeError(options.calibSpec + ": no samples");
        calibSource = std::move(*source);
    }
    if (progress.cancelled()) return makeError("cancelled");
    progress("quantizing", 0.0);
    const auto t1 = Clock::now();
    QuantizeOptions quantizeOptions = options.quantize;
    if (quantizeOptions.operatorNumbers.empty()) quantizeOptions.operatorNumbers = origins; // messages number ops as the file
    auto r = quantizeModel(*folded, stats, quantizeOptions);
    if (!r) return r.error();
    out.result = std::move(r.value());
    out.result.report.equalizedPairs = equalization.pairs;
    out.result.report.equalizationSkipped = equalization.skippedRelu6;
    if (gptq) { // before bias correction, which then measures the final weights
        if (progress.cancelled()) return makeError("cancelled");
        auto rounded = roundWeightsGptq(folded, out.result.model, *calibSource, progress);
        if (!rounded) return makeError(rounded.message());
        for (RoundedLayer& l : rounded->layers) {
            if (l.op < origins.size()) l.op = origins[l.op]; // numbered as the input file
            out.result.report.rounded.push_back(std::move(l));
        }
        for (const auto& [op, why] : rounded->skipped)
            out.result.report.roundingSkipped.push_back("#" + std::to_string(op < origins.size() ? origins[op] : op) + " " + why);
    }
    if (options.quantize.biasCorrection) {
        if (progress.cancelled()) return makeError("cancelled");
        auto bc = correctBias(folded, out.result.model, *calibSource, progress, options.target);
        if (!bc) return makeError(bc.message());
        out.result.report.biasCorrectedOps = bc->ops;
        out.result.report.biasCorrectedChannels = bc->channels;
        out.result.report.biasMeanAbsShift = bc->meanAbsShift;
        removeUnused(out.result.model); // the replaced bias buffers
    }
    out.quantizeSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
    out.result.model.sourcePath.clear();
    if (options.quantize.mode != Mode::None) {
        setMetadata(out.result.model, "quantlab", quantizationMetadataJson(options.quantize, stats ? stats->samples : 0));
        auto conversion = encodeConversionMetadata(conversionMetadataFor(*model, options.quantize));
        if (!conversion) return makeError(conversion.message());
        setMetadata(out.result.model, "CONVERSION_METADATA", std::string(conversion->begin(), conversion->end()));
    }
    progress("quantizing", 1.0);
    return out;
}

Status writeQuantized(const Model& model, const std::string& outPath, const std::string& inputPath,
                      const Progress& progress) {
    std::error_code ec;
    if (!inputPath.empty() && std::filesystem::exists(outPath, ec) && std::filesystem::equivalent(outPath, inputPath, ec))
        return makeError(outPath + ": the output would replace the input model");
    if (progress.cancelled()) return makeError("cancelled");
    return writeModelFile(model, outPath, {}, inputPath.empty() ? std::vector<std::string>{} : std::vector<std::string>{inputPath});
}

} // namespace ql::quantize

#include "quantize/QuantizeJob.h"

#include "calib/Calibrate.h"
#include "quantize/GraphEdit.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelWriter.h"

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
    s += ",\"version\":\"" QUANTLAB_VERSION "\"}";
    return s;
}

Result<QuantizeJobResult> runQuantize(std::shared_ptr<const Model> model, const QuantizeJobOptions& options,
                                      const Progress& progress) {
    using Clock = std::chrono::steady_clock;
    QuantizeJobResult out;
    if (options.quantize.mode == Mode::None) { // a copy, byte for byte the same graph
        out.result.model = *model;
        out.result.model.sourcePath.clear();
        return out;
    }
    auto folded = std::make_shared<Model>(foldConstantDequantize(*model));
    const calib::CalibrationStats* stats = nullptr;
    if (needsCalibration(options.quantize.mode)) {
        if (options.calibSpec.empty())
            return makeError("--calib: mode " + std::string(modeName(options.quantize.mode)) + " needs calibration data");
        const auto t0 = Clock::now();
        auto source = data::openDataSource(options.calibSpec, data::ModelInputInfo::fromModel(*folded), options.data);
        if (!source) return makeError(options.calibSpec + ": " + source.message());
        if ((*source)->size() == 0) return makeError(options.calibSpec + ": no samples");
        auto interp = rt::Interpreter::create(folded);
        if (!interp) return makeError("calibration: " + interp.message());
        calib::CalibrationCollector collector(folded);
        const size_t total = (*source)->size();
        Status st = calib::calibrate(**interp, **source, collector,
                                     [&](size_t done, size_t n) { progress("calibrating", n ? double(done) / double(n) : 1.0); },
                                     progress.cancel);
        if (!st) return makeError(st.message());
        (void)total;
        out.stats = collector.snapshot();
        stats = out.stats.get();
        out.calibrationSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    if (progress.cancelled()) return makeError("cancelled");
    progress("quantizing", 0.0);
    const auto t1 = Clock::now();
    auto r = quantizeModel(*folded, stats, options.quantize);
    if (!r) return r.error();
    out.result = std::move(r.value());
    out.quantizeSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
    out.result.model.sourcePath.clear();
    if (options.quantize.mode != Mode::None)
        setMetadata(out.result.model, "quantlab", quantizationMetadataJson(options.quantize, stats ? stats->samples : 0));
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

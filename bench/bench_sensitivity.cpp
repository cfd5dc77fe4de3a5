// Sensitivity benchmark (target: a 30-layer model in <= 2 minutes on 2 cores).
//   bench_sensitivity [MODEL] [--calib N] [--samples N] [--threads T] [--target-sqnr DB]
//                     [--greedy-width N] [--max-float N]
// Default: QUANTLAB_SHARED_DIR/models/face_detection_short_range.tflite (37 CONV_2D / DEPTHWISE_CONV_2D,
// 72 candidate operators with ADD, RELU and CONCATENATION), int8, 64 random calibration
// samples (seed 1), 32 random measurement samples (seed 2), 2 threads, target 30 dB, the
// library's greedy defaults (8 candidates per step, at most 10 float layers). Without
// ../shared a synthetic 30-operator model (model/SyntheticModel.h) stands in.
// Prints wall and CPU time, the number of quantized models measured and the top 5.
#include "analysis/ErrorMetrics.h"
#include "analysis/Sensitivity.h"
#include "data/DataSource.h"
#include "model/SyntheticModel.h"
#include "tflite/ModelReader.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cstring>
#include <filesystem>
#include <string>

using namespace ql;

int main(int argc, char** argv) {
    std::string path = QUANTLAB_SHARED_DIR "/models/face_detection_short_range.tflite";
    size_t calibSamples = 64, samples = 32, width = 8, maxFloat = 10;
    int threads = 2;
    double target = 30.0;
    for (int i = 1; i < argc; ++i) {
        auto next = [&] { return i + 1 < argc ? argv[++i] : "0"; };
        if (!std::strcmp(argv[i], "--calib")) calibSamples = size_t(std::atol(next()));
        else if (!std::strcmp(argv[i], "--samples")) samples = size_t(std::atol(next()));
        else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(next());
        else if (!std::strcmp(argv[i], "--target-sqnr")) target = std::atof(next());
        else if (!std::strcmp(argv[i], "--greedy-width")) width = size_t(std::atol(next()));
        else if (!std::strcmp(argv[i], "--max-float")) maxFloat = size_t(std::atol(next()));
        else path = argv[i];
    }
    std::shared_ptr<const Model> model;
    if (std::filesystem::exists(path)) {
        auto m = readModelFile(path);
        if (!m) { std::fprintf(stderr, "%s\n", m.message().c_str()); return 1; }
        model = *m;
    } else {
        std::printf("%s absent: synthetic 30-operator model\n", path.c_str());
        path = "synthetic(30)";
        model = std::make_shared<const Model>(makeSyntheticModel(30));
    }
    const auto info = data::ModelInputInfo::fromModel(*model);
    auto calib = data::openDataSource("random:" + std::to_string(calibSamples) + ":1", info);
    auto data = data::openDataSource("random:" + std::to_string(samples) + ":2", info);
    if (!calib || !data) { std::fprintf(stderr, "data: %s\n", (calib ? data.message() : calib.message()).c_str()); return 1; }

    analysis::SensitivityOptions o;
    o.targetSqnrDb = target;
    o.threads = threads;
    o.greedyWidth = width;
    o.maxFloatLayers = maxFloat;
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    auto r = analysis::runSensitivity(model, **calib, **data, o);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC; // all threads of the process
    if (!r) { std::fprintf(stderr, "sensitivity: %s\n", r.message().c_str()); return 1; }

    std::printf("model %s, int8 minmax, %zu quantizable layers, %zu calibration + %zu measurement samples, %d threads\n",
                path.c_str(), r->layers.size(), r->calibrationSamples, r->samples, threads);
    std::printf("wall %.2f s, cpu %.2f s (calibration %.2f s, float reference %.2f s, %zu quantized models measured)\n",
                wall, cpu, r->calibrationSeconds, r->referenceSeconds, r->measurements);
    std::printf("all quantized: %s\n", analysis::formatDb(r->allQuantized.sqnrDb).c_str());
    std::printf("top 5 (a) only this quantized / (b) all but this quantized:\n");
    for (size_t i = 0; i < r->layers.size() && i < 5; ++i) {
        const auto& l = r->layers[i];
        std::printf("  %zu. #%zu %-18s %10s %10s  %s\n", i + 1, l.op.index(), l.type.c_str(),
                    analysis::formatDb(l.onlyThis.sqnrDb).c_str(), analysis::formatDb(l.allButThis.sqnrDb).c_str(),
                    l.name.c_str());
    }
    std::printf("greedy (target %.1f dB): %zu steps, target %s\n", target, r->steps.size(), r->targetMet ? "met" : "not met");
    for (const auto& s : r->steps) {
        std::string what;
        for (size_t i = 0; i < s.ops.size(); ++i) what += (i ? ", #" : "#") + std::to_string(s.ops[i].index()) + " " + s.names[i];
        std::printf("  keep %s -> %s (%zu moves measured)\n", what.c_str(), analysis::formatDb(s.after.sqnrDb).c_str(),
                    s.candidatesMeasured);
    }
    // Wall time depends on what else runs; CPU time / threads is the time on idle cores.
    std::printf("%s (wall); cpu / threads = %.1f s\n", wall <= 120.0 ? "PASS: <= 2 minutes" : "FAIL: over 2 minutes",
                cpu / double(threads));
    return 0;
}

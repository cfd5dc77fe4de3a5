// Compare benchmark: float vs int8 of a model (default hand_landmark_lite) on N random
// samples, both views (accumulated + per layer), against one float inference per sample.
//   bench_compare [MODEL] [--samples N] [--threads T]   (N 32, T 1)
// The int8 model is made by our quantizer (minmax, 16 random calibration samples; not timed).
// Target: compare time per sample <= 10x the median float inference.
#include "analysis/Compare.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

using namespace ql;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// Process CPU seconds: on a shared machine wall time includes waiting for a core; with one
// interpreter thread the CPU time is the work itself.
double cpuSeconds() { return double(std::clock()) / CLOCKS_PER_SEC; }

struct Timing {
    double wall = 0, cpu = 0;
};

// Median seconds (wall and CPU) of one inference on a random input.
Timing medianInference(std::shared_ptr<const Model> model, int threads, int runs, std::string* err) {
    rt::InterpreterOptions o;
    o.run.threads = threads;
    auto interp = rt::Interpreter::create(model, o);
    if (!interp) { *err = interp.message(); return {}; }
    auto source = data::openDataSource("random:1:9", data::ModelInputInfo::fromModel(*model));
    if (!source) { *err = source.message(); return {}; }
    auto sample = (*source)->get(0);
    if (!sample) { *err = sample.message(); return {}; }
    for (size_t i = 0; i < sample->tensors.size(); ++i) (*interp)->setInput(i, sample->tensors[i].type, sample->tensors[i].bytes);
    std::vector<double> wall, cpu;
    for (int r = 0; r < runs + 1; ++r) {
        const auto t0 = Clock::now();
        const double c0 = cpuSeconds();
        if (Status s = (*interp)->invoke(); !s) { *err = s.message(); return {}; }
        if (r) wall.push_back(secondsSince(t0)), cpu.push_back(cpuSeconds() - c0); // first run warms up
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

} // namespace

int main(int argc, char** argv) {
    std::string path = QUANTLAB_SHARED_DIR "/models/hand_landmark_lite.tflite";
    size_t samples = 32;
    int threads = 1;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--samples") && i + 1 < argc) samples = size_t(std::atol(argv[++i]));
        else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
        else path = argv[i];
    }
    auto model = readModelFile(path);
    if (!model) {
        std::fprintf(stderr, "bench_compare: %s\n", model.message().c_str());
        return 1;
    }
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.calibSpec = "random:16:1";
    const auto tq = Clock::now();
    auto q = quantize::runQuantize(*model, job);
    if (!q) {
        std::fprintf(stderr, "bench_compare: quantize: %s\n", q.message().c_str());
        return 1;
    }
    std::printf("model %s: %zu ops; int8 by our quantizer in %.2f s (%zu ops)\n", path.c_str(),
                (*model)->subgraphs[0].operators.size(), secondsSince(tq), q->result.model.subgraphs[0].operators.size());
    auto quantModel = std::make_shared<const Model>(std::move(q->result.model));

    std::string err;
    const Timing fl = medianInference(*model, threads, 10, &err);
    if (!err.empty()) {
        std::fprintf(stderr, "bench_compare: float inference: %s\n", err.c_str());
        return 1;
    }
    const Timing i8 = medianInference(quantModel, threads, 10, &err);
    const double floatMs = fl.wall * 1e3, floatCpuMs = fl.cpu * 1e3;
    std::printf("one inference (median of 10, %d thread%s): float %.2f ms (CPU %.2f ms), int8 %.2f ms (CPU %.2f ms)\n", threads,
                threads > 1 ? "s" : "", floatMs, floatCpuMs, i8.wall * 1e3, i8.cpu * 1e3);

    for (bool perLayer : {true, false}) {
        analysis::CompareOptions opts;
        opts.data.maxSamples = samples;
        opts.threads = threads;
        opts.perLayer = perLayer;
        const auto t0 = Clock::now();
        const double c0 = cpuSeconds();
        auto r = analysis::compareModels(*model, quantModel, "random:" + std::to_string(samples) + ":2", opts);
        const double total = secondsSince(t0), cpu = cpuSeconds() - c0;
        if (!r) {
            std::fprintf(stderr, "bench_compare: compare: %s\n", r.message().c_str());
            return 1;
        }
        const double perSampleMs = total * 1e3 / double(r->samples);
        const double perSampleCpuMs = cpu * 1e3 / double(r->samples);
        std::printf("\ncompare, %s: %zu samples in %.2f s = %.2f ms/sample = %.2fx one float inference%s\n",
                    perLayer ? "both views" : "accumulated only", r->samples, total, perSampleMs, perSampleMs / floatMs,
                    perLayer ? " (target <= 10x)" : "");
        std::printf("  CPU: %.2f s = %.2f ms/sample = %.2fx one float inference's CPU time\n", cpu, perSampleCpuMs,
                    perSampleCpuMs / floatCpuMs);
        std::printf("  float runs %.2f s, quantized runs %.2f s, matching+metrics+histograms %.2f s\n", r->floatSeconds,
                    r->quantSeconds, total - r->floatSeconds - r->quantSeconds);
        std::printf("  matched %zu operators, %zu tensors; unmatched: %zu quantized, %zu float\n", r->matching.operators.size(),
                    r->tensors.size(), r->matching.unmatchedQuant.size(), r->matching.unmatchedFloat.size());
        if (!perLayer) break;
        for (size_t k = 0; k < r->outputs.size(); ++k)
            if (r->outputs[k] >= 0)
                std::printf("  output %zu %-28s SQNR %s\n", k, r->tensors[size_t(r->outputs[k])].name.c_str(),
                            analysis::formatDb(r->tensors[size_t(r->outputs[k])].accumulated.sqnrDb).c_str());
        std::printf("  worst layers (per-layer SQNR / accumulated):\n");
        for (size_t i : analysis::worstLayers(*r, 5)) {
            const auto& l = r->layers[i];
            std::printf("    #%-4d %-20s %10s %10s  %s\n", l.quantOp.value, l.opType.c_str(), analysis::formatDb(l.perLayer.sqnrDb).c_str(),
                        analysis::formatDb(l.accumulated.sqnrDb).c_str(), l.name.c_str());
        }
    }
    return 0;
}

// Evaluation benchmark: the all-modes table (analysis/Evaluate.h) on hand_landmark_lite
// (calibration random:32, evaluation random:32) and, when present, on the Fashion-MNIST demo
// classifier with its 10,000 test images (calibration: 1,000 training images).
//   bench_eval [--model PATH] [--samples N] [--fashion PATH] [--threads T]
// Prints per mode: file size, accuracy or output SQNR / cosine against the float model, the
// median latency of one invocation, and the wall time of the whole table.
#include "analysis/Evaluate.h"
#include "tflite/ModelReader.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

using namespace ql;
using namespace ql::analysis;
using Clock = std::chrono::steady_clock;

namespace {

std::string fmt(double x, const char* f) {
    if (std::isnan(x)) return "-";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char tmp[48];
    std::snprintf(tmp, sizeof tmp, f, x);
    return tmp;
}

void printTable(const AllModesResult& r, double seconds) {
    std::printf("calibration: %zu samples, %.2f s (once for all integer modes)%s%s\n", r.calibrationSamples,
                r.calibrationSeconds, r.calibrationError.empty() ? "" : ": ", r.calibrationError.c_str());
    std::printf("%-10s %10s %8s %8s %10s %10s %10s %8s  %s\n", "mode", "size KiB", "top-1", "top-5", "SQNR dB", "cosine",
                "lat. ms", "quant s", "note");
    for (const ModeRow& row : r.rows) {
        const std::string mode(quantize::modeName(row.mode));
        if (!row.ok) {
            std::printf("%-10s failed: %s\n", mode.c_str(), row.error.c_str());
            continue;
        }
        const EvalResult& e = row.eval;
        std::printf("%-10s %10.1f %8s %8s %10s %10s %10s %8.2f  %s\n", mode.c_str(), double(e.fileBytes) / 1024.0,
                    formatPercent(e.top1).c_str(), formatPercent(e.top5).c_str(), fmt(e.pooled.sqnrDb, "%.2f").c_str(),
                    fmt(e.pooled.cosine, "%.6f").c_str(), fmt(e.latencyMedianMs, "%.3f").c_str(), row.quantizeSeconds,
                    row.floatOps ? (std::to_string(row.floatOps) + " ops float").c_str() : "");
    }
    std::printf("table wall time: %.1f s\n\n", seconds);
}

int runTable(const std::string& path, const std::string& calib, size_t calibSamples, const std::string& data,
             size_t samples, int threads) {
    auto model = readModelFile(path);
    if (!model) {
        std::fprintf(stderr, "%s\n", model.message().c_str());
        return 1;
    }
    AllModesOptions o;
    o.calibSpec = calib;
    o.calibData.maxSamples = calibSamples;
    o.eval.dataSpec = data;
    o.eval.data.maxSamples = samples;
    o.eval.threads = threads;
    std::printf("model %s (%.1f KiB)\ncalibration %s, evaluation %s%s\n", path.c_str(), double((*model)->sourceBytes) / 1024.0,
                calib.c_str(), data.c_str(), samples ? (" (first " + std::to_string(samples) + ")").c_str() : "");
    const auto t0 = Clock::now();
    auto r = evaluateAllModes(*model, o);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r) {
        std::fprintf(stderr, "%s\n", r.message().c_str());
        return 1;
    }
    printTable(*r, secs);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::string model = QUANTLAB_SHARED_DIR "/models/hand_landmark_lite.tflite";
    std::string fashion = std::string(QUANTLAB_SOURCE_DIR) + "/resources/models/fashion_mnist_demo.tflite";
    size_t samples = 32;
    int threads = 1;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--samples") && i + 1 < argc) samples = size_t(std::atol(argv[++i]));
        else if (!std::strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!std::strcmp(argv[i], "--fashion") && i + 1 < argc) fashion = argv[++i];
        else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    }
    int status = 0;
    if (std::filesystem::exists(model)) {
        const std::string n = std::to_string(samples);
        status |= runTable(model, "random:" + n + ":1", 0, "random:" + n + ":2", 0, threads);
    } else {
        std::printf("skipped: %s is absent\n", model.c_str());
    }
    const std::string dir = "/usr/share/datasets/fashion-mnist/";
    if (std::filesystem::exists(fashion) && std::filesystem::exists(dir + "t10k-images-idx3-ubyte.gz")) {
        status |= runTable(fashion, dir + "train-images-idx3-ubyte.gz", 1000, dir + "t10k-images-idx3-ubyte.gz", 0, threads);
    } else {
        std::printf("skipped: %s or the Fashion-MNIST test images are absent\n", fashion.c_str());
    }
    return status;
}

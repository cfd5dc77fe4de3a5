// int4 weights on real models with real data: per model and weight scheme, the file size, the
// output SQNR (float model vs quantized model on evaluation samples other than the calibration
// ones) and the quantize time (calibration included).
//   bench_int4 [SHARED_DIR] [--photos DIR] [--calib N] [--eval N]
// Schemes: int8 (full integer, int8 per-channel weights), int8 + int4 FULLY_CONNECTED weights
// per channel, dynamic range with int8 weights (TFLite's per-tensor FULLY_CONNECTED), dynamic
// range with int4 FULLY_CONNECTED weights per channel and in blocks of 32, 64 and 128 (a layer
// whose depth is not a multiple of the block size stays per channel; the notes say which). The
// dynamic rows quantize every constant weight (no 1024-element floor as TFLite's converter
// has), so that the small FULLY_CONNECTED layers of these models get int4 weights too. Each
// scheme runs twice: weights rounded to nearest, and with GPTQ's data-aware rounding on the
// calibration samples ("+gptq"; the last column counts the layers it re-rounded and their mean
// gain in layer output SQNR on the calibration data).
// Data as bench_quantize_models (QualitySupport.h).
// SQNR = 10 log10(sum x^2 / sum (x - y)^2) per output over every evaluation sample.
#include "QualitySupport.h"
#include "quantize/GraphCleanup.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#ifndef QUANTLAB_PHOTOS_DIR
#define QUANTLAB_PHOTOS_DIR ""
#endif

using namespace ql;
using Clock = std::chrono::steady_clock;

namespace {

struct Scheme {
    const char* name;
    quantize::Mode mode;
    quantize::WeightType weights;
    int blockSize;
};

} // namespace

int main(int argc, char** argv) {
    std::string shared = QUANTLAB_SHARED_DIR;
    std::string photos = QUANTLAB_PHOTOS_DIR;
    size_t nCalib = 22, nEval = 16;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--photos") && i + 1 < argc)
            photos = argv[++i];
        else if (!std::strcmp(argv[i], "--calib") && i + 1 < argc)
            nCalib = size_t(std::atol(argv[++i]));
        else if (!std::strcmp(argv[i], "--eval") && i + 1 < argc)
            nEval = size_t(std::atol(argv[++i]));
        else
            shared = argv[i];
    }
    using quantize::Mode;
    using quantize::WeightType;
    const Scheme schemes[] = {
        {"int8 (per-channel w)", Mode::Int8, WeightType::Int8, 0},
        {"int8 + int4 FC", Mode::Int8, WeightType::Int4, 0},
        {"dynamic int8", Mode::Dynamic, WeightType::Int8, 0},
        {"dynamic int4 per-ch", Mode::Dynamic, WeightType::Int4, 0},
        {"dynamic int4 b32", Mode::Dynamic, WeightType::Int4, 32},
        {"dynamic int4 b64", Mode::Dynamic, WeightType::Int4, 64},
        {"dynamic int4 b128", Mode::Dynamic, WeightType::Int4, 128},
    };
    std::printf("%zu calibration / %zu evaluation samples; photos %s\n", nCalib, nEval,
                photos.c_str());
    std::printf("%-24s %-26s %9s %10s %7s %8s  %s\n", "model", "weights", "float KiB", "quant KiB",
                "int4 FC", "time s", "SQNR dB per output");
    for (const char* name : {"hand_landmark_lite.tflite", "trained_lstm.tflite"}) {
        const std::string path = shared + "/models/" + name;
        auto model = readModelFile(path);
        if (!model) {
            std::printf("%-24s skipped: %s\n", name, model.message().c_str());
            continue;
        }
        bench::QualitySources s;
        if (!bench::qualitySources(name, photos, nCalib, nEval, &s)) {
            std::printf("%-24s skipped: data absent\n", name);
            continue;
        }
        const double floatKiB = double(std::filesystem::file_size(path)) / 1024.0;
        std::vector<std::vector<double>> reference;
        std::string err;
        if (!bench::realOutputs(std::make_shared<const Model>(quantize::prepareFloatModel(**model)),
                                s, &reference, &err)) {
            std::printf("%-24s float run: %s\n", name, err.c_str());
            continue;
        }
        for (const Scheme& sc : schemes)
            for (const quantize::WeightRounding rounding :
                 {quantize::WeightRounding::Nearest, quantize::WeightRounding::Gptq}) {
                const bool gptq = rounding == quantize::WeightRounding::Gptq;
                const std::string label = std::string(sc.name) + (gptq ? " +gptq" : "");
                quantize::QuantizeJobOptions o;
                o.quantize.rounding = rounding;
                o.quantize.mode = sc.mode;
                o.quantize.weights = sc.weights;
                o.quantize.blockSize = sc.blockSize;
                o.quantize.dynamicMinElements = 0;
                o.calibSpec = s.calib;
                o.data = s.calibOptions;
                const auto t0 = Clock::now();
                auto r = quantize::runQuantize(*model, o);
                const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
                if (!r) {
                    std::printf("%-24s %-26s refused: %s\n", name, label.c_str(),
                                r.message().c_str());
                    continue;
                }
                const quantize::QuantizeReport report = r->result.report;
                auto bytes = serializeModel(r->result.model);
                auto qm = std::make_shared<const Model>(std::move(r->result.model));
                std::vector<std::vector<double>> got;
                const std::string sqnr = bench::realOutputs(qm, s, &got, &err)
                                             ? bench::sqnrCells(reference, got)
                                             : "runs not: " + err;
                char fc[32];
                std::snprintf(fc, sizeof fc, "%zu/%zu", report.int4BlockOps, report.int4Ops);
                std::string rounded;
                if (gptq) {
                    size_t applied = 0;
                    double gain = 0;
                    for (const auto& l : report.rounded)
                        if (l.applied) ++applied, gain += l.gptqDb - l.nearestDb;
                    char cell[80];
                    std::snprintf(cell, sizeof cell, "   (gptq: %zu of %zu layers, mean +%.2f dB)",
                                  applied, report.rounded.size(),
                                  applied ? gain / double(applied) : 0.0);
                    rounded = cell;
                }
                std::printf("%-24s %-26s %9.1f %10.1f %7s %8.2f  %s%s\n", name, label.c_str(),
                            floatKiB, bytes.ok() ? double(bytes->size()) / 1024.0 : 0.0, fc, secs,
                            sqnr.c_str(), rounded.c_str());
                for (const std::string& n : report.weightNotes)
                    std::printf("%-24s   note: %s\n", "", n.c_str());
                std::fflush(stdout);
            }
    }
    return 0;
}

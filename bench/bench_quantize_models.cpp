// Quantizer coverage and quality on the shared float models, on real data: per model and mode,
// operators that end integer (of all operators in the written model), output SQNR per output
// (float model vs quantized model, evaluated on other samples than the calibration ones),
// quantize time (calibration included) and file sizes.
//   bench_quantize_models [SHARED_DIR] [--photos DIR] [--calib N] [--eval N]
// Defaults: QUANTLAB_SHARED_DIR, the photos in QUANTLAB_PHOTOS_DIR (calib/ and eval/), 22
// calibration and 16 evaluation samples; the data of each model as QualitySupport.h says.
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

// An operator is integer when no input or output of it is a float activation or float weight.
size_t integerOps(const Model& m) {
    const Subgraph& sg = m.subgraphs[0];
    size_t n = 0;
    for (const Operator& op : sg.operators) {
        bool anyFloat = false;
        for (TensorIndex t : op.inputs)
            if (t.valid() && (sg.tensor(t).type == TensorType::FLOAT32 ||
                              sg.tensor(t).type == TensorType::FLOAT16))
                anyFloat = true;
        for (TensorIndex t : op.outputs)
            if (t.valid() && sg.tensor(t).type == TensorType::FLOAT32) anyFloat = true;
        n += anyFloat ? 0 : 1;
    }
    return n;
}

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
    const char* models[] = {
        "hello_world_float.tflite",          "trained_lstm.tflite",
        "face_detection_short_range.tflite", "face_detection_full_range_sparse.tflite",
        "hand_landmark_lite.tflite",         "palm_detection_full.tflite"};
    std::printf("%zu calibration / %zu evaluation samples; photos %s\n", nCalib, nEval,
                photos.c_str());
    std::printf("%-34s %-10s %9s %10s %10s %9s  %s\n", "model", "mode", "int ops", "float KiB",
                "quant KiB", "time s", "SQNR dB per output");
    for (const char* file : models) {
        const std::string path = shared + "/models/" + file;
        auto model = readModelFile(path);
        if (!model) {
            std::printf("%-34s skipped: %s\n", file, model.message().c_str());
            continue;
        }
        bench::QualitySources s;
        if (!bench::qualitySources(file, photos, nCalib, nEval, &s)) {
            std::printf("%-34s skipped: data absent\n", file);
            continue;
        }
        const double floatKiB = double(std::filesystem::file_size(path)) / 1024.0;
        std::vector<std::vector<double>> reference;
        std::string err;
        auto floatModel = std::make_shared<const Model>(quantize::prepareFloatModel(**model));
        if (!bench::realOutputs(floatModel, s, &reference, &err)) {
            std::printf("%-34s float run: %s\n", file, err.c_str());
            continue;
        }
        for (auto mode : {quantize::Mode::Float16, quantize::Mode::Dynamic, quantize::Mode::Int8,
                          quantize::Mode::Int8Only, quantize::Mode::Int16x8}) {
            const std::string modeName(quantize::modeName(mode));
            quantize::QuantizeJobOptions o;
            o.quantize.mode = mode;
            o.calibSpec = s.calib;
            o.data = s.calibOptions;
            const auto t0 = Clock::now();
            auto r = quantize::runQuantize(*model, o);
            const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
            if (!r) {
                std::printf("%-34s %-10s refused: %s\n", file, modeName.c_str(),
                            r.message().c_str());
                continue;
            }
            auto bytes = serializeModel(r->result.model);
            auto qm = std::make_shared<const Model>(std::move(r->result.model));
            std::vector<std::vector<double>> got;
            err.clear();
            const std::string sqnr =
                bench::realOutputs(qm, s, &got, &err) ? bench::sqnrCells(reference, got) : "runs not: " + err;
            char ops[32];
            std::snprintf(ops, sizeof ops, "%zu/%zu", integerOps(*qm),
                          qm->subgraphs[0].operators.size());
            std::printf("%-34s %-10s %9s %10.1f %10.1f %9.2f  %s\n", file, modeName.c_str(), ops,
                        floatKiB, bytes.ok() ? double(bytes->size()) / 1024.0 : 0.0, secs,
                        sqnr.c_str());
            std::fflush(stdout);
        }
    }
    return 0;
}

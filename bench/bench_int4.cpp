// int4 weights on real models with real data: per model and weight scheme, the file size, the
// output SQNR (float model vs quantized model on evaluation samples other than the calibration
// ones) and the quantize time (calibration included).
//   bench_int4 [SHARED_DIR] [--photos DIR] [--calib N] [--eval N]
// Schemes: int8 (full integer, int8 per-channel weights), int8 + int4 FULLY_CONNECTED weights
// per channel, dynamic range with int8 weights (TFLite's per-tensor FULLY_CONNECTED), dynamic
// range with int4 FULLY_CONNECTED weights per channel and in blocks of 32, 64 and 128 (a layer
// whose depth is not a multiple of the block size stays per channel; the notes say which). The
// dynamic rows quantize every constant weight (no 1024-element floor as TFLite's converter
// has), so that the small FULLY_CONNECTED layers of these models get int4 weights too.
// Data as bench_quantize_models: hand_landmark_lite reads the photos (calib/ and eval/, [0, 1]),
// trained_lstm Fashion-MNIST (t10k: calibration from image 0, evaluation from image 5000).
// SQNR = 10 log10(sum x^2 / sum (x - y)^2) per output over every evaluation sample.
#include "data/DataSource.h"
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

const char* kFashion = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

struct Sources {
    std::string calib, eval;
    data::DataOptions calibOptions, evalOptions;
};

bool sourcesFor(const std::string& model, const std::string& photos, size_t nCalib, size_t nEval,
                Sources* s) {
    s->calibOptions.maxSamples = nCalib;
    s->evalOptions.maxSamples = nEval;
    if (model == "trained_lstm.tflite") {
        if (!std::filesystem::exists(kFashion)) return false;
        s->calib = s->eval = kFashion;
        s->evalOptions.offset = 5000;
        return true;
    }
    if (photos.empty() || !std::filesystem::is_directory(photos + "/calib")) return false;
    s->calib = photos + "/calib";
    s->eval = photos + "/eval";
    s->calibOptions.normalization = s->evalOptions.normalization =
        data::Normalization::range(0.0f, 1.0f);
    return true;
}

// Per output, the real values over every evaluation sample (integer outputs dequantized).
bool realOutputs(std::shared_ptr<const Model> model, const Sources& s,
                 std::vector<std::vector<double>>* out, std::string* err) {
    auto source =
        data::openDataSource(s.eval, data::ModelInputInfo::fromModel(*model), s.evalOptions);
    if (!source) return *err = source.message(), false;
    auto interp = rt::Interpreter::create(model);
    if (!interp) return *err = interp.message(), false;
    out->assign((*interp)->outputCount(), {});
    for (size_t n = 0; n < (*source)->size(); ++n) {
        auto sample = (*source)->get(n);
        if (!sample) return *err = sample.message(), false;
        (*interp)->resetVariables();
        for (size_t i = 0; i < sample->tensors.size(); ++i)
            if (Status st =
                    (*interp)->setInput(i, sample->tensors[i].type, sample->tensors[i].bytes);
                !st)
                return *err = st.message(), false;
        if (Status st = (*interp)->invoke(); !st) return *err = st.message(), false;
        for (size_t o = 0; o < (*interp)->outputCount(); ++o) {
            const rt::RtTensor& t = (*interp)->output(o);
            const Tensor& mt = model->subgraphs[0].tensor(model->subgraphs[0].outputs[o]);
            const double sc = mt.quant.isQuantized() ? mt.quant.scale[0] : 1.0;
            const double zp = mt.quant.isQuantized() ? double(mt.quant.zeroPoint[0]) : 0.0;
            for (int64_t i = 0; i < t.elementCount(); ++i) {
                double v = 0;
                if (t.type == TensorType::FLOAT32)
                    v = t.as<float>()[i];
                else if (t.type == TensorType::INT8)
                    v = sc * (double(t.as<int8_t>()[i]) - zp);
                (*out)[o].push_back(v);
            }
        }
    }
    return true;
}

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
    std::printf("%-24s %-22s %9s %10s %7s %8s  %s\n", "model", "weights", "float KiB", "quant KiB",
                "int4 FC", "time s", "SQNR dB per output");
    for (const char* name : {"hand_landmark_lite.tflite", "trained_lstm.tflite"}) {
        const std::string path = shared + "/models/" + name;
        auto model = readModelFile(path);
        if (!model) {
            std::printf("%-24s skipped: %s\n", name, model.message().c_str());
            continue;
        }
        Sources s;
        if (!sourcesFor(name, photos, nCalib, nEval, &s)) {
            std::printf("%-24s skipped: data absent\n", name);
            continue;
        }
        const double floatKiB = double(std::filesystem::file_size(path)) / 1024.0;
        std::vector<std::vector<double>> reference;
        std::string err;
        if (!realOutputs(std::make_shared<const Model>(quantize::prepareFloatModel(**model)), s,
                         &reference, &err)) {
            std::printf("%-24s float run: %s\n", name, err.c_str());
            continue;
        }
        for (const Scheme& sc : schemes) {
            quantize::QuantizeJobOptions o;
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
                std::printf("%-24s %-22s refused: %s\n", name, sc.name, r.message().c_str());
                continue;
            }
            const quantize::QuantizeReport report = r->result.report;
            auto bytes = serializeModel(r->result.model);
            auto qm = std::make_shared<const Model>(std::move(r->result.model));
            std::vector<std::vector<double>> got;
            std::string sqnr;
            if (!realOutputs(qm, s, &got, &err)) {
                sqnr = "runs not: " + err;
            } else {
                for (size_t k = 0; k < got.size() && k < reference.size(); ++k) {
                    double num = 0, den = 0;
                    for (size_t i = 0; i < got[k].size() && i < reference[k].size(); ++i) {
                        num += reference[k][i] * reference[k][i];
                        den += (reference[k][i] - got[k][i]) * (reference[k][i] - got[k][i]);
                    }
                    char cell[32];
                    std::snprintf(cell, sizeof cell, "%s%.1f", k ? " " : "",
                                  den > 0 ? 10.0 * std::log10(num / den) : INFINITY);
                    sqnr += cell;
                }
            }
            char fc[32];
            std::snprintf(fc, sizeof fc, "%zu/%zu", report.int4BlockOps, report.int4Ops);
            std::printf("%-24s %-22s %9.1f %10.1f %7s %8.2f  %s\n", name, sc.name, floatKiB,
                        bytes.ok() ? double(bytes->size()) / 1024.0 : 0.0, fc, secs, sqnr.c_str());
            for (const std::string& n : report.weightNotes)
                std::printf("%-24s   note: %s\n", "", n.c_str());
            std::fflush(stdout);
        }
    }
    return 0;
}

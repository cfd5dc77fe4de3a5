// Quantizer coverage and quality on the shared float models, on real data: per model and mode,
// operators that end integer (of all operators in the written model), output SQNR per output
// (float model vs quantized model, evaluated on other samples than the calibration ones),
// quantize time (calibration included) and file sizes.
//   bench_quantize_models [SHARED_DIR] [--photos DIR] [--calib N] [--eval N]
// Defaults: QUANTLAB_SHARED_DIR, the photos in QUANTLAB_PHOTOS_DIR (calib/ and eval/), 22
// calibration and 16 evaluation samples. Image inputs are normalised as MediaPipe's graphs do:
// the face detectors [-1, 1], hand_landmark and palm_detection [0, 1]; trained_lstm reads
// Fashion-MNIST (/usr/share/datasets/fashion-mnist, t10k: calibration from image 0, evaluation
// from image 5000); hello_world reads x over [0, 2 pi].
// SQNR = 10 log10(sum x^2 / sum (x - y)^2) per output over every evaluation sample.
#include "data/DataSource.h"
#include "io/Npy.h"
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

struct BenchCase {
    const char* file;
    enum Kind { Photos, FashionMnist, Sine } kind;
    float lo = 0, hi = 1;
};

// The data each shared float model reads (see the file comment).
BenchCase benchCase(const char* file) {
    const std::string f = file;
    if (f == "hello_world_float.tflite") return {file, BenchCase::Sine};
    if (f == "trained_lstm.tflite") return {file, BenchCase::FashionMnist};
    return {file, BenchCase::Photos, f.rfind("face_detection", 0) == 0 ? -1.0f : 0.0f, 1.0f};
}

struct Sources {
    std::string calib, eval;
    data::DataOptions calibOptions, evalOptions;
};

const char* kFashion = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

bool sourcesFor(const BenchCase& c, const std::string& photos, size_t nCalib, size_t nEval,
                Sources* s) {
    s->calibOptions.maxSamples = nCalib;
    s->evalOptions.maxSamples = nEval;
    switch (c.kind) {
    case BenchCase::Photos:
        if (photos.empty() || !std::filesystem::is_directory(photos + "/calib")) return false;
        s->calib = photos + "/calib";
        s->eval = photos + "/eval";
        s->calibOptions.normalization = s->evalOptions.normalization =
            data::Normalization::range(c.lo, c.hi);
        return true;
    case BenchCase::FashionMnist:
        if (!std::filesystem::exists(kFashion)) return false;
        s->calib = s->eval = kFashion;
        s->evalOptions.offset = 5000;
        return true;
    case BenchCase::Sine: {
        std::vector<float> calib, eval;
        for (size_t i = 0; i < nCalib; ++i)
            calib.push_back(float(i) * 6.2831853f / float(nCalib > 1 ? nCalib - 1 : 1));
        for (size_t i = 0; i < nEval; ++i)
            eval.push_back((float(i) + 0.5f) * 6.2831853f / float(nEval));
        const auto dir = std::filesystem::temp_directory_path();
        s->calib = (dir / "bench_qm_sine_calib.npy").string();
        s->eval = (dir / "bench_qm_sine_eval.npy").string();
        const int64_t a[] = {int64_t(calib.size()), 1}, b[] = {int64_t(eval.size()), 1};
        return writeNpy(s->calib, TensorType::FLOAT32, a,
                        {reinterpret_cast<const uint8_t*>(calib.data()), calib.size() * 4})
                   .ok() &&
               writeNpy(s->eval, TensorType::FLOAT32, b,
                        {reinterpret_cast<const uint8_t*>(eval.data()), eval.size() * 4})
                   .ok();
    }
    }
    return false;
}

// Per output, the real values of `model` over every sample of `spec` (integer outputs
// dequantized with their own parameters).
bool realOutputs(std::shared_ptr<const Model> model, const Sources& s,
                 std::vector<std::vector<double>>* out, std::string* err) {
    auto source =
        data::openDataSource(s.eval, data::ModelInputInfo::fromModel(*model), s.evalOptions);
    if (!source) {
        *err = source.message();
        return false;
    }
    auto interp = rt::Interpreter::create(model);
    if (!interp) {
        *err = interp.message();
        return false;
    }
    out->assign((*interp)->outputCount(), {});
    for (size_t n = 0; n < (*source)->size(); ++n) {
        auto sample = (*source)->get(n);
        if (!sample) {
            *err = sample.message();
            return false;
        }
        (*interp)->resetVariables();
        for (size_t i = 0; i < sample->tensors.size(); ++i)
            if (Status st =
                    (*interp)->setInput(i, sample->tensors[i].type, sample->tensors[i].bytes);
                !st) {
                *err = st.message();
                return false;
            }
        if (Status st = (*interp)->invoke(); !st) {
            *err = st.message();
            return false;
        }
        for (size_t o = 0; o < (*interp)->outputCount(); ++o) {
            const rt::RtTensor& t = (*interp)->output(o);
            const Tensor& mt = model->subgraphs[0].tensor(model->subgraphs[0].outputs[o]);
            const double sc = mt.quant.isQuantized() ? mt.quant.scale[0] : 1.0;
            const double zp = mt.quant.isQuantized() ? double(mt.quant.zeroPoint[0]) : 0.0;
            for (int64_t i = 0; i < t.elementCount(); ++i) {
                double v = 0;
                switch (t.type) {
                case TensorType::FLOAT32:
                    v = t.as<float>()[i];
                    break;
                case TensorType::INT8:
                    v = sc * (double(t.as<int8_t>()[i]) - zp);
                    break;
                case TensorType::UINT8:
                    v = sc * (double(t.as<uint8_t>()[i]) - zp);
                    break;
                case TensorType::INT16:
                    v = sc * (double(t.as<int16_t>()[i]) - zp);
                    break;
                default:
                    break;
                }
                (*out)[o].push_back(v);
            }
        }
    }
    return true;
}

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
    for (const char* name : models) {
        const BenchCase c = benchCase(name);
        const std::string path = shared + "/models/" + c.file;
        auto model = readModelFile(path);
        if (!model) {
            std::printf("%-34s skipped: %s\n", c.file, model.message().c_str());
            continue;
        }
        Sources s;
        if (!sourcesFor(c, photos, nCalib, nEval, &s)) {
            std::printf("%-34s skipped: data absent\n", c.file);
            continue;
        }
        const double floatKiB = double(std::filesystem::file_size(path)) / 1024.0;
        std::vector<std::vector<double>> reference;
        std::string err;
        auto floatModel = std::make_shared<const Model>(quantize::prepareFloatModel(**model));
        if (!realOutputs(floatModel, s, &reference, &err)) {
            std::printf("%-34s float run: %s\n", c.file, err.c_str());
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
                std::printf("%-34s %-10s refused: %s\n", c.file, modeName.c_str(),
                            r.message().c_str());
                continue;
            }
            auto bytes = serializeModel(r->result.model);
            auto qm = std::make_shared<const Model>(std::move(r->result.model));
            std::vector<std::vector<double>> got;
            err.clear();
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
            char ops[32];
            std::snprintf(ops, sizeof ops, "%zu/%zu", integerOps(*qm),
                          qm->subgraphs[0].operators.size());
            std::printf("%-34s %-10s %9s %10.1f %10.1f %9.2f  %s\n", c.file, modeName.c_str(), ops,
                        floatKiB, bytes.ok() ? double(bytes->size()) / 1024.0 : 0.0, secs,
                        sqnr.c_str());
            std::fflush(stdout);
        }
    }
    return 0;
}

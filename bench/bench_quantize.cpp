// Quantizer benchmark: calibration throughput vs plain float inference, end-to-end quantize
// time per mode, and the output SQNR of each mode against the float model.
//   bench_quantize [MODEL] [--samples N]   (default QUANTLAB_SHARED_DIR/models/hand_landmark_lite.tflite, N 100)
// SQNR = 10 log10(sum x^2 / sum (x - y)^2) over all float outputs of 8 random inputs.
#include "calib/Calibrate.h"
#include "data/DataSource.h"
#include "io/Npy.h"
#include "quantize/GraphCleanup.h"
#include "quantize/GraphEdit.h"
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

using namespace ql;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Float outputs (dequantized when integer) of `model` on every sample of `source`.
std::vector<std::vector<float>> outputs(std::shared_ptr<const Model> model, const data::DataSource& source, std::string* err) {
    std::vector<std::vector<float>> all;
    auto interp = rt::Interpreter::create(model);
    if (!interp) { *err = interp.message(); return all; }
    for (size_t s = 0; s < source.size(); ++s) {
        auto sample = source.get(s);
        if (!sample) { *err = sample.message(); return all; }
        (*interp)->resetVariables();
        for (size_t i = 0; i < sample->tensors.size(); ++i) {
            Status st = (*interp)->setInput(i, sample->tensors[i].type, sample->tensors[i].bytes);
            if (!st) { *err = st.message(); return all; }
        }
        Status st = (*interp)->invoke();
        if (!st) { *err = st.message(); return all; }
        std::vector<float> flat;
        for (size_t o = 0; o < (*interp)->outputCount(); ++o) {
            const rt::RtTensor& t = (*interp)->output(o);
            const size_t n = size_t(t.elementCount());
            const Tensor& mt = model->subgraphs[0].tensor(model->subgraphs[0].outputs[o]);
            const float sc = mt.quant.isQuantized() ? mt.quant.scale[0] : 1.0f;
            const float zp = mt.quant.isQuantized() ? float(mt.quant.zeroPoint[0]) : 0.0f;
            for (size_t i = 0; i < n; ++i) {
                float v = 0;
                switch (t.type) {
                case TensorType::FLOAT32: v = t.as<float>()[i]; break;
                case TensorType::INT8: v = sc * (float(t.as<int8_t>()[i]) - zp); break;
                case TensorType::UINT8: v = sc * (float(t.as<uint8_t>()[i]) - zp); break;
                default: break;
                }
                flat.push_back(v);
            }
        }
        all.push_back(std::move(flat));
    }
    return all;
}

} // namespace

int main(int argc, char** argv) {
    std::string path = QUANTLAB_SHARED_DIR "/models/hand_landmark_lite.tflite";
    size_t samples = 100;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--samples") && i + 1 < argc) samples = size_t(std::atol(argv[++i]));
        else path = argv[i];
    }
    auto model = readModelFile(path);
    if (!model) { std::fprintf(stderr, "%s\n", model.message().c_str()); return 1; }
    auto folded = std::make_shared<const Model>(quantize::prepareFloatModel(**model));
    const auto info = data::ModelInputInfo::fromModel(*folded);
    auto source = data::openDataSource("random:" + std::to_string(samples) + ":1", info);
    if (!source) { std::fprintf(stderr, "%s\n", source.message().c_str()); return 1; }

    // Plain float inference per sample.
    auto interp = rt::Interpreter::create(folded);
    if (!interp) { std::fprintf(stderr, "%s\n", interp.message().c_str()); return 1; }
    auto t0 = Clock::now();
    for (size_t s = 0; s < (*source)->size(); ++s) {
        auto sample = (*source)->get(s);
        for (size_t i = 0; i < sample->tensors.size(); ++i) (void)(*interp)->setInput(i, sample->tensors[i].type, sample->tensors[i].bytes);
        (void)(*interp)->invoke();
    }
    const double plain = secondsSince(t0) / double(samples);

    // Calibration (collector observing every operator).
    auto interp2 = rt::Interpreter::create(folded);
    calib::CalibrationCollector collector(folded);
    t0 = Clock::now();
    Status st = calib::calibrate(**interp2, **source, collector);
    const double calib = secondsSince(t0) / double(samples);
    if (!st) { std::fprintf(stderr, "%s\n", st.message().c_str()); return 1; }
    std::printf("model %s, %zu random samples\n", path.c_str(), samples);
    std::printf("float inference   %8.2f ms/sample\n", plain * 1e3);
    std::printf("calibration       %8.2f ms/sample (%.2fx inference)\n", calib * 1e3, calib / plain);

    // Evaluation inputs: 8 random float samples saved as .npy, so that models with integer
    // inputs (int8-only) receive the same real values, quantized with their input params.
    auto randomSource = data::openDataSource("random:8:99", info);
    std::vector<uint8_t> stacked;
    std::vector<int64_t> shape;
    for (size_t s = 0; s < (*randomSource)->size(); ++s) {
        auto sample = (*randomSource)->get(s);
        const auto& t = sample->tensors[0];
        stacked.insert(stacked.end(), t.bytes.begin(), t.bytes.end());
        if (shape.empty()) {
            shape.push_back(int64_t((*randomSource)->size()));
            for (size_t d = 1; d < t.shape.size(); ++d) shape.push_back(t.shape[d]);
        }
    }
    const std::string npyPath = (std::filesystem::temp_directory_path() / "bench_quantize_eval.npy").string();
    (void)writeNpy(npyPath, TensorType::FLOAT32, shape, stacked);
    std::string err;
    auto floatEval = data::openDataSource(npyPath, info);
    if (!floatEval) { std::fprintf(stderr, "%s\n", floatEval.message().c_str()); return 1; }
    const auto reference = outputs(folded, **floatEval, &err);
    std::printf("\n%-10s %12s %12s %10s\n", "mode", "quantize s", "size KiB", "SQNR dB");
    for (auto mode : {quantize::Mode::Float16, quantize::Mode::Dynamic, quantize::Mode::Int8, quantize::Mode::Int8Only,
                      quantize::Mode::Int16x8}) {
        quantize::QuantizeJobOptions o;
        o.quantize.mode = mode;
        o.calibSpec = "random:" + std::to_string(samples) + ":1";
        t0 = Clock::now();
        auto r = quantize::runQuantize(*model, o);
        const double secs = secondsSince(t0);
        if (!r) { std::printf("%-10s refused: %s\n", std::string(quantize::modeName(mode)).c_str(), r.message().c_str()); continue; }
        auto bytes = serializeModel(r->result.model);
        auto qm = std::make_shared<const Model>(std::move(r->result.model));
        err.clear();
        auto evalSource = data::openDataSource(npyPath, data::ModelInputInfo::fromModel(*qm));
        if (!evalSource) { std::printf("%s\n", evalSource.message().c_str()); continue; }
        const auto got = outputs(qm, **evalSource, &err);
        double num = 0, den = 0;
        if (err.empty())
            for (size_t s = 0; s < got.size(); ++s)
                for (size_t i = 0; i < got[s].size() && i < reference[s].size(); ++i) {
                    num += double(reference[s][i]) * reference[s][i];
                    den += (double(reference[s][i]) - got[s][i]) * (double(reference[s][i]) - got[s][i]);
                }
        const double sqnr = den > 0 ? 10.0 * std::log10(num / den) : INFINITY;
        if (!err.empty()) std::printf("%-10s %12.2f %12.1f   (runs not: %s)\n", std::string(quantize::modeName(mode)).c_str(), secs, bytes.ok() ? double(bytes->size()) / 1024 : 0, err.c_str());
        else std::printf("%-10s %12.2f %12.1f %10.2f\n", std::string(quantize::modeName(mode)).c_str(), secs, bytes.ok() ? double(bytes->size()) / 1024 : 0, sqnr);
    }
    return 0;
}

#include "QualitySupport.h"

#include "io/Npy.h"
#include "runtime/Interpreter.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

using namespace ql;

namespace bench {
namespace {

const char* kFashion = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

bool writeSine(const std::string& path, size_t n, bool midpoints) {
    std::vector<float> x;
    for (size_t i = 0; i < n; ++i)
        x.push_back(midpoints ? (float(i) + 0.5f) * 6.2831853f / float(n)
                              : float(i) * 6.2831853f / float(n > 1 ? n - 1 : 1));
    const int64_t shape[] = {int64_t(x.size()), 1};
    return writeNpy(path, TensorType::FLOAT32, shape,
                    {reinterpret_cast<const uint8_t*>(x.data()), x.size() * 4})
        .ok();
}

} // namespace

bool qualitySources(const std::string& file, const std::string& photos, size_t nCalib, size_t nEval,
                    QualitySources* s) {
    s->calibOptions.maxSamples = nCalib;
    s->evalOptions.maxSamples = nEval;
    if (file == "hello_world_float.tflite") {
        const auto dir = std::filesystem::temp_directory_path();
        s->calib = (dir / "bench_qm_sine_calib.npy").string();
        s->eval = (dir / "bench_qm_sine_eval.npy").string();
        return writeSine(s->calib, nCalib, false) && writeSine(s->eval, nEval, true);
    }
    if (file == "trained_lstm.tflite") {
        if (!std::filesystem::exists(kFashion)) return false;
        s->calib = s->eval = kFashion;
        s->evalOptions.offset = 5000;
        return true;
    }
    if (photos.empty() || !std::filesystem::is_directory(photos + "/calib")) return false;
    s->calib = photos + "/calib";
    s->eval = photos + "/eval";
    const float lo = file.rfind("face_detection", 0) == 0 ? -1.0f : 0.0f;
    s->calibOptions.normalization = s->evalOptions.normalization =
        data::Normalization::range(lo, 1.0f);
    return true;
}

bool realOutputs(std::shared_ptr<const Model> model, const QualitySources& s,
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

std::string sqnrCells(const std::vector<std::vector<double>>& reference,
                      const std::vector<std::vector<double>>& got) {
    std::string cells;
    for (size_t k = 0; k < got.size() && k < reference.size(); ++k) {
        double num = 0, den = 0;
        for (size_t i = 0; i < got[k].size() && i < reference[k].size(); ++i) {
            num += reference[k][i] * reference[k][i];
            den += (reference[k][i] - got[k][i]) * (reference[k][i] - got[k][i]);
        }
        char cell[32];
        std::snprintf(cell, sizeof cell, "%s%.1f", k ? " " : "",
                      den > 0 ? 10.0 * std::log10(num / den) : INFINITY);
        cells += cell;
    }
    return cells;
}

} // namespace bench

#include "lab/SideBySide.h"

#include "data/Convert.h"
#include "util/Float16.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace ql::lab {
namespace fs = std::filesystem;

namespace {

// Real value of element i of raw bytes of `type`; r = scale * (q - zero_point) when quantized.
double realAt(const uint8_t* data, TensorType type, size_t i, bool quantized, double scale, int64_t zp) {
    double q = 0;
    switch (type) {
    case TensorType::FLOAT32: return reinterpret_cast<const float*>(data)[i];
    case TensorType::FLOAT64: return reinterpret_cast<const double*>(data)[i];
    case TensorType::FLOAT16: return halfToFloat(reinterpret_cast<const uint16_t*>(data)[i]);
    case TensorType::INT8: q = reinterpret_cast<const int8_t*>(data)[i]; break;
    case TensorType::UINT8: q = data[i]; break;
    case TensorType::INT16: q = reinterpret_cast<const int16_t*>(data)[i]; break;
    case TensorType::INT32: q = reinterpret_cast<const int32_t*>(data)[i]; break;
    case TensorType::INT64: q = double(reinterpret_cast<const int64_t*>(data)[i]); break;
    case TensorType::BOOL: q = data[i] ? 1 : 0; break;
    default: return 0;
    }
    return quantized ? scale * (q - double(zp)) : q;
}

bool isImageFile(const std::string& spec) {
    std::string ext = fs::path(spec).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

} // namespace

std::vector<float> realValues(const rt::RtTensor& t) {
    const size_t n = size_t(t.elementCount());
    std::vector<float> out(n);
    const bool q = t.isQuantized() && t.type != TensorType::FLOAT32;
    const double scale = q ? t.scale(0) : 1.0;
    const int64_t zp = q ? t.zeroPoint(0) : 0;
    for (size_t i = 0; i < n; ++i) out[i] = float(realAt(t.data, t.type, i, q, scale, zp));
    return out;
}

Result<data::Sample> convertSample(const data::Sample& sample, const data::ModelInputInfo& from, const data::ModelInputInfo& to) {
    if (from.inputs.size() != to.inputs.size() || sample.tensors.size() != to.inputs.size())
        return makeError("the models have different numbers of inputs (" + std::to_string(from.inputs.size()) + " and " +
                         std::to_string(to.inputs.size()) + ")");
    data::Sample out;
    for (size_t i = 0; i < to.inputs.size(); ++i) {
        const data::SampleTensor& src = sample.tensors[i];
        const data::InputInfo& a = from.inputs[i];
        const data::InputInfo& b = to.inputs[i];
        const int64_t n = src.elementCount();
        if (n != b.elementCount())
            return makeError("input " + std::to_string(i) + " (" + b.name + "): " + std::to_string(n) + " elements in the sample, " +
                             std::to_string(b.elementCount()) + " expected");
        data::SampleTensor t;
        t.type = b.type;
        t.shape = b.shape;
        t.bytes.resize(size_t(n) * elementSize(b.type));
        const size_t es = elementSize(b.type);
        for (int64_t e = 0; e < n; ++e) {
            const double r = realAt(src.bytes.data(), src.type, size_t(e), a.quantized && a.type != TensorType::FLOAT32, a.scale, a.zeroPoint);
            data::storeReal(r, b, t.bytes.data() + size_t(e) * es);
        }
        out.tensors.push_back(std::move(t));
    }
    return out;
}

Result<std::vector<std::vector<float>>> runSample(rt::Interpreter& interp, const data::Sample& sample, double* ms) {
    if (sample.tensors.size() != interp.inputCount())
        return makeError("the sample has " + std::to_string(sample.tensors.size()) + " tensors, the model " +
                         std::to_string(interp.inputCount()) + " inputs");
    for (size_t i = 0; i < sample.tensors.size(); ++i) {
        const auto& t = sample.tensors[i];
        Status st = interp.setInput(i, t.type, t.bytes);
        if (!st) return makeError(st.message());
    }
    const auto t0 = std::chrono::steady_clock::now();
    Status st = interp.invoke();
    if (ms) *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!st) return makeError(st.message());
    std::vector<std::vector<float>> outs;
    for (size_t i = 0; i < interp.outputCount(); ++i) outs.push_back(realValues(interp.output(i)));
    return outs;
}

double sqnrDb(std::span<const float> a, std::span<const float> b) {
    double signal = 0, noise = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        signal += double(a[i]) * a[i];
        const double d = double(a[i]) - b[i];
        noise += d * d;
    }
    if (noise == 0) return std::numeric_limits<double>::infinity();
    if (signal == 0) return 0;
    return 10.0 * std::log10(signal / noise);
}

std::vector<int> topK(std::span<const float> v, size_t k) {
    std::vector<int> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    k = std::min(k, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + long(k), idx.end(), [&](int x, int y) {
        return v[size_t(x)] > v[size_t(y)] || (v[size_t(x)] == v[size_t(y)] && x < y);
    });
    idx.resize(k);
    return idx;
}

std::optional<InputImage> inputAsImage(const data::SampleTensor& t) {
    if (t.shape.size() != 4 || (t.shape[3] != 1 && t.shape[3] != 3) || t.shape[1] < 8 || t.shape[2] < 8) return std::nullopt;
    InputImage img;
    img.height = t.shape[1];
    img.width = t.shape[2];
    const int c = t.shape[3];
    const size_t n = size_t(img.width) * size_t(img.height) * size_t(c);
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = realAt(t.bytes.data(), t.type, i, false, 1.0, 0);
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const double span = *hi > *lo ? *hi - *lo : 1.0;
    img.rgb.resize(size_t(img.width) * size_t(img.height) * 3);
    for (size_t p = 0; p < size_t(img.width) * size_t(img.height); ++p)
        for (int ch = 0; ch < 3; ++ch) {
            const double x = v[p * size_t(c) + size_t(c == 3 ? ch : 0)];
            img.rgb[p * 3 + size_t(ch)] = uint8_t(std::lround(255.0 * (x - *lo) / span));
        }
    return img;
}

std::vector<OperatorIndex> matchOperators(const Model& from, const Model& to) {
    std::vector<OperatorIndex> out;
    if (from.subgraphs.empty()) return out;
    const Subgraph& a = from.subgraphs[0];
    out.assign(a.operators.size(), OperatorIndex());
    if (to.subgraphs.empty()) return out;
    const Subgraph& b = to.subgraphs[0];
    std::unordered_map<std::string, OperatorIndex> producerByName;
    for (size_t i = 0; i < b.operators.size(); ++i)
        for (TensorIndex t : b.operators[i].outputs)
            if (t.valid()) producerByName.emplace(b.tensor(t).name, OperatorIndex(int(i)));
    for (size_t i = 0; i < a.operators.size(); ++i) {
        const auto& outs = a.operators[i].outputs;
        if (outs.empty() || !outs[0].valid()) continue;
        const auto it = producerByName.find(a.tensor(outs[0]).name);
        if (it != producerByName.end()) out[i] = it->second;
    }
    return out;
}

Result<SideBySideResult> runSideBySide(std::shared_ptr<const Model> reference, std::shared_ptr<const Model> test,
                                       const std::string& spec, size_t sampleIndex, const Progress& progress) {
    SideBySideResult r;
    r.sampleIndex = sampleIndex;
    const auto refInfo = data::ModelInputInfo::fromModel(*reference);
    const auto testInfo = data::ModelInputInfo::fromModel(*test);
    // A single image file is read as a folder holding only that image.
    std::string openSpec = spec;
    std::optional<fs::path> tempDir;
    if (isImageFile(spec) && fs::is_regular_file(spec)) {
        std::error_code ec;
        tempDir = fs::temp_directory_path(ec) / ("quantlab-image-" + std::to_string(std::hash<std::string>{}(spec)) + "-" +
                                                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(*tempDir, ec);
        fs::create_symlink(fs::absolute(spec, ec), *tempDir / fs::path(spec).filename(), ec);
        if (ec) return makeError(spec + ": " + ec.message());
        openSpec = tempDir->string();
    }
    progress("reading the input", 0.0);
    auto source = data::openDataSource(openSpec, refInfo);
    Result<data::Sample> sample = makeError("no sample");
    if (source) {
        r.sourceDescription = (*source)->describe();
        if (sampleIndex >= (*source)->size())
            sample = makeError(spec + ": sample " + std::to_string(sampleIndex) + " of " + std::to_string((*source)->size()));
        else {
            sample = (*source)->get(sampleIndex);
            r.label = (*source)->label(sampleIndex);
        }
    }
    if (tempDir) {
        std::error_code ec;
        fs::remove_all(*tempDir, ec);
    }
    if (!source) return makeError(spec + ": " + source.message());
    if (!sample) return makeError(sample.message());
    r.input = std::move(*sample);
    if (!refInfo.inputs.empty()) r.inputInfo = refInfo.inputs[0];
    if (!r.input.tensors.empty()) r.image = inputAsImage(r.input.tensors[0]);
    if (progress.cancelled()) return makeError("cancelled");

    auto testSample = convertSample(r.input, refInfo, testInfo);
    if (!testSample) return makeError(testSample.message());
    progress("running the float model", 0.2);
    auto refInterp = rt::Interpreter::create(reference);
    if (!refInterp) return makeError("float model: " + refInterp.message());
    auto refOut = runSample(**refInterp, r.input, &r.referenceMs);
    if (!refOut) return makeError("float model: " + refOut.message());
    if (progress.cancelled()) return makeError("cancelled");
    progress("running the quantized model", 0.6);
    auto testInterp = rt::Interpreter::create(test);
    if (!testInterp) return makeError("quantized model: " + testInterp.message());
    auto testOut = runSample(**testInterp, *testSample, &r.testMs);
    if (!testOut) return makeError("quantized model: " + testOut.message());
    if (refOut->size() != testOut->size())
        return makeError("the models have different numbers of outputs (" + std::to_string(refOut->size()) + " and " +
                         std::to_string(testOut->size()) + ")");
    const Subgraph& sg = reference->subgraphs[0];
    for (size_t i = 0; i < refOut->size(); ++i) {
        OutputComparison c;
        const rt::RtTensor& t = (*refInterp)->output(i);
        c.name = sg.tensor(sg.outputs[i]).name;
        c.shape = t.shape;
        c.reference = std::move((*refOut)[i]);
        c.test = std::move((*testOut)[i]);
        const size_t n = std::min(c.reference.size(), c.test.size());
        for (size_t e = 0; e < n; ++e) {
            const double d = std::abs(double(c.reference[e]) - c.test[e]);
            c.maxAbsDiff = std::max(c.maxAbsDiff, d);
            c.meanAbsDiff += d;
        }
        if (n) c.meanAbsDiff /= double(n);
        c.sqnr = sqnrDb(c.reference, c.test);
        // Class scores: one row (all dimensions but the last are 1) of at least 2 values.
        int64_t rows = 1;
        for (size_t d = 0; d + 1 < c.shape.size(); ++d) rows *= c.shape[d];
        c.classifier = rows == 1 && !c.shape.empty() && c.shape.back() >= 2 && c.shape.back() <= 100000;
        if (c.classifier) {
            c.topReference = topK(c.reference, 5);
            c.topTest = topK(c.test, 5);
        }
        r.outputs.push_back(std::move(c));
    }
    progress("done", 1.0);
    return r;
}

} // namespace ql::lab

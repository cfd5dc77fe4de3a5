#include "data/DataSource.h"

#include "data/Convert.h"
#include "data/Sources.h"
#include "tflite/Metadata.h"

#include <cmath>

#include <filesystem>

namespace ql::data {
namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Item i of the result is item offset + i * stride of the wrapped source.
class LimitedSource final : public DataSource {
public:
    LimitedSource(std::unique_ptr<DataSource> base, size_t offset, size_t stride, size_t count)
        : m_base(std::move(base)), m_offset(offset), m_stride(stride), m_count(count) {}
    size_t size() const override { return m_count; }
    Result<Sample> get(size_t i) const override { return m_base->get(map(i)); }
    std::optional<int> label(size_t i) const override { return m_base->label(map(i)); }
    std::string describe() const override {
        return m_base->describe() + " (" + std::to_string(m_count) + " used" +
               (m_stride > 1 ? ", every " + std::to_string(m_stride) + "th" : std::string()) +
               (m_offset ? ", from " + std::to_string(m_offset) : std::string()) + ")";
    }

private:
    size_t map(size_t i) const { return m_offset + i * m_stride; }
    std::unique_ptr<DataSource> m_base;
    size_t m_offset, m_stride, m_count;
};

// Labels from a separate file, one per item of the wrapped source.
class LabeledSource final : public DataSource {
public:
    LabeledSource(std::unique_ptr<DataSource> base, std::vector<int> labels)
        : m_base(std::move(base)), m_labels(std::move(labels)) {}
    size_t size() const override { return m_base->size(); }
    Result<Sample> get(size_t i) const override { return m_base->get(i); }
    std::optional<int> label(size_t i) const override {
        return i < m_labels.size() ? std::optional<int>(m_labels[i]) : std::nullopt;
    }
    std::string describe() const override { return m_base->describe() + ", with labels"; }

private:
    std::unique_ptr<DataSource> m_base;
    std::vector<int> m_labels;
};

bool looksLikeIdx(const std::string& path) {
    const std::string name = lower(fs::path(path).filename().string());
    return name.find("idx1-ubyte") != std::string::npos || name.find("idx2-ubyte") != std::string::npos ||
           name.find("idx3-ubyte") != std::string::npos || name.find("idx4-ubyte") != std::string::npos ||
           endsWith(name, ".idx") || endsWith(name, ".idx.gz");
}

} // namespace

int64_t SampleTensor::elementCount() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
}

int64_t InputInfo::elementCount() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
}

Normalization Normalization::range(float lo, float hi) {
    Normalization n;
    n.lo = lo;
    n.hi = hi;
    return n;
}

Normalization Normalization::meanStd(std::vector<float> mean, std::vector<float> stddev) {
    Normalization n;
    n.mean = std::move(mean);
    n.stddev = std::move(stddev);
    return n;
}

float Normalization::apply(float p, size_t channel) const {
    if (!isMeanStd()) return lo + p * ((hi - lo) / 255.0f);
    const float m = mean[mean.size() == 1 ? 0 : std::min(channel, mean.size() - 1)];
    const float s = stddev.empty() ? 1.0f : stddev[stddev.size() == 1 ? 0 : std::min(channel, stddev.size() - 1)];
    return (p - m) / s;
}

ModelInputInfo ModelInputInfo::fromModel(const Model& model) {
    ModelInputInfo info;
    if (model.subgraphs.empty()) return info;
    const Subgraph& sg = model.subgraphs[0];
    for (size_t i = 0; i < sg.inputs.size(); ++i) {
        const Tensor& t = sg.tensor(sg.inputs[i]);
        InputInfo in;
        in.name = t.name;
        in.type = t.type;
        in.shape = t.shape;
        if (t.quant.scale.size() == 1) {
            in.quantized = true;
            in.scale = t.quant.scale[0];
            in.zeroPoint = t.quant.zeroPoint.empty() ? 0 : t.quant.zeroPoint[0];
        }
        info.inputs.push_back(std::move(in));
        info.metadataNormalization.push_back(normalizationFromMetadata(model, i));
    }
    return info;
}

std::optional<Normalization> normalizationFromMetadata(const Model& model, size_t inputIndex) {
    // TFLite Support metadata ("TFLITE_METADATA"): the input's NormalizationOptions, applied by
    // TFLite's image pipelines as (p - mean) / std on raw pixel values. A damaged entry is
    // ignored here (the inspector reports it).
    const auto decoded = decodeModelMetadata(model);
    if (!decoded || !decoded->ok()) return std::nullopt;
    const ModelMetadataInfo& info = decoded->value();
    if (inputIndex >= info.inputs.size()) return std::nullopt;
    const TensorMetadataInfo& in = info.inputs[inputIndex];
    if (in.mean.empty() || in.std.empty()) return std::nullopt;
    for (float s : in.std)
        if (!(s != 0.0f) || !std::isfinite(s)) return std::nullopt;
    return Normalization::meanStd(in.mean, in.std);
}

std::unique_ptr<DataSource> limitSource(std::unique_ptr<DataSource> source, const DataOptions& options) {
    const size_t stride = std::max<size_t>(options.stride, 1);
    const size_t n = source->size();
    size_t count = n > options.offset ? (n - options.offset + stride - 1) / stride : 0;
    if (options.maxSamples) count = std::min(count, options.maxSamples);
    if (options.offset == 0 && stride == 1 && count == n) return source;
    return std::make_unique<LimitedSource>(std::move(source), options.offset, stride, count);
}

Result<std::unique_ptr<DataSource>> openDataSource(const std::string& spec, const ModelInputInfo& inputs,
                                                   const DataOptions& options) {
    if (inputs.inputs.empty()) return makeError("the model has no inputs to feed");
    if (options.stride == 0) return makeError(spec + ": the sample stride must be at least 1");

    Result<std::unique_ptr<DataSource>> opened = makeError("");
    if (spec.rfind("random:", 0) == 0) {
        // Labels of noise mean nothing: refused rather than silently dropped.
        if (!options.labels.empty())
            return makeError(options.labels + ": labels given with " + spec +
                             ", which is random noise; accuracy needs the labelled samples themselves");
        opened = openRandomSource(spec, inputs, options);
    } else {
        std::error_code ec;
        const fs::file_status st = fs::status(spec, ec);
        const std::string name = lower(fs::path(spec).filename().string());
        if (ec || !fs::exists(st))
            return makeError(spec + ": no such file or folder (expected a .npy/.npz file, an IDX file, a folder of "
                                    "images or random:N[:SEED])");
        if (fs::is_directory(st)) opened = openImageFolder(spec, inputs, options);
        else if (endsWith(name, ".npy")) opened = openNpySource(spec, inputs, options);
        else if (endsWith(name, ".npz")) opened = openNpzSource(spec, inputs, options);
        else if (looksLikeIdx(spec)) opened = openIdxSource(spec, inputs, options);
        else
            return makeError(spec + ": unknown data format (expected .npy, .npz, *-idx3-ubyte[.gz], a folder of "
                                    "images or random:N[:SEED])");
    }
    if (!opened) return opened.error();
    std::unique_ptr<DataSource> source = std::move(opened.value());

    if (!options.labels.empty()) {
        auto labels = readLabelFile(options.labels);
        if (!labels) return labels.error();
        if (labels->size() != source->size())
            return makeError(options.labels + ": " + std::to_string(labels->size()) + " labels, but " + spec + " has " +
                             std::to_string(source->size()) + " samples");
        source = std::make_unique<LabeledSource>(std::move(source), std::move(labels.value()));
    }
    const size_t total = source->size();
    source = limitSource(std::move(source), options);
    if (source->size() == 0)
        return makeError(spec + ": no samples to use (" + std::to_string(total) + " in the source, offset " +
                         std::to_string(options.offset) + ")");
    return source;
}

} // namespace ql::data

// .npy and .npz data sources (arrays read by core/io/Npy), and label files.
//
// Each array holds samples along its first dimension: item i (array[i]) is one model input, or
// one batch row when the input's batch is larger than 1. An array whose whole shape is the
// input's shape is a single sample. Values are numeric data (see Convert.h); a uint8 array is
// treated as pixels only when the options give a normalisation.
#include "data/Convert.h"
#include "data/ImageResize.h"
#include "data/Sources.h"
#include "io/Npy.h"
#include "io/NpyReader.h"

#include <algorithm>
#include <filesystem>

namespace ql::data {
namespace {

namespace fs = std::filesystem;

// Arrays are read lazily (io/NpyReader.h): get(i) reads the bytes of sample i only, so the
// work follows the samples used (--max-samples), not the file's size.
struct Feed {
    std::shared_ptr<const NpyReader> array;
    size_t perSample = 1;     // items of the array per sample
    size_t itemElements = 0;  // elements of one item
    bool wholeArray = false;  // the array is one sample
};

class NpySource final : public DataSource {
public:
    NpySource(std::string path, std::vector<Feed> feeds, std::vector<InputInfo> inputs, size_t count,
              std::optional<Normalization> norm)
        : m_path(std::move(path)), m_feeds(std::move(feeds)), m_inputs(std::move(inputs)), m_count(count),
          m_norm(std::move(norm)) {}

    size_t size() const override { return m_count; }

    Result<Sample> get(size_t i) const override {
        if (i >= m_count) return makeError(m_path + ": sample " + std::to_string(i) + " is out of range (" + std::to_string(m_count) + ")");
        Sample s;
        for (size_t k = 0; k < m_feeds.size(); ++k) {
            const Feed& f = m_feeds[k];
            const InputInfo& in = m_inputs[k];
            SampleTensor t;
            t.type = in.type;
            t.shape = in.shape;
            const size_t count = static_cast<size_t>(in.elementCount());
            t.bytes.resize(count * elementSize(in.type));
            const size_t esize = elementSize(f.array->type());
            std::vector<uint8_t> raw(count * esize);
            if (Status st = f.array->read(f.wholeArray ? 0 : uint64_t(i) * raw.size(), raw); !st) return st.error();
            const uint8_t* src = raw.data();
            if (f.array->type() == TensorType::UINT8 && m_norm) {
                // Pixels: per-channel normalisation follows the input's image layout.
                std::vector<float> pixels(src, src + count);
                size_t channels = 1, inner = 1;
                if (auto layout = imageLayout(in)) {
                    channels = static_cast<size_t>(layout->channels);
                    inner = layout->nchw ? static_cast<size_t>(layout->height) * static_cast<size_t>(layout->width) : 1;
                }
                convertPixels(pixels, channels, inner, in, &*m_norm, t.bytes.data());
            } else {
                convertNumeric(src, f.array->type(), count, in, t.bytes.data());
            }
            s.tensors.push_back(std::move(t));
        }
        return s;
    }

    std::string describe() const override {
        std::string d = fs::path(m_path).filename().string() + ": " + std::to_string(m_count) + " samples";
        for (const Feed& f : m_feeds) {
            std::vector<int32_t> shape(f.array->shape().begin(), f.array->shape().end());
            d += ", " + (f.array->name().empty() ? std::string("array") : "'" + f.array->name() + "'") + " " +
                 shapeString(shape) + " " + std::string(typeName(f.array->type()));
        }
        return d;
    }

private:
    std::string m_path;
    std::vector<Feed> m_feeds;
    std::vector<InputInfo> m_inputs;
    size_t m_count;
    std::optional<Normalization> m_norm;
};

// How `array` feeds `input`; an error names the file, the array, the expected and actual shape
// or dtype.
Result<Feed> planFeed(const std::string& path, std::shared_ptr<const NpyReader> array, const InputInfo& input) {
    const std::string who = path + (array->name().empty() ? std::string() : ": array '" + array->name() + "'");
    if (!isReadableType(array->type()))
        return makeError(who + " holds " + std::string(typeName(array->type())) + " values, which cannot feed input '" +
                         input.name + "' (" + std::string(typeName(input.type)) + ")");
    if (!isWritableType(input.type))
        return makeError(who + ": cannot convert data into input '" + input.name + "' of type " + std::string(typeName(input.type)));
    std::vector<int32_t> shape;
    for (int64_t d : array->shape()) {
        if (d > INT32_MAX) return makeError(who + ": dimension " + std::to_string(d) + " is too large");
        shape.push_back(static_cast<int32_t>(d));
    }
    Feed f;
    if (!shape.empty()) {
        const std::vector<int32_t> item(shape.begin() + 1, shape.end());
        f.perSample = itemsPerSample(item, input, /*allowFlatten=*/false);
    } else {
        f.perSample = 0;
    }
    if (f.perSample == 0) {
        if (array->elementCount() == input.elementCount() && squeezedEqual(shape, input.shape)) {
            f.wholeArray = true;
            f.perSample = 1;
        } else {
            const std::string expected = input.shape.empty() ? "[N]" : "[N, " + shapeString(input.shape).substr(1);
            std::string alt;
            if (input.shape.size() >= 1 && input.shape[0] == 1)
                alt = " or [N, " + shapeString(std::vector<int32_t>(input.shape.begin() + 1, input.shape.end())).substr(1);
            return makeError(who + " has shape " + shapeString(shape) + ", but input '" + input.name + "' of shape " +
                             shapeString(input.shape) + " needs samples along the first dimension: " + expected + alt);
        }
    }
    f.itemElements = static_cast<size_t>(input.elementCount()) / f.perSample;
    f.array = std::move(array);
    return f;
}

size_t samplesOf(const Feed& f) {
    if (f.wholeArray) return 1;
    return f.array->shape().empty() ? 0 : static_cast<size_t>(f.array->shape()[0]) / f.perSample;
}

Result<std::unique_ptr<DataSource>> makeSource(const std::string& path, std::vector<std::shared_ptr<const NpyReader>> arrays,
                                               const ModelInputInfo& inputs, const DataOptions& options) {
    std::vector<Feed> feeds;
    size_t count = SIZE_MAX;
    for (size_t k = 0; k < arrays.size(); ++k) {
        auto feed = planFeed(path, std::move(arrays[k]), inputs.inputs[k]);
        if (!feed) return feed.error();
        const size_t n = samplesOf(*feed);
        if (count != SIZE_MAX && n != count)
            return makeError(path + ": array '" + feed->array->name() + "' holds " + std::to_string(n) + " samples, but array '" +
                             feeds[0].array->name() + "' holds " + std::to_string(count) + " samples");
        count = n;
        feeds.push_back(std::move(feed.value()));
    }
    if (count == 0 || count == SIZE_MAX) return makeError(path + ": the file holds no samples");
    return std::unique_ptr<DataSource>(
        std::make_unique<NpySource>(path, std::move(feeds), inputs.inputs, count, options.normalization));
}

std::string namesOf(const std::vector<std::shared_ptr<const NpyReader>>& arrays) {
    std::string s;
    for (const auto& a : arrays) s += (s.empty() ? "'" : ", '") + a->name() + "'";
    return "[" + s + "]";
}

std::string inputNames(const ModelInputInfo& inputs) {
    std::string s;
    for (const auto& in : inputs.inputs) s += (s.empty() ? "'" : ", '") + in.name + "'";
    return "[" + s + "]";
}

} // namespace

Result<std::unique_ptr<DataSource>> openNpySource(const std::string& path, const ModelInputInfo& inputs,
                                                  const DataOptions& options) {
    if (inputs.inputs.size() != 1)
        return makeError(path + ": a .npy file feeds a model with one input; this model has " +
                         std::to_string(inputs.inputs.size()) + " " + inputNames(inputs) + " (use an .npz file)");
    auto array = openNpyReader(path);
    if (!array) return array.error();
    std::vector<std::shared_ptr<const NpyReader>> arrays;
    arrays.push_back(std::move(array.value()));
    return makeSource(path, std::move(arrays), inputs, options);
}

Result<std::unique_ptr<DataSource>> openNpzSource(const std::string& path, const ModelInputInfo& inputs,
                                                  const DataOptions& options) {
    auto read = openNpzReaders(path);
    if (!read) return read.error();
    std::vector<std::shared_ptr<const NpyReader>> arrays;
    for (auto& r : read.value()) arrays.push_back(std::move(r));
    // By name: every input has an array of its tensor name.
    std::vector<std::shared_ptr<const NpyReader>> ordered;
    for (const InputInfo& in : inputs.inputs) {
        const auto it = std::find_if(arrays.begin(), arrays.end(), [&](const auto& a) { return a->name() == in.name; });
        if (it == arrays.end()) break;
        ordered.push_back(*it);
    }
    if (ordered.size() == inputs.inputs.size()) return makeSource(path, std::move(ordered), inputs, options);
    // By order: numpy.savez(file, a, b) names them arr_0, arr_1 (sorted by their number);
    // otherwise the archive order.
    if (arrays.size() == inputs.inputs.size()) {
        const auto argIndex = [](const std::string& name) -> long {
            if (name.rfind("arr_", 0) != 0 || name.size() == 4) return -1;
            for (size_t i = 4; i < name.size(); ++i)
                if (name[i] < '0' || name[i] > '9') return -1;
            return std::stol(name.substr(4));
        };
        if (std::all_of(arrays.begin(), arrays.end(), [&](const auto& a) { return argIndex(a->name()) >= 0; }))
            std::stable_sort(arrays.begin(), arrays.end(),
                             [&](const auto& a, const auto& b) { return argIndex(a->name()) < argIndex(b->name()); });
        return makeSource(path, std::move(arrays), inputs, options);
    }
    return makeError(path + ": arrays " + namesOf(arrays) + " do not match the model's inputs " + inputNames(inputs) +
                     " by name, nor by order (" + std::to_string(arrays.size()) + " arrays for " +
                     std::to_string(inputs.inputs.size()) + " inputs)");
}

Result<std::vector<int>> readLabelFile(const std::string& path) {
    std::string lower = fs::path(path).extension().string();
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != ".npy") return readIdxLabels(path);
    auto a = readNpy(path);
    if (!a) return a.error();
    const bool column = a->shape.size() == 2 && a->shape[1] == 1;
    if (a->shape.size() != 1 && !column) {
        std::vector<int32_t> shape(a->shape.begin(), a->shape.end());
        return makeError(path + ": labels must be a 1-D array of class indices, this one has shape " + shapeString(shape));
    }
    if (!isIntegerType(a->type) && a->type != TensorType::BOOL)
        return makeError(path + ": labels must be integers, this file holds " + std::string(typeName(a->type)));
    std::vector<int> labels(static_cast<size_t>(a->elementCount()));
    InputInfo asInt;
    asInt.type = TensorType::INT32;
    convertNumeric(a->data.data(), a->type, labels.size(), asInt, reinterpret_cast<uint8_t*>(labels.data()));
    return labels;
}

} // namespace ql::data

// IDX images as a data source: item i is slice i of the first dimension. uint8 arrays are
// pixel data (normalised like images), other element types are numeric data.
//
// IDX files are read lazily: get(i) copies (and byte-swaps) the elements of sample i only, so
// --max-samples bounds the work. A plain file is read through its memory map; a gzip file
// through a stream inflated forward as far as the samples used, never past what its header
// declares (io/InflateStream.h). A gzip file of at most kEagerBytes is inflated whole when
// opened, with every check then (IdxFile.cpp).
#include "data/Convert.h"
#include "data/IdxFile.h"
#include "data/Sources.h"
#include "io/InflateStream.h"
#include "io/MappedFile.h"

#include <cstdint>
#include <mutex>

#include <filesystem>

namespace ql::data {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kEagerBytes = uint64_t{16} << 20;

class IdxSource final : public DataSource {
public:
    // The elements are in host order in array.bytes (a small gzip file, inflated), big-endian at
    // `data` in the mapped `file`, or big-endian from `dataOffset` on in `stream` (over `file`).
    IdxSource(std::string path, IdxArray array, std::shared_ptr<const MappedFile> file, const uint8_t* data,
              std::unique_ptr<InflateStream> stream, uint64_t dataOffset, InputInfo input, size_t perSample,
              std::optional<Normalization> norm, std::vector<int> labels)
        : m_path(std::move(path)), m_array(std::move(array)), m_file(std::move(file)),
          m_data(m_file ? data : m_array.bytes.data()), m_stream(std::move(stream)), m_dataOffset(dataOffset),
          m_input(std::move(input)), m_perSample(perSample), m_norm(std::move(norm)), m_labels(std::move(labels)) {
        m_itemElements = static_cast<size_t>(m_array.elementCount() / std::max<int64_t>(m_array.dims[0], 1));
        // An item [H, W, C] with C in {1, 3, 4} carries channels (NHWC); others are one channel.
        if (m_array.dims.size() == 4) m_channels = static_cast<size_t>(m_array.dims[3]);
    }

    size_t size() const override { return static_cast<size_t>(m_array.dims[0]) / m_perSample; }

    Result<Sample> get(size_t i) const override {
        if (i >= size()) return makeError(m_path + ": sample " + std::to_string(i) + " is out of range (" + std::to_string(size()) + ")");
        SampleTensor t;
        t.type = m_input.type;
        t.shape = m_input.shape;
        const size_t count = m_itemElements * m_perSample;
        t.bytes.resize(count * elementSize(m_input.type));
        const size_t esize = elementSize(m_array.type);
        std::vector<uint8_t> raw(count * esize);
        if (m_stream) {
            std::lock_guard lock(m_streamMutex);
            if (Status st = m_stream->read(m_dataOffset + uint64_t(i) * raw.size(), raw); !st) return st.error();
        } else {
            std::copy(m_data + i * raw.size(), m_data + (i + 1) * raw.size(), raw.begin());
        }
        if (m_file) idxToHostOrder(raw.data(), count, m_array.type);
        const uint8_t* src = raw.data();
        if (m_array.type == TensorType::UINT8) {
            std::vector<float> pixels(src, src + count);
            convertPixels(pixels, m_channels, 1, m_input, m_norm ? &*m_norm : nullptr, t.bytes.data());
        } else {
            convertNumeric(src, m_array.type, count, m_input, t.bytes.data());
        }
        Sample s;
        s.tensors.push_back(std::move(t));
        return s;
    }

    std::optional<int> label(size_t i) const override {
        if (m_perSample != 1 || i >= m_labels.size()) return std::nullopt;
        return m_labels[i];
    }

    std::string describe() const override {
        std::vector<int32_t> item(m_array.dims.begin() + 1, m_array.dims.end());
        return fs::path(m_path).filename().string() + ": " + std::to_string(m_array.dims[0]) + " items " +
               shapeString(item) + " " + std::string(typeName(m_array.type)) +
               (m_labels.empty() ? std::string() : ", with labels");
    }

private:
    std::string m_path;
    IdxArray m_array; // type and dims; the elements too for a gzip file
    std::shared_ptr<const MappedFile> m_file;
    const uint8_t* m_data;
    mutable std::mutex m_streamMutex;
    std::unique_ptr<InflateStream> m_stream;
    uint64_t m_dataOffset = 0;
    InputInfo m_input;
    size_t m_perSample;
    std::optional<Normalization> m_norm;
    std::vector<int> m_labels;
    size_t m_itemElements = 0;
    size_t m_channels = 1;
};

// `train-images-idx3-ubyte.gz` -> `train-labels-idx1-ubyte.gz` (or without .gz), if present.
std::optional<std::string> siblingLabels(const std::string& path) {
    const fs::path p(path);
    std::string name = p.filename().string();
    const size_t at = name.find("images-idx3-ubyte");
    if (at == std::string::npos) return std::nullopt;
    name.replace(at, std::string("images-idx3-ubyte").size(), "labels-idx1-ubyte");
    std::vector<std::string> candidates = {name};
    if (name.size() > 3 && name.ends_with(".gz")) candidates.push_back(name.substr(0, name.size() - 3));
    else candidates.push_back(name + ".gz");
    for (const auto& c : candidates) {
        const fs::path q = p.parent_path() / c;
        std::error_code ec;
        if (fs::is_regular_file(q, ec)) return q.string();
    }
    return std::nullopt;
}

} // namespace

Result<std::vector<int>> readIdxLabels(const std::string& path) {
    auto a = readIdx(path);
    if (!a) return a.error();
    if (a->dims.size() != 1)
        return makeError(path + ": a labels file must be 1-D, this one has shape " + shapeString(a->dims));
    if (a->type != TensorType::UINT8 && a->type != TensorType::INT8 && a->type != TensorType::INT16 &&
        a->type != TensorType::INT32)
        return makeError(path + ": labels must be integers, this file holds " + std::string(typeName(a->type)));
    std::vector<int> labels(static_cast<size_t>(a->dims[0]));
    InputInfo asInt;
    asInt.type = TensorType::INT32;
    convertNumeric(a->bytes.data(), a->type, labels.size(), asInt, reinterpret_cast<uint8_t*>(labels.data()));
    return labels;
}

Result<std::unique_ptr<DataSource>> openIdxSource(const std::string& path, const ModelInputInfo& inputs,
                                                  const DataOptions& options) {
    if (inputs.inputs.size() != 1)
        return makeError(path + ": an IDX file feeds a model with one input; this model has " +
                         std::to_string(inputs.inputs.size()));
    const InputInfo& input = inputs.inputs[0];
    if (!isWritableType(input.type))
        return makeError(path + ": cannot convert data into input '" + input.name + "' of type " + std::string(typeName(input.type)));
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    std::shared_ptr<const MappedFile> file = std::move(mapped.value());
    const uint8_t* data = nullptr;
    std::unique_ptr<InflateStream> stream;
    uint64_t dataOffset = 0;
    Result<IdxArray> array = IdxArray{};
    if (isGzip(file->bytes())) {
        // The header through the stream: 4 bytes, then 4 per dimension.
        stream = std::make_unique<InflateStream>(file->bytes(), InflateStream::Format::Gzip, UINT64_MAX, std::nullopt, path);
        std::vector<uint8_t> head(4);
        Status got = stream->read(0, head);
        if (got && head[0] == 0 && head[1] == 0) {
            head.resize(4 + 4 * size_t{head[3]});
            got = stream->read(4, std::span<uint8_t>(head).subspan(4));
        }
        auto header = got ? parseIdxHeader(head, path, UINT64_MAX) : Result<IdxHeader>(got.error());
        if (header && header->dataOffset + header->dataBytes > kEagerBytes) {
            stream->setDeclared(header->dataOffset + header->dataBytes);
            array->type = header->type;
            array->dims = std::move(header->dims);
            dataOffset = header->dataOffset;
        } else {
            stream.reset(); // small, or refused: read whole for every check and its message
            array = readIdx(path);
            file.reset();
        }
    } else if (auto header = parseIdxHeader(file->bytes(), path, file->size()); header) {
        array->type = header->type;
        array->dims = std::move(header->dims);
        data = file->data() + header->dataOffset;
    } else {
        array = header.error();
    }
    if (!array) return array.error();
    if (array->dims.size() < 2)
        return makeError(path + ": a 1-D IDX file holds labels, not samples (shape " + shapeString(array->dims) +
                         "); pass it as the labels");
    const std::vector<int32_t> item(array->dims.begin() + 1, array->dims.end());
    const size_t perSample = itemsPerSample(item, input, /*allowFlatten=*/true);
    if (perSample == 0)
        return makeError(path + ": items of shape " + shapeString(item) + " (" + std::to_string(array->elementCount() / std::max(array->dims[0], 1)) +
                         " elements) do not fit input '" + input.name + "' of shape " + shapeString(input.shape));
    if (array->dims[0] == 0) return makeError(path + ": the file holds no items");

    std::vector<int> labels;
    if (options.labels.empty()) {
        if (auto sibling = siblingLabels(path)) {
            auto read = readIdxLabels(*sibling);
            if (!read) return read.error();
            if (read->size() != static_cast<size_t>(array->dims[0]))
                return makeError(*sibling + ": " + std::to_string(read->size()) + " labels, but " + path + " has " +
                                 std::to_string(array->dims[0]) + " images");
            labels = std::move(read.value());
        }
    }
    std::optional<Normalization> norm = options.normalization;
    if (!norm && !inputs.metadataNormalization.empty()) norm = inputs.metadataNormalization[0];
    return std::unique_ptr<DataSource>(std::make_unique<IdxSource>(path, std::move(array.value()), std::move(file), data, std::move(stream),
                                                                   dataOffset, input, perSample, std::move(norm), std::move(labels)));
}

} // namespace ql::data

#pragma once
// Calibration and evaluation data: one interface over every kind of source
// (`.npy`, `.npz`, IDX files, a folder of images, `random:N[:SEED]`). A source yields samples
// already shaped and typed like the model's inputs, so a caller only copies the bytes into the
// interpreter (Interpreter::setInput) and invokes.
//
// Value conventions (what "already converted" means):
// - numeric data (.npy/.npz, float IDX): copied when the dtype matches; float data into a
//   quantized integer input is quantized with the input's parameters,
//   q = clamp(round(r / scale) + zero_point, qmin, qmax); other mismatches are cast (rounded
//   and saturated).
// - pixel data (images, uint8 IDX): with a normalisation (options, else the model's metadata)
//   the real value r = norm(p) is stored (quantized for an integer input). Without one, a float
//   input receives p / 255 in [0, 1], a uint8 input the raw pixel p and an int8 input p - 128:
//   the bytes TFLite's image models expect for both usual input conventions, (1/255, 0) or
//   (1/128, 128) for uint8 and (1/255, -128) or (1/128, 0) for int8 (see Convert.h).

#include "model/Model.h"
#include "util/Result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql::data {

// One tensor of a sample: the model input's dtype and shape, row-major bytes.
struct SampleTensor {
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape;
    std::vector<uint8_t> bytes;

    int64_t elementCount() const;
    template <class T> const T* as() const { return reinterpret_cast<const T*>(bytes.data()); }
};

// One model invocation's worth of inputs, in the order of the subgraph's input list.
struct Sample {
    std::vector<SampleTensor> tensors;
};

// What a source needs to know about one model input.
struct InputInfo {
    std::string name;
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape; // the tensor's static shape (batch included)
    bool quantized = false;     // per-tensor scale/zero_point present
    float scale = 1.0f;
    int64_t zeroPoint = 0;

    int64_t elementCount() const;
};

// Pixel normalisation: either r = (p - mean[c]) / std[c] on raw pixel values p in [0, 255]
// (the TFLite metadata convention: mean 127.5, std 127.5 gives [-1, 1]), or a linear map of
// [0, 255] onto [lo, hi].
struct Normalization {
    std::vector<float> mean; // one value, or one per channel
    std::vector<float> stddev;
    float lo = 0.0f, hi = 1.0f; // used when mean/stddev are empty

    static Normalization range(float lo, float hi);
    static Normalization meanStd(std::vector<float> mean, std::vector<float> stddev);
    bool isMeanStd() const { return !mean.empty(); }
    // Real value of pixel p (0..255) in channel c.
    float apply(float p, size_t channel) const;
};

struct ModelInputInfo {
    std::vector<InputInfo> inputs;
    // Per input: the normalisation found in the model's TFLite metadata ("TFLITE_METADATA",
    // ImageProperties + NormalizationOptions), if any. See normalizationFromMetadata.
    std::vector<std::optional<Normalization>> metadataNormalization;

    // The inputs of subgraph 0.
    static ModelInputInfo fromModel(const Model& model);
};

// The input normalisation recorded in the model's TFLite metadata ("TFLITE_METADATA":
// TensorMetadata.process_units -> NormalizationOptions{mean, std}), if any.
std::optional<Normalization> normalizationFromMetadata(const Model& model, size_t inputIndex);

struct DataOptions {
    size_t maxSamples = 0; // 0: all
    size_t stride = 1;     // take every stride-th item
    size_t offset = 0;     // first item taken
    std::optional<Normalization> normalization; // pixel data; overrides the model's metadata
    float randomLo = -1.0f, randomHi = 1.0f;    // random: range of float inputs
    // Labels: an IDX1 file or a 1-D integer .npy. Empty: IDX images look for their sibling
    // `*-labels-idx1-ubyte[.gz]`; image folders with one subfolder per class use its index.
    std::string labels;
};

class DataSource {
public:
    virtual ~DataSource() = default;
    virtual size_t size() const = 0;
    virtual Result<Sample> get(size_t i) const = 0;
    virtual std::optional<int> label(size_t i) const { (void)i; return std::nullopt; }
    // Short description for messages and the UI ("train-images-idx3-ubyte.gz: 60000 images 28x28").
    virtual std::string describe() const = 0;
};

// Opens SRC: a `.npy` or `.npz` file, an IDX file (`*-idx3-ubyte[.gz]`), a folder
// of PNG/JPEG images, or `random:N[:SEED]`. Limits in `options` are applied.
Result<std::unique_ptr<DataSource>> openDataSource(const std::string& spec, const ModelInputInfo& inputs,
                                                   const DataOptions& options = {});

// Applies maxSamples/stride/offset of `options` to any source (item i of the result is item
// offset + i * stride of `source`).
std::unique_ptr<DataSource> limitSource(std::unique_ptr<DataSource> source, const DataOptions& options);

} // namespace ql::data

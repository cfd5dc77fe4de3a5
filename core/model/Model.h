#pragma once
// The model graph every part of QuantLab works on. It mirrors the TFLite format closely (same
// enums, same option structs via the flatbuffers object API) but is a plain C++ value: the
// reader builds it from a validated file, the quantizer edits a copy, the writer serializes it.
//
// Buffers are views: a model read from disk points into the memory-mapped file (weights are
// never copied); buffers made by QuantLab own their bytes. Both keep their storage alive
// through `owner`.

#include "model/TensorTypes.h"
#include "util/Indices.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ql {

// Blockwise quantization (the schema's BlockwiseQuantization details): the tensor is split
// along its last dimension into blocks of `blockSize` values; block b of row i has the scale
// scales[i, b] (a constant tensor of the same subgraph, float32 or float16) and the zero point
// zeroPoints[i, b] (another tensor, or none: all zero). r = scale[i, b] * (q - zp[i, b]).
struct BlockwiseParams {
    TensorIndex scales;
    TensorIndex zeroPoints; // invalid (-1): all zero points are 0
    int32_t blockSize = 0;
    bool operator==(const BlockwiseParams&) const = default;
};

// r = scale * (q - zero_point). One (scale, zero_point) pair per tensor, or one per slice
// along quantizedDimension ("per channel"), or blockwise (then `scale` is empty and the
// scales live in another tensor, see BlockwiseParams).
struct QuantParams {
    std::vector<float> scale;
    std::vector<int64_t> zeroPoint;
    std::vector<float> min; // the converter's recorded float range (informational)
    std::vector<float> max;
    int32_t quantizedDimension = 0;
    std::vector<uint8_t> customDetails; // CustomQuantization payload, kept verbatim
    std::optional<BlockwiseParams> blockwise;

    bool isQuantized() const { return !scale.empty(); }
    bool isPerChannel() const { return scale.size() > 1; }
    bool isBlockwise() const { return blockwise.has_value(); }
    bool empty() const {
        return scale.empty() && zeroPoint.empty() && min.empty() && max.empty() && customDetails.empty() && !blockwise;
    }
    bool operator==(const QuantParams&) const = default;
};

struct Buffer {
    const uint8_t* data = nullptr;
    size_t size = 0;
    std::shared_ptr<const void> owner; // keeps `data` alive (mapped file or owned vector)
    // Where the bytes were found in the source file: inside the flatbuffer, or after it
    // (the 2 GB-safe "offset/size" layout).
    bool storedOutsideFlatbuffer = false;

    std::span<const uint8_t> bytes() const { return {data, size}; }
    bool empty() const { return size == 0; }
    static Buffer owning(std::vector<uint8_t> bytes);
};

struct Tensor {
    std::string name;
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape;
    std::vector<int32_t> shapeSignature; // -1 for unknown dimensions; empty when absent
    bool hasRank = false;
    BufferIndex buffer{0};
    QuantParams quant;
    bool isVariable = false;
    std::shared_ptr<const tflite::SparsityParametersT> sparsity; // null unless sparse

    int64_t elementCount() const; // product of shape (1 for a scalar)
};

struct Operator {
    BuiltinOp op = BuiltinOp::ADD; // resolved: max(deprecated_builtin_code, builtin_code)
    std::string customCode;        // for BuiltinOp::CUSTOM
    int32_t version = 1;
    std::vector<TensorIndex> inputs; // an invalid index (-1) is an omitted optional input
    std::vector<TensorIndex> outputs;
    std::vector<TensorIndex> intermediates;
    tflite::BuiltinOptionsUnion options;
    tflite::BuiltinOptions2Union options2;
    std::vector<uint8_t> customOptions; // flexbuffer for custom ops, kept verbatim
    std::vector<bool> mutatingVariableInputs;

    // Display name: the builtin name, or the custom code for CUSTOM.
    std::string typeName() const;
};

struct Subgraph {
    std::string name;
    std::vector<Tensor> tensors;
    std::vector<Operator> operators;
    std::vector<TensorIndex> inputs;
    std::vector<TensorIndex> outputs;

    // Derived by Model::rebuildIndex(): who writes and who reads each tensor.
    std::vector<OperatorIndex> producer;             // invalid for graph inputs and constants
    std::vector<std::vector<OperatorIndex>> consumers;

    const Tensor& tensor(TensorIndex i) const { return tensors[i.index()]; }
    Tensor& tensor(TensorIndex i) { return tensors[i.index()]; }
    const Operator& op(OperatorIndex i) const { return operators[i.index()]; }
};

struct SignatureTensor {
    std::string name;
    TensorIndex tensor;
};

struct SignatureDef {
    std::string key;
    SubgraphIndex subgraph{0};
    std::vector<SignatureTensor> inputs;
    std::vector<SignatureTensor> outputs;
};

struct MetadataEntry {
    std::string name;
    BufferIndex buffer;
};

enum class Severity { Info, Warning, Error };

// A problem found in a file that can still be read: it opens, and the inspector explains.
struct Diagnostic {
    Severity severity = Severity::Warning;
    std::string message; // names subgraph, operator index and tensor where they apply
};

struct Model {
    uint32_t version = 3;
    std::string description;
    std::vector<Subgraph> subgraphs;
    std::vector<Buffer> buffers; // buffer 0 is the empty sentinel
    std::vector<SignatureDef> signatures;
    std::vector<MetadataEntry> metadata;
    std::vector<int32_t> legacyMetadataBuffer; // deprecated `metadata_buffer` field
    std::vector<Diagnostic> diagnostics;
    std::string sourcePath; // empty for models built in memory
    uint64_t sourceBytes = 0;

    const Buffer& buffer(BufferIndex i) const { return buffers[i.index()]; }
    // True if the tensor has constant data (a non-empty buffer).
    bool isConstant(const Tensor& t) const;
    // Bytes of a metadata entry by name (e.g. "min_runtime_version"), empty if absent.
    std::span<const uint8_t> metadataBytes(std::string_view name) const;
    // Recomputes producer/consumers of every subgraph. Call after editing operators.
    void rebuildIndex();
    // Appends an owned buffer and returns its index.
    BufferIndex addBuffer(std::vector<uint8_t> bytes);
};

} // namespace ql

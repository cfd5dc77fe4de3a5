#pragma once
// Decoding of the two metadata entries real .tflite files carry:
//  - "CONVERSION_METADATA": converter version, source model type, optimisations applied;
//  - "TFLITE_METADATA": TFLite Support's model metadata (name, description, version, author,
//    licence, per-tensor normalisation and statistics, associated files).
// Both are untrusted flatbuffers: they are verified; a damaged one is reported, not fatal.

#include "model/Model.h"
#include "util/Result.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ql {

struct ConversionInfo {
    std::string tensorflowVersion;
    uint32_t apiVersion = 0;
    std::string modelType;                      // "KERAS_MODEL", ...
    uint64_t modelHash = 0;
    std::vector<std::string> optimizationModes; // "PTQ_FULL_INTEGER", ...
    bool allowCustomOps = false;
    bool enableSelectTfOps = false;
    bool forceSelectTfOps = false;
};

struct TensorMetadataInfo {
    std::string name;
    std::string description;
    std::vector<float> mean; // normalisation (x - mean) / std, per channel or one value
    std::vector<float> std;
    std::vector<float> statsMin;
    std::vector<float> statsMax;
    std::string colorSpace; // "RGB", "GRAYSCALE" for image inputs
    std::vector<std::string> associatedFiles;
};

struct ModelMetadataInfo {
    std::string name;
    std::string description;
    std::string version;
    std::string author;
    std::string license;
    std::string minParserVersion;
    std::vector<TensorMetadataInfo> inputs; // of subgraph 0
    std::vector<TensorMetadataInfo> outputs;
    std::vector<std::string> associatedFiles;
};

// nullopt when the entry is absent; an error when present but damaged.
std::optional<Result<ConversionInfo>> decodeConversionMetadata(const Model& model);
std::optional<Result<ModelMetadataInfo>> decodeModelMetadata(const Model& model);
// Serializes model metadata (name, description, version, author, licence, per-input
// normalisation and per-output labels file names) as a TFLITE_METADATA flatbuffer.
std::vector<uint8_t> encodeModelMetadata(const ModelMetadataInfo& info);
// Serializes a CONVERSION_METADATA flatbuffer (the converter's own entry). Model type and
// optimisation modes are given by their schema names ("KERAS_MODEL", "PTQ_FULL_INTEGER"); an
// unknown name is an error.
Result<std::vector<uint8_t>> encodeConversionMetadata(const ConversionInfo& info);

// The lines of a text file (label files): '\n' ends a line, '\r' is dropped, a last line without
// '\n' counts when it is not empty.
std::vector<std::string> splitLines(std::span<const uint8_t> text);

// Class labels of output 0: the lines of its TENSOR_AXIS_LABELS file (named in TFLITE_METADATA)
// stored as a model metadata entry of the same name (QuantLab's exports keep the file there
// rather than in TFLite Support's appended zip). Empty when absent.
std::vector<std::string> modelLabels(const Model& model);

} // namespace ql

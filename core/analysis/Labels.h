#pragma once
// Class labels for a classifier's scores (the top-k of the side-by-side view, eval).
//
// Where they come from, first found wins:
//  1. the model's TFLITE_METADATA: the associated files of output i (TENSOR_AXIS_LABELS), read
//     either from a metadata entry of the same name (QuantLab's own exports keep the file there)
//     or from the zip archive TFLite Support's metadata writer appends to the .tflite file
//     (stored or deflated members; the file is re-read from Model::sourcePath);
//  2. a text file the user gives: one label per line (`quantlab --labels FILE`, the lab's
//     "Labels..." button).
// Label i names score i. Files are untrusted: every offset of the zip is bounds-checked.

#include "model/Model.h"
#include "util/Result.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ql::analysis {

// One label per line; '\r' dropped, trailing empty lines dropped.
std::vector<std::string> parseLabels(std::span<const uint8_t> text);
// Errors: unreadable file, or a file with no label.
Result<std::vector<std::string>> readLabelsFile(const std::string& path);

// The bytes of member `name` of a zip archive that ends `bytes` (data may precede it, as in a
// .tflite with appended associated files). nullopt when there is no archive, no such member, an
// unsupported compression method or damaged offsets.
std::optional<std::vector<uint8_t>> zipMember(std::span<const uint8_t> bytes, std::string_view name);

// Labels of output `output` of subgraph 0 from the model's metadata (1. above); empty when the
// model names no label file or the file cannot be found.
std::vector<std::string> outputLabels(const Model& model, size_t output);

} // namespace ql::analysis

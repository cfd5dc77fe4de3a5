#pragma once
// The TFLite enums, re-exported under QuantLab names. The generated header comes from the
// project's own schema (core/tflite/schema/tflite.fbs) compiled by flatc at build time.

#include "tflite_generated.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ql {

using TensorType = tflite::TensorType;
using BuiltinOp = tflite::BuiltinOperator;
using Activation = tflite::ActivationFunctionType;
using Padding = tflite::Padding;

// Bytes per element, or 0 for types with no fixed element size (STRING, RESOURCE, VARIANT)
// and for the sub-byte types INT4, UINT4 and INT2, which pack several elements per byte.
size_t elementSize(TensorType type);
// Bits per element of the packed sub-byte types (INT4 and UINT4: 4, INT2: 2), else 0. TFLite
// packs them densely, the first element in the lowest bits of the first byte.
int subByteBits(TensorType type);
// Bytes needed for `count` elements of `type` (sub-byte types packed: ceil(count * bits / 8));
// nullopt when the type has no fixed size.
std::optional<uint64_t> byteCount(TensorType type, uint64_t count);

std::string_view typeName(TensorType type);    // "float32", "int8", ... (numpy-like, lower case)
std::string_view opName(BuiltinOp op);         // "CONV_2D", ...
std::string_view activationName(Activation a); // "NONE", "RELU", ...
std::optional<BuiltinOp> opFromName(std::string_view name);

inline bool isIntegerType(TensorType t) {
    return t == TensorType::INT8 || t == TensorType::UINT8 || t == TensorType::INT16 ||
           t == TensorType::INT32 || t == TensorType::INT64 || t == TensorType::UINT16 ||
           t == TensorType::UINT32 || t == TensorType::UINT64 || t == TensorType::INT4;
}

inline bool isFloat8Type(TensorType t) {
    return t == TensorType::FLOAT8_E4M3FN || t == TensorType::FLOAT8_E5M2;
}

} // namespace ql

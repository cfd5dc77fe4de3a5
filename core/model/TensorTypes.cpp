#include "model/TensorTypes.h"

#include <cctype>
#include <string>

namespace ql {

size_t elementSize(TensorType type) {
    switch (type) {
    case TensorType::FLOAT32: return 4;
    case TensorType::FLOAT16: return 2;
    case TensorType::BFLOAT16: return 2;
    case TensorType::FLOAT64: return 8;
    case TensorType::INT32: return 4;
    case TensorType::UINT32: return 4;
    case TensorType::INT64: return 8;
    case TensorType::UINT64: return 8;
    case TensorType::INT16: return 2;
    case TensorType::UINT16: return 2;
    case TensorType::INT8: return 1;
    case TensorType::UINT8: return 1;
    case TensorType::BOOL: return 1;
    case TensorType::COMPLEX64: return 8;
    case TensorType::COMPLEX128: return 16;
    case TensorType::FLOAT8_E4M3FN: return 1;
    case TensorType::FLOAT8_E5M2: return 1;
    case TensorType::INT4:
    case TensorType::UINT4:
    case TensorType::INT2: return 0;
    case TensorType::STRING:
    case TensorType::RESOURCE:
    case TensorType::VARIANT: return 0;
    }
    return 0;
}

int subByteBits(TensorType type) {
    switch (type) {
    case TensorType::INT4:
    case TensorType::UINT4: return 4;
    case TensorType::INT2: return 2;
    default: return 0;
    }
}

std::optional<uint64_t> byteCount(TensorType type, uint64_t count) {
    if (const int bits = subByteBits(type)) return count / uint64_t(8 / bits) + (count % uint64_t(8 / bits) != 0);
    const size_t size = elementSize(type);
    if (size == 0) return std::nullopt;
    if (count > UINT64_MAX / size) return std::nullopt;
    return count * size;
}

std::string_view typeName(TensorType type) {
    switch (type) {
    case TensorType::FLOAT32: return "float32";
    case TensorType::FLOAT16: return "float16";
    case TensorType::BFLOAT16: return "bfloat16";
    case TensorType::FLOAT64: return "float64";
    case TensorType::INT32: return "int32";
    case TensorType::UINT32: return "uint32";
    case TensorType::INT64: return "int64";
    case TensorType::UINT64: return "uint64";
    case TensorType::INT16: return "int16";
    case TensorType::UINT16: return "uint16";
    case TensorType::INT8: return "int8";
    case TensorType::UINT8: return "uint8";
    case TensorType::BOOL: return "bool";
    case TensorType::COMPLEX64: return "complex64";
    case TensorType::COMPLEX128: return "complex128";
    case TensorType::INT4: return "int4";
    case TensorType::UINT4: return "uint4";
    case TensorType::INT2: return "int2";
    case TensorType::FLOAT8_E4M3FN: return "float8_e4m3fn";
    case TensorType::FLOAT8_E5M2: return "float8_e5m2";
    case TensorType::STRING: return "string";
    case TensorType::RESOURCE: return "resource";
    case TensorType::VARIANT: return "variant";
    }
    return "unknown";
}

std::string_view opName(BuiltinOp op) {
    const char* name = tflite::EnumNameBuiltinOperator(op);
    return (name && *name) ? std::string_view(name) : std::string_view("UNKNOWN_OP");
}

std::string_view activationName(Activation a) {
    const char* name = tflite::EnumNameActivationFunctionType(a);
    return (name && *name) ? std::string_view(name) : std::string_view("UNKNOWN");
}

std::optional<BuiltinOp> opFromName(std::string_view name) {
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto& values = tflite::EnumValuesBuiltinOperator();
    for (BuiltinOp op : values)
        if (opName(op) == upper) return op;
    return std::nullopt;
}

} // namespace ql

#pragma once
// A tensor shape as messages and JSON write it: "[1,224,224,3]".
#include <cstdint>
#include <span>
#include <string>

namespace ql {

inline std::string shapeText(std::span<const int32_t> shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

} // namespace ql

#pragma once
// Helpers of the interpreter tests: a built model written and read back as a user's file would
// be, and typed views of tensor bytes.

#include "io/MappedFile.h"
#include "model/Model.h"
#include "runtime/RtTensor.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ql::test {

// serializeModel + readModel: the model as the reader sees a file (validated, mapped buffers).
inline std::shared_ptr<const Model> roundTrip(const Model& model, const std::string& label = "test model") {
    auto bytes = serializeModel(model);
    REQUIRE(bytes);
    auto read = readModel(MappedFile::fromBytes(std::move(bytes.value())), label);
    REQUIRE(read);
    return read.value();
}

// A builtin options union holding `value` (for operators ModelBuilder has no helper for).
template <class T> tflite::BuiltinOptionsUnion optionsOf(T value) {
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(value));
    return u;
}

template <class T> std::span<const uint8_t> asBytes(const std::vector<T>& v) {
    return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T)};
}

template <class T> std::vector<T> valuesOf(const rt::RtTensor& t) {
    std::vector<T> v(static_cast<size_t>(t.elementCount()));
    if (!v.empty()) std::memcpy(v.data(), t.data, v.size() * sizeof(T));
    return v;
}

} // namespace ql::test

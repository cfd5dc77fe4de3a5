#pragma once
// A tensor as the interpreter sees it while running: type, current shape, a pointer to its
// bytes (into the arena, a constant buffer of the model, or a dynamic allocation) and the
// quantization of the model's tensor.

#include "model/Model.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql::rt {

struct RtTensor {
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape;
    uint8_t* data = nullptr;
    size_t bytes = 0;
    const QuantParams* quant = nullptr; // never null once the interpreter is built
    const Tensor* source = nullptr;     // the model's tensor
    bool constant = false;              // data points into a model buffer: read only
    bool variable = false;              // state kept between runs
    bool dynamic = false;               // allocated at eval time (shape depends on data)

    int rank() const { return static_cast<int>(shape.size()); }
    int32_t dim(int i) const { return shape[static_cast<size_t>(i)]; }
    int64_t elementCount() const {
        int64_t n = 1;
        for (int32_t d : shape) n *= d;
        return n;
    }
    template <class T> T* as() { return reinterpret_cast<T*>(data); }
    template <class T> const T* as() const { return reinterpret_cast<const T*>(data); }
    template <class T> std::span<T> values() { return {as<T>(), static_cast<size_t>(elementCount())}; }
    template <class T> std::span<const T> values() const { return {as<T>(), static_cast<size_t>(elementCount())}; }

    bool isQuantized() const { return quant && quant->isQuantized(); }
    float scale(size_t i = 0) const { return quant->scale[i]; }
    int32_t zeroPoint(size_t i = 0) const {
        return quant->zeroPoint.empty() ? 0 : static_cast<int32_t>(quant->zeroPoint[i < quant->zeroPoint.size() ? i : 0]);
    }
};

} // namespace ql::rt

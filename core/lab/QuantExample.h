#pragma once
// The teaching mode's worked example: one value of the selected tensor through
//   q = clamp(round(r / scale) + zero_point, qmin, qmax)   and back   r' = scale * (q -
//   zero_point),
// with every intermediate number, so that a workshop sees what quantization does to it.
// round() is half away from zero, as TFLite quantizes tensors (tensor_utils
// SymmetricQuantizeFloats and the converter's quantization_utils use std::round). For a
// per-channel tensor the element's channel (along quantized_dimension) gives scale and zero_point.

#include "model/Model.h"

#include <optional>
#include <string>
#include <vector>

namespace ql::lab {

struct QuantExample {
    size_t element = 0;
    int channel = 0; // 0 for per-tensor
    double r = 0;    // the real value
    double scale = 0;
    int64_t zeroPoint = 0;
    int32_t qmin = 0, qmax = 0;
    double divided = 0;    // r / scale
    double rounded = 0;    // round(r / scale)
    int64_t unclamped = 0; // round(r / scale) + zero_point
    int64_t q = 0;         // clamped to [qmin, qmax]
    double back = 0;       // scale * (q - zero_point)
    double error = 0;      // back - r
};

// The example for `element` of a tensor whose real values are `real` (row-major, the tensor's
// shape); the element with the largest |r| when `element` is nullopt. Nullopt when the tensor is
// not quantized or there is no value.
std::optional<QuantExample> quantExample(const Tensor& tensor, const std::vector<double>& real,
                                         std::optional<size_t> element = std::nullopt);

// "q = clamp(round(r / scale) + zero_point, qmin, qmax)" with the numbers, several lines.
std::string formatQuantExample(const QuantExample& e);

} // namespace ql::lab

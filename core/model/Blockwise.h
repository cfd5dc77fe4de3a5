#pragma once
// Reading a blockwise-quantized tensor's side tensors (Model.h, BlockwiseParams): the block
// scales and zero points as plain numbers for the inspectors, `inspect` and dequantization.
// Block b of row i covers elements [b * blockSize, (b + 1) * blockSize) of the row (the last
// dimension); r = scale[i, b] * (q - zero_point[i, b]).

#include "model/Model.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ql {

struct BlockScaleTable {
    int32_t blockSize = 0;
    size_t rows = 0;         // product of all dimensions but the last
    size_t blocksPerRow = 0; // last dimension / blockSize
    TensorType scaleType = TensorType::FLOAT32;
    std::vector<float> scales;       // rows * blocksPerRow, row-major
    std::vector<int64_t> zeroPoints; // same size, or empty when all are 0
    float scale(size_t row, size_t block) const { return scales[row * blocksPerRow + block]; }
    int64_t zeroPoint(size_t row, size_t block) const {
        return zeroPoints.empty() ? 0 : zeroPoints[row * blocksPerRow + block];
    }
};

// The table of a blockwise tensor of `subgraph`; nullopt when the tensor is not blockwise or its
// side tensors do not match it (the loader refuses such files, tflite/Validate.cpp).
std::optional<BlockScaleTable> blockScaleTable(const Model& model, const Subgraph& subgraph,
                                               const Tensor& tensor);

} // namespace ql

#pragma once
// Sparse constant -> dense, TFLite's FormatConverter::SparseToDense
// (tensorflow/lite/kernels/internal/utils/sparsity_format_converter.cc).
//
// The sparse tensor is traversed in `traversal_order` (the dense dimensions first, then for
// block sparsity the dimensions inside a block); each level is DENSE (dense_size entries) or
// SPARSE_CSR (array_segments[p]..array_segments[p+1] into array_indices for parent p). Leaves
// take the stored values in order. A blocked dimension d (block_map) gets the index
// outer * block_size + inner, with block_size the dense_size of the level
// traversal_order[rank + b].
//
// The file is untrusted: every segment, index and the value count are checked; an error says
// what is wrong.

#include "util/Result.h"
#include "tflite_generated.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql::rt::qk {

// `values` holds the stored (non-zero) elements of `elementSize` bytes each. Returns the dense
// tensor's bytes (shape `denseShape`, row major, zeros elsewhere).
Result<std::vector<uint8_t>> sparseToDense(const tflite::SparsityParametersT& sparsity, const std::vector<int32_t>& denseShape,
                                           std::span<const uint8_t> values, size_t elementSize);

} // namespace ql::rt::qk

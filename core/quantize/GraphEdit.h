#pragma once
// Graph edits shared by the quantizer's passes: folding constant float16 weights, reading a
// constant's float values, adding tensors, removing what nothing references.

#include "model/Model.h"

#include <string>
#include <vector>

namespace ql::quantize {

// DEQUANTIZE operators whose input is a constant float16 (or int8) tensor become float32
// constants: the output tensor gets a buffer holding the dequantized values and the operator
// is removed. DENSIFY operators of a constant sparse float32 / float16 tensor are folded the
// same way first (sparse weights: DENSIFY -> DEQUANTIZE -> CONV_2D). Tensor indices do not change, so calibration statistics of the folded model
// apply to it (MediaPipe's float16 models are quantized this way). Operator indices do change:
// `origins`, when given, receives for each operator of the result's subgraph 0 its index in
// `model` (the number the user sees in the file), for QuantizeOptions::operatorNumbers.
Model foldConstantDequantize(const Model& model, std::vector<size_t>* origins = nullptr);

// The float32 values of a constant float32 tensor.
std::vector<float> constantFloats(const Model& model, const Tensor& tensor);

TensorIndex addTensor(Subgraph& sg, std::string name, TensorType type, std::vector<int32_t> shape, QuantParams quant = {},
                      BufferIndex buffer = BufferIndex{0});

// Removes tensors no operator, input, output or signature references, and buffers no tensor
// or metadata entry references (buffer 0 stays), renumbering everything.
void removeUnused(Model& model);

// Adds (or replaces) a metadata entry holding `bytes`.
void setMetadata(Model& model, const std::string& name, const std::string& bytes);

} // namespace ql::quantize

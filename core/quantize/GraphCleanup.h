#pragma once
// The converter's clean-up of a float graph before quantization, as TFLite's MLIR converter
// does it (tensorflow/compiler/mlir/lite/transforms/optimize_patterns.td and optimize.cc):
// constant weight decoding is folded (GraphEdit.h, foldConstantDequantize) and a RELU, RELU6
// or RELU_N1_TO_1 whose input has no other reader becomes the producer's fused activation.

#include "model/Model.h"

#include <vector>

namespace ql::quantize {

// RELU / RELU6 / RELU_N1_TO_1 after CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
// AVERAGE_POOL_2D, MAX_POOL_2D, ADD, SUB, MUL or DIV (with no fused activation yet) become
// that operator's fused_activation_function when the activation is the producer's only reader
// and the producer's output is no graph output. The producer then writes the activation's
// output tensor; the intermediate tensor is left unreferenced (removeUnused drops it) and
// every other tensor keeps its index. Like the converter, TANH and SIGN_BIT are not fused:
// they are no clamp, and TFLite's integer kernels only apply clamps.
// Returns the number of activations fused.
// `origins`, when given, holds for each operator of subgraph 0 its index in the input file;
// the entries of fused (removed) activations are erased with them.
size_t fuseActivations(Model& model, std::vector<size_t>* origins = nullptr);

// foldConstantDequantize (DENSIFY and DEQUANTIZE of constants) then fuseActivations: the
// float model every quantization mode starts from (and calibrates on).
// `origins` as in foldConstantDequantize: each remaining operator's index in `model`.
Model prepareFloatModel(const Model& model, std::vector<size_t>* origins = nullptr);

} // namespace ql::quantize

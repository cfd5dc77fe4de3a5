#pragma once
// Small models built in the tests with the project's own builder and writer.

#include "model/Model.h"

#include <vector>

namespace ql::test {

// One scale and zero point (per-tensor quantization).
QuantParams qp(float scale, int64_t zp);

// input [1,4] float -> FULLY_CONNECTED (weights [3,4], bias [3], RELU) -> output [1,3].
Model makeFloatFullyConnected();
// The same shape, int8 with per-tensor activations, per-channel weights and an int32 bias.
Model makeInt8FullyConnected();
// input [1,8,8,3] -> CONV_2D 3x3 x4 SAME -> DEPTHWISE 3x3 -> ADD(residual) -> MAX_POOL 2x2
// -> RESHAPE [1,64] -> FULLY_CONNECTED 10 -> SOFTMAX, with a signature and metadata.
Model makeSmallCnn();
// Serialized bytes of a model (the writer's output).
std::vector<uint8_t> serialize(const Model& model);

} // namespace ql::test

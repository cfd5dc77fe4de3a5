#pragma once
// int4 weights (--weights int4, --block-size, --weights-for): which operators get them, and the
// quantization itself. The runtime (LiteRT with its XNNPACK delegate) runs int4 weights in
// FULLY_CONNECTED only: per channel with int8 activations (full integer), and per channel, per
// tensor or in blocks with float activations (dynamic range). The option checks refuse the
// other combinations, so that nothing is written that the runtime cannot run.
//
// Symmetric int4 as int8's narrow range: scale = max|w| / 7 per channel (or per tensor, or per
// block), q = clamp(round(w / scale), -7, 7), zero point 0; values packed two per byte, low
// nibble first (quant/SubByte.h). Block scales are float16, the type AI Edge Quantizer writes
// and the only one the runtime takes; weights are rounded with the float16 value stored.

#include "model/Model.h"
#include "quantize/QuantizeOptions.h"
#include "quantize/Quantizer.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ql::quantize {

// The weight type --weights and --weights-for give operator `op` (later --weights-for entries
// win; a name matches the operator type, one of its output tensors or its weight tensor).
WeightType weightTypeFor(const Subgraph& sg, const Operator& op, const QuantizeOptions& options);

// Operators whose weights can be int4 in the runtime.
bool runsInt4Weights(BuiltinOp op);

// Symmetric int4 per channel (axis >= 0) or per tensor; `minScale` as quantizeWeightsInt8.
QuantizedWeights quantizeWeightsInt4(std::span<const float> w, const std::vector<int32_t>& shape,
                                     int axis, std::span<const float> minScale = {});

// Blocks of `blockSize` along the last dimension: values and float16 scale bits
// [rows, last / blockSize]. Nullopt when the last dimension is not a multiple of blockSize.
struct BlockQuantizedWeights {
    std::vector<int8_t> values;
    std::vector<uint16_t> scales; // float16 bits
};
std::optional<BlockQuantizedWeights> quantizeWeightsInt4Blocks(std::span<const float> w,
                                                               const std::vector<int32_t>& shape,
                                                               int blockSize);

// Adds the packed INT4 tensor (and, for blocks, its float16 scales tensor) and returns it.
TensorIndex addInt4Tensor(Model& m, Subgraph& sg, const std::string& name,
                          const std::vector<int32_t>& shape, std::span<const int8_t> values,
                          QuantParams params);
TensorIndex addInt4BlockTensor(Model& m, Subgraph& sg, const std::string& name,
                               const std::vector<int32_t>& shape, const BlockQuantizedWeights& q,
                               int blockSize);

// Checks of --weights / --block-size / --weights-for against the mode and the model (called by
// checkOptions).
Status checkWeightOptions(const Model& model, const QuantizeOptions& options);

} // namespace ql::quantize

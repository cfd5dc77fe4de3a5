#pragma once
// The model as JSON (what `quantlab-cli inspect --json` prints): summary, signatures, inputs
// and outputs, every operator with its options and every tensor with its quantization.

#include "model/Model.h"

#include <string>

namespace ql {

std::string modelToJson(const Model& model);
// "scale=0.0039 zero_point=-128" or "per-channel dim 0: 32 scales 0.0012..0.0451"; "" if none.
std::string quantSummary(const QuantParams& q);
// "[1,224,224,3]"
std::string shapeString(const std::vector<int32_t>& shape);

} // namespace ql

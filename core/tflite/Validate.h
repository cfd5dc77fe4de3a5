#pragma once
// Semantic checks of a model graph after the flatbuffers Verifier: everything later code
// indexes with is in range, sizes do not overflow, constant buffers match their tensors.
// Fatal problems return an error; readable-but-wrong quantization becomes a diagnostic.

#include "model/Model.h"
#include "util/Result.h"

namespace ql {

struct ValidateLimits {
    uint64_t maxTensorBytes = uint64_t(4) << 30; // any one tensor
    uint64_t maxMemoryBytes = uint64_t(4) << 30; // the non-constant tensors of a subgraph together
};

Status validateModel(Model& model, const ValidateLimits& limits);

// "subgraph 0, tensor 12 'conv1/weights'" — how messages name a tensor.
std::string describeTensor(const Model& model, size_t subgraph, TensorIndex t);
// "subgraph 0, operator 7 (CONV_2D)" — how messages name an operator.
std::string describeOperator(const Model& model, size_t subgraph, OperatorIndex o);

} // namespace ql

#pragma once
// Facts about a model that `inspect` and the status bar show: operators by type, parameter
// count and bytes by dtype, multiply-accumulates of the heavy operators.

#include "model/Model.h"

#include <map>
#include <string>

namespace ql {

struct DtypeBytes {
    uint64_t elements = 0;
    uint64_t bytes = 0;
};

struct ModelStats {
    std::map<std::string, int> operatorsByType; // "CONV_2D" -> 12 (all subgraphs)
    std::map<std::string, DtypeBytes> constantsByType; // "int8" -> elements, bytes
    uint64_t parameterCount = 0; // elements of constant tensors
    uint64_t parameterBytes = 0;
    uint64_t macs = 0;           // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV
    size_t operatorCount = 0;
    size_t tensorCount = 0;
};

// Multiply-accumulates of one operator (0 for operators that are not counted).
uint64_t operatorMacs(const Subgraph& sg, const Operator& op);
ModelStats computeStats(const Model& model);

} // namespace ql

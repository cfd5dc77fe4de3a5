#pragma once
// Problems of a model that the loader does not report because the file is valid, but that stop
// the lab: custom operators. QuantLab has no kernel for them (nor has TFLite without the op
// registered by the application), so neither inference nor calibration can run, and no leaf of
// the decision tree can be measured. Operators are numbered as in the file.

#include "model/Model.h"

#include <string>
#include <vector>

namespace ql::lab {

// One warning per custom operator: "subgraph 0, operator 12 (custom 'Convolution2DTransposeBias'):
// no kernel in QuantLab ...".
std::vector<Diagnostic> customOperatorWarnings(const Model& model);

} // namespace ql::lab

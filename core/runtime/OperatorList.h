#pragma once
// The list of operators QuantLab runs, generated from the kernel registry (`quantlab-cli ops`,
// docs/operators.md). Versions: every schema builtin and version asked of the registry
// (KernelRegistry::supports); custom operators: the codes QuantLab implements, each confirmed.
// Element types are found by probing: for each registered builtin and each type, small one-operator
// models of common forms (one input, two inputs, a comparison) are prepared and run; a type is
// listed when one of them runs. For each integer type that runs, the probe also runs both integer
// arithmetics (TFLite's reference kernels and XNNPACK's) on the same random inputs and reports when
// their outputs differ. Operators whose inputs need a specific form (weights, shapes, options) are
// not probed; their types come from a short table of what their kernels implement.

#include "model/TensorTypes.h"

#include <string>
#include <vector>

namespace ql::rt {

struct OperatorSupport {
    std::string name; // "CONV_2D", or the custom code
    bool custom = false;
    std::string versions;          // "1-3"
    std::string types;             // "float32, int8, uint8", or "" when unknown
    bool probed = false;           // types found by running the kernel (else from the table)
    std::string arithmeticDiffers; // integer types whose output differs between the arithmetics
    std::string notes;
};

// Every registered operator, builtins then custom operators, each sorted by name.
std::vector<OperatorSupport> operatorList();
// The list as the Markdown page docs/operators.md.
std::string operatorListMarkdown();

} // namespace ql::rt

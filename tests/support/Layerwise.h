#pragma once
// Per-operator fidelity against the TFLite oracle: every operator of a model is cut out as a
// single-operator model and run alone, in the oracle and in QuantLab, on exactly the inputs
// that QuantLab's full run gave it. Differences therefore belong to that operator and do not
// compound over layers (an end-to-end int8 difference of many LSB can come from one LSB per
// layer). Used by the conformance tests and by the hidden `[.layerwise]` report.

#include "model/Model.h"
#include "runtime/Kernel.h"

#include <memory>
#include <string>
#include <vector>

namespace ql::test {

// Operator `o` of subgraph 0 alone: its constant inputs copied, its other inputs made graph
// inputs (in order of first use), its outputs graph outputs.
struct IsolatedOperator {
    Model model;
    std::vector<TensorIndex> sourceInputs; // the original tensors behind the graph inputs
};
IsolatedOperator isolateOperator(const Model& model, size_t op);

// One output of one operator, QuantLab against the oracle.
struct OperatorDiff {
    size_t op = 0;
    std::string type;           // "CONV_2D", ...
    size_t output = 0;
    bool isFloat = false;
    size_t elements = 0;
    size_t differing = 0;       // integers: elements that differ at all
    int64_t maxLsb = 0;         // integers
    double maxAbs = 0, maxRef = 0; // floats
};

// Per arithmetic variant (one entry of `variants` each): the diffs of every operator output.
struct LayerwiseResult {
    std::string error;                      // the model did not run in QuantLab
    std::vector<std::string> skipped;       // operators the oracle does not run alone, with why
    std::vector<std::vector<OperatorDiff>> perVariant;
};

// Runs `model` in QuantLab (variants[0]) on inputDir/input_<i>.npy, then every operator of
// subgraph 0 alone in the oracle (files under workDir) and in QuantLab under each variant.
LayerwiseResult layerwise(const std::shared_ptr<const Model>& model, const std::string& inputDir, const std::string& workDir,
                          const std::vector<rt::RunOptions>& variants);

struct TypeSummary {
    std::string type;
    size_t operators = 0;
    size_t elements = 0, differing = 0;
    int64_t maxLsb = 0;
    double share() const { return elements ? double(differing) / double(elements) : 0.0; }
};
// Integer outputs only, grouped by operator type, in order of first appearance.
std::vector<TypeSummary> summarizeByType(const std::vector<OperatorDiff>& diffs);
// A markdown table "| op type | operators | max LSB | differing | share |".
std::string typeTable(const std::vector<TypeSummary>& rows);

} // namespace ql::test

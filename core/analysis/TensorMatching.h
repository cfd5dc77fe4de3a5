#pragma once
// Which tensor of a quantized model corresponds to which tensor of its float model, found
// automatically (subgraph 0 of both).
//
// Quantization rewrites the graph: it inserts QUANTIZE / DEQUANTIZE operators at the graph
// boundary, around operators kept in float and for requantization (concat inputs), renames
// tensors ("x" -> "x_int8"), replaces weights by new constants and folds float16 weights'
// constant DEQUANTIZE. The matcher therefore works on topology and operator type first and
// uses names only as a hint:
//   1. A "conversion" operator is a QUANTIZE or DEQUANTIZE whose input is not constant. It
//      computes the same real values as its input, so it is transparent: its output has the
//      same counterpart as its input (x_int8 = QUANTIZE(x) corresponds to float x).
//   2. Graph inputs correspond by position (counts must agree; element counts too).
//   3. Operators of the quantized model are visited in execution order. A non-conversion
//      operator matches an unmatched float operator of the same type, with the same input
//      count, whose non-constant inputs are the counterparts of its own (either order for
//      commutative two-input operators such as ADD and MUL). Ties: equal constant shapes,
//      then equal output shapes, then equal normalised names, then execution order.
//   4. When topology cannot decide (an input without counterpart), an unmatched float
//      operator of the same type whose output has the same normalised name is taken
//      (basis Name). Still unmatched graph outputs fall back to position (basis Position).
//   5. Outputs of matched operators match position by position; constant inputs (weights,
//      biases) match position by position when their element counts agree.
// Everything that stays unmatched is listed with the reason.

#include "model/Model.h"
#include "util/Indices.h"
#include "util/Result.h"

#include <string>
#include <vector>

namespace ql::analysis {

enum class MatchBasis { Topology, Name, Position };
const char* matchBasisName(MatchBasis basis);

struct TensorMatch {
    TensorIndex quant;   // tensor of the quantized model
    TensorIndex ref;     // its float counterpart
    MatchBasis basis = MatchBasis::Topology;
    bool constant = false; // a weight or bias (constant data, or a DEQUANTIZE of constant data), or a variable
};

struct OperatorMatch {
    OperatorIndex quant;
    OperatorIndex ref;
    MatchBasis basis = MatchBasis::Topology;
};

struct UnmatchedItem {
    enum class Kind { Operator, Tensor };
    Kind kind = Kind::Operator;
    int32_t index = -1;  // operator or tensor index in its model
    std::string what;    // "operator 12 (CONV_2D)" / "tensor 7 'conv1'"
    std::string reason;
};

struct ModelMatching {
    // Per tensor / operator of the quantized model: the float counterpart, or invalid.
    std::vector<TensorIndex> refOfTensor;
    std::vector<OperatorIndex> refOfOperator;
    // Per operator of the quantized model: true for conversion operators (rule 1).
    std::vector<bool> conversion;
    std::vector<TensorMatch> tensors;    // every matched tensor of the quantized model
    std::vector<OperatorMatch> operators; // matched non-conversion operators
    std::vector<UnmatchedItem> unmatchedQuant; // quantized model: operators and non-constant tensors
    std::vector<UnmatchedItem> unmatchedFloat; // float model: operators nothing corresponds to

    bool complete() const { return unmatchedQuant.empty() && unmatchedFloat.empty(); }
};

// Errors (the models cannot be compared at all): a model without subgraphs, different
// numbers of graph inputs or outputs, graph inputs whose element counts differ.
Result<ModelMatching> matchModels(const Model& floatModel, const Model& quantModel);

// A tensor name without the suffixes quantizers add ("_int8", "_quant", "_requant",
// "_float", "_dequantize", ...), lower case: the name hint of rule 3/4.
std::string normalizedTensorName(std::string_view name);

} // namespace ql::analysis

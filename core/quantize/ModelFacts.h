#pragma once
// Facts of an open model that answer the decision tree's questions: which operator types have
// no integer kernel (OpRules.h, TFLite's quantization specification), which have no int16x8
// kernel, which have a hybrid (dynamic range) kernel, and on which delegates each type can run
// (tables read from each delegate's source, cited in ModelFacts.cpp).

#include "model/Model.h"
#include "quantize/DecisionTree.h"

#include <string>
#include <vector>

namespace ql::quantize {

enum Delegate : unsigned { kDelegateXnnpack = 1, kDelegateGpu = 2, kDelegateEdgeTpu = 4, kDelegateHexagon = 8, kDelegateNnapi = 16 };
// Delegates that list the operator type as supported (bit set of Delegate). Approximate: the
// delegates also check options, shapes and types at run time.
unsigned delegateSupport(BuiltinOp op);
std::string delegateNames(unsigned delegates); // "XNNPACK, GPU" or "reference CPU only"

struct OpTypeFacts {
    BuiltinOp op = BuiltinOp::ADD;
    std::string name;     // "CONV_2D" or the custom code
    size_t count = 0;     // operators of this type in subgraph 0
    bool int8 = false;    // TFLite has an int8 kernel (quantizable by int8 / int8-only)
    bool int16 = false;   // TFLite has an int16x8 kernel
    bool hybrid = false;  // dynamic range: a hybrid kernel with int8 weights
    unsigned delegates = 0;
};

struct ModelFacts {
    std::vector<OpTypeFacts> ops;      // by type, most frequent first
    size_t operatorCount = 0;
    size_t floatWeightBytes = 0;       // float32 constant data
    size_t float16WeightBytes = 0;     // float16 constant data (a float16 model's weights)
    size_t constantBytes = 0;          // all constant data
    bool alreadyQuantized = false;     // some activation or weight is integer with scales
    std::vector<std::string> noInt8;   // types without an int8 kernel ("LSTM x2")
    std::vector<std::string> noInt16;  // types without an int16x8 kernel
    bool floatInputs = true;           // every graph input is float32
};

ModelFacts modelFacts(const Model& model);

// The facts of `facts` that bear on question q, one sentence each (shown beside the question).
std::vector<std::string> factsForQuestion(const ModelFacts& facts, Question q);

} // namespace ql::quantize

#include "quantize/ModelFacts.h"

#include "quantize/OpRules.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>

namespace ql::quantize {

namespace {

using B = BuiltinOp;

// Operator types each delegate accepts, read from the delegates' own sources (the versions
// stored in the public-code index; newer releases add operators). A listed type can still be
// refused for its options, shapes, types or op version: the delegates check those per node.

// XNNPACK: tensorflow/lite/delegates/xnnpack/xnnpack_delegate.cc, the switch in
// Subgraph::VisitNode (commit 0004bf9). Float32 everywhere; int8/uint8 for most; the variable
// ops (VAR_HANDLE, READ/ASSIGN_VARIABLE) only with the variable-ops flag, left out here.
constexpr B kXnnpack[] = {
    B::ABS, B::CEIL, B::COS, B::DEQUANTIZE, B::ELU, B::EXP, B::FLOOR, B::GELU, B::HARD_SWISH, B::LEAKY_RELU,
    B::LOGISTIC, B::NEG, B::QUANTIZE, B::RELU, B::RELU6, B::RELU_N1_TO_1, B::ROUND, B::RSQRT, B::SIN, B::SQRT,
    B::SQUARE, B::TANH, B::ADD, B::DIV, B::MAXIMUM, B::MINIMUM, B::MUL, B::PRELU, B::SQUARED_DIFFERENCE, B::SUB,
    B::AVERAGE_POOL_2D, B::BATCH_MATMUL, B::CONCATENATION, B::CONV_2D, B::DEPTHWISE_CONV_2D, B::DEPTH_TO_SPACE,
    B::EXPAND_DIMS, B::FULLY_CONNECTED, B::MAX_POOL_2D, B::REDUCE_MIN, B::REDUCE_MAX, B::SUM, B::MEAN, B::PAD,
    B::RESHAPE, B::RESIZE_BILINEAR, B::SLICE, B::SOFTMAX, B::SPACE_TO_DEPTH, B::SPLIT, B::STRIDED_SLICE,
    B::TRANSPOSE, B::TRANSPOSE_CONV};

// GPU: tensorflow/lite/delegates/gpu/common/model_builder.cc, NewOperationParser's switch
// (commit 9a5c301; QUANTIZE / DEQUANTIZE only when quantized models are allowed), plus EXP from
// the GPU delegate guide's op list (tensorflow.org/lite/performance/gpu). Float32/float16 math.
constexpr B kGpu[] = {
    B::ABS, B::ADD, B::AVERAGE_POOL_2D, B::CONCATENATION, B::CONV_2D, B::COS, B::DEPTHWISE_CONV_2D, B::DEQUANTIZE,
    B::DIV, B::EXP, B::FULLY_CONNECTED, B::HARD_SWISH, B::LOGISTIC, B::LOG, B::LSTM, B::MAXIMUM, B::MAX_POOL_2D,
    B::MEAN, B::MINIMUM, B::MIRROR_PAD, B::MUL, B::PAD, B::POW, B::QUANTIZE, B::RELU, B::RELU6, B::LEAKY_RELU,
    B::PRELU, B::RESHAPE, B::RESIZE_BILINEAR, B::RESIZE_NEAREST_NEIGHBOR, B::RSQRT, B::SIN, B::SLICE, B::SOFTMAX,
    B::SPACE_TO_DEPTH, B::SQRT, B::SQUARE, B::SQUARED_DIFFERENCE, B::STRIDED_SLICE, B::SUB, B::TANH, B::TRANSPOSE,
    B::TRANSPOSE_CONV};

// NNAPI: tensorflow/lite/delegates/nnapi/nnapi_delegate.cc, NNAPIDelegateKernel::Validate's
// switch (commit 002e5f4). Many need Android API 28-30 (NNAPI 1.1-1.3) and some take float only.
constexpr B kNnapi[] = {
    B::ADD, B::ARG_MAX, B::ARG_MIN, B::MUL, B::AVERAGE_POOL_2D, B::MAX_POOL_2D, B::L2_POOL_2D, B::CONV_2D,
    B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED, B::HARD_SWISH, B::SOFTMAX, B::RESHAPE, B::RESIZE_BILINEAR,
    B::RESIZE_NEAREST_NEIGHBOR, B::SQUEEZE, B::UNIDIRECTIONAL_SEQUENCE_LSTM, B::L2_NORMALIZATION,
    B::LOCAL_RESPONSE_NORMALIZATION, B::LSH_PROJECTION, B::CONCATENATION, B::DEQUANTIZE, B::DENSIFY, B::FLOOR,
    B::RELU, B::RELU_N1_TO_1, B::RELU6, B::LOGISTIC, B::TANH, B::SUB, B::DIV, B::PAD, B::PADV2,
    B::UNIDIRECTIONAL_SEQUENCE_RNN, B::SPACE_TO_BATCH_ND, B::BATCH_TO_SPACE_ND, B::STRIDED_SLICE, B::TRANSPOSE,
    B::ABS, B::EXP, B::LOG, B::RSQRT, B::POW, B::SLICE, B::SIN, B::TRANSPOSE_CONV, B::SQRT, B::RNN,
    B::SPACE_TO_DEPTH, B::SVDF, B::LSTM, B::MEAN, B::EMBEDDING_LOOKUP, B::HASHTABLE_LOOKUP, B::MAXIMUM,
    B::MINIMUM, B::CAST, B::LEAKY_RELU, B::PRELU, B::TILE, B::LOGICAL_OR, B::LOGICAL_AND, B::LOGICAL_NOT, B::LESS,
    B::LESS_EQUAL, B::GREATER, B::GREATER_EQUAL, B::EQUAL, B::NOT_EQUAL, B::NEG, B::TOPK_V2, B::SELECT, B::GATHER,
    B::BIDIRECTIONAL_SEQUENCE_LSTM, B::EXPAND_DIMS, B::SPLIT, B::LOG_SOFTMAX, B::QUANTIZE, B::REDUCE_ANY,
    B::REDUCE_MIN, B::REDUCE_MAX, B::DEPTH_TO_SPACE, B::REDUCE_PROD, B::SUM, B::ELU, B::FILL, B::PACK};

// Hexagon: tensorflow/lite/delegates/hexagon/utils.cc, IsNodeSupportedByHexagon's switch
// (commit f841af2). int8/uint8 only, at most 4 dimensions; SUM is listed there but refused.
constexpr B kHexagon[] = {
    B::ADD, B::MUL, B::SUB, B::MEAN, B::MIRROR_PAD, B::PAD, B::FULLY_CONNECTED, B::CONCATENATION, B::MAX_POOL_2D,
    B::AVERAGE_POOL_2D, B::TRANSPOSE_CONV, B::CONV_2D, B::DEPTHWISE_CONV_2D, B::RESHAPE, B::SOFTMAX, B::HARD_SWISH,
    B::RELU, B::RELU6, B::TANH, B::LOGISTIC, B::RESIZE_NEAREST_NEIGHBOR, B::L2_NORMALIZATION, B::ARG_MAX,
    B::ARG_MIN, B::SPLIT, B::RESIZE_BILINEAR, B::NEG, B::TRANSPOSE, B::SPACE_TO_DEPTH, B::DEPTH_TO_SPACE,
    B::QUANTIZE, B::MINIMUM, B::MAXIMUM, B::SLICE, B::PACK, B::STRIDED_SLICE, B::SQUARED_DIFFERENCE, B::RSQRT};

// Edge TPU: the supported-operations table of coral.ai's "TensorFlow models on the Edge TPU"
// (docs/edgetpu/models-intro), int8/uint8 only. Not re-read in full here: the public-page index
// holds only the page's opening; a copy of an earlier version of the table confirms the
// activations (LOGISTIC, RELU, RELU6, RELU_N1_TO_1, TANH), ADD, MAXIMUM, MINIMUM, MUL, SUB, the
// pools, CONCATENATION, both convolutions, FULLY_CONNECTED, L2_NORMALIZATION, MEAN, PAD, RESHAPE
// and both resizes; google-coral/edgetpu's tracker (#659) confirms DEQUANTIZE is absent. The rest of
// the list follows the current table as remembered and is the least certain entry here.
constexpr B kEdgeTpu[] = {
    B::LOGISTIC, B::RELU, B::RELU6, B::RELU_N1_TO_1, B::TANH, B::ADD, B::MAXIMUM, B::MINIMUM, B::MUL, B::SUB,
    B::AVERAGE_POOL_2D, B::CONCATENATION, B::CONV_2D, B::DEPTHWISE_CONV_2D, B::FULLY_CONNECTED,
    B::L2_NORMALIZATION, B::MAX_POOL_2D, B::MEAN, B::PAD, B::RESHAPE, B::RESIZE_BILINEAR, B::RESIZE_NEAREST_NEIGHBOR,
    B::SOFTMAX, B::SPACE_TO_DEPTH, B::SPLIT, B::SQUEEZE, B::STRIDED_SLICE, B::TRANSPOSE, B::TRANSPOSE_CONV,
    B::EXPAND_DIMS, B::HARD_SWISH, B::LSTM, B::PACK, B::PRELU, B::QUANTIZE, B::REDUCE_MAX, B::REDUCE_MIN, B::RSQRT,
    B::SLICE, B::SQUARED_DIFFERENCE, B::SUM};

template <size_t N>
bool listed(const B (&list)[N], B op) {
    return std::find(std::begin(list), std::end(list), op) != std::end(list);
}

} // namespace

unsigned delegateSupport(BuiltinOp op) {
    unsigned d = 0;
    if (listed(kXnnpack, op)) d |= kDelegateXnnpack;
    if (listed(kGpu, op)) d |= kDelegateGpu;
    if (listed(kEdgeTpu, op)) d |= kDelegateEdgeTpu;
    if (listed(kHexagon, op)) d |= kDelegateHexagon;
    if (listed(kNnapi, op)) d |= kDelegateNnapi;
    return d;
}

std::string delegateNames(unsigned d) {
    std::string s;
    auto add = [&](unsigned bit, const char* name) {
        if (!(d & bit)) return;
        if (!s.empty()) s += ", ";
        s += name;
    };
    add(kDelegateXnnpack, "XNNPACK");
    add(kDelegateGpu, "GPU");
    add(kDelegateEdgeTpu, "Edge TPU");
    add(kDelegateHexagon, "Hexagon");
    add(kDelegateNnapi, "NNAPI");
    return s.empty() ? "reference CPU only" : s;
}

ModelFacts modelFacts(const Model& model) {
    ModelFacts f;
    if (model.subgraphs.empty()) return f;
    const Subgraph& sg = model.subgraphs[0];
    std::map<std::string, OpTypeFacts> byName;
    for (const Operator& op : sg.operators) {
        const std::string name = op.typeName();
        OpTypeFacts& t = byName[name];
        if (t.count == 0) {
            t.op = op.op;
            t.name = name;
            const auto rule = op.op == BuiltinOp::CUSTOM ? std::nullopt : opRule(op.op);
            t.int8 = rule && rule->int8;
            t.int16 = rule && rule->int16;
            t.hybrid = op.op != BuiltinOp::CUSTOM && hybridRule(op.op).has_value();
            t.delegates = op.op == BuiltinOp::CUSTOM ? 0u : delegateSupport(op.op);
            // QUANTIZE / DEQUANTIZE are the conversions themselves, never a reason for float.
            if (op.op == BuiltinOp::QUANTIZE || op.op == BuiltinOp::DEQUANTIZE) t.int8 = t.int16 = true;
        }
        ++t.count;
    }
    f.operatorCount = sg.operators.size();
    for (auto& [name, t] : byName) f.ops.push_back(t);
    std::stable_sort(f.ops.begin(), f.ops.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
    for (const OpTypeFacts& t : f.ops) {
        const std::string label = t.count > 1 ? t.name + " x" + std::to_string(t.count) : t.name;
        if (!t.int8) f.noInt8.push_back(label);
        if (!t.int16) f.noInt16.push_back(label);
    }
    for (const Tensor& t : sg.tensors) {
        if (t.quant.isQuantized() && t.type != TensorType::FLOAT32) f.alreadyQuantized = true;
        if (!model.isConstant(t)) continue;
        const size_t bytes = model.buffers[t.buffer.index()].size;
        f.constantBytes += bytes;
        if (t.type == TensorType::FLOAT32) f.floatWeightBytes += bytes;
        if (t.type == TensorType::FLOAT16) f.float16WeightBytes += bytes;
    }
    for (TensorIndex i : sg.inputs)
        if (sg.tensor(i).type != TensorType::FLOAT32) f.floatInputs = false;
    return f;
}

namespace {
std::string joinList(const std::vector<std::string>& v, size_t max = 12) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < max; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > max) s += ", ... (" + std::to_string(v.size() - max) + " more)";
    return s;
}
// Below 10 KiB with one decimal: a small model's weights must not read "0 KiB".
std::string kib(size_t bytes) {
    if (bytes >= 10 * 1024) return std::to_string((bytes + 512) / 1024) + " KiB";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024.0);
    return buf;
}
std::vector<std::string> opsWithout(const ModelFacts& f, unsigned delegate) {
    std::vector<std::string> out;
    for (const auto& t : f.ops)
        if (!(t.delegates & delegate) && t.op != BuiltinOp::QUANTIZE && t.op != BuiltinOp::DEQUANTIZE)
            out.push_back(t.count > 1 ? t.name + " x" + std::to_string(t.count) : t.name);
    return out;
}
} // namespace

std::vector<std::string> factsForQuestion(const ModelFacts& f, Question q) {
    std::vector<std::string> out;
    switch (q) {
    case Question::Optimize:
        // A float16 model's weights are float16 constants (DEQUANTIZE turns them into float32 at
        // load): the sizes follow from those, 2 bytes per weight; int8 needs half of that.
        if (f.float16WeightBytes > f.floatWeightBytes)
            out.push_back(std::to_string(f.operatorCount) + " operators, " + kib(f.constantBytes) + " of constant data, of which " +
                          kib(f.float16WeightBytes) + " float16 weights (already a float16 model): int8 weights would need about " +
                          kib(f.float16WeightBytes / 2) + ", float32 " + kib(f.float16WeightBytes * 2) + ".");
        else
            out.push_back(std::to_string(f.operatorCount) + " operators, " + kib(f.constantBytes) + " of constant data, of which " +
                          kib(f.floatWeightBytes) + " float32: int8 weights would need about " + kib(f.floatWeightBytes / 4) +
                          ", float16 about " + kib(f.floatWeightBytes / 2) + ".");
        if (f.alreadyQuantized)
            out.push_back("This model is already quantized: the quantizer expects a float model.");
        break;
    case Question::Float16Hardware: {
        const auto gpu = opsWithout(f, kDelegateGpu);
        out.push_back(gpu.empty() ? "Every operator type is on the GPU delegate's list."
                                  : "Not on the GPU delegate's list (they run on the CPU): " + joinList(gpu) + ".");
        break;
    }
    case Question::RepresentativeData:
        out.push_back(f.floatInputs ? "The inputs are float32: calibration data is given as real values (npy, images, IDX)."
                                    : "Some inputs are not float32: calibration data is converted to their types.");
        break;
    case Question::IntegerOnlyHardware:
    case Question::IoType: {
        out.push_back(f.noInt8.empty() ? "Every operator type has an int8 kernel: integer-only quantization is possible."
                                       : "No int8 kernel (int8-only will fail, int8 keeps them float): " + joinList(f.noInt8) + ".");
        const auto tpu = opsWithout(f, kDelegateEdgeTpu);
        out.push_back(tpu.empty() ? "Every operator type is on the Edge TPU's list."
                                  : "Not on the Edge TPU's list (they run on the CPU): " + joinList(tpu) + ".");
        break;
    }
    case Question::AccuracyGood:
    case Question::AccuracyFix:
        out.push_back(f.noInt16.empty() ? "Every operator type has an int16x8 kernel."
                                        : "No int16x8 kernel (they stay float in int16x8 mode): " + joinList(f.noInt16) + ".");
        break;
    }
    return out;
}

} // namespace ql::quantize

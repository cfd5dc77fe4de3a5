#include "quantize/ModelFacts.h"

#include "quantize/OpRules.h"

#include <algorithm>
#include <map>

namespace ql::quantize {

unsigned delegateSupport(BuiltinOp op) {
    // From the delegates' published op lists: XNNPACK (tensorflow/lite/delegates/xnnpack/README.md),
    // GPU (tensorflow/lite/delegates/gpu, "supported ops" of the GPU delegate guide), Edge TPU
    // (coral.ai "TensorFlow models on the Edge TPU", int8/uint8 only) and Hexagon (the Hexagon
    // delegate guide, int8/uint8 only). A listed op can still be rejected for its options.
    using B = BuiltinOp;
    constexpr unsigned X = kDelegateXnnpack, G = kDelegateGpu, E = kDelegateEdgeTpu, H = kDelegateHexagon;
    switch (op) {
    case B::CONV_2D:
    case B::DEPTHWISE_CONV_2D:
    case B::FULLY_CONNECTED:
    case B::TRANSPOSE_CONV:
    case B::ADD:
    case B::SUB:
    case B::MUL:
    case B::AVERAGE_POOL_2D:
    case B::MAX_POOL_2D:
    case B::CONCATENATION:
    case B::RESHAPE:
    case B::SOFTMAX:
    case B::LOGISTIC:
    case B::RELU:
    case B::RELU6:
    case B::PAD:
    case B::RESIZE_BILINEAR:
    case B::STRIDED_SLICE:
    case B::MAXIMUM:
    case B::MINIMUM:
    case B::MEAN:
    case B::HARD_SWISH:
    case B::TANH: return X | G | E | H;
    case B::PRELU: return X | G | E;
    case B::TRANSPOSE:
    case B::SLICE:
    case B::SPLIT:
    case B::SPACE_TO_DEPTH:
    case B::SQUARED_DIFFERENCE:
    case B::RSQRT: return X | E | H;
    case B::RESIZE_NEAREST_NEIGHBOR:
    case B::L2_NORMALIZATION:
    case B::PACK:
    case B::SUM: return E | H;
    case B::SQUEEZE:
    case B::EXPAND_DIMS:
    case B::REDUCE_MIN:
    case B::LSTM: return E;
    case B::REDUCE_MAX:
    case B::RELU_N1_TO_1: return X | E;
    case B::DEPTH_TO_SPACE: return X | H;
    case B::QUANTIZE: return X | E | H;
    case B::DEQUANTIZE: return X | G | H;
    case B::MIRROR_PAD:
    case B::ARG_MAX:
    case B::ARG_MIN:
    case B::NEG: return H;
    case B::DIV:
    case B::EXP:
    case B::ELU:
    case B::ABS:
    case B::SQRT:
    case B::SQUARE:
    case B::ROUND:
    case B::CEIL:
    case B::FLOOR:
    case B::LEAKY_RELU:
    case B::BATCH_MATMUL:
    case B::GELU: return X;
    default: return 0;
    }
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
std::string kib(size_t bytes) { return std::to_string((bytes + 512) / 1024) + " KiB"; }
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

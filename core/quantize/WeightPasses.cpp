// The weight-only modes: float16 (float16 constants + DEQUANTIZE, as TFLite's converter
// writes them) and dynamic range (int8 weights read by hybrid kernels).
#include "quantize/GraphEdit.h"
#include "quantize/LowBitWeights.h"
#include "quantize/LstmRules.h"
#include "quantize/OpRules.h"
#include "quantize/Quantizer.h"

#include "util/Float16.h"

#include <cstring>
#include <map>
#include <optional>

namespace ql::quantize {

Result<QuantizeResult> quantizeFloat16(const Model& floatModel) {
    QuantizeResult r{floatModel, {}};
    Model& m = r.model;
    for (Subgraph& sg : m.subgraphs) {
        std::vector<bool> consumed(sg.tensors.size(), false);
        for (const Operator& op : sg.operators)
            for (TensorIndex t : op.inputs)
                if (t.valid()) consumed[t.index()] = true;
        std::vector<Operator> front;
        const size_t count = sg.tensors.size();
        for (size_t i = 0; i < count; ++i) {
            Tensor& t = sg.tensors[i];
            if (!consumed[i] || t.type != TensorType::FLOAT32 || t.isVariable || !m.isConstant(t)) continue;
            const std::vector<float> values = constantFloats(m, t);
            std::vector<uint16_t> half(values.size());
            floatToHalf(values, half);
            std::vector<uint8_t> bytes(half.size() * 2);
            if (!bytes.empty()) std::memcpy(bytes.data(), half.data(), bytes.size());
            const BufferIndex b = m.addBuffer(std::move(bytes));
            const std::string name = t.name;
            const std::vector<int32_t> shape = t.shape;
            // The original tensor becomes DEQUANTIZE's output: consumers keep their inputs.
            t.buffer = BufferIndex{0};
            const TensorIndex h = addTensor(sg, name + "_fp16", TensorType::FLOAT16, shape, {}, b);
            Operator dq;
            dq.op = BuiltinOp::DEQUANTIZE;
            dq.version = 3; // float16 input (op_version.cc)
            dq.inputs = {h};
            dq.outputs = {TensorIndex{i}};
            front.push_back(std::move(dq));
            ++r.report.insertedDequantize;
        }
        sg.operators.insert(sg.operators.begin(), std::make_move_iterator(front.begin()), std::make_move_iterator(front.end()));
    }
    removeUnused(m);
    return r;
}

Result<QuantizeResult> quantizeDynamic(const Model& floatModel, const QuantizeOptions& options) {
    QuantizeResult r{floatModel, {}};
    Model& m = r.model;
    for (Subgraph& sg : m.subgraphs) {
        std::map<std::pair<int32_t, int>, TensorIndex> cache; // (float weight, axis) -> int8 weight
        for (size_t o = 0; o < sg.operators.size(); ++o) {
            Operator& op = sg.operators[o];
            auto rule = hybridRule(op.op);
            bool kept = false;
            for (const std::string& k : options.keepFloat) {
                if (k == op.typeName()) kept = true;
                for (TensorIndex t : op.outputs)
                    if (t.valid() && sg.tensor(t).name == k) kept = true;
            }
            const WeightType wtype = weightTypeFor(sg, op, options);
            if (kept || wtype == WeightType::Float) rule.reset();
            if (op.op == BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM) {
                // All weights int8 or none (the hybrid kernel's rule; LstmRules.h).
                if (!kept && quantizeLstmHybrid(m, sg, op, options.dynamicMinElements)) ++r.report.quantizedOps;
                continue;
            }
            bool changed = false;
            bool perChannel = false;
            if (rule && wtype == WeightType::Int4 && runsInt4Weights(op.op)) {
                // int4 FULLY_CONNECTED weights: per channel (axis 0) by default, per tensor with
                // --per-tensor, or blocks along the depth with --block-size (a layer whose depth
                // is not a multiple of the block size stays per channel, and the report says so).
                const int wi = rule->weightInputs.front();
                const TensorIndex wt = op.inputs[size_t(wi)];
                const Tensor& w = sg.tensor(wt);
                if (w.type == TensorType::FLOAT32 && m.isConstant(w) && size_t(w.elementCount()) >= options.dynamicMinElements) {
                    const std::vector<float> values = constantFloats(m, w);
                    const std::string name = w.name;
                    const std::vector<int32_t> shape = w.shape;
                    std::optional<BlockQuantizedWeights> blocks;
                    if (options.blockSize > 0) {
                        blocks = quantizeWeightsInt4Blocks(values, shape, options.blockSize);
                        if (!blocks)
                            r.report.weightNotes.push_back("operator " + std::to_string(o < options.operatorNumbers.size() ? options.operatorNumbers[o] : o) + " (" + op.typeName() + "): depth " +
                                                           std::to_string(shape.empty() ? 0 : shape.back()) +
                                                           " is not a multiple of block size " + std::to_string(options.blockSize) +
                                                           "; int4 per channel");
                    }
                    if (blocks) {
                        op.inputs[size_t(wi)] = addInt4BlockTensor(m, sg, name, shape, *blocks, options.blockSize);
                        ++r.report.int4BlockOps;
                    } else {
                        QuantizedWeights qw = quantizeWeightsInt4(values, shape, options.perTensor ? -1 : 0);
                        perChannel = qw.params.isPerChannel();
                        op.inputs[size_t(wi)] = addInt4Tensor(m, sg, name, shape, qw.values, std::move(qw.params));
                    }
                    ++r.report.int4Ops;
                    changed = true;
                }
                rule.reset();
            }
            if (rule) {
                for (int wi : rule->weightInputs) {
                    if (size_t(wi) >= op.inputs.size() || !op.inputs[size_t(wi)].valid()) continue;
                    const TensorIndex wt = op.inputs[size_t(wi)];
                    const Tensor& w = sg.tensor(wt);
                    if (w.type != TensorType::FLOAT32 || !m.isConstant(w) ||
                        size_t(w.elementCount()) < options.dynamicMinElements)
                        continue;
                    // TFLite's hybrid DEPTHWISE_CONV_2D kernel takes per-channel weights only.
                    int axis = rule->axis;
                    if (options.perTensor && op.op != BuiltinOp::DEPTHWISE_CONV_2D) axis = -1;
                    auto key = std::make_pair(wt.value, axis);
                    auto it = cache.find(key);
                    TensorIndex q;
                    if (it != cache.end()) {
                        q = it->second;
                    } else {
                        const std::vector<float> values = constantFloats(m, w);
                        QuantizedWeights qw = quantizeWeightsInt8(values, w.shape, axis);
                        std::vector<uint8_t> bytes(qw.values.size());
                        if (!bytes.empty()) std::memcpy(bytes.data(), qw.values.data(), bytes.size());
                        const std::string name = w.name;
                        const std::vector<int32_t> shape = w.shape;
                        q = addTensor(sg, name + "_int8", TensorType::INT8, shape, std::move(qw.params), m.addBuffer(std::move(bytes)));
                        cache[key] = q;
                    }
                    op.inputs[size_t(wi)] = q;
                    perChannel = perChannel || sg.tensor(q).quant.isPerChannel();
                    changed = true;
                }
            }
            if (!changed) continue;
            if (auto* fc = op.options.AsFullyConnectedOptions()) fc->asymmetric_quantize_inputs = true;
            if (auto* bm = op.options.AsBatchMatMulOptions()) bm->asymmetric_quantize_inputs = true;
            op.version = hybridOpVersion(op, perChannel);
            ++r.report.quantizedOps;
        }
    }
    removeUnused(m);
    return r;
}

} // namespace ql::quantize

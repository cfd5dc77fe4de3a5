#include "quantize/LowBitWeights.h"

#include "quant/SubByte.h"
#include "quantize/GraphEdit.h"
#include "tflite/Validate.h"
#include "util/Float16.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace ql::quantize {
namespace {

constexpr float kInt4Max = 7.0f;

bool nameMatches(const Subgraph& sg, const Operator& op, const std::string& name) {
    if (name == op.typeName()) return true;
    for (TensorIndex t : op.outputs)
        if (t.valid() && t.index() < sg.tensors.size() && sg.tensor(t).name == name) return true;
    // The weight input of the operators that have one (FULLY_CONNECTED: input 1).
    if (op.inputs.size() > 1 && op.inputs[1].valid() && op.inputs[1].index() < sg.tensors.size() &&
        sg.tensor(op.inputs[1]).name == name)
        return true;
    return false;
}

} // namespace

Result<WeightType> parseWeightType(std::string_view t) {
    if (t == "int8") return WeightType::Int8;
    if (t == "int4") return WeightType::Int4;
    if (t == "float") return WeightType::Float;
    return makeError("unknown weight type '" + std::string(t) + "' (int8, int4, float)");
}

std::string_view weightTypeName(WeightType t) {
    switch (t) {
    case WeightType::Int8:
        return "int8";
    case WeightType::Int4:
        return "int4";
    case WeightType::Float:
        return "float";
    }
    return "?";
}

bool runsInt4Weights(BuiltinOp op) {
    return op == BuiltinOp::FULLY_CONNECTED;
}

WeightType weightTypeFor(const Subgraph& sg, const Operator& op, const QuantizeOptions& options) {
    WeightType t = options.weights;
    // --weights int4 applies where the runtime runs int4; elsewhere the layer keeps int8.
    if (t == WeightType::Int4 && !runsInt4Weights(op.op)) t = WeightType::Int8;
    for (const auto& [name, type] : options.weightsFor)
        if (nameMatches(sg, op, name)) t = type;
    return t;
}

QuantizedWeights quantizeWeightsInt4(std::span<const float> w, const std::vector<int32_t>& shape,
                                     int axis, std::span<const float> minScale) {
    QuantizedWeights out;
    size_t channels = 1, inner = 1;
    if (axis >= 0 && size_t(axis) < shape.size()) {
        channels = size_t(std::max(shape[size_t(axis)], 1));
        for (size_t d = size_t(axis) + 1; d < shape.size(); ++d)
            inner *= size_t(std::max(shape[d], 0));
    } else {
        axis = -1;
    }
    auto channelOf = [&](size_t i) { return axis >= 0 ? (i / inner) % channels : 0; };
    std::vector<float> maxAbs(channels, 0.0f);
    for (size_t i = 0; i < w.size(); ++i)
        maxAbs[channelOf(i)] = std::max(maxAbs[channelOf(i)], std::fabs(w[i]));
    out.params.scale.resize(channels);
    out.params.zeroPoint.assign(channels, 0);
    out.params.quantizedDimension = axis >= 0 ? axis : 0;
    for (size_t c = 0; c < channels; ++c) {
        float s =
            maxAbs[c] > 0.0f ? maxAbs[c] / kInt4Max : 1.0f; // all zero: any scale; 1 as for int8
        if (c < minScale.size()) s = std::max(s, minScale[c]);
        out.params.scale[c] = s;
    }
    out.values.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i)
        out.values[i] = static_cast<int8_t>(
            std::clamp(std::round(w[i] / out.params.scale[channelOf(i)]), -kInt4Max, kInt4Max));
    return out;
}

std::optional<BlockQuantizedWeights> quantizeWeightsInt4Blocks(std::span<const float> w,
                                                               const std::vector<int32_t>& shape,
                                                               int blockSize) {
    if (shape.empty() || blockSize <= 0 || shape.back() % blockSize != 0) return std::nullopt;
    const size_t bl = size_t(blockSize);
    const size_t blocks = w.size() / bl;
    BlockQuantizedWeights out;
    out.values.resize(w.size());
    out.scales.resize(blocks);
    // The smallest normal float16 keeps an all-zero (or tiny) block's scale positive and exact.
    const float minScale = std::ldexp(1.0f, -14);
    for (size_t b = 0; b < blocks; ++b) {
        float mx = 0.0f;
        for (size_t i = b * bl; i < (b + 1) * bl; ++i)
            mx = std::max(mx, std::fabs(w[i]));
        const uint16_t h = floatToHalf(std::max(mx / kInt4Max, minScale));
        const float s = halfToFloat(h); // round with the scale the file stores
        out.scales[b] = h;
        for (size_t i = b * bl; i < (b + 1) * bl; ++i)
            out.values[i] =
                static_cast<int8_t>(std::clamp(std::round(w[i] / s), -kInt4Max, kInt4Max));
    }
    return out;
}

TensorIndex addInt4Tensor(Model& m, Subgraph& sg, const std::string& name,
                          const std::vector<int32_t>& shape, std::span<const int8_t> values,
                          QuantParams params) {
    return addTensor(sg, name + "_int4", TensorType::INT4, shape, std::move(params),
                     m.addBuffer(packInt4(values)));
}

TensorIndex addInt4BlockTensor(Model& m, Subgraph& sg, const std::string& name,
                               const std::vector<int32_t>& shape, const BlockQuantizedWeights& q,
                               int blockSize) {
    std::vector<int32_t> scaleShape = shape;
    scaleShape.back() /= blockSize;
    std::vector<uint8_t> bytes(q.scales.size() * 2);
    if (!bytes.empty()) std::memcpy(bytes.data(), q.scales.data(), bytes.size());
    const TensorIndex scales = addTensor(sg, name + "_block_scales", TensorType::FLOAT16,
                                         scaleShape, {}, m.addBuffer(std::move(bytes)));
    QuantParams p;
    p.blockwise = BlockwiseParams{scales, TensorIndex{}, blockSize};
    return addTensor(sg, name + "_int4", TensorType::INT4, shape, std::move(p),
                     m.addBuffer(packInt4(q.values)));
}

Status checkWeightOptions(const Model& model, const QuantizeOptions& o) {
    bool anyInt4 = o.weights == WeightType::Int4;
    for (const auto& [name, type] : o.weightsFor)
        anyInt4 = anyInt4 || type == WeightType::Int4;
    if (o.weights == WeightType::Float)
        return makeError(
            "--weights float: use --mode none, or --weights-for NAME=float for single layers");
    if (anyInt4 && o.mode != Mode::Dynamic && o.mode != Mode::Int8 && o.mode != Mode::Int8Only)
        return makeError("int4 weights with mode " + std::string(modeName(o.mode)) +
                         ": the runtime runs int4 FULLY_CONNECTED weights with int8 activations "
                         "(--mode int8, int8-only) or "
                         "float activations (--mode dynamic) only");
    if (o.blockSize != 0) {
        if (o.blockSize != 32 && o.blockSize != 64 && o.blockSize != 128 && o.blockSize != 256)
            return makeError("--block-size " + std::to_string(o.blockSize) +
                             ": expected 32, 64, 128 or 256");
        if (!anyInt4)
            return makeError(
                "--block-size needs int4 weights (--weights int4 or --weights-for NAME=int4)");
        if (o.mode != Mode::Dynamic)
            return makeError("--block-size with mode " + std::string(modeName(o.mode)) +
                             ": the runtime runs int4 blocks only with float activations, "
                             "quantized on the fly (--mode dynamic)");
        if (o.perTensor)
            return makeError(
                "--block-size and --per-tensor: blocks are finer than channels; choose one");
    }
    if (o.weightsFor.empty()) return {};
    std::vector<std::string> valid;
    for (const Subgraph& sg : model.subgraphs)
        for (const Operator& op : sg.operators) {
            valid.push_back(op.typeName());
            for (TensorIndex t : op.outputs)
                if (t.valid() && t.index() < sg.tensors.size()) valid.push_back(sg.tensor(t).name);
            if (op.inputs.size() > 1 && op.inputs[1].valid() &&
                op.inputs[1].index() < sg.tensors.size())
                valid.push_back(sg.tensor(op.inputs[1]).name);
        }
    for (const auto& [name, type] : o.weightsFor) {
        if (std::find(valid.begin(), valid.end(), name) == valid.end())
            return makeError("weights-for '" + name +
                             "': no operator type, operator output or weight tensor of that name");
        if (type != WeightType::Int4) continue;
        for (size_t s = 0; s < model.subgraphs.size(); ++s) {
            const Subgraph& sg = model.subgraphs[s];
            for (size_t i = 0; i < sg.operators.size(); ++i) {
                const Operator& op = sg.operators[i];
                if (!nameMatches(sg, op, name) || runsInt4Weights(op.op)) continue;
                return makeError("weights-for '" + name +
                                 "=int4': " + describeOperator(model, s, OperatorIndex{i}) +
                                 " cannot have int4 weights; the runtime runs int4 weights in "
                                 "FULLY_CONNECTED only");
            }
        }
    }
    return {};
}

} // namespace ql::quantize

#include "Snapshots.h"

#include "tflite/ModelReader.h"

#include <cstdlib>
#include <string_view>

namespace ql::ui {

std::shared_ptr<const LoadedModel> loadModel(const std::string& path, const Progress& progress) {
    auto out = std::make_shared<LoadedModel>();
    out->path = path;
    progress("reading", 0.0);
    auto result = readModelFile(path);
    if (!result) {
        out->error = result.message();
        return out;
    }
    out->model = std::move(result.value());
    progress("reading", 1.0);
    out->stats = computeStats(*out->model);
    return out;
}

std::shared_ptr<const GraphSnapshot> makeGraphSnapshot(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                                       const layout::ModelGraphOptions& options, const Progress& progress) {
    if (!model || subgraph.index() >= model->subgraphs.size()) return {};
    auto scene = layout::buildGraphScene(model, subgraph, options, {}, progress);
    if (!scene) return {};
    auto out = std::make_shared<GraphSnapshot>();
    const Subgraph& sg = model->subgraphs[subgraph.index()];
    out->operatorKind.reserve(sg.operators.size());
    for (const Operator& op : sg.operators) {
        out->operatorKind.push_back(classifyOperator(*model, sg, op));
        const bool hasOut = !op.outputs.empty() && op.outputs[0].valid();
        out->operatorType.push_back(hasOut ? sg.tensor(op.outputs[0]).type : TensorType::FLOAT32);
    }
    out->scene = std::make_shared<const layout::GraphScene>(std::move(*scene));
    return out;
}

std::shared_ptr<const OperatorSnapshot> makeOperatorSnapshot(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                                             OperatorIndex op) {
    auto out = std::make_shared<OperatorSnapshot>();
    const Subgraph& sg = model->subgraphs[subgraph.index()];
    const Operator& o = sg.op(op);
    out->subgraph = subgraph;
    out->op = op;
    out->optionsType = optionsTypeName(o);
    out->options = describeOptions(o);
    // quantized_bias_type (Conv2D/FullyConnected/TransposeConv options) defaults to FLOAT32,
    // which TFLite reads as "not set" (int32 bias, int64 for int16x8): the object API cannot
    // tell an absent field from the default, so show the default as such.
    for (OptionField& f : out->options)
        if (f.name == "quantized_bias_type" && f.text == "FLOAT32") f.text = "(default)";
    // Control flow names its subgraphs in options whose names end in "subgraph_index"
    // (cond_subgraph_index, body_subgraph_index, then_..., else_..., init_...).
    static constexpr std::string_view kSuffix = "subgraph_index";
    for (const OptionField& f : out->options) {
        if (f.name.size() < kSuffix.size() || f.name.compare(f.name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) continue;
        char* end = nullptr;
        const long v = std::strtol(f.text.c_str(), &end, 10);
        if (end && *end == '\0' && !f.text.empty() && v >= 0 && size_t(v) < model->subgraphs.size())
            out->calledSubgraphs.emplace_back(f.name, SubgraphIndex{int32_t(v)});
    }
    out->kind = classifyOperator(*model, sg, o);
    out->requant = operatorRequantization(sg, o);
    out->macs = operatorMacs(sg, o);
    out->model = std::move(model);
    return out;
}

std::shared_ptr<const TensorSnapshot> makeTensorSnapshot(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                                         TensorIndex tensor, std::shared_ptr<const ActivationSamples> samples) {
    auto out = std::make_shared<TensorSnapshot>();
    const Subgraph& sg = model->subgraphs[subgraph.index()];
    const Tensor& t = sg.tensor(tensor);
    out->subgraph = subgraph;
    out->tensor = tensor;
    out->constant = model->isConstant(t);
    out->quant = quantizationTable(t);
    if (out->constant) {
        auto values = decodeTensorValues(*model, t);
        if (values) {
            out->hasValues = true;
            out->raw = std::move(values.value());
            // Blockwise tensors dequantize with their block scales (model/Blockwise.h).
            auto real = dequantizeValues(*model, sg, t, out->raw);
            if (real) {
                out->real = std::move(real.value());
            } else {
                out->real = out->raw;
                out->valueNote = real.message();
            }
            out->blocks = blockScaleTable(*model, sg, t);
            out->blockTable = blockQuantizationTable(*model, sg, t, out->real);
        } else {
            out->valueNote = values.message();
        }
    } else if (samples && samples->subgraph == subgraph && samples->values.count(tensor.value)) {
        out->hasValues = true;
        out->fromSamples = true;
        out->real = samples->values.at(tensor.value); // samples are float activations
        out->raw = out->real;
        out->calibrator = samples->calibrator;
        if (auto it = samples->chosenRange.find(tensor.value); it != samples->chosenRange.end()) {
            out->hasChosenRange = true;
            out->chosenMin = it->second.first;
            out->chosenMax = it->second.second;
        }
        for (const auto& [name, ranges] : samples->rangesByCalibrator)
            if (auto it = ranges.find(tensor.value); it != ranges.end()) out->calibratorRanges.emplace_back(name, it->second);
        out->sampleCount = samples->sampleCount;
    } else {
        out->valueNote = "activation: values appear when calibration data is loaded";
    }
    if (out->hasValues) {
        out->rawStats = computeValueStats(out->raw);
        out->realStats = computeValueStats(out->real);
        if (t.quant.isPerChannel() && !out->fromSamples) out->channelAxis = t.quant.quantizedDimension;
        else if (out->constant && t.shape.size() >= 2) out->channelAxis = 0; // weights: output channels
        if (out->channelAxis >= 0 && size_t(out->channelAxis) < t.shape.size())
            out->channelStats = perChannelStats(out->real, t.shape, out->channelAxis);
        else
            out->channelAxis = -1;
        if (!out->fromSamples) out->example = lab::quantExample(t, out->real);
    }
    out->model = std::move(model);
    return out;
}

} // namespace ql::ui

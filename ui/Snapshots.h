#pragma once
// Immutable results that cross from jobs to the GUI thread (std::shared_ptr<const T>), and the
// functions that make them. The functions run inside jobs and only call the engine; item
// models and views receive the finished snapshots.

#include "lab/QuantExample.h"
#include "analysis/ActivationSamples.h"
#include "analysis/OperatorQuant.h"
#include "analysis/TensorStats.h"
#include "layout/GraphScene.h"
#include "model/Blockwise.h"
#include "model/ModelStats.h"
#include "model/OptionsInfo.h"
#include "util/Progress.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql::ui {

// A model as the window shows it: the graph, the facts of the status bar, or the error.
struct LoadedModel {
    std::string path;
    std::shared_ptr<const Model> model; // null when loading failed
    std::string error;
    ModelStats stats;
};

// A laid-out subgraph plus what the colour overlays need, per operator.
struct GraphSnapshot {
    std::shared_ptr<const layout::GraphScene> scene;
    std::vector<QuantKind> operatorKind;
    std::vector<TensorType> operatorType; // dtype of the first output
};

struct OperatorSnapshot {
    std::shared_ptr<const Model> model;
    SubgraphIndex subgraph;
    OperatorIndex op;
    std::string optionsType;
    std::vector<OptionField> options;
    QuantKind kind = QuantKind::Float;
    Requantization requant;
    uint64_t macs = 0;
    // Subgraphs the operator runs (WHILE cond/body, IF then/else, CALL_ONCE init): the option's
    // name and the subgraph, valid indices only.
    std::vector<std::pair<std::string, SubgraphIndex>> calledSubgraphs;
};

struct TensorSnapshot {
    std::shared_ptr<const Model> model;
    SubgraphIndex subgraph;
    TensorIndex tensor;
    bool constant = false;
    bool hasValues = false;  // constant data, or activation samples
    bool fromSamples = false;
    std::string valueNote;   // why there are no values
    std::vector<double> raw; // as stored (integers for quantized tensors)
    std::vector<double> real; // dequantized (== raw for float tensors)
    ValueStats rawStats;
    ValueStats realStats;
    int channelAxis = -1;    // quantized_dimension for per-channel tensors, else -1
    std::vector<ValueStats> channelStats; // of `real`, along channelAxis
    std::vector<ChannelQuant> quant;
    // Blockwise constants: the block scales and zero points (row-major, rows x blocks), and one
    // row per block with its float range and the range of its dequantized values.
    std::optional<BlockScaleTable> blocks;
    std::vector<BlockQuant> blockTable;
    bool hasChosenRange = false;
    double chosenMin = 0, chosenMax = 0;
    std::string calibrator;
    // activation samples: every calibrator's range (name, [min, max]) and how many data
    // samples produced them
    std::vector<std::pair<std::string, std::pair<double, double>>> calibratorRanges;
    size_t sampleCount = 0;
    // Teaching: the value of largest |r| through q = round(r / scale) + zero_point (quantized
    // tensors with values).
    std::optional<lab::QuantExample> example;

    const Tensor& info() const { return model->subgraphs[subgraph.index()].tensor(tensor); }
};

std::shared_ptr<const LoadedModel> loadModel(const std::string& path, const Progress& progress);
std::shared_ptr<const GraphSnapshot> makeGraphSnapshot(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                                       const layout::ModelGraphOptions& options, const Progress& progress);
std::shared_ptr<const OperatorSnapshot> makeOperatorSnapshot(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                                             OperatorIndex op);
std::shared_ptr<const TensorSnapshot> makeTensorSnapshot(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                                         TensorIndex tensor,
                                                         std::shared_ptr<const ActivationSamples> samples = {});

} // namespace ql::ui

#pragma once
// Float model vs quantized model on the same samples: where precision is lost.
//
// Two views, both per tensor of the quantized model that has a float counterpart
// (TensorMatching.h), pooled over all samples (ErrorMetrics.h):
//   accumulated: the quantized model runs end to end; each tensor, dequantized
//                (r = scale * (q - zero_point)), is compared with the float model's tensor.
//                The error so far, including everything upstream.
//   per layer:   each operator of the quantized model is fed the quantized version of the
//                float model's input to it, q = clamp(round(r / scale) + zero_point, qmin, qmax)
//                (float inputs get the float values), and its outputs are compared with the
//                float model's. The error this operator adds on its own; the default view of
//                TFLite's Quantization Debugger. One extra run of the quantized model per
//                sample, with Interpreter::invoke's input hook overwriting each operator's
//                inputs just before its eval.
// Weights (constant tensors) are compared once, in total and per channel.
// Histograms: the float values of each tensor (with the quantized tensor's grid: scale,
// zero point, [qmin, qmax] → clip limits), the quantized tensor's real values over the same
// bins (the same sampled elements), and the error (quantized - float), from a sample of at
// most CompareOptions::histogramValues values per tensor.
//
// Limits: subgraph 0 only (operators inside subgraphs that WHILE / IF call are covered by
// their calling operator's output, not one by one); variable tensors (LSTM state) are reset
// before every sample in both models and are not compared; a tensor whose counterpart has
// another element count is left unmatched. Cost per sample: one float run, two quantized runs
// (the second with the input hook) and the metrics, about 7x one float inference on
// hand_landmark_lite (bench/bench_compare.cpp).
//
// Use (CLI, UI job runner, tests):
//   auto r = analysis::compareModels(floatModel, quantModel, "random:32:1", {}, progress);
//   for (const LayerComparison& l : r->layers) ... l.perLayer.sqnrDb, l.accumulated.sqnrDb
// Pure engine code: no Qt, no files written; progress and cancel as in util/Progress.h.

#include "analysis/ErrorMetrics.h"
#include "analysis/TensorMatching.h"
#include "analysis/TensorStats.h"
#include "data/DataSource.h"
#include "model/Model.h"
#include "runtime/Target.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql::analysis {

struct CompareOptions {
    data::DataOptions data;       // maxSamples (0: all of the source), stride, offset, ...
    bool perLayer = true;         // run the per-layer view (one more quantized run per sample)
    size_t histogramBins = 64;
    size_t histogramValues = 8192; // per tensor and kind, sampled evenly over the samples
    int threads = 1;              // interpreter threads for both models
    Target target = defaultTarget(); // the runtime both models' results reproduce
};

// One tensor of the quantized model and its float counterpart.
struct TensorComparison {
    TensorIndex quant, ref;
    std::string name, refName;    // tensor names in the quantized / float model
    TensorType type = TensorType::FLOAT32; // in the quantized model
    std::vector<int32_t> shape;
    bool constant = false;        // weights and biases: compared once, not per sample
    MatchBasis basis = MatchBasis::Topology;
    OperatorIndex producer;       // producer in the quantized model (invalid for inputs/constants)

    // Quantization of the quantized tensor (first channel when per channel).
    bool quantized = false;
    double scale = 0;
    int64_t zeroPoint = 0;
    int32_t qmin = 0, qmax = 0;
    double clipMin = 0, clipMax = 0; // scale * (qmin - zp), scale * (qmax - zp)
    size_t channels = 1;             // scales (per-channel weights: > 1)

    ErrorStats accumulated;          // weights: the weight error itself
    std::optional<ErrorStats> perLayer; // outputs of operators, when the per-layer view ran
    std::vector<ErrorStats> perChannel; // weights: along channelAxis
    int channelAxis = -1;

    Histogram values;                // float reference values
    Histogram quantizedValues;       // the quantized tensor's real values (accumulated run), bins of `values`
    Histogram accumulatedError;      // quantized - float
    Histogram perLayerError;
};

// One operator of the quantized model (in execution order), with the figures of its first
// output.
struct LayerComparison {
    OperatorIndex quantOp, refOp;   // refOp invalid for inserted QUANTIZE / DEQUANTIZE
    std::string opType;             // "CONV_2D"
    std::string name;               // output 0's name in the quantized model
    bool conversion = false;        // a QUANTIZE / DEQUANTIZE the quantizer inserted
    int output = -1;                // index into CompareResult::tensors (output 0), -1 if unmatched
    std::vector<int> weights;       // indices into CompareResult::tensors (matched constant inputs)
    ErrorStats perLayer, accumulated;
    bool hasPerLayer = false;
    std::string note;               // e.g. which input had no float counterpart
};

struct CompareResult {
    Target target = Target::TfliteCpu; // CompareOptions::target, recorded in the reports
    size_t samples = 0;
    std::string dataDescription;
    ModelMatching matching;
    std::vector<TensorComparison> tensors; // ordered by quantized tensor index
    std::vector<LayerComparison> layers;
    std::vector<int> outputs;              // per graph output: index into tensors, -1 if unmatched
    double seconds = 0;                    // whole comparison
    double floatSeconds = 0;               // float inferences only (sum over samples)
    double quantSeconds = 0;               // quantized runs (both views)
    std::vector<std::string> warnings;

    const TensorComparison* tensorFor(TensorIndex quant) const;
};

// Errors: models that cannot be matched (matchModels), graph inputs without counterpart,
// a data source that does not fit the float model, kernels that fail, "cancelled".
Result<CompareResult> compareModels(std::shared_ptr<const Model> floatModel, std::shared_ptr<const Model> quantModel,
                                    const data::DataSource& samples, const CompareOptions& options = {},
                                    const Progress& progress = {});
// The same with a data source spec (SRC, see data/DataSource.h), opened against the float model's inputs.
Result<CompareResult> compareModels(std::shared_ptr<const Model> floatModel, std::shared_ptr<const Model> quantModel,
                                    const std::string& dataSpec, const CompareOptions& options = {},
                                    const Progress& progress = {});

// Layers ordered from the worst per-layer SQNR (accumulated when the per-layer view did
// not run), skipping conversions and layers without figures; at most `count`.
std::vector<size_t> worstLayers(const CompareResult& result, size_t count);

} // namespace ql::analysis

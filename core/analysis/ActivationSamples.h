#pragma once
// Activation values recorded while running calibration data through a model, per tensor of
// one subgraph. The tensor inspector and the histograms take it as an optional snapshot and
// show activation histograms with the calibrator's chosen range drawn over them.
// collectActivationSamples (ActivationSamples.cpp) produces it: one calibration pass over a
// data source (core/calib's collector for the statistics every calibrator needs) plus a
// uniform reservoir of values per tensor for the histograms and the what-if panel.

// (standard headers first: moc cannot parse <compare> when it comes first)
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/Model.h"
#include "util/Indices.h"
#include "util/Progress.h"
#include "util/Result.h"

namespace ql {

struct ActivationSamples {
    SubgraphIndex subgraph{0};
    std::string calibrator;                         // "minmax", "percentile:99.99", ...
    std::map<int32_t, std::vector<double>> values;  // tensor index -> sampled float values
    std::map<int32_t, std::pair<double, double>> chosenRange; // tensor index -> calibrator's [min, max]
    // Additive fields (filled by collectActivationSamples):
    std::string source;     // the data source's description
    size_t sampleCount = 0; // model invocations that ran
    // Every calibrator's range per tensor ("minmax", "percentile:99.99", "mse", "kl"), so that
    // the UI can draw the alternatives next to the chosen one.
    std::map<std::string, std::map<int32_t, std::pair<double, double>>> rangesByCalibrator;
};

struct ActivationSamplingOptions {
    std::string calibrator = "minmax"; // the CLI's --calibrator syntax
    int bits = 8;                      // activation bit width the calibrators aim at
    size_t maxSamples = 0;             // data samples to run (0: all)
    // Uniform reservoir (Vitter's algorithm L) over all values a tensor takes in all samples:
    // histograms of the reservoir estimate the distribution, the calibrators use the
    // collector's full statistics.
    size_t valuesPerTensor = 16384; // 128 KB per tensor as doubles
    uint64_t seed = 1;
};

// Runs subgraph 0 of `model` over the data source `dataSpec` (a SRC: .npy/.npz,
// IDX, an image folder, random:N[:SEED]) and records every float activation (quantized
// activations are dequantized, r = s * (q - z), with their per-tensor parameters). Chosen
// ranges exist for float32 tensors (the collector's statistics). Progress: "running samples";
// cancellation returns the error "cancelled".
Result<std::shared_ptr<const ActivationSamples>> collectActivationSamples(std::shared_ptr<const Model> model,
                                                                          const std::string& dataSpec,
                                                                          const ActivationSamplingOptions& options,
                                                                          const Progress& progress);

} // namespace ql

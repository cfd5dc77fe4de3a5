#pragma once
// Activation values recorded while running calibration data through a model, per tensor of
// one subgraph. Produced by calibration (core/calib, later); the tensor inspector and the
// histograms take it as an optional snapshot and show activation histograms with the
// calibrator's chosen range drawn over them.

// (standard headers first: moc cannot parse <compare> when it comes first)
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/Indices.h"

namespace ql {

struct ActivationSamples {
    SubgraphIndex subgraph{0};
    std::string calibrator;                         // "minmax", "percentile:99.99", ...
    std::map<int32_t, std::vector<double>> values;  // tensor index -> sampled float values
    std::map<int32_t, std::pair<double, double>> chosenRange; // tensor index -> calibrator's [min, max]
};

} // namespace ql

#pragma once
// What calibration learned about the float model's tensors: per tensor the absolute running
// min/max over every sample (TFLite's calibrator rule), counts, and a histogram for the
// percentile / mse / kl calibrators. Produced by CalibrationCollector::snapshot() as an
// immutable value that may cross threads.

#include "calib/Histogram.h"
#include "model/Model.h"
#include "util/Result.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace ql::calib {

struct TensorStats {
    float min = std::numeric_limits<float>::infinity(); // over all finite observed values
    float max = -std::numeric_limits<float>::infinity();
    uint64_t count = 0;        // finite values observed
    uint64_t zeros = 0;        // values exactly 0.0 (exactly representable in any range)
    uint64_t nonFinite = 0;    // NaN and +-Inf, skipped by min/max and the histogram
    uint32_t observations = 0; // times the tensor was seen (once per sample, more in loops)
    // total() == count for tensors up to kFullHistogramValues elements; for larger ones a
    // sample of every p-th value (see CalibrationCollector.h): use fractions of total().
    Histogram histogram;

    bool empty() const { return count == 0; }
};

struct CalibrationStats {
    size_t samples = 0;
    size_t skippedNonFinite = 0; // samples left out for NaN/inf inputs (CalibrateOptions::skipNonFinite)
    // [subgraph][tensor]; a tensor never observed has observations == 0.
    std::vector<std::vector<TensorStats>> subgraphs;

    // Null when the tensor was never observed (constants, non-float tensors, other subgraphs).
    const TensorStats* find(TensorIndex tensor, size_t subgraph = 0) const;
};

// Min/max of a constant tensor's float32 values, one pair per slice along `axis` (TFLite's
// per-channel axes: CONV_2D 0, DEPTHWISE_CONV_2D 3, FULLY_CONNECTED 0), or a single pair when
// axis < 0.
struct ChannelRanges {
    int axis = -1;
    std::vector<float> min, max;
};
Result<ChannelRanges> constantRanges(const Model& model, const Tensor& tensor, int axis);

} // namespace ql::calib

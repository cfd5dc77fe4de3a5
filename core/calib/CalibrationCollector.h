#pragma once
// Gathers calibration statistics in one pass: plug observe() into Interpreter::invoke (it is
// called after every operator with the operator's outputs) and call observeInputs() before each
// invoke for the graph inputs, which no operator produces.
//
// Cost per float output (the calibration benchmark's budget is 1.5x plain inference): one
// vectorised pass (SSE2/AVX2) computing min/max, the zero count, a non-finite check and the
// bin indices, then count increments in four interleaved tables (so that runs of equal values,
// e.g. ReLU zeros, do not serialise on one counter). Only when the range grows (or NaN/Inf
// appear) is the output read again. No allocation after a tensor's first observation.
// Tensors under 4096 values skip the tables: their values go straight into the histogram,
// which stays sparse (the bins in use) until many bins are used, so that memory follows the
// values observed: 100,000 tiny tensors cost a few hundred bytes each, not 64 KB.
//
// Histogram sampling: min/max/count/zeros cover every value; the histogram counts every value of
// tensors up to kFullHistogramValues elements and every p-th value of larger ones (p >= 5 a
// prime not dividing the channel count, so that all channels are sampled evenly). The
// calibrators use the histogram's shape (fractions), so this only thins out the counts of
// the largest activations (a 300k-element output still adds 15k values per sample).

#include "calib/CalibrationStats.h"
#include "runtime/Interpreter.h"

#include <memory>
#include <mutex>
#include <vector>

namespace ql::calib {

// Tensors up to this many elements put every value into the histogram.
constexpr size_t kFullHistogramValues = 16384;
// 1, or the sampling stride for a tensor of `count` values with `channels` innermost channels.
size_t histogramSamplingStride(size_t count, size_t channels);

class CalibrationCollector {
public:
    explicit CalibrationCollector(std::shared_ptr<const Model> model);
    ~CalibrationCollector();
    CalibrationCollector(const CalibrationCollector&) = delete;
    CalibrationCollector& operator=(const CalibrationCollector&) = delete;

    // Records the float32 outputs of one operator.
    void observe(const rt::NodeEvent& event);
    // Records the float32 graph inputs of subgraph 0 (their current contents).
    void observeInputs(rt::Interpreter& interpreter);
    // Records a float32 tensor's values directly (tests, custom drivers); `channels` is the
    // innermost dimension (0: unknown), used to pick the histogram sampling stride.
    void observeTensor(size_t subgraph, TensorIndex tensor, std::span<const float> values, size_t channels = 0);
    // Counts one completed sample.
    void finishSample();
    // A sample left out (NaN/inf in its inputs, CalibrateOptions::skipNonFinite): counted only.
    void skipSample();
    // An observer that forwards to observe(); the collector must outlive it.
    rt::Observer observer();

    std::shared_ptr<const CalibrationStats> snapshot() const;
    size_t samples() const;

    struct Accumulator;

private:
    Accumulator& accumulator(size_t subgraph, size_t tensor);
    void observeLocked(size_t subgraph, TensorIndex tensor, std::span<const float> values, size_t channels);

    std::shared_ptr<const Model> m_model;
    mutable std::mutex m_mutex;
    // [subgraph][tensor], created on a tensor's first observation.
    std::vector<std::vector<std::unique_ptr<Accumulator>>> m_acc;
    std::vector<float> m_scratch; // finite values of a tensor that holds NaN/Inf
    size_t m_samples = 0, m_skipped = 0;
};

} // namespace ql::calib

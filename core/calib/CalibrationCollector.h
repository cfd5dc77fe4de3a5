#pragma once
// Gathers calibration statistics in one pass: plug observe() into Interpreter::invoke (it is
// called after every operator with the operator's outputs) and call observeInputs() before each
// invoke for the graph inputs, which no operator produces.
//
// Cost per float output (the calibration benchmark's budget is 1.5x plain inference): one
// vectorised pass for min/max, zero count and a non-finite check, then one pass computing bin
// indices (vectorised) and incrementing counts in four interleaved tables (so that runs of
// equal values, e.g. ReLU zeros, do not serialise on one counter). No allocation after a
// tensor's first observation; the histogram is re-binned only when the range grows.

#include "calib/CalibrationStats.h"
#include "runtime/Interpreter.h"

#include <memory>
#include <mutex>
#include <vector>

namespace ql::calib {

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
    // Records a float32 tensor's values directly (tests, custom drivers).
    void observeTensor(size_t subgraph, TensorIndex tensor, std::span<const float> values);
    // Counts one completed sample.
    void finishSample();
    // An observer that forwards to observe(); the collector must outlive it.
    rt::Observer observer();

    std::shared_ptr<const CalibrationStats> snapshot() const;
    size_t samples() const;

    struct Accumulator;

private:
    Accumulator& accumulator(size_t subgraph, size_t tensor);

    std::shared_ptr<const Model> m_model;
    mutable std::mutex m_mutex;
    // [subgraph][tensor], created on a tensor's first observation.
    std::vector<std::vector<std::unique_ptr<Accumulator>>> m_acc;
    std::vector<float> m_scratch; // finite values of a tensor that holds NaN/Inf
    size_t m_samples = 0;
};

} // namespace ql::calib

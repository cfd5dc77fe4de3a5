#pragma once
// The calibration run: every sample of a data source through the float model, with the
// collector observing every operator's outputs (one pass, no second sweep over the data).

#include "calib/CalibrationCollector.h"
#include "data/DataSource.h"
#include "runtime/Interpreter.h"
#include "util/Result.h"

#include <atomic>
#include <functional>

namespace ql::calib {

// Called after each sample with (samples done, samples in total).
using CalibrationProgress = std::function<void(size_t done, size_t total)>;

struct CalibrateOptions {
    // Reset variable tensors (LSTM state) before each sample, so that samples are independent.
    bool resetVariables = true;
    // Load sample i + 1 on another thread while sample i runs (decoding images, inflating data
    // overlaps with inference). DataSource::get is const and safe to call from that thread.
    bool prefetch = true;
    // A float input holding NaN or +-inf: refused (the error names the sample, the input and the
    // first such value), or, when set, the sample is left out and counted
    // (CalibrationStats::skippedNonFinite). Such values would poison min/max ranges.
    bool skipNonFinite = false;
};

// Runs all samples of `source`. `cancel` is polled before each sample; when set the run stops
// and returns the error "cancelled" (the collector keeps what it saw so far). Errors name the
// sample index.
Status calibrate(rt::Interpreter& interpreter, const data::DataSource& source, CalibrationCollector& collector,
                 const CalibrationProgress& progress = {}, const std::atomic<bool>* cancel = nullptr,
                 const CalibrateOptions& options = {});

} // namespace ql::calib

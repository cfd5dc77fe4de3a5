#include "calib/Calibrate.h"

#include <future>

namespace ql::calib {

Status calibrate(rt::Interpreter& interpreter, const data::DataSource& source, CalibrationCollector& collector,
                 const CalibrationProgress& progress, const std::atomic<bool>* cancel, const CalibrateOptions& options) {
    const size_t total = source.size();
    const rt::Observer observer = collector.observer();
    const auto load = [&source](size_t i) { return source.get(i); };
    // At most one load in flight; a pending future is waited for when it goes out of scope.
    std::future<Result<data::Sample>> next;
    if (options.prefetch && total > 0) next = std::async(std::launch::async, load, size_t(0));
    for (size_t i = 0; i < total; ++i) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return makeError("cancelled");
        const std::string where = "calibration sample " + std::to_string(i);
        Result<data::Sample> sample = next.valid() ? next.get() : load(i);
        if (options.prefetch && i + 1 < total) next = std::async(std::launch::async, load, i + 1);
        if (!sample) return makeError(where + ": " + sample.message());
        if (sample->tensors.size() != interpreter.inputCount())
            return makeError(where + ": the data has " + std::to_string(sample->tensors.size()) + " inputs, the model " +
                             std::to_string(interpreter.inputCount()));
        for (size_t k = 0; k < sample->tensors.size(); ++k) {
            const data::SampleTensor& t = sample->tensors[k];
            if (Status s = interpreter.setInput(k, t.type, t.bytes); !s) return makeError(where + ": " + s.message());
        }
        if (options.resetVariables) interpreter.resetVariables();
        collector.observeInputs(interpreter);
        if (Status s = interpreter.invoke(observer); !s) return makeError(where + ": " + s.message());
        collector.finishSample();
        if (progress) progress(i + 1, total);
    }
    return {};
}

} // namespace ql::calib

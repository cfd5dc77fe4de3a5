#include "calib/Calibrate.h"

namespace ql::calib {

Status calibrate(rt::Interpreter& interpreter, const data::DataSource& source, CalibrationCollector& collector,
                 const CalibrationProgress& progress, const std::atomic<bool>* cancel, const CalibrateOptions& options) {
    const size_t total = source.size();
    const rt::Observer observer = collector.observer();
    for (size_t i = 0; i < total; ++i) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return makeError("cancelled");
        const std::string where = "calibration sample " + std::to_string(i);
        auto sample = source.get(i);
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

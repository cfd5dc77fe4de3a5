#include "calib/Calibrate.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <future>
#include <optional>

namespace ql::calib {
namespace {

struct NonFinite {
    size_t input = 0, element = 0, count = 0;
    float value = 0;
};

// The first float input of `sample` that holds NaN or +-inf, with how many it holds.
std::optional<NonFinite> firstNonFinite(const data::Sample& sample) {
    for (size_t k = 0; k < sample.tensors.size(); ++k) {
        const data::SampleTensor& t = sample.tensors[k];
        if (t.type != TensorType::FLOAT32) continue;
        const size_t n = t.bytes.size() / sizeof(float);
        std::optional<NonFinite> found;
        for (size_t e = 0; e < n; ++e) {
            float v;
            std::memcpy(&v, t.bytes.data() + e * sizeof(float), sizeof v);
            if (std::isfinite(v)) continue;
            if (!found) found = NonFinite{k, e, 0, v};
            ++found->count;
        }
        if (found) return found;
    }
    return std::nullopt;
}

} // namespace

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
        if (auto bad = firstNonFinite(*sample)) {
            if (options.skipNonFinite) {
                collector.skipSample();
                if (progress) progress(i + 1, total);
                continue;
            }
            const Subgraph& sg = interpreter.model().subgraphs[0];
            const std::string name = bad->input < sg.inputs.size() ? sg.tensor(sg.inputs[bad->input]).name : std::string();
            char value[32];
            std::snprintf(value, sizeof value, "%g", double(bad->value));
            return makeError(where + ", input " + std::to_string(bad->input) + (name.empty() ? "" : " '" + name + "'") +
                             ": " + std::to_string(bad->count) + " non-finite value(s), the first " + value +
                             " at element " + std::to_string(bad->element) +
                             "; give finite data or skip such samples (--skip-nonfinite)");
        }
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

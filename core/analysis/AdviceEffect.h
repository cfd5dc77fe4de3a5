#pragma once
// The measured effect of a change that advice names: the float model is quantized again with
// the quantized model's recipe plus the change (int16 activations for one operator, keeping it
// float, per-channel weights, another calibrator for one tensor), calibrated on the same data,
// and its worst-output SQNR against the float model on the evaluation samples is compared with
// the recipe's own (re-quantized the same way without the change): "+6.1 dB measured".
//
// The recipe comes from the quantized model's "quantlab" metadata (mode, calibrator,
// per-channel, equalization, bias correction, rounding; QuantizeJob.cpp writes it); without it: int16x8 when the model has int16
// activations, else int8, minmax, per-channel. int8-only is measured as int8 (the same integer
// operators with float inputs and outputs, so that float samples feed both models).

#include "data/DataSource.h"
#include "model/Model.h"
#include "quantize/QuantizeOptions.h"
#include "runtime/Target.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ql::analysis {

struct AdviceChange {
    enum class Kind { Int16, KeepFloat, PerChannel, CalibratorFor };
    Kind kind = Kind::KeepFloat;
    std::string name;       // operator output name (Int16, KeepFloat) or tensor (CalibratorFor)
    std::string calibrator; // CalibratorFor: "mse", "percentile:99.99"
    std::string
    label() const; // "int16 activations", "keep float", "per-channel", "mse range for 'x'"
    std::string_view kindName() const; // "int16", "keep_float", "per_channel", "calibrator_for"
};

struct AdviceEffect {
    AdviceChange change;
    double sqnrDb = 0; // worst graph output, with the change
    double gainDb = 0; // sqnrDb - the recipe's own
    size_t index = 0;  // of the change in measureAdvice's list
};

struct AdviceMeasurement {
    quantize::QuantizeOptions recipe;  // as read from the quantized model
    double baselineSqnrDb = 0;         // the recipe re-quantized, without a change
    std::vector<AdviceEffect> effects; // in the order of the changes; refused changes left out
};

// The recipe the quantized model was made with (see the file comment).
quantize::QuantizeOptions recipeOf(const Model& quantModel);

// `dataOptions` selects the evaluation samples of `evalSpec`; calibration reads every sample of
// `calibSpec` with the same normalization.
// Errors: calibration or evaluation data that does not fit the float model, a recipe that
// does not quantize the float model, "cancelled". A change that the quantizer refuses (e.g.
// int16 in mode int16x8) is left out of the result.
Result<AdviceMeasurement>
measureAdvice(std::shared_ptr<const Model> floatModel, const Model& quantModel,
              const std::string& calibSpec, const std::string& evalSpec,
              const data::DataOptions& dataOptions, const std::vector<AdviceChange>& changes,
              Target target = defaultTarget(), const Progress& progress = {});

} // namespace ql::analysis

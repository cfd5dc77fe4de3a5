#pragma once
// Pieces of Evaluate.cpp shared with the all-modes table (EvaluateModes.cpp) and the health
// checks' data pass; not part of the public analysis API.

#include "analysis/Evaluate.h"
#include "runtime/Interpreter.h"
#include "runtime/RtTensor.h"

#include <vector>

namespace ql::analysis {

// The sample `s` (read for inputs `from`) for inputs `to`: copied when the types and
// quantization agree, else each element's real value stored in the other type
// (data::storeReal: quantized with the input's scale and zero point).
Result<data::Sample> convertSample(const data::Sample& s, const data::ModelInputInfo& from, const data::ModelInputInfo& to);

// Resets the variables and sets every input of `interp` from the sample (one per input, in order).
Status feed(rt::Interpreter& interp, const data::Sample& s);

// Appends the tensor's values as floats (dequantized, r = scale * (q - zero_point)).
void appendOutputValues(const rt::RtTensor& t, std::vector<float>& out);

// The file's size, or the serialized size of a model built in memory.
uint64_t modelFileBytes(const Model& model);

// The reference model's outputs on every sample of a source ([sample][output], dequantized),
// kept between the rows of the all-modes table so that the float model runs once, not once
// per mode. Not kept beyond kMaxCachedReferenceFloats values (256 MB).
inline constexpr size_t kMaxCachedReferenceFloats = size_t(64) << 20;
struct ReferenceOutputs {
    bool filled = false;   // every sample's outputs are in `values`
    bool disabled = false; // too large: not kept
    std::vector<std::vector<std::vector<float>>> values;
};

// evaluateOnSource with the samples read for inputs `sourceInfo`. With a `cache`: an empty one
// is filled on the way (when the run completes), a filled one replaces running the reference.
Result<EvalResult> evaluateOnSourceWith(std::shared_ptr<const Model> model, const data::DataSource& source,
                                        const data::ModelInputInfo& sourceInfo, const EvalOptions& opts,
                                        const Progress& progress, ReferenceOutputs* cache);

} // namespace ql::analysis

#pragma once
// Pieces of Evaluate.cpp shared with the all-modes table (EvaluateModes.cpp) and the health
// checks' data pass; not part of the public analysis API.

#include "analysis/Evaluate.h"
#include "runtime/RtTensor.h"

#include <vector>

namespace ql::analysis {

// The sample `s` (read for inputs `from`) for inputs `to`: copied when the types and
// quantization agree, else each element's real value stored in the other type
// (data::storeReal: quantized with the input's scale and zero point).
Result<data::Sample> convertSample(const data::Sample& s, const data::ModelInputInfo& from, const data::ModelInputInfo& to);

// Appends the tensor's values as floats (dequantized, r = scale * (q - zero_point)).
void appendOutputValues(const rt::RtTensor& t, std::vector<float>& out);

// The file's size, or the serialized size of a model built in memory.
uint64_t modelFileBytes(const Model& model);

// evaluateOnSource with the samples read for inputs `sourceInfo`.
Result<EvalResult> evaluateOnSourceWith(std::shared_ptr<const Model> model, const data::DataSource& source,
                                        const data::ModelInputInfo& sourceInfo, const EvalOptions& opts,
                                        const Progress& progress);

} // namespace ql::analysis

#pragma once
// Float and quantized model side by side on the same input: one sample of a data source (taken
// in the float model's input type) is fed to both models, converted into each model's input
// dtype through its real value (r = scale * (q - zero_point), then q = round(r / scale) + zp),
// and the outputs come back dequantized with their differences, SQNR and top-k.
// Used by the GUI's compare view and by the "try every leaf" sweep (LeafSweep.h).

#include "data/DataSource.h"
#include "model/Model.h"
#include "runtime/Interpreter.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <memory>
#include <string>
#include <vector>

namespace ql::lab {

// The real values of one tensor (dequantized when it is quantized per tensor).
std::vector<float> realValues(const rt::RtTensor& t);
// A sample converted into `model`'s input types via the real values of `from`'s inputs.
Result<data::Sample> convertSample(const data::Sample& sample, const data::ModelInputInfo& from,
                                   const data::ModelInputInfo& to);
// Runs a sample; returns the real values of every output of subgraph 0 and the time taken.
Result<std::vector<std::vector<float>>> runSample(rt::Interpreter& interp, const data::Sample& sample, double* ms = nullptr);

// 10 * log10(sum a^2 / sum (a - b)^2) in dB; +inf when equal, 0 for an all-zero reference.
double sqnrDb(std::span<const float> reference, std::span<const float> test);
// Indices of the k largest values, largest first (ties: lower index first).
std::vector<int> topK(std::span<const float> values, size_t k);

struct OutputComparison {
    std::string name;
    std::vector<int32_t> shape;
    std::vector<float> reference, test; // float model, quantized model (real values)
    double maxAbsDiff = 0, meanAbsDiff = 0, sqnr = 0;
    bool classifier = false;            // one row of scores (looks like class scores)
    std::vector<int> topReference, topTest; // top-5 when classifier
};

// An NHWC input with 1 or 3 channels as 8-bit pixels for display (values mapped linearly from
// their min..max onto 0..255; batch item 0).
struct InputImage {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb; // width * height * 3
};
std::optional<InputImage> inputAsImage(const data::SampleTensor& t);

struct SideBySideResult {
    std::string sourceDescription;
    size_t sampleIndex = 0;
    std::optional<int> label;
    data::Sample input;                 // as fed to the float model
    data::InputInfo inputInfo;          // of the float model's input 0
    std::optional<InputImage> image;    // input 0 when it looks like an image
    std::vector<OutputComparison> outputs;
    double referenceMs = 0, testMs = 0;
};

// For each operator of `from` (subgraph 0), the operator of `to` that produces a tensor of the
// same name as its first output (the quantizer keeps tensor names), or an invalid index.
std::vector<OperatorIndex> matchOperators(const Model& from, const Model& to);

// `spec`: a data source (SRC, see data/DataSource.h), or a single image file. `sampleIndex` selects the item.
Result<SideBySideResult> runSideBySide(std::shared_ptr<const Model> reference, std::shared_ptr<const Model> test,
                                       const std::string& spec, size_t sampleIndex, const Progress& progress = {});

} // namespace ql::lab

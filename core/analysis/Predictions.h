#pragma once
// Per-sample predictions of a float model and a quantized model on the same labelled samples
// (the workshop's "mistakes" grid): for each sample the label, both arg max classes
// and a displayable 8-bit greyscale copy of the image. The quantized model receives the same
// real values as the float model (Evaluate.h: the sample is read for the float model and
// quantized for the other with its input's parameters).
//
// Arg max ties pick the lowest index (numpy's argmax); quantized scores are dequantized first,
// r = scale * (q - zero_point), which keeps the order of the raw integers.

#include "data/DataSource.h"
#include "model/Model.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ql::analysis {

struct SamplePrediction {
    size_t index = 0;          // item of the data source
    int label = -1;            // -1: the source has no label for it
    int floatClass = -1;       // arg max of the float model's output 0
    int quantClass = -1;       // arg max of the quantized model's output 0
    int width = 0, height = 0; // of `pixels`
    // Channel 0 of the float model's input (NHWC, batch 1) mapped linearly from the image's own
    // [min, max] onto [0, 255] (a constant image is all 0); row-major, height x width.
    std::vector<uint8_t> pixels;
};

struct PredictionSummary {
    size_t samples = 0, labelled = 0;
    size_t floatCorrect = 0, quantCorrect = 0; // of the labelled samples
    size_t disagreements = 0;                  // floatClass != quantClass
    // Labelled samples the quantized model gets wrong, at most maxMistakes: first those the
    // float model gets right (lost by quantization), then those both get wrong; source order
    // within each group.
    std::vector<SamplePrediction> mistakes;
    size_t lostByQuantization = 0;             // quantized wrong, float right (all of them)
    size_t mistakesTotal = 0;                  // all of them, also beyond maxMistakes
};

// Runs both models on every sample of `source` (read for `floatModel`'s inputs). Errors: a
// model refusing a sample, output 0 of different sizes, "cancelled".
Result<PredictionSummary> comparePredictions(std::shared_ptr<const Model> floatModel,
                                             std::shared_ptr<const Model> quantModel,
                                             const data::DataSource& source, size_t maxMistakes,
                                             const Progress& progress = {});

// The same on a data source spec (SRC, see data/DataSource.h).
Result<PredictionSummary> comparePredictions(std::shared_ptr<const Model> floatModel,
                                             std::shared_ptr<const Model> quantModel, const std::string& dataSpec,
                                             const data::DataOptions& options, size_t maxMistakes,
                                             const Progress& progress = {});

// Arg max with the lowest index winning ties; -1 for an empty span.
int argMax(std::span<const float> scores);

} // namespace ql::analysis

#pragma once
// The bundled demo's labelled sample: the first N images of an IDX test set written as a
// smaller IDX pair, and the accuracy of a (float) model on a labelled data source measured
// with QuantLab's own interpreter and data pipeline (the model's metadata normalisation).

#include "model/Model.h"
#include "util/Result.h"

#include <cstdint>
#include <string>

namespace ql::train {

// File names inside the sample directory (IDX, gzip), siblings as data sources expect.
inline constexpr const char* kSampleImages = "fashion-mnist-sample-images-idx3-ubyte.gz";
inline constexpr const char* kSampleLabels = "fashion-mnist-sample-labels-idx1-ubyte.gz";

// Copies the first `count` items of imagesPath/labelsPath (raw uint8, unchanged) into
// outDir/kSampleImages and outDir/kSampleLabels (atomic writes).
Status writeIdxSample(const std::string& imagesPath, const std::string& labelsPath, int count,
                      const std::string& outDir);

struct Accuracy {
    int64_t correct = 0;
    int64_t total = 0;
    double fraction() const { return total ? double(correct) / double(total) : 0.0; }
};

// Runs `model` (one input, class scores out) on every labelled sample of `dataSpec` (any data
// source spec, see data/DataSource.h) with the interpreter and counts arg max == label.
Result<Accuracy> interpreterAccuracy(const Model& model, const std::string& dataSpec);

} // namespace ql::train

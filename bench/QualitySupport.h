#pragma once
// Real data for the quantization-quality benchmarks (bench_quantize_models, bench_int4): which
// samples each shared float model reads, its outputs as real numbers, and the SQNR per output.
//   - Photos (calib/ and eval/ under the photos folder), normalised as MediaPipe's graphs do:
//     the face detectors onto [-1, 1], hand_landmark and palm_detection onto [0, 1].
//   - trained_lstm: Fashion-MNIST (t10k; calibration from image 0, evaluation from image 5000).
//   - hello_world: x over [0, 2 pi] (written as two .npy files in the temporary folder).
#include "data/DataSource.h"
#include "model/Model.h"

#include <memory>
#include <string>
#include <vector>

namespace bench {

struct QualitySources {
    std::string calib, eval;
    ql::data::DataOptions calibOptions, evalOptions;
};

// The calibration and evaluation samples of the shared model `file` (its file name); false
// when that data is absent.
bool qualitySources(const std::string& file, const std::string& photos, size_t nCalib, size_t nEval,
                    QualitySources* sources);

// Per output, the real values of `model` over every evaluation sample (integer outputs
// dequantized with their own parameters).
bool realOutputs(std::shared_ptr<const ql::Model> model, const QualitySources& sources,
                 std::vector<std::vector<double>>* out, std::string* error);

// "25.3 2.3 13.1": SQNR = 10 log10(sum x^2 / sum (x - y)^2) per output, one decimal.
std::string sqnrCells(const std::vector<std::vector<double>>& reference,
                      const std::vector<std::vector<double>>& got);

} // namespace bench

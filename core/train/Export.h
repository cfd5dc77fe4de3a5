#pragma once
// Export of a trained Sequential as a float TFLite model (batch 1, NHWC):
//   input "input" [1, H, W, C]
//   Conv2D    -> CONV_2D (SAME, stride 1, fused RELU), "<name>/Conv2D", filter "<name>/kernel"
//   MaxPool2D -> MAX_POOL_2D (VALID),                  "<name>/MaxPool"
//   Flatten   -> RESHAPE to [1, N],                     "<name>/Reshape"
//   Dense     -> FULLY_CONNECTED (fused RELU),           "<name>/MatMul", weights "<name>/kernel" [out, in]
//   Dropout   -> nothing (identity at inference)
//   Softmax   -> SOFTMAX (beta 1),                       "<name>/Softmax"
// plus the signature "serving_default" (input "input", output "probabilities"), and
// TFLITE_METADATA: the input normalisation (mean, std on raw pixels), GRAYSCALE/RGB, and the
// output's labels file "labels.txt", whose lines are stored in the metadata entry of that
// name (read back with ql::modelLabels).

#include "model/Model.h"
#include "train/Dataset.h"
#include "train/Sequential.h"
#include "util/Result.h"

#include <string>
#include <vector>

namespace ql::train {

struct ExportInfo {
    std::string name = "Fashion-MNIST CNN";
    std::string description;
    std::string version = "1";
    std::string author = "QuantLab trainer";
    std::vector<std::string> labels;
    Normalisation normalisation;
};

Result<Model> exportModel(const Sequential& net, const ExportInfo& info);
// exportModel + writeModelFile (atomic).
Status writeTrainedModel(const Sequential& net, const ExportInfo& info, const std::string& path);

} // namespace ql::train

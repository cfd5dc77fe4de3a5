#pragma once
// Labelled image sets for the trainer: uint8 IDX images normalised once to floats,
// x = (p - mean) / std, the convention the exported model's TFLITE_METADATA records.

#include "train/Layer.h"
#include "util/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ql::train {

struct Dataset {
    int count = 0;
    Shape3 shape;                // per image (H, W, C)
    std::vector<float> images;   // count x H x W x C, normalised
    std::vector<uint8_t> labels; // count, in [0, classes)

    const float* image(int i) const { return images.data() + size_t(i) * size_t(shape.size()); }
};

struct Normalisation {
    float mean = 0.0f;
    float std = 255.0f; // pixels 0..255 -> [0, 1]
};

// An IDX3 uint8 image file (N x H x W) and its IDX1 uint8 labels; `.gz` or plain. Errors name
// the file and what was wrong (missing, not uint8, counts differ, label out of range).
Result<Dataset> loadIdxImages(const std::string& imagesPath, const std::string& labelsPath, Normalisation norm,
                              int classes);

struct FashionMnist {
    Dataset train, test;
};

// Debian's dataset-fashion-mnist layout: DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
Result<FashionMnist> loadFashionMnist(const std::string& dir, Normalisation norm = {});

// The ten Fashion-MNIST classes, in label order.
const std::vector<std::string>& fashionMnistLabels();

} // namespace ql::train

#include "train/Dataset.h"

#include "data/IdxFile.h"

#include <filesystem>

namespace ql::train {

Result<Dataset> loadIdxImages(const std::string& imagesPath, const std::string& labelsPath, Normalisation norm,
                              int classes) {
    auto images = data::readIdx(imagesPath);
    if (!images) return images.error();
    auto labels = data::readIdx(labelsPath);
    if (!labels) return labels.error();
    const auto& im = images.value();
    const auto& lb = labels.value();
    if (im.type != TensorType::UINT8 || im.dims.size() != 3)
        return makeError(imagesPath + ": expected uint8 images N x H x W, got " + std::string(typeName(im.type)) +
                         " of rank " + std::to_string(im.dims.size()));
    if (lb.type != TensorType::UINT8 || lb.dims.size() != 1)
        return makeError(labelsPath + ": expected uint8 labels of rank 1, got " + std::string(typeName(lb.type)) +
                         " of rank " + std::to_string(lb.dims.size()));
    if (lb.dims[0] != im.dims[0])
        return makeError(labelsPath + ": " + std::to_string(lb.dims[0]) + " labels for " + std::to_string(im.dims[0]) +
                         " images in " + imagesPath);
    Dataset d;
    d.count = im.dims[0];
    d.shape = {im.dims[1], im.dims[2], 1};
    d.labels = lb.bytes;
    for (size_t i = 0; i < d.labels.size(); ++i)
        if (d.labels[i] >= classes)
            return makeError(labelsPath + ": label " + std::to_string(d.labels[i]) + " of item " + std::to_string(i) +
                             " is not below " + std::to_string(classes));
    d.images.resize(im.bytes.size());
    const float inv = 1.0f / norm.std;
    for (size_t i = 0; i < im.bytes.size(); ++i) d.images[i] = (float(im.bytes[i]) - norm.mean) * inv;
    return d;
}

Result<FashionMnist> loadFashionMnist(const std::string& dir, Normalisation norm) {
    namespace fs = std::filesystem;
    auto path = [&](const char* set, const char* kind) {
        return (fs::path(dir) / (std::string(set) + "-" + kind + "-ubyte.gz")).string();
    };
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return makeError(dir + ": no such directory (install Debian's dataset-fashion-mnist, or pass --data DIR)");
    FashionMnist f;
    auto train = loadIdxImages(path("train", "images-idx3"), path("train", "labels-idx1"), norm, 10);
    if (!train) return train.error();
    auto test = loadIdxImages(path("t10k", "images-idx3"), path("t10k", "labels-idx1"), norm, 10);
    if (!test) return test.error();
    f.train = std::move(train.value());
    f.test = std::move(test.value());
    if (!(f.train.shape == f.test.shape))
        return makeError(dir + ": train and test images differ in size");
    return f;
}

const std::vector<std::string>& fashionMnistLabels() {
    static const std::vector<std::string> labels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return labels;
}

} // namespace ql::train

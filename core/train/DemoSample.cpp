#include "train/DemoSample.h"

#include "data/DataSource.h"
#include "data/IdxFile.h"
#include "io/AtomicFile.h"
#include "runtime/Interpreter.h"

#include <algorithm>
#include <filesystem>
#include <memory>

namespace ql::train {

Status writeIdxSample(const std::string& imagesPath, const std::string& labelsPath, int count,
                      const std::string& outDir) {
    auto images = data::readIdx(imagesPath);
    if (!images) return images.error();
    auto labels = data::readIdx(labelsPath);
    if (!labels) return labels.error();
    for (data::IdxArray* a : {&images.value(), &labels.value()}) {
        if (a->dims.empty() || a->dims[0] < count || elementSize(a->type) != 1)
            return makeError("sample: " + std::to_string(count) + " uint8 items wanted, the IDX file has " +
                             (a->dims.empty() ? std::string("none") : std::to_string(a->dims[0])));
        const size_t item = a->dims[0] ? a->bytes.size() / size_t(a->dims[0]) : 0;
        a->dims[0] = count;
        a->bytes.resize(item * size_t(count));
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(outDir, ec);
    for (auto [array, name] : {std::pair{&images.value(), kSampleImages}, std::pair{&labels.value(), kSampleLabels}}) {
        const auto bytes = data::gzipBytes(data::encodeIdx(*array));
        if (Status st = writeFileAtomically((fs::path(outDir) / name).string(), bytes); !st) return st;
    }
    return Status::success();
}

Result<Accuracy> interpreterAccuracy(const Model& model, const std::string& dataSpec) {
    auto shared = std::make_shared<const Model>(model);
    auto interp = rt::Interpreter::create(shared);
    if (!interp) return interp.error();
    rt::Interpreter& it = *interp.value();
    auto source = data::openDataSource(dataSpec, data::ModelInputInfo::fromModel(model));
    if (!source) return source.error();
    const data::DataSource& src = *source.value();
    Accuracy acc;
    for (size_t i = 0; i < src.size(); ++i) {
        const auto label = src.label(i);
        if (!label) return makeError(dataSpec + ": item " + std::to_string(i) + " has no label");
        auto sample = src.get(i);
        if (!sample) return sample.error();
        const data::SampleTensor& t = sample.value().tensors.at(0);
        if (Status st = it.setInput(0, t.type, t.bytes); !st) return st.error();
        if (Status st = it.invoke(); !st) return st.error();
        const rt::RtTensor& out = it.output(0);
        if (out.type != TensorType::FLOAT32 || out.elementCount() <= 0)
            return makeError("accuracy: output 0 is not float scores");
        const auto scores = out.values<float>();
        const float* p = scores.data();
        const int64_t n = int64_t(scores.size());
        acc.correct += (std::max_element(p, p + n) - p) == *label ? 1 : 0;
        ++acc.total;
    }
    return acc;
}

} // namespace ql::train

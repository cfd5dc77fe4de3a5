// libFuzzer target for the model loader: any byte string must give a model or an error,
// never a crash, a hang or an unbounded allocation. Accepted models are also inspected,
// written back and prepared by the interpreter (kernels' prepare must refuse bad graphs).
#include "tflite/ModelJson.h"
#include "model/ModelStats.h"
#include "runtime/Interpreter.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ql::ReadOptions options;
    options.maxTensorBytes = 16u << 20; // keep the fuzzer's memory bounded
    auto model = ql::readModel(ql::MappedFile::fromBytes(std::vector<uint8_t>(data, data + size)), "fuzz.tflite", options);
    if (!model) return 0;
    const ql::Model& m = **model;
    (void)ql::computeStats(m);
    (void)ql::modelToJson(m);
    (void)ql::decodeConversionMetadata(m);
    (void)ql::decodeModelMetadata(m);
    (void)ql::serializeModel(m);
    uint64_t activationBytes = 0;
    for (const auto& sg : m.subgraphs)
        for (const auto& t : sg.tensors)
            if (auto b = ql::byteCount(t.type, static_cast<uint64_t>(t.elementCount()))) activationBytes += *b;
    if (activationBytes < (64u << 20) && m.diagnostics.empty()) (void)ql::rt::Interpreter::create(model.value());
    return 0;
}

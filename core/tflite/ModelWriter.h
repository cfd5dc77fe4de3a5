#pragma once
// Serializes the model graph back to a .tflite file. Operator codes are rebuilt from the
// operators (builtin, custom code, version). Models whose buffers would push the flatbuffer
// past 2 GiB keep the buffers after it (Buffer.offset/size, TFLite schema 3c); that layout can
// also be forced for tests.

#include "model/Model.h"
#include "util/Result.h"

#include <string>
#include <vector>

namespace ql {

struct WriteOptions {
    enum class BufferLayout { Auto, Inline, AfterFlatbuffer };
    BufferLayout layout = BufferLayout::Auto;
};

// The whole file as bytes.
Result<std::vector<uint8_t>> serializeModel(const Model& model, const WriteOptions& options = {});

// Writes atomically (temporary file + rename). Refuses to replace the model's own source file
// or any of `protectedInputs`.
Status writeModelFile(const Model& model, const std::string& path, const WriteOptions& options = {},
                      std::vector<std::string> protectedInputs = {});

} // namespace ql

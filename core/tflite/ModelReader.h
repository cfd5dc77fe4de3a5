#pragma once
// Reads a .tflite file into the model graph. The file is untrusted: it is verified by the
// flatbuffers Verifier, then checked for meaning (indices, shapes, buffer sizes, quantization
// arrays). Problems that make the file unusable are errors; problems that full TFLite refuses
// but that leave the file readable (e.g. a quantized_dimension outside the rank) become
// diagnostics, so that the inspector can explain a broken file instead of refusing it.

#include "io/MappedFile.h"
#include "model/Model.h"
#include "util/Result.h"

#include <memory>
#include <string>

namespace ql {

struct ReadOptions {
    // Largest tensor the reader accepts, constant or not: nothing bigger is ever allocated.
    uint64_t maxTensorBytes = uint64_t(4) << 30;
    // Decode custom op options and sparsity? (always on; kept for symmetry with the writer)
};

// Maps the file and reads it. Error messages start with the path.
Result<std::shared_ptr<const Model>> readModelFile(const std::string& path, const ReadOptions& options = {});
// Reads a model from bytes held by `file` (the model keeps it alive). `displayName` prefixes
// error messages.
Result<std::shared_ptr<const Model>> readModel(std::shared_ptr<const MappedFile> file, const std::string& displayName,
                                               const ReadOptions& options = {});

// For a model the flatbuffers Verifier accepted: "" when every vector of 64-bit values is
// 8-byte aligned, else what is misaligned (the Verifier does not check it, and the object
// API's UnPack would load those values misaligned).
std::string misalignedWideVector(const uint8_t* verifiedModel);

} // namespace ql

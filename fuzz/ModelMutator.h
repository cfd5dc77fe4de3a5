#pragma once
// Structure-aware mutation of .tflite files for libFuzzer: the bytes are unpacked with the
// flatbuffers object API, one field that the loader and the kernels trust is changed (a
// dimension, a tensor or buffer index, a buffer's bytes, offset or size, an option, a
// quantization array, a subgraph reference, the operator order), and the model is packed
// again. Byte mutations alone rarely get past the flatbuffers Verifier; these mutants do, and
// then test the semantic validation and every kernel's prepare.

#include <cstddef>
#include <cstdint>

namespace ql::fuzz {

// Mutates data[0, size) in place into a new model of at most maxSize bytes; returns the new
// size, or 0 when the input is not a model the object API can unpack (the caller then
// falls back to byte mutations).
size_t mutateModel(uint8_t* data, size_t size, size_t maxSize, unsigned int seed);

} // namespace ql::fuzz

#pragma once
// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
//
// Layout: bytes 0-1 are zero, byte 2 the element type (0x08 uint8, 0x09 int8, 0x0B int16,
// 0x0C int32, 0x0D float32, 0x0E float64), byte 3 the rank; then one big-endian uint32 per
// dimension, then the elements, big-endian, row-major.

#include "model/TensorTypes.h"
#include "util/Result.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ql::data {

struct IdxArray {
    TensorType type = TensorType::UINT8;
    std::vector<int32_t> dims;
    std::vector<uint8_t> bytes; // host byte order

    int64_t elementCount() const;
};

// What an IDX header declares: the element type and dimensions, where the (big-endian) data
// starts and how long it is.
struct IdxHeader {
    TensorType type = TensorType::UINT8;
    std::vector<int32_t> dims;
    size_t dataOffset = 0;
    uint64_t dataBytes = 0;
};
// Parses and checks the header at the start of `bytes` (already decompressed), and that the
// data it declares fits in `fileBytes`, the size of the whole (decompressed) file; pass
// UINT64_MAX when it is not known yet.
Result<IdxHeader> parseIdxHeader(std::span<const uint8_t> bytes, const std::string& name, uint64_t fileBytes);
// True for gzip data (magic 1f 8b).
bool isGzip(std::span<const uint8_t> bytes);
// Big-endian elements to host order, in place.
void idxToHostOrder(uint8_t* data, size_t count, TensorType type);

// Parses IDX bytes (already decompressed). `name` is used in messages.
Result<IdxArray> parseIdx(const std::vector<uint8_t>& bytes, const std::string& name);
// Reads an IDX file; `.gz` (or gzip magic) is inflated with zlib.
Result<IdxArray> readIdx(const std::string& path);
// The IDX encoding of `array` (big-endian), e.g. for tests and the trainer's exports.
std::vector<uint8_t> encodeIdx(const IdxArray& array);

// The whole file; gzip data (magic 1f 8b) is inflated. Errors name the file.
Result<std::vector<uint8_t>> readMaybeGzip(const std::string& path);
// gzip-compresses bytes (zlib deflate with a gzip header).
std::vector<uint8_t> gzipBytes(const std::vector<uint8_t>& bytes);

} // namespace ql::data

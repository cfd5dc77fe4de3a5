#pragma once
// numpy .npy files (format versions 1.0, 2.0, 3.0; little-endian, C order) and .npz archives
// (zip, entries stored or deflated). These files come from users: every field is checked and
// an error names the file and what was expected (bad magic, big-endian, Fortran order,
// truncated data, a header that is too long, a shape whose size overflows).
//
// Written files are format 1.0 with numpy's own header layout ("{'descr': '<f4',
// 'fortran_order': False, 'shape': (1, 3), }" padded with spaces to a multiple of 64 bytes
// and ended by '\n'), byte for byte what numpy.save and the TFLite oracle write.

#include "model/TensorTypes.h"
#include "util/Result.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

class AtomicFileBatch;

struct NpyArray {
    std::string name; // the entry's name without ".npy" in an .npz archive; empty for .npy
    TensorType type = TensorType::FLOAT32;
    std::vector<int64_t> shape; // empty = scalar (one element)
    std::vector<uint8_t> data;  // C order, little-endian, elementCount() * elementSize(type)

    int64_t elementCount() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }
    template <class T> std::span<const T> values() const {
        return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
    }
};

// numpy descr for a tensor type ("<f4", "|i1", ...), or nullopt when .npy cannot hold it.
std::optional<std::string_view> npyDescr(TensorType type);
// The tensor type of a descr; accepts '<', '|' and '=' byte orders (never '>').
std::optional<TensorType> npyTypeFromDescr(std::string_view descr);

// The largest header accepted when reading (numpy itself refuses more than 10000 bytes by
// default; we allow more but still bound the parse).
constexpr size_t kNpyMaxHeaderBytes = 1 << 16;

// What a .npy header says: the data's type and shape, where the data starts and how long it is.
struct NpyHeader {
    TensorType type = TensorType::FLOAT32;
    std::vector<int64_t> shape;
    size_t dataOffset = 0; // bytes from the file's start (magic, version, length, dict)
    uint64_t dataBytes = 0; // element count * element size, checked for overflow
};
// Parses and checks the header at the start of `bytes`, which need hold only the header (the
// data is not looked at).
Result<NpyHeader> parseNpyHeader(std::span<const uint8_t> bytes, const std::string& what);
// Refuses data shorter than the header declares ("truncated data ... needs N bytes").
Status checkNpyData(const NpyHeader& header, uint64_t available, const std::string& what);

// Parses .npy bytes; `what` (the file name) starts every error message.
Result<NpyArray> parseNpy(std::span<const uint8_t> bytes, const std::string& what);
Result<NpyArray> readNpy(const std::string& path);

// The .npy v1.0 header (magic to '\n') for an array of this type and shape.
Result<std::vector<uint8_t>> npyHeader(TensorType type, std::span<const int64_t> shape);
std::vector<uint8_t> encodeNpy(const NpyArray& array); // header + data; array must be valid
// Writes atomically; refuses to write over any of `protectedInputs`. `data` must hold exactly
// the bytes of `shape`.
Status writeNpy(const std::string& path, TensorType type, std::span<const int64_t> shape,
                std::span<const uint8_t> data, const std::vector<std::string>& protectedInputs = {});
Status writeNpy(const std::string& path, const NpyArray& array, const std::vector<std::string>& protectedInputs = {});
// Adds the file to `batch` (written and renamed into place by the batch's commit()).
Status writeNpy(AtomicFileBatch& batch, const std::string& path, TensorType type, std::span<const int64_t> shape,
                std::span<const uint8_t> data);

// Every array of an .npz archive (numpy.savez / savez_compressed), in archive order.
Result<std::vector<NpyArray>> readNpz(const std::string& path);
Result<std::vector<NpyArray>> parseNpz(std::span<const uint8_t> bytes, const std::string& what);

} // namespace ql

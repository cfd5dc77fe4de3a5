#include "data/IdxFile.h"

#include "io/MappedFile.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>

namespace ql::data {
namespace {

// Refuse to inflate beyond this (a corrupt or hostile .gz must not exhaust memory).
constexpr size_t kMaxInflated = size_t(4) << 30;

std::optional<TensorType> idxType(uint8_t code) {
    switch (code) {
    case 0x08: return TensorType::UINT8;
    case 0x09: return TensorType::INT8;
    case 0x0B: return TensorType::INT16;
    case 0x0C: return TensorType::INT32;
    case 0x0D: return TensorType::FLOAT32;
    case 0x0E: return TensorType::FLOAT64;
    default: return std::nullopt;
    }
}

uint8_t idxCode(TensorType t) {
    switch (t) {
    case TensorType::INT8: return 0x09;
    case TensorType::INT16: return 0x0B;
    case TensorType::INT32: return 0x0C;
    case TensorType::FLOAT32: return 0x0D;
    case TensorType::FLOAT64: return 0x0E;
    default: return 0x08;
    }
}

uint32_t readBigEndian32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// Reverses the bytes of each element (big-endian file <-> little-endian host).
void swapElements(uint8_t* data, size_t count, size_t size) {
    if (size == 1) return;
    for (size_t i = 0; i < count; ++i) std::reverse(data + i * size, data + (i + 1) * size);
}

constexpr bool kHostLittleEndian = std::endian::native == std::endian::little;

// Header + data bytes an IDX header declares, once `head` holds the whole header (nullopt
// before, and for headers parseIdx refuses anyway). One byte more is allowed so that trailing
// data still reaches parseIdx's own checks.
std::optional<uint64_t> declaredIdxBytes(std::span<const uint8_t> head) {
    if (head.size() < 4 || head[0] != 0 || head[1] != 0 || !idxType(head[2])) return std::nullopt;
    const size_t rank = head[3], header = 4 + 4 * rank;
    if (rank == 0 || head.size() < header) return std::nullopt;
    std::vector<int64_t> dims;
    for (size_t d = 0; d < rank; ++d) dims.push_back(readBigEndian32(head.data() + 4 + 4 * d));
    const auto count = checkedElementCount(std::span<const int64_t>(dims));
    const auto bytes = count ? checkedMulU(uint64_t(*count), elementSize(*idxType(head[2]))) : std::nullopt;
    const auto total = bytes ? checkedAddU(*bytes, header + 1) : std::nullopt;
    return total;
}

Result<std::vector<uint8_t>> inflateGzip(std::span<const uint8_t> in, const std::string& path) {
    const uint64_t limit = std::min<uint64_t>(kMaxInflated, memoryLimitBytes());
    std::optional<uint64_t> declared;
    std::vector<uint8_t> out;
    out.resize(size_t(std::min<uint64_t>(std::max<size_t>(in.size() * 4, 1 << 16), limit)));
    z_stream zs{};
    // 15 + 32: accept gzip or zlib headers (automatic detection).
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return makeError(path + ": zlib initialisation failed");
    zs.next_in = const_cast<Bytef*>(in.data());
    size_t consumed = 0, produced = 0;
    int rc = Z_OK;
    while (true) {
        const size_t inChunk = std::min<size_t>(in.size() - consumed, 1u << 30);
        zs.next_in = const_cast<Bytef*>(in.data() + consumed);
        zs.avail_in = static_cast<uInt>(inChunk);
        // Once the IDX header is out, the stream may not inflate past what it declares (a gzip
        // bomb is refused after header + data bytes, not after gigabytes).
        if (!declared) declared = declaredIdxBytes(std::span<const uint8_t>(out.data(), produced));
        const uint64_t cap = std::min<uint64_t>(limit, declared ? *declared : limit);
        if (produced >= cap) {
            inflateEnd(&zs);
            return makeError(path + ": inflates to more than " + std::to_string(cap) + " bytes (" +
                             (declared ? "what its IDX header declares" : "the memory limit, --max-memory") + ")");
        }
        if (produced == out.size()) out.resize(size_t(std::min<uint64_t>(uint64_t(out.size()) * 2, cap)));
        zs.next_out = out.data() + produced;
        zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
        const size_t availOutBefore = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        consumed += inChunk - zs.avail_in;
        produced += availOutBefore - zs.avail_out;
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members (allowed by the format): continue with the next one.
            if (consumed < in.size() && in.size() - consumed >= 2 && in[consumed] == 0x1f && in[consumed + 1] == 0x8b) {
                inflateReset(&zs);
                continue;
            }
            break;
        }
        if (rc == Z_BUF_ERROR && consumed == in.size() && zs.avail_out != 0) {
            inflateEnd(&zs);
            return makeError(path + ": the gzip data is truncated");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            const std::string why = zs.msg ? zs.msg : "error " + std::to_string(rc);
            inflateEnd(&zs);
            return makeError(path + ": corrupt gzip data (" + why + ")");
        }
    }
    inflateEnd(&zs);
    out.resize(produced);
    return out;
}

} // namespace

int64_t IdxArray::elementCount() const {
    // parseIdx bounds the product by 2^40; arrays built in memory are checked the same way.
    return checkedElementCount(std::span<const int32_t>(dims)).value_or(0);
}

Result<std::vector<uint8_t>> readMaybeGzip(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    const auto bytes = (*file)->bytes();
    if (isGzip(bytes)) return inflateGzip(bytes, path);
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

std::vector<uint8_t> gzipBytes(const std::vector<uint8_t>& bytes) {
    z_stream zs{};
    // windowBits 15 + 16: write a gzip header and trailer.
    deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(bytes.size())) + 32);
    zs.next_in = const_cast<Bytef*>(bytes.data());
    zs.avail_in = static_cast<uInt>(bytes.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

bool isGzip(std::span<const uint8_t> bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

void idxToHostOrder(uint8_t* data, size_t count, TensorType type) {
    if (kHostLittleEndian) swapElements(data, count, elementSize(type));
}

Result<IdxHeader> parseIdxHeader(std::span<const uint8_t> bytes, const std::string& name, uint64_t fileBytes) {
    if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
        return makeError(name + ": not an IDX file (the first two bytes must be zero)");
    const auto type = idxType(bytes[2]);
    if (!type) return makeError(name + ": unknown IDX element type 0x" + [&] {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%02x", bytes[2]);
        return std::string(buf);
    }());
    const size_t rank = bytes[3];
    if (rank == 0) return makeError(name + ": the IDX header declares rank 0");
    const size_t header = 4 + 4 * rank;
    if (bytes.size() < header) return makeError(name + ": truncated IDX header (" + std::to_string(bytes.size()) + " bytes)");
    IdxHeader h;
    h.type = *type;
    uint64_t count = 1;
    for (size_t d = 0; d < rank; ++d) {
        const uint32_t dim = readBigEndian32(bytes.data() + 4 + 4 * d);
        if (dim > uint32_t(INT32_MAX)) return makeError(name + ": IDX dimension " + std::to_string(d) + " is too large");
        h.dims.push_back(static_cast<int32_t>(dim));
        const auto product = checkedMulU(count, dim);
        if (!product || *product > (uint64_t(1) << 40)) return makeError(name + ": the IDX header declares too many elements");
        count = *product;
    }
    h.dataOffset = header;
    h.dataBytes = count * elementSize(h.type);
    if (fileBytes - header < h.dataBytes)
        return makeError(name + ": truncated IDX data: the header declares " + std::to_string(count) + " elements (" +
                         std::to_string(h.dataBytes) + " bytes), the file has " + std::to_string(fileBytes - header));
    return h;
}

Result<IdxArray> parseIdx(const std::vector<uint8_t>& bytes, const std::string& name) {
    auto h = parseIdxHeader(bytes, name, bytes.size());
    if (!h) return h.error();
    IdxArray a;
    a.type = h->type;
    a.dims = std::move(h->dims);
    const auto start = bytes.begin() + static_cast<std::ptrdiff_t>(h->dataOffset);
    a.bytes.assign(start, start + static_cast<std::ptrdiff_t>(h->dataBytes));
    idxToHostOrder(a.bytes.data(), a.bytes.size() / elementSize(a.type), a.type);
    return a;
}

Result<IdxArray> readIdx(const std::string& path) {
    auto bytes = readMaybeGzip(path);
    if (!bytes) return bytes.error();
    return parseIdx(*bytes, path);
}

std::vector<uint8_t> encodeIdx(const IdxArray& array) {
    std::vector<uint8_t> out = {0, 0, idxCode(array.type), static_cast<uint8_t>(array.dims.size())};
    for (int32_t d : array.dims) {
        const uint32_t v = static_cast<uint32_t>(d);
        out.insert(out.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
    }
    const size_t start = out.size();
    out.insert(out.end(), array.bytes.begin(), array.bytes.end());
    if (kHostLittleEndian) swapElements(out.data() + start, array.bytes.size() / std::max<size_t>(elementSize(array.type), 1), elementSize(array.type));
    return out;
}

} // namespace ql::data

// .npz reader: a zip archive of .npy entries (numpy.savez stores them, savez_compressed
// deflates them). Sizes and offsets are taken from the central directory (numpy writes its
// local headers with zip64 placeholders), every offset is bounds-checked, CRC-32 verified,
// and the declared uncompressed size is bounded by deflate's best ratio so that a small
// hostile archive cannot make us allocate gigabytes.
#include "io/MappedFile.h"
#include "io/Npy.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace ql {
namespace {

constexpr uint32_t kEndOfCentralDir = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDir = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint64_t kDeflateMaxRatio = 1032; // deflate cannot compress better than ~1032:1
constexpr uint64_t kMaxEntryBytes = uint64_t{1} << 31; // zlib's counters are 32-bit

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) { return le16(p) | (uint32_t{le16(p + 2)} << 16); }
uint64_t le64(const uint8_t* p) { return le32(p) | (uint64_t{le32(p + 4)} << 32); }

struct Entry {
    std::string name;
    uint16_t method = 0;
    uint32_t crc = 0;
    uint64_t compressed = 0, uncompressed = 0, localOffset = 0;
};

Result<std::vector<uint8_t>> inflateRaw(std::span<const uint8_t> in, uint64_t outSize, const std::string& what) {
    std::vector<uint8_t> out(static_cast<size_t>(outSize));
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return makeError(what + ": cannot start zlib");
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&zs, Z_FINISH);
    const uint64_t produced = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || produced != outSize)
        return makeError(what + ": corrupt deflate data (zlib status " + std::to_string(rc) + ", " + std::to_string(produced) +
                         " of " + std::to_string(outSize) + " bytes)");
    return out;
}

// Applies a zip64 extended-information extra field (id 1) to the entry's 0xffffffff fields.
void applyZip64(Entry& e, const uint8_t* extra, size_t len, bool sizes32Max, bool comp32Max, bool off32Max) {
    size_t pos = 0;
    while (pos + 4 <= len) {
        const uint16_t id = le16(extra + pos), size = le16(extra + pos + 2);
        const uint8_t* p = extra + pos + 4;
        if (pos + 4 + size > len) return;
        if (id == 1) {
            size_t at = 0;
            if (sizes32Max && at + 8 <= size) e.uncompressed = le64(p + at), at += 8;
            if (comp32Max && at + 8 <= size) e.compressed = le64(p + at), at += 8;
            if (off32Max && at + 8 <= size) e.localOffset = le64(p + at), at += 8;
            return;
        }
        pos += 4 + size;
    }
}

} // namespace

Result<std::vector<NpyArray>> parseNpz(std::span<const uint8_t> bytes, const std::string& what) {
    const size_t n = bytes.size();
    const uint8_t* b = bytes.data();
    if (n < 22) return makeError(what + ": not an .npz file (too short for a zip archive)");
    // The end-of-central-directory record is in the last 22 + 65535 bytes.
    size_t eocd = SIZE_MAX;
    for (size_t i = n - 22 + 1; i-- > 0 && n - i <= 22 + 0xffff;)
        if (le32(b + i) == kEndOfCentralDir) {
            eocd = i;
            break;
        }
    if (eocd == SIZE_MAX) return makeError(what + ": not an .npz file (no zip end-of-central-directory record)");
    uint64_t entries = le16(b + eocd + 10);
    uint64_t cdSize = le32(b + eocd + 12), cdOffset = le32(b + eocd + 16);
    if ((entries == 0xffff || cdOffset == 0xffffffff || cdSize == 0xffffffff) && eocd >= 20 && le32(b + eocd - 20) == kZip64Locator) {
        const uint64_t z64 = le64(b + eocd - 20 + 8);
        if (z64 > n || n - z64 < 56 || le32(b + z64) != kZip64EndOfCentralDir)
            return makeError(what + ": corrupt zip64 end-of-central-directory record");
        entries = le64(b + z64 + 32);
        cdSize = le64(b + z64 + 40);
        cdOffset = le64(b + z64 + 48);
    }
    if (cdOffset > n || cdSize > n - cdOffset) return makeError(what + ": corrupt zip archive (central directory out of range)");
    if (entries > cdSize / 46) return makeError(what + ": corrupt zip archive (too many entries for the central directory)");

    std::vector<Entry> list;
    size_t pos = static_cast<size_t>(cdOffset);
    const size_t cdEnd = static_cast<size_t>(cdOffset + cdSize);
    for (uint64_t i = 0; i < entries; ++i) {
        if (cdEnd - pos < 46 || le32(b + pos) != kCentralHeader)
            return makeError(what + ": corrupt zip archive (bad central directory entry " + std::to_string(i) + ")");
        Entry e;
        const uint16_t flags = le16(b + pos + 8);
        e.method = le16(b + pos + 10);
        e.crc = le32(b + pos + 16);
        e.compressed = le32(b + pos + 20);
        e.uncompressed = le32(b + pos + 24);
        const size_t nameLen = le16(b + pos + 28), extraLen = le16(b + pos + 30), commentLen = le16(b + pos + 32);
        e.localOffset = le32(b + pos + 42);
        if (cdEnd - pos - 46 < nameLen + extraLen + commentLen)
            return makeError(what + ": corrupt zip archive (central directory entry " + std::to_string(i) + " runs past its end)");
        e.name.assign(reinterpret_cast<const char*>(b + pos + 46), nameLen);
        applyZip64(e, b + pos + 46 + nameLen, extraLen, e.uncompressed == 0xffffffff, e.compressed == 0xffffffff,
                   e.localOffset == 0xffffffff);
        if (flags & 1) return makeError(what + ": entry '" + e.name + "' is encrypted");
        pos += 46 + nameLen + extraLen + commentLen;
        if (!e.name.empty() && e.name.back() == '/') continue; // a directory
        list.push_back(std::move(e));
    }

    // Before inflating anything: entries must not share bytes (zip bombs point many entries at
    // one stream) and together must fit the memory limit (util/Limits.h, --max-memory).
    {
        std::vector<std::pair<uint64_t, uint64_t>> ranges; // [local header, end of data)
        uint64_t total = 0;
        for (const Entry& e : list) {
            if (e.localOffset > n || n - e.localOffset < 30) continue; // refused with its name below
            const uint64_t dataStart = e.localOffset + 30 + le16(b + e.localOffset + 26) + le16(b + e.localOffset + 28);
            const auto end = checkedAddU(dataStart, e.compressed);
            const auto sum = checkedAddU(total, e.uncompressed);
            if (!end || !sum) return makeError(what + ": corrupt zip archive (entry '" + e.name + "' has impossible sizes)");
            ranges.push_back({e.localOffset, *end});
            total = *sum;
        }
        if (total > memoryLimitBytes())
            return makeError(what + ": the archive's entries declare " + byteSizeText(total) + " in total, more than the memory limit of " +
                             byteSizeText(memoryLimitBytes()) + " (--max-memory)");
        std::sort(ranges.begin(), ranges.end());
        for (size_t i = 1; i < ranges.size(); ++i)
            if (ranges[i].first < ranges[i - 1].second)
                return makeError(what + ": corrupt zip archive (two entries share bytes at offset " + std::to_string(ranges[i].first) + ")");
    }

    std::vector<NpyArray> arrays;
    for (const Entry& e : list) {
        const std::string entryWhat = what + ":" + e.name;
        if (e.localOffset > n || n - e.localOffset < 30 || le32(b + e.localOffset) != kLocalHeader)
            return makeError(entryWhat + ": corrupt zip archive (bad local header)");
        const uint64_t dataStart = e.localOffset + 30 + le16(b + e.localOffset + 26) + le16(b + e.localOffset + 28);
        if (dataStart > n || e.compressed > n - dataStart) return makeError(entryWhat + ": truncated zip entry");
        if (e.compressed > kMaxEntryBytes || e.uncompressed > kMaxEntryBytes)
            return makeError(entryWhat + ": entry larger than 2 GiB is not supported");
        const std::span<const uint8_t> raw(b + dataStart, static_cast<size_t>(e.compressed));
        std::vector<uint8_t> inflated;
        std::span<const uint8_t> content;
        if (e.method == 0) {
            if (e.compressed != e.uncompressed) return makeError(entryWhat + ": stored entry with differing sizes");
            content = raw;
        } else if (e.method == 8) {
            if (e.uncompressed > (e.compressed + 1) * kDeflateMaxRatio)
                return makeError(entryWhat + ": implausible uncompressed size " + std::to_string(e.uncompressed) + " for " +
                                 std::to_string(e.compressed) + " compressed bytes");
            auto out = inflateRaw(raw, e.uncompressed, entryWhat);
            if (!out) return out.error();
            inflated = std::move(out.value());
            content = inflated;
        } else {
            return makeError(entryWhat + ": unsupported zip compression method " + std::to_string(e.method) +
                             " (expected stored or deflated)");
        }
        const uLong crc = crc32(crc32(0L, Z_NULL, 0), content.data(), static_cast<uInt>(content.size()));
        if (crc != e.crc) return makeError(entryWhat + ": CRC-32 mismatch (the archive is corrupt)");
        auto array = parseNpy(content, entryWhat);
        if (!array) return array.error();
        array->name = e.name.size() > 4 && e.name.ends_with(".npy") ? e.name.substr(0, e.name.size() - 4) : e.name;
        arrays.push_back(std::move(array.value()));
    }
    return arrays;
}

Result<std::vector<NpyArray>> readNpz(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return parseNpz(file.value()->bytes(), path);
}

} // namespace ql

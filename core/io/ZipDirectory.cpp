#include "io/ZipDirectory.h"

#include "util/CheckedMath.h"

#include <algorithm>

namespace ql {
namespace {

constexpr uint32_t kEndOfCentralDir = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDir = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;

uint16_t le16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t le32(const uint8_t* p) {
    return le16(p) | (uint32_t{le16(p + 2)} << 16);
}
uint64_t le64(const uint8_t* p) {
    return le32(p) | (uint64_t{le32(p + 4)} << 32);
}

struct CentralEntry {
    ZipEntry entry;
    uint64_t localOffset = 0;
};

// Applies a zip64 extended-information extra field (id 1) to the entry's 0xffffffff fields.
void applyZip64(CentralEntry& c, const uint8_t* extra, size_t len, bool sizes32Max, bool comp32Max,
                bool off32Max) {
    size_t pos = 0;
    while (pos + 4 <= len) {
        const uint16_t id = le16(extra + pos), size = le16(extra + pos + 2);
        const uint8_t* p = extra + pos + 4;
        if (pos + 4 + size > len) return;
        if (id == 1) {
            size_t at = 0;
            if (sizes32Max && at + 8 <= size) c.entry.uncompressed = le64(p + at), at += 8;
            if (comp32Max && at + 8 <= size) c.entry.compressed = le64(p + at), at += 8;
            if (off32Max && at + 8 <= size) c.localOffset = le64(p + at), at += 8;
            return;
        }
        pos += 4 + size;
    }
}

} // namespace

Result<std::vector<ZipEntry>> listZipEntries(std::span<const uint8_t> bytes,
                                             const std::string& what) {
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
    if (eocd == SIZE_MAX)
        return makeError(what + ": not an .npz file (no zip end-of-central-directory record)");
    uint64_t entries = le16(b + eocd + 10);
    uint64_t cdSize = le32(b + eocd + 12), cdOffset = le32(b + eocd + 16);
    if ((entries == 0xffff || cdOffset == 0xffffffff || cdSize == 0xffffffff) && eocd >= 20 &&
        le32(b + eocd - 20) == kZip64Locator) {
        const uint64_t z64 = le64(b + eocd - 20 + 8);
        if (z64 > n || n - z64 < 56 || le32(b + z64) != kZip64EndOfCentralDir)
            return makeError(what + ": corrupt zip64 end-of-central-directory record");
        entries = le64(b + z64 + 32);
        cdSize = le64(b + z64 + 40);
        cdOffset = le64(b + z64 + 48);
    }
    if (cdOffset > n || cdSize > n - cdOffset)
        return makeError(what + ": corrupt zip archive (central directory out of range)");
    if (entries > cdSize / 46)
        return makeError(what +
                         ": corrupt zip archive (too many entries for the central directory)");

    std::vector<CentralEntry> list;
    size_t pos = static_cast<size_t>(cdOffset);
    const size_t cdEnd = static_cast<size_t>(cdOffset + cdSize);
    for (uint64_t i = 0; i < entries; ++i) {
        if (cdEnd - pos < 46 || le32(b + pos) != kCentralHeader)
            return makeError(what + ": corrupt zip archive (bad central directory entry " +
                             std::to_string(i) + ")");
        CentralEntry c;
        ZipEntry& e = c.entry;
        const uint16_t flags = le16(b + pos + 8);
        e.method = le16(b + pos + 10);
        e.crc = le32(b + pos + 16);
        e.compressed = le32(b + pos + 20);
        e.uncompressed = le32(b + pos + 24);
        const size_t nameLen = le16(b + pos + 28), extraLen = le16(b + pos + 30),
                     commentLen = le16(b + pos + 32);
        c.localOffset = le32(b + pos + 42);
        if (cdEnd - pos - 46 < nameLen + extraLen + commentLen)
            return makeError(what + ": corrupt zip archive (central directory entry " +
                             std::to_string(i) + " runs past its end)");
        e.name.assign(reinterpret_cast<const char*>(b + pos + 46), nameLen);
        applyZip64(c, b + pos + 46 + nameLen, extraLen, e.uncompressed == 0xffffffff,
                   e.compressed == 0xffffffff, c.localOffset == 0xffffffff);
        if (flags & 1) return makeError(what + ": entry '" + e.name + "' is encrypted");
        pos += 46 + nameLen + extraLen + commentLen;
        if (!e.name.empty() && e.name.back() == '/') continue; // a directory
        list.push_back(std::move(c));
    }

    // Entries must not share bytes: [local header, end of data) ranges are disjoint.
    {
        std::vector<std::pair<uint64_t, uint64_t>> ranges;
        for (const CentralEntry& c : list) {
            if (c.localOffset > n || n - c.localOffset < 30)
                continue; // refused with its name below
            const uint64_t dataStart =
                c.localOffset + 30 + le16(b + c.localOffset + 26) + le16(b + c.localOffset + 28);
            const auto end = checkedAddU(dataStart, c.entry.compressed);
            if (!end)
                return makeError(what + ": corrupt zip archive (entry '" + c.entry.name +
                                 "' has impossible sizes)");
            ranges.push_back({c.localOffset, *end});
        }
        std::sort(ranges.begin(), ranges.end());
        for (size_t i = 1; i < ranges.size(); ++i)
            if (ranges[i].first < ranges[i - 1].second)
                return makeError(what +
                                 ": corrupt zip archive (two entries share bytes at offset " +
                                 std::to_string(ranges[i].first) + ")");
    }

    std::vector<ZipEntry> out;
    for (CentralEntry& c : list) {
        const std::string entryWhat = what + ":" + c.entry.name;
        if (c.localOffset > n || n - c.localOffset < 30 || le32(b + c.localOffset) != kLocalHeader)
            return makeError(entryWhat + ": corrupt zip archive (bad local header)");
        c.entry.dataOffset =
            c.localOffset + 30 + le16(b + c.localOffset + 26) + le16(b + c.localOffset + 28);
        if (c.entry.dataOffset > n || c.entry.compressed > n - c.entry.dataOffset)
            return makeError(entryWhat + ": truncated zip entry");
        if (c.entry.method == 0 && c.entry.compressed != c.entry.uncompressed)
            return makeError(entryWhat + ": stored entry with differing sizes");
        out.push_back(std::move(c.entry));
    }
    return out;
}

Status checkZipEntrySizes(const ZipEntry& e, const std::string& entryWhat) {
    if (e.method == 8 && e.uncompressed > (e.compressed + 1) * kDeflateMaxRatio)
        return makeError(entryWhat + ": implausible uncompressed size " +
                         std::to_string(e.uncompressed) + " for " + std::to_string(e.compressed) +
                         " compressed bytes");
    if (e.method != 0 && e.method != 8)
        return makeError(entryWhat + ": unsupported zip compression method " +
                         std::to_string(e.method) + " (expected stored or deflated)");
    return {};
}

} // namespace ql

#pragma once
// The central directory of a zip archive (an .npz file), read and checked before any entry is
// decoded: every entry's local header and data lie inside the file, and no two entries share
// bytes (zip bombs point many entries at one stream). Sizes and offsets come from the central
// directory (numpy writes its local headers with zip64 placeholders), zip64 fields included.

#include "util/Result.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ql {

struct ZipEntry {
    std::string name;
    uint16_t method = 0; // 0 stored, 8 deflated (others are refused when decoded)
    uint32_t crc = 0;
    uint64_t compressed = 0, uncompressed = 0;
    uint64_t dataOffset = 0; // first byte of the entry's (compressed) data in the file
};

// The archive's file entries (directories left out), in archive order. `what` (the file name)
// starts every error message; an entry's problem names the entry as `what:name`.
Result<std::vector<ZipEntry>> listZipEntries(std::span<const uint8_t> bytes,
                                             const std::string& what);

// Deflate cannot compress better than about 1032:1.
constexpr uint64_t kDeflateMaxRatio = 1032;
// Refuses, before decoding, a compression method other than stored or deflated and a deflated
// entry declaring more than kDeflateMaxRatio times its compressed size.
Status checkZipEntrySizes(const ZipEntry& entry, const std::string& entryWhat);

} // namespace ql

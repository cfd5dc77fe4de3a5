// .npz reader, whole archive at once: every entry is decoded, CRC-32 verified and parsed. The
// declared uncompressed sizes are bounded before anything is inflated: by deflate's best ratio
// (so that a small hostile archive cannot make us allocate gigabytes) and, together, by the
// memory limit (util/Limits.h). Data sources read .npz files lazily instead (NpyReader.h).
#include "io/MappedFile.h"
#include "io/Npy.h"
#include "io/NpyReader.h"
#include "io/ZipDirectory.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <zlib.h>

namespace ql {
namespace {

constexpr uint64_t kMaxEntryBytes = uint64_t{1}
                                    << 31; // one inflate call: zlib's counters are 32-bit

Result<std::vector<uint8_t>> inflateRaw(std::span<const uint8_t> in, uint64_t outSize,
                                        const std::string& what) {
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
        return makeError(what + ": corrupt deflate data (zlib status " + std::to_string(rc) + ", " +
                         std::to_string(produced) + " of " + std::to_string(outSize) + " bytes)");
    return out;
}

} // namespace

Result<std::vector<NpyArray>> parseNpz(std::span<const uint8_t> bytes, const std::string& what) {
    auto listed = listZipEntries(bytes, what);
    if (!listed) return listed.error();
    const std::vector<ZipEntry>& list = listed.value();
    // Before inflating anything: the entries together must fit the memory limit (--max-memory).
    uint64_t total = 0;
    for (const ZipEntry& e : list) {
        const auto sum = checkedAddU(total, e.uncompressed);
        if (!sum)
            return makeError(what + ": corrupt zip archive (entry '" + e.name +
                             "' has impossible sizes)");
        total = *sum;
    }
    if (total > memoryLimitBytes())
        return makeError(what + ": the archive's entries declare " + byteSizeText(total) +
                         " in total, more than the memory limit of " +
                         byteSizeText(memoryLimitBytes()) + " (--max-memory)");

    std::vector<NpyArray> arrays;
    for (const ZipEntry& e : list) {
        const std::string entryWhat = what + ":" + e.name;
        if (Status s = checkZipEntrySizes(e, entryWhat); !s) return s.error();
        if (e.compressed > kMaxEntryBytes || e.uncompressed > kMaxEntryBytes)
            return makeError(entryWhat + ": entry larger than 2 GiB is not supported");
        const std::span<const uint8_t> raw(bytes.data() + e.dataOffset,
                                           static_cast<size_t>(e.compressed));
        std::vector<uint8_t> inflated;
        std::span<const uint8_t> content = raw;
        if (e.method == 8) {
            auto out = inflateRaw(raw, e.uncompressed, entryWhat);
            if (!out) return out.error();
            inflated = std::move(out.value());
            content = inflated;
        }
        const uLong crc =
            crc32(crc32(0L, Z_NULL, 0), content.data(), static_cast<uInt>(content.size()));
        if (crc != e.crc)
            return makeError(entryWhat + ": CRC-32 mismatch (the archive is corrupt)");
        auto array = parseNpy(content, entryWhat);
        if (!array) return array.error();
        array->name = npzArrayName(e.name);
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

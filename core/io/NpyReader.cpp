#include "io/NpyReader.h"

#include "io/InflateStream.h"
#include "io/MappedFile.h"
#include "io/ZipDirectory.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>
#include <zlib.h>

namespace ql {
namespace {

// Data in memory: a mapped file (only the pages read are touched) or decoded bytes.
class MemoryNpyReader final : public NpyReader {
public:
    MemoryNpyReader(std::string name, NpyHeader header, std::shared_ptr<const MappedFile> file,
                    const uint8_t* data, std::vector<uint8_t> owned = {})
        : m_file(std::move(file)), m_owned(std::move(owned)),
          m_data(m_owned.empty() ? data : m_owned.data()) {
        m_name = std::move(name);
        m_header = std::move(header);
        m_decoded = m_header.dataOffset;
    }
    Status read(uint64_t offset, std::span<uint8_t> out) const override {
        // The caller keeps within dataBytes(), which the open checked against the file.
        std::memcpy(out.data(), m_data + offset, out.size());
        m_decoded += out.size();
        return {};
    }
    uint64_t bytesDecoded() const override { return m_decoded.load(); }

private:
    std::shared_ptr<const MappedFile> m_file;
    std::vector<uint8_t> m_owned;
    const uint8_t* m_data; // the array's first data byte
    mutable std::atomic<uint64_t> m_decoded{0};
};

class DeflateNpyReader final : public NpyReader {
public:
    DeflateNpyReader(std::string name, NpyHeader header, std::shared_ptr<const MappedFile> file,
                     std::unique_ptr<InflateStream> stream)
        : m_file(std::move(file)), m_stream(std::move(stream)) {
        m_name = std::move(name);
        m_header = std::move(header);
    }
    Status read(uint64_t offset, std::span<uint8_t> out) const override {
        std::lock_guard lock(m_mutex);
        return m_stream->read(m_header.dataOffset + offset, out);
    }
    uint64_t bytesDecoded() const override {
        std::lock_guard lock(m_mutex);
        return m_stream->produced();
    }

private:
    std::shared_ptr<const MappedFile> m_file; // owns the bytes the stream reads
    mutable std::mutex m_mutex;
    std::unique_ptr<InflateStream> m_stream;
};

// The npy header at the start of an entry's content, read through `stream`.
Result<NpyHeader> streamHeader(InflateStream& stream, uint64_t declared, const std::string& what) {
    std::vector<uint8_t> head(static_cast<size_t>(std::min<uint64_t>(declared, 12)));
    if (Status s = stream.read(0, head); !s) return s.error();
    if (head.size() >= 10) {
        const size_t len = head[6] == 1 ? 10 + (head[8] | (size_t{head[9]} << 8))
                           : head.size() == 12
                               ? 12 + (head[8] | (size_t{head[9]} << 8) | (size_t{head[10]} << 16) |
                                       (size_t{head[11]} << 24))
                               : 0;
        if (len > head.size() && len <= 12 + kNpyMaxHeaderBytes) {
            const size_t have = head.size();
            head.resize(static_cast<size_t>(std::min<uint64_t>(len, declared)));
            if (Status s = stream.read(have, std::span<uint8_t>(head).subspan(have)); !s)
                return s.error();
        }
    }
    return parseNpyHeader(head, what);
}

Result<std::unique_ptr<NpyReader>> openEntry(const std::shared_ptr<const MappedFile>& file,
                                             const ZipEntry& e, const std::string& what) {
    const std::string entryWhat = what + ":" + e.name;
    if (Status s = checkZipEntrySizes(e, entryWhat); !s) return s.error();
    const std::span<const uint8_t> raw =
        file->bytes().subspan(static_cast<size_t>(e.dataOffset), static_cast<size_t>(e.compressed));
    const bool eager = e.uncompressed <= kNpyEagerBytes;
    if (e.method == 0) {
        if (eager &&
            crc32(crc32(0L, Z_NULL, 0), raw.data(), static_cast<uInt>(raw.size())) != e.crc)
            return makeError(entryWhat + ": CRC-32 mismatch (the archive is corrupt)");
        auto header = parseNpyHeader(raw, entryWhat);
        if (!header) return header.error();
        if (Status s = checkNpyData(*header, raw.size() - header->dataOffset, entryWhat); !s)
            return s.error();
        const uint8_t* data = raw.data() + header->dataOffset;
        return std::unique_ptr<NpyReader>(std::make_unique<MemoryNpyReader>(
            npzArrayName(e.name), std::move(header.value()), file, data));
    }
    auto stream = std::make_unique<InflateStream>(raw, InflateStream::Format::RawDeflate, e.uncompressed, e.crc, entryWhat);
    auto header = streamHeader(*stream, e.uncompressed, entryWhat);
    if (!header) return header.error();
    if (Status s = checkNpyData(
            *header, e.uncompressed - std::min<uint64_t>(header->dataOffset, e.uncompressed),
            entryWhat);
        !s)
        return s.error();
    if (eager) {
        // Small entries are inflated whole now: every check (stream end, CRC-32) happens at open.
        std::vector<uint8_t> content(static_cast<size_t>(e.uncompressed));
        if (Status s = stream->read(0, content); !s) return s.error();
        content.erase(content.begin(),
                      content.begin() + static_cast<ptrdiff_t>(header->dataOffset));
        if (content.empty())
            content.push_back(0); // keeps the owned buffer in use for a zero-size array
        return std::unique_ptr<NpyReader>(std::make_unique<MemoryNpyReader>(
            npzArrayName(e.name), std::move(header.value()), nullptr, nullptr, std::move(content)));
    }
    return std::unique_ptr<NpyReader>(std::make_unique<DeflateNpyReader>(
        npzArrayName(e.name), std::move(header.value()), file, std::move(stream)));
}

} // namespace

std::string npzArrayName(const std::string& entryName) {
    return entryName.size() > 4 && entryName.ends_with(".npy")
               ? entryName.substr(0, entryName.size() - 4)
               : entryName;
}

Result<std::unique_ptr<NpyReader>> openNpyReader(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    const std::shared_ptr<const MappedFile> f = std::move(file.value());
    auto header = parseNpyHeader(f->bytes(), path);
    if (!header) return header.error();
    if (Status s = checkNpyData(*header, f->size() - header->dataOffset, path); !s)
        return s.error();
    const uint8_t* data = f->data() + header->dataOffset;
    return std::unique_ptr<NpyReader>(
        std::make_unique<MemoryNpyReader>(std::string(), std::move(header.value()), f, data));
}

Result<std::vector<std::unique_ptr<NpyReader>>> openNpzReaders(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    const std::shared_ptr<const MappedFile> f = std::move(file.value());
    auto listed = listZipEntries(f->bytes(), path);
    if (!listed) return listed.error();
    // What is decoded at open (the small deflated entries) must fit the memory limit.
    uint64_t eagerTotal = 0;
    for (const ZipEntry& e : listed.value())
        if (e.method == 8 && e.uncompressed <= kNpyEagerBytes) eagerTotal += e.uncompressed;
    if (eagerTotal > memoryLimitBytes())
        return makeError(path + ": the archive's compressed entries declare " +
                         byteSizeText(eagerTotal) + " in total, more than the memory limit of " +
                         byteSizeText(memoryLimitBytes()) + " (--max-memory)");
    std::vector<std::unique_ptr<NpyReader>> readers;
    for (const ZipEntry& e : listed.value()) {
        auto r = openEntry(f, e, path);
        if (!r) return r.error();
        readers.push_back(std::move(r.value()));
    }
    return readers;
}

} // namespace ql

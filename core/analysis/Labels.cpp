#include "analysis/Labels.h"

#include "io/MappedFile.h"
#include "tflite/Metadata.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace ql::analysis {

namespace {

uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t le32(const uint8_t* p) { return le16(p) | le16(p + 2) << 16; }

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEndSize = 22, kEntrySize = 46, kLocalSize = 30;

// Raw deflate (zip method 8) into exactly `size` bytes.
std::optional<std::vector<uint8_t>> inflateRaw(std::span<const uint8_t> in, size_t size) {
    if (in.size() > UINT_MAX || size > UINT_MAX) return std::nullopt;
    std::vector<uint8_t> out(size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return std::nullopt;
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = uInt(in.size());
    z.next_out = out.data();
    z.avail_out = uInt(out.size());
    const int r = inflate(&z, Z_FINISH);
    const bool ok = (r == Z_STREAM_END || (r == Z_OK && z.avail_out == 0)) && z.total_out == size;
    inflateEnd(&z);
    if (!ok) return std::nullopt;
    return out;
}

} // namespace

std::vector<std::string> parseLabels(std::span<const uint8_t> text) {
    std::vector<std::string> labels = splitLines(text);
    while (!labels.empty() && labels.back().empty()) labels.pop_back();
    return labels;
}

Result<std::vector<std::string>> readLabelsFile(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return makeError(file.message());
    auto labels = parseLabels((*file)->bytes());
    if (labels.empty()) return makeError(path + ": no labels (expected one label per line)");
    return labels;
}

std::optional<std::vector<uint8_t>> zipMember(std::span<const uint8_t> bytes, std::string_view name) {
    const size_t n = bytes.size();
    if (n < kEndSize) return std::nullopt;
    // The end-of-central-directory record: 22 bytes plus a comment of at most 65535 bytes.
    size_t end = SIZE_MAX;
    for (size_t p = n - kEndSize + 1; p-- > 0 && n - p <= kEndSize + 0xffff;)
        if (le32(&bytes[p]) == kEndOfDirectory) {
            end = p;
            break;
        }
    if (end == SIZE_MAX) return std::nullopt;
    const uint8_t* e = &bytes[end];
    const size_t entries = le16(e + 10), dirSize = le32(e + 12), dirOffset = le32(e + 16);
    // Offsets are relative to the archive's start; bytes before it (the .tflite) shift them.
    if (dirSize > end || dirOffset > end - dirSize) return std::nullopt;
    const size_t base = end - dirSize - dirOffset;
    size_t p = end - dirSize;
    for (size_t i = 0; i < entries; ++i) {
        if (p > end || end - p < kEntrySize || le32(&bytes[p]) != kDirectoryEntry) return std::nullopt;
        const uint8_t* d = &bytes[p];
        const uint32_t method = le16(d + 10);
        const size_t packed = le32(d + 20), size = le32(d + 24);
        const size_t nameLen = le16(d + 28), extraLen = le16(d + 30), commentLen = le16(d + 32);
        const size_t local = le32(d + 42);
        if (end - p - kEntrySize < nameLen) return std::nullopt;
        const std::string_view entryName(reinterpret_cast<const char*>(d + kEntrySize), nameLen);
        p += kEntrySize + nameLen + extraLen + commentLen;
        if (entryName != name) continue;
        if (local > n - base || n - base - local < kLocalSize) return std::nullopt;
        const uint8_t* h = &bytes[base + local];
        if (le32(h) != kLocalHeader) return std::nullopt;
        const size_t data = base + local + kLocalSize + le16(h + 26) + le16(h + 28);
        if (data > n || n - data < packed) return std::nullopt;
        const std::span<const uint8_t> payload(&bytes[data], packed);
        if (method == 0) {
            if (packed != size) return std::nullopt;
            return std::vector<uint8_t>(payload.begin(), payload.end());
        }
        if (method == 8) return inflateRaw(payload, size);
        return std::nullopt;
    }
    return std::nullopt;
}

std::vector<std::string> outputLabels(const Model& model, size_t output) {
    const auto decoded = decodeModelMetadata(model);
    if (!decoded || !decoded->ok() || output >= decoded->value().outputs.size()) return {};
    const auto& files = decoded->value().outputs[output].associatedFiles;
    std::shared_ptr<const MappedFile> source; // opened once, only when a member is looked up
    for (const std::string& file : files) {
        if (const auto entry = model.metadataBytes(file); !entry.empty()) {
            auto labels = parseLabels(entry);
            if (!labels.empty()) return labels;
        }
        if (model.sourcePath.empty()) continue;
        if (!source) {
            auto opened = MappedFile::open(model.sourcePath);
            if (!opened) return {};
            source = *opened;
        }
        if (const auto member = zipMember(source->bytes(), file)) {
            auto labels = parseLabels(*member);
            if (!labels.empty()) return labels;
        }
    }
    return {};
}

} // namespace ql::analysis

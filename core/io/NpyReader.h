#pragma once
// Lazy .npy arrays: the header is read and checked when the file is opened, the data stays in
// the file until a byte range of it is asked for. A data source built on these readers does
// work in proportion to the samples it uses (--max-samples), not to the file's size.
//
// - A .npy file, and a stored (uncompressed) .npz entry, is read through a memory map: only
//   the pages of the requested ranges are touched.
// - A deflated .npz entry is inflated as a stream, forward, in fixed chunks, only as far as
//   the requested range; a range before the stream's position restarts it. The stream may
//   not produce more than the entry declares (nor the entry declare more than deflate's best
//   ratio allows).
// - Entries of at most kNpyEagerBytes are decoded and CRC-32 checked whole when opened (small
//   files keep every check); a larger stored entry's CRC is not checked (that would read it
//   whole), a larger deflated entry's is checked when its stream reaches the end.

#include "io/Npy.h"

#include <memory>

namespace ql {

constexpr uint64_t kNpyEagerBytes = uint64_t{16} << 20;

class NpyReader {
public:
    virtual ~NpyReader() = default;
    const std::string& name() const {
        return m_name;
    } // the .npz entry without ".npy"; empty for .npy
    TensorType type() const { return m_header.type; }
    const std::vector<int64_t>& shape() const { return m_header.shape; }
    uint64_t dataBytes() const { return m_header.dataBytes; }
    int64_t elementCount() const {
        int64_t n = 1;
        for (int64_t d : m_header.shape)
            n *= d;
        return n;
    }
    // Copies data bytes [offset, offset + out.size()) into `out` (the range must lie within
    // dataBytes()). Safe to call from several threads.
    virtual Status read(uint64_t offset, std::span<uint8_t> out) const = 0;
    // Bytes decoded or copied from the file so far (header included), for tests and figures.
    virtual uint64_t bytesDecoded() const = 0;

protected:
    std::string m_name;
    NpyHeader m_header;
};

// A .npy file.
Result<std::unique_ptr<NpyReader>> openNpyReader(const std::string& path);
// Every array of an .npz archive, in archive order. The central directory is checked first
// (ZipDirectory.h); the entries decoded when opened (at most kNpyEagerBytes each) together
// must fit the memory limit.
Result<std::vector<std::unique_ptr<NpyReader>>> openNpzReaders(const std::string& path);

// "x.npy" -> "x": an .npz entry's array name.
std::string npzArrayName(const std::string& entryName);

} // namespace ql

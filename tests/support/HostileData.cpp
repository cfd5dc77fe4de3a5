#include "HostileData.h"

#include "io/Npy.h"

#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>
#include <zlib.h>

namespace ql::test {
namespace {

void put16(std::vector<uint8_t>& v, uint32_t x) {
    v.push_back(uint8_t(x));
    v.push_back(uint8_t(x >> 8));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
    put16(v, x & 0xffff);
    put16(v, x >> 16);
}

void pwriteAll(int fd, const std::vector<uint8_t>& bytes, uint64_t at) {
    if (::pwrite(fd, bytes.data(), bytes.size(), off_t(at)) != ssize_t(bytes.size()))
        throw std::runtime_error("writeSparseNpz: pwrite failed");
}

} // namespace

ZipLayout zipLayout(const std::string& name, uint16_t method, uint32_t crc, uint64_t compressed,
                    uint64_t uncompressed) {
    ZipLayout z;
    put32(z.local, 0x04034b50);
    put16(z.local, 20), put16(z.local, 0), put16(z.local, method), put16(z.local, 0),
        put16(z.local, 0);
    put32(z.local, crc), put32(z.local, uint32_t(compressed)),
        put32(z.local, uint32_t(uncompressed));
    put16(z.local, uint32_t(name.size())), put16(z.local, 0);
    z.local.insert(z.local.end(), name.begin(), name.end());
    put32(z.central, 0x02014b50);
    put16(z.central, 20), put16(z.central, 20), put16(z.central, 0), put16(z.central, method),
        put16(z.central, 0), put16(z.central, 0);
    put32(z.central, crc), put32(z.central, uint32_t(compressed)),
        put32(z.central, uint32_t(uncompressed));
    put16(z.central, uint32_t(name.size())), put16(z.central, 0), put16(z.central, 0),
        put16(z.central, 0), put16(z.central, 0);
    put32(z.central, 0), put32(z.central, 0);
    z.central.insert(z.central.end(), name.begin(), name.end());
    return z;
}

std::vector<uint8_t> zipEndRecord(uint32_t centralSize, uint32_t centralOffset) {
    std::vector<uint8_t> e;
    put32(e, 0x06054b50);
    put16(e, 0), put16(e, 0), put16(e, 1), put16(e, 1);
    put32(e, centralSize), put32(e, centralOffset);
    put16(e, 0);
    return e;
}

std::string writeSparseNpz(const std::string& path, uint64_t entryBytes, int features,
                           const std::vector<float>& head) {
    // The header's length depends on the digits of the sample count: settle it in two rounds.
    std::vector<uint8_t> header;
    int64_t samples = 0;
    for (int round = 0; round < 2; ++round) {
        const uint64_t dataBytes = entryBytes - (header.empty() ? 128 : header.size());
        samples = int64_t(dataBytes / (4 * uint64_t(features)));
        const std::vector<int64_t> shape{samples, features};
        header = npyHeader(TensorType::FLOAT32, shape).value();
    }
    if (header.size() + uint64_t(samples) * 4 * uint64_t(features) != entryBytes)
        throw std::runtime_error(
            "writeSparseNpz: entryBytes minus the header is not a whole number of samples");
    std::vector<uint8_t> start = header;
    start.resize(header.size() + head.size() * 4);
    std::memcpy(start.data() + header.size(), head.data(), head.size() * 4);
    // CRC-32 of the start, then of the zeros after it (combined a MiB at a time).
    uLong crc = crc32(0, start.data(), uInt(start.size()));
    const std::vector<uint8_t> zeros(1 << 20, 0);
    const uLong mib = crc32(0, zeros.data(), uInt(zeros.size()));
    uint64_t left = entryBytes - start.size();
    for (; left >= zeros.size(); left -= zeros.size())
        crc = crc32_combine(crc, mib, z_off_t(zeros.size()));
    crc = crc32(crc, zeros.data(), uInt(left));

    const ZipLayout z = zipLayout("input.npy", 0, uint32_t(crc), entryBytes, entryBytes);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw std::runtime_error("writeSparseNpz: cannot create " + path);
    pwriteAll(fd, z.local, 0);
    pwriteAll(fd, start, z.local.size());
    const uint64_t cdOffset = z.local.size() + entryBytes;
    pwriteAll(fd, z.central, cdOffset);
    pwriteAll(fd, zipEndRecord(uint32_t(z.central.size()), uint32_t(cdOffset)),
              cdOffset + z.central.size());
    ::close(fd);
    return path;
}

} // namespace ql::test

#pragma once
// Crafted data files for the hostile-input tests: zip archives laid out as numpy writes them,
// including a sparse 2 GiB .npz (a few KiB on disk) whose entry is a hole.

#include <cstdint>
#include <string>
#include <vector>

namespace ql::test {

// The pieces of a one-entry zip archive: the local header (followed in the file by the
// entry's `compressed` bytes) and the central directory entry (local header at offset 0).
struct ZipLayout {
    std::vector<uint8_t> local, central;
};
ZipLayout zipLayout(const std::string& name, uint16_t method, uint32_t crc, uint64_t compressed,
                    uint64_t uncompressed);
// The end-of-central-directory record of a one-entry archive.
std::vector<uint8_t> zipEndRecord(uint32_t centralSize, uint32_t centralOffset);

// An .npz archive of one stored entry "input.npy": float32 samples of `features` values, the
// first values given by `head`, the rest a hole (the file is sparse). The entry is exactly
// `entryBytes` long (npy header included) and carries its real CRC-32.
std::string writeSparseNpz(const std::string& path, uint64_t entryBytes, int features,
                           const std::vector<float>& head);

} // namespace ql::test

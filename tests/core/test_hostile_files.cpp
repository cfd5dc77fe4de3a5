// Hostile data and output files: a gzip IDX bomb, zip entries sharing one stream, archives
// beyond the memory limit, a FIFO given as a model, outputs at symbolic links and devices,
// temporary files left by a killed run.
#include "TestModels.h"
#include "TestSupport.h"
#include "data/IdxFile.h"
#include "io/AtomicFile.h"
#include "io/Npy.h"
#include "tflite/ModelReader.h"
#include "util/Limits.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ql::test {
namespace {

std::string npzFixture(const std::string& name) {
    return std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/npz/" + name;
}

uint32_t le32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

std::span<const uint8_t> bytesOf(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

} // namespace

TEST_CASE("hostile files: a gzip IDX stream may not inflate past what its header declares",
          "[hostile][idx]") {
    TempDir dir;
    // Header: uint8, rank 2, [2, 2]; then 4 data bytes and 8 MiB of zeros that compress to ~8 KiB.
    std::vector<uint8_t> raw = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4};
    raw.resize(raw.size() + (8 << 20), 0);
    const std::string path = dir.file("bomb-idx3-ubyte.gz");
    writeBytes(path, data::gzipBytes(raw));
    auto r = data::readIdx(path);
    REQUIRE_FALSE(r);
    CHECK(r.message().find(path) == 0);
    CHECK(r.message().find("inflates to more than 17 bytes (what its IDX header declares)") !=
          std::string::npos);

    // The same header with exactly its data still reads.
    raw.resize(16);
    writeBytes(path, data::gzipBytes(raw));
    auto ok = data::readIdx(path);
    REQUIRE(ok);
    CHECK(ok->bytes == std::vector<uint8_t>{1, 2, 3, 4});
}

TEST_CASE(
    "hostile files: zip entries that share bytes and archives over the memory limit are refused",
    "[hostile][npz]") {
    TempDir dir;
    auto bytes = readBytes(npzFixture("savez.npz"));
    REQUIRE(readNpz(npzFixture("savez.npz")));
    SECTION("two central directory entries pointing at one local entry") {
        // The second central directory header (signature PK\1\2) gets the first one's offset.
        size_t seen = 0;
        for (size_t i = 0; i + 46 <= bytes.size(); ++i)
            if (le32(&bytes[i]) == 0x02014b50 && ++seen == 2)
                std::fill(bytes.begin() + long(i) + 42, bytes.begin() + long(i) + 46, 0);
        REQUIRE(seen == 2);
        const std::string path = dir.file("shared.npz");
        writeBytes(path, bytes);
        auto r = readNpz(path);
        REQUIRE_FALSE(r);
        CHECK(r.message().find("two entries share bytes") != std::string::npos);
    }
    SECTION("declared sizes beyond the memory limit") {
        setMemoryLimitBytes(100);
        auto r = readNpz(npzFixture("savez.npz"));
        setMemoryLimitBytes(0);
        REQUIRE_FALSE(r);
        CHECK(r.message().find("more than the memory limit of 100 bytes") != std::string::npos);
    }
}

TEST_CASE("hostile files: a FIFO or a directory given as a model is refused without opening it for "
          "reading",
          "[hostile]") {
    TempDir dir;
    const std::string fifo = dir.file("model.tflite");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto r = readModelFile(fifo); // opening a FIFO for reading blocks until a writer comes
    REQUIRE_FALSE(r);
    CHECK(r.message() == fifo + ": not a regular file (a FIFO)");
    auto d = readModelFile(dir.path().string());
    REQUIRE_FALSE(d);
    CHECK(d.message().find("not a regular file (a directory)") != std::string::npos);
}

TEST_CASE("hostile files: outputs never replace links, devices or inputs", "[hostile][atomic]") {
    TempDir dir;
    const std::string target = dir.file("target.txt");
    writeBytes(target, {1, 2, 3});
    SECTION("a symbolic link at the output path stays a link, its target unchanged") {
        const std::string link = dir.file("link.txt");
        REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
        const Status s = writeFileAtomically(link, bytesOf("new"));
        REQUIRE_FALSE(s);
        CHECK(s.message() == link + ": is a symbolic link; refusing to replace it (give the path "
                                    "it points to, or another path)");
        CHECK(fs::is_symlink(link));
        CHECK(readBytes(target) == std::vector<uint8_t>{1, 2, 3});
    }
    SECTION("a device node is refused") {
        const Status s = writeFileAtomically("/dev/null", bytesOf("x"));
        REQUIRE_FALSE(s);
        CHECK(s.message().find("/dev/null: is not a regular file") == 0);
    }
    SECTION("an empty path is refused before anything is written") {
        const Status s = writeFileAtomically("", bytesOf("x"));
        REQUIRE_FALSE(s);
        CHECK(s.message() == "the output path is empty");
    }
    SECTION("an input reached through a symbolic link is still the input") {
        const std::string link = dir.file("alias.txt");
        REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
        const Status s = writeFileAtomically(target, bytesOf("new"), {link});
        REQUIRE_FALSE(s);
        CHECK(s.message().find("refusing to write over the input file") != std::string::npos);
    }
}

TEST_CASE("hostile files: a temporary file of a killed run is removed by the next write, a live "
          "one is kept",
          "[hostile][atomic]") {
    TempDir dir;
    const std::string out = dir.file("out.bin");
    const std::string dead = dir.file(".out.bin.tmp-AbC123");
    const std::string live = dir.file(".out.bin.tmp-LiVe99");
    writeBytes(dead, std::vector<uint8_t>(4096, 7));
    writeBytes(live, std::vector<uint8_t>(16, 7));
    const int fd = ::open(live.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0); // a writer still at work holds its lock
    REQUIRE(writeFileAtomically(out, bytesOf("done")));
    CHECK_FALSE(fs::exists(dead));
    CHECK(fs::exists(live));
    ::close(fd);
    CHECK(readBytes(out) == std::vector<uint8_t>{'d', 'o', 'n', 'e'});
    // Nothing else is left beside the output.
    size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path()))
        ++files;
    CHECK(files == 2);
}

} // namespace ql::test

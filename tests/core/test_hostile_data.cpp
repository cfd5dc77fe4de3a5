// Data files read lazily and bounded before decoding (io/NpyReader.h), and many outputs written
// with one sync (AtomicFileBatch): a 2 GiB stored .npz entry (a sparse file) read only as far
// as the samples used, a large deflated entry inflated only as far as asked and checked at its
// end, and a thousand files committed with one syncfs.
#include "HostileData.h"
#include "TestSupport.h"
#include "data/DataSource.h"
#include "data/IdxFile.h"
#include "io/AtomicFile.h"
#include "io/Npy.h"
#include "io/NpyReader.h"
#include "util/Limits.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <zlib.h>

namespace ql::test {

TEST_CASE("hostile data: a 2 GiB stored .npz entry is read only as far as the samples used",
          "[hostile][npz][lazy]") {
    TempDir dir;
    const std::vector<float> first{1, -2, 3, -4, 5, -6, 7, -8};
    const std::string path = writeSparseNpz(dir.file("big.npz"), uint64_t{1} << 31, 4, first);
    // Declared 2 GiB, more than the memory limit: a lazy reader holds none of it.
    setMemoryLimitBytes(uint64_t{256} << 20);
    auto readers = openNpzReaders(path);
    data::ModelInputInfo inputs;
    inputs.inputs.push_back({"input", TensorType::FLOAT32, {1, 4}});
    data::DataOptions options;
    options.maxSamples = 4;
    auto source = data::openDataSource(path, inputs, options);
    setMemoryLimitBytes(0);
    REQUIRE(readers.ok());
    REQUIRE(readers->size() == 1);
    const NpyReader& r = *readers.value()[0];
    CHECK(r.name() == "input");
    CHECK(r.shape() == std::vector<int64_t>{(int64_t{1} << 27) - 8, 4});
    std::vector<uint8_t> bytes(4 * 4 * 4);
    REQUIRE(r.read(0, bytes));
    CHECK(std::memcmp(bytes.data(), first.data(), first.size() * 4) == 0);
    CHECK(r.bytesDecoded() < 4096); // the header and four samples, not 2 GiB

    REQUIRE(source.ok());
    CHECK((*source)->size() == 4);
    auto s = (*source)->get(1);
    REQUIRE(s.ok());
    std::vector<float> values(4);
    std::memcpy(values.data(), s->tensors[0].bytes.data(), 16);
    CHECK(values == std::vector<float>{5, -6, 7, -8});
}

TEST_CASE("hostile data: a large deflated .npz entry is inflated only as far as asked, and checked "
          "at its end",
          "[hostile][npz][lazy]") {
    TempDir dir;
    // 32 MiB of float32 (above kNpyEagerBytes): 2^21 samples of 4 values, sample i = {i, 0, 0, 0}.
    const int64_t samples = int64_t{1} << 21;
    NpyArray a;
    a.type = TensorType::FLOAT32;
    a.shape = {samples, 4};
    a.data.assign(size_t(samples) * 16, 0);
    for (int64_t i = 0; i < samples; ++i) {
        const float v = float(i);
        std::memcpy(a.data.data() + i * 16, &v, 4);
    }
    const std::vector<uint8_t> content = encodeNpy(a);
    REQUIRE(content.size() > kNpyEagerBytes);
    std::vector<uint8_t> packed(compressBound(uLong(content.size())));
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    zs.next_in = const_cast<Bytef*>(content.data());
    zs.avail_in = uInt(content.size());
    zs.next_out = packed.data();
    zs.avail_out = uInt(packed.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    packed.resize(zs.total_out);
    deflateEnd(&zs);
    const uint32_t crc = uint32_t(crc32(0, content.data(), uInt(content.size())));

    auto write = [&](const std::string& name, uint32_t declaredCrc) {
        const ZipLayout z = zipLayout("x.npy", 8, declaredCrc, packed.size(), content.size());
        std::vector<uint8_t> file = z.local;
        file.insert(file.end(), packed.begin(), packed.end());
        const uint32_t cdOffset = uint32_t(file.size());
        file.insert(file.end(), z.central.begin(), z.central.end());
        const auto end = zipEndRecord(uint32_t(z.central.size()), cdOffset);
        file.insert(file.end(), end.begin(), end.end());
        writeBytes(dir.file(name), file);
        return dir.file(name);
    };

    auto readers = openNpzReaders(write("ok.npz", crc));
    REQUIRE(readers.ok());
    const NpyReader& r = *readers.value()[0];
    std::vector<uint8_t> sample(16);
    float v = 0;
    REQUIRE(r.read(3 * 16, sample));
    std::memcpy(&v, sample.data(), 4);
    CHECK(v == 3.0f);
    CHECK(r.bytesDecoded() < (uint64_t{1} << 20)); // a few chunks, not 32 MiB
    // Backwards restarts the stream; the last sample reaches the end (stream end and CRC-32
    // checked).
    REQUIRE(r.read(1 * 16, sample));
    std::memcpy(&v, sample.data(), 4);
    CHECK(v == 1.0f);
    REQUIRE(r.read(uint64_t(samples - 1) * 16, sample));
    std::memcpy(&v, sample.data(), 4);
    CHECK(v == float(samples - 1));

    auto bad = openNpzReaders(write("bad-crc.npz", crc ^ 1));
    REQUIRE(bad.ok()); // opening reads the header only
    REQUIRE(bad.value()[0]->read(0, sample));
    auto end = bad.value()[0]->read(uint64_t(samples - 1) * 16, sample);
    REQUIRE_FALSE(end);
    CHECK_THAT(end.message(), Catch::Contains("bad-crc.npz:x.npy: CRC-32 mismatch"));
}

TEST_CASE("hostile data: a batch of a thousand files is synced once and renamed into place",
          "[hostile][atomic][batch]") {
    TempDir dir;
    const uint64_t before = atomicWriteSyncCount();
    {
        AtomicFileBatch batch;
        for (int i = 0; i < 1000; ++i) {
            const std::string text = "file " + std::to_string(i);
            REQUIRE(batch.add(dir.file("f" + std::to_string(i) + ".txt"),
                              std::span<const uint8_t>(
                                  reinterpret_cast<const uint8_t*>(text.data()), text.size())));
        }
        CHECK_FALSE(fs::exists(dir.file("f0.txt"))); // nothing in place before commit
        REQUIRE(batch.commit());
    }
    // One syncfs for the file system, one fsync of the folder: not one per file.
    CHECK(atomicWriteSyncCount() - before <= 2);
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
        ++files;
    }
    CHECK(files == 1000);
    CHECK(readBytes(dir.file("f999.txt")).size() == 8);

    SECTION("a batch dropped before commit leaves neither temporaries nor files") {
        {
            AtomicFileBatch batch;
            const uint8_t b[3] = {1, 2, 3};
            REQUIRE(batch.add(dir.file("g.bin"), std::span<const uint8_t>(b, 3)));
            CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) ==
                  1001);
        }
        CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1000);
    }
    SECTION("a dead run's temporary of a target is removed by the batch, inputs are refused") {
        writeBytes(dir.file(".g.bin.tmp-DeAd00"), {9});
        AtomicFileBatch batch({dir.file("f1.txt")});
        const uint8_t b[1] = {1};
        REQUIRE(batch.add(dir.file("g.bin"), std::span<const uint8_t>(b, 1)));
        CHECK_FALSE(fs::exists(dir.file(".g.bin.tmp-DeAd00")));
        auto input = batch.add(dir.file("f1.txt"), std::span<const uint8_t>(b, 1));
        REQUIRE_FALSE(input);
        CHECK_THAT(input.message(), Catch::Contains("refusing to write over the input file"));
        REQUIRE(batch.commit());
        CHECK(readBytes(dir.file("g.bin")) == std::vector<uint8_t>{1});
    }
}

} // namespace ql::test

namespace ql::test {

TEST_CASE("hostile data: a gzip IDX file is inflated only as far as the samples used", "[hostile][idx][lazy]") {
    TempDir dir;
    // uint8 [2^26, 4]: 256 MiB of pixels (sample i starts with i % 251), about 1 MB gzipped.
    const uint32_t samples = uint32_t{1} << 26;
    std::vector<uint8_t> raw{0, 0, 0x08, 2, uint8_t(samples >> 24), uint8_t(samples >> 16), uint8_t(samples >> 8), uint8_t(samples),
                             0, 0, 0, 4};
    raw.resize(raw.size() + size_t{samples} * 4, 0);
    for (size_t i = 0; i < samples; i += 4096) raw[12 + i * 4] = uint8_t(i % 251);
    raw[12 + 3 * 4] = 77;
    const std::string path = dir.file("big-idx2-ubyte.gz");
    writeBytes(path, data::gzipBytes(raw));
    raw = {};
    // Below the memory limit of 64 MiB: a whole read is refused, a lazy one needs a sample.
    setMemoryLimitBytes(uint64_t{64} << 20);
    data::ModelInputInfo inputs;
    inputs.inputs.push_back({"input", TensorType::FLOAT32, {1, 4}});
    data::DataOptions options;
    options.normalization = data::Normalization::range(0.0f, 255.0f);
    auto source = data::openDataSource(path, inputs, options);
    auto whole = data::readIdx(path);
    setMemoryLimitBytes(0);
    CHECK_FALSE(whole);
    REQUIRE(source.ok());
    CHECK((*source)->size() == samples);
    float v = 0;
    auto s = (*source)->get(3);
    REQUIRE(s.ok());
    std::memcpy(&v, s->tensors[0].bytes.data(), 4);
    CHECK(v == 77.0f);
    // Further on, and back (the stream restarts), and the last sample (the stream's end checked).
    s = (*source)->get(4096 * 5);
    REQUIRE(s.ok());
    std::memcpy(&v, s->tensors[0].bytes.data(), 4);
    CHECK(v == float((4096 * 5) % 251));
    REQUIRE((*source)->get(0).ok());
    REQUIRE((*source)->get(samples - 1).ok());
}

} // namespace ql::test

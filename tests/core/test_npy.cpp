// .npy / .npz reading and writing, including hostile files.
#include "io/Npy.h"

#include "TestSupport.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace ql;
using namespace ql::test;

namespace {

std::vector<uint8_t> npyBytes(const std::string& dict, std::vector<uint8_t> payload, uint8_t major = 1) {
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
    std::string h = dict;
    const size_t pre = major == 1 ? 10 : 12;
    while ((pre + h.size() + 1) % 64) h.push_back(' ');
    h.push_back('\n');
    out.push_back(static_cast<uint8_t>(h.size() & 0xff));
    out.push_back(static_cast<uint8_t>(h.size() >> 8));
    if (major != 1) {
        out.push_back(0);
        out.push_back(0);
    }
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::string fixture(const std::string& name) { return std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/npz/" + name; }

bool mentions(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

} // namespace

TEST_CASE("npy: writes numpy's exact header layout", "[npy]") {
    auto header = npyHeader(TensorType::FLOAT32, std::vector<int64_t>{1, 224, 224, 3});
    REQUIRE(header);
    const std::string text(header->begin() + 10, header->end());
    CHECK(header->size() % 64 == 0);
    CHECK(text.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 224, 224, 3), }", 0) == 0);
    CHECK(text.back() == '\n');
    auto scalar = npyHeader(TensorType::INT8, std::vector<int64_t>{});
    REQUIRE(scalar);
    CHECK(std::string(scalar->begin() + 10, scalar->end()).find("'descr': '|i1'") != std::string::npos);
    CHECK(std::string(scalar->begin() + 10, scalar->end()).find("'shape': (), }") != std::string::npos);
    auto one = npyHeader(TensorType::BOOL, std::vector<int64_t>{5});
    CHECK(std::string(one->begin() + 10, one->end()).find("'shape': (5,), }") != std::string::npos);
    CHECK_FALSE(npyHeader(TensorType::STRING, std::vector<int64_t>{1}));
}

TEST_CASE("npy: every dtype round-trips through a file", "[npy]") {
    TempDir dir;
    const TensorType types[] = {TensorType::FLOAT32, TensorType::INT8,    TensorType::UINT8, TensorType::INT16,
                                TensorType::INT32,   TensorType::UINT32,  TensorType::FLOAT64, TensorType::BOOL,
                                TensorType::INT64,   TensorType::FLOAT16};
    for (TensorType t : types) {
        NpyArray a;
        a.type = t;
        a.shape = {2, 3};
        a.data.resize(6 * elementSize(t));
        for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(t == TensorType::BOOL ? i % 2 : i * 37 + 1);
        const std::string path = dir.file(std::string(typeName(t)) + ".npy");
        REQUIRE(writeNpy(path, a));
        auto back = readNpy(path);
        REQUIRE(back);
        CHECK(back->type == t);
        CHECK(back->shape == a.shape);
        CHECK(back->data == a.data);
        CHECK(readBytes(path) == encodeNpy(a));
    }
}

TEST_CASE("npy: reads versions 2.0 and 3.0 and numpy's variants", "[npy]") {
    std::vector<uint8_t> payload(8);
    const float v[2] = {1.5f, -2.0f};
    std::memcpy(payload.data(), v, 8);
    for (uint8_t major : {1, 2, 3}) {
        auto a = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", payload, major), "v.npy");
        REQUIRE(a);
        CHECK(a->values<float>()[1] == -2.0f);
    }
    // Key order, double quotes, no trailing comma, native '=' order, Python 2 'L' suffix.
    auto b = parseNpy(npyBytes("{\"shape\": (1L, 2), \"fortran_order\": False, \"descr\": \"=f4\"}", payload), "w.npy");
    REQUIRE(b);
    CHECK(b->shape == std::vector<int64_t>{1, 2});
    // Fortran order with a single non-trivial dimension has the same layout: accepted.
    CHECK(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", payload), "f.npy"));
    // Extra bytes after the data are ignored (numpy ignores them too).
    payload.push_back(0);
    CHECK(parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", payload), "x.npy"));
}

TEST_CASE("npy: hostile and wrong files give errors naming the file and the problem", "[npy]") {
    const std::vector<uint8_t> p8(8, 0);
    const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    auto err = [](const std::vector<uint8_t>& bytes) {
        auto r = parseNpy(bytes, "bad.npy");
        REQUIRE_FALSE(r);
        CHECK(r.message().rfind("bad.npy: ", 0) == 0);
        return r.message();
    };
    CHECK(mentions(err({}), "bad magic"));
    CHECK(mentions(err({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}), "bad magic"));
    auto v9 = npyBytes(ok, p8);
    v9[6] = 9;
    CHECK(mentions(err(v9), "version 9.0"));
    CHECK(mentions(err(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", p8)), "big-endian"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::vector<uint8_t>(16))), "Fortran"));
    CHECK(mentions(err(npyBytes("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(16, 0))), "unsupported dtype '<c16'"));
    CHECK(mentions(err(npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", p8)), "unsupported dtype"));
    CHECK(mentions(err(npyBytes(ok, std::vector<uint8_t>(7))), "truncated data"));
    CHECK(mentions(err(npyBytes(ok, std::vector<uint8_t>(7))), "needs 8 bytes"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", p8)),
                   "overflow"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", p8)), "overflow"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", p8)), "non-integer"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4', 'shape': (2,), }", p8)), "lacks 'fortran_order'"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", p8)), "unexpected key"));
    CHECK(mentions(err(npyBytes("{'descr': '<f4", p8)), "unterminated"));
    CHECK(mentions(err(npyBytes("[1, 2]", p8)), "not a dict"));
    // A v2 header claiming 16 MiB.
    auto huge = npyBytes(ok, p8, 2);
    huge[10] = 0;
    huge[11] = 1;
    CHECK(mentions(err(huge), "header too long"));
    // A header length past the end of the file.
    auto cut = npyBytes(ok, {}, 1);
    cut.resize(40);
    CHECK(mentions(err(cut), "truncated .npy header"));
}

TEST_CASE("npy: reading a missing file names it", "[npy]") {
    auto r = readNpy("/nonexistent/dir/a.npy");
    REQUIRE_FALSE(r);
    CHECK(mentions(r.message(), "/nonexistent/dir/a.npy"));
}

TEST_CASE("npy: writing refuses a size mismatch and a protected input", "[npy]") {
    TempDir dir;
    const std::vector<uint8_t> data(12);
    CHECK_FALSE(writeNpy(dir.file("a.npy"), TensorType::FLOAT32, std::vector<int64_t>{2}, data));
    REQUIRE(writeNpy(dir.file("a.npy"), TensorType::FLOAT32, std::vector<int64_t>{3}, data));
    const auto before = readBytes(dir.file("a.npy"));
    CHECK_FALSE(writeNpy(dir.file("a.npy"), TensorType::INT8, std::vector<int64_t>{12}, data, {dir.file("a.npy")}));
    CHECK(readBytes(dir.file("a.npy")) == before);
}

TEST_CASE("npz: reads numpy.savez (stored) and savez_compressed (deflated) archives", "[npy][npz]") {
    auto stored = readNpz(fixture("savez.npz"));
    REQUIRE(stored);
    REQUIRE(stored->size() == 2);
    CHECK((*stored)[0].name == "x");
    CHECK((*stored)[0].type == TensorType::FLOAT32);
    CHECK((*stored)[0].shape == std::vector<int64_t>{2, 3});
    CHECK((*stored)[0].values<float>()[5] == 1.25f);
    CHECK((*stored)[1].name == "labels");
    CHECK((*stored)[1].values<uint8_t>()[3] == 250);

    auto deflated = readNpz(fixture("savez_compressed.npz"));
    REQUIRE(deflated);
    REQUIRE(deflated->size() == 3);
    CHECK((*deflated)[0].data == (*stored)[0].data);
    CHECK((*deflated)[1].data == (*stored)[1].data);
    const auto big = (*deflated)[2].values<int16_t>();
    REQUIRE(big.size() == 1000);
    for (size_t i = 0; i < big.size(); ++i) REQUIRE(big[i] == static_cast<int16_t>(i % 7) - 3);
}

TEST_CASE("npz: corrupt archives give errors, never crash", "[npy][npz]") {
    const auto good = readBytes(fixture("savez_compressed.npz"));
    REQUIRE(parseNpz(good, "c.npz"));
    CHECK(mentions(parseNpz(std::vector<uint8_t>(10), "c.npz").message(), "not an .npz"));
    CHECK(mentions(parseNpz(std::vector<uint8_t>(100), "c.npz").message(), "end-of-central-directory"));
    CHECK(mentions(parseNpz(readBytes(fixture("../npz/make_npz.py")), "c.npz").message(), "c.npz"));
    // Flip a byte inside the first entry's compressed data: CRC or deflate must catch it.
    auto flipped = good;
    flipped[80] ^= 0x55;
    auto r = parseNpz(flipped, "c.npz");
    REQUIRE_FALSE(r);
    CHECK(mentions(r.message(), "c.npz:x.npy"));
    // Every truncation and every single-byte corruption of the tail is handled.
    for (size_t len = 0; len < good.size(); len += 7) {
        std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<ptrdiff_t>(len));
        CHECK_FALSE(parseNpz(cut, "c.npz"));
    }
    for (size_t i = good.size() > 200 ? good.size() - 200 : 0; i < good.size(); ++i) {
        auto bad = good;
        bad[i] ^= 0xff;
        auto res = parseNpz(bad, "c.npz"); // ok or error, but never a crash or a huge allocation
        (void)res;
    }
}

// core/data: .npy and .npz sources (batch along the first dimension, arrays by name or order),
// conversions into the input's dtype, shape and dtype errors, label files.
#include "TestSupport.h"

#include "data/DataSource.h"
#include "io/Npy.h"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstring>

using namespace ql;
using namespace ql::data;
using namespace ql::test;

namespace {

InputInfo input(std::string name, TensorType type, std::vector<int32_t> shape) {
    InputInfo in;
    in.name = std::move(name);
    in.type = type;
    in.shape = std::move(shape);
    return in;
}

ModelInputInfo inputsOf(std::vector<InputInfo> list) {
    ModelInputInfo m;
    m.inputs = std::move(list);
    m.metadataNormalization.resize(m.inputs.size());
    return m;
}

template <class T> NpyArray array(std::string name, TensorType type, std::vector<int64_t> shape, const std::vector<T>& v) {
    NpyArray a;
    a.name = std::move(name);
    a.type = type;
    a.shape = std::move(shape);
    a.data.resize(v.size() * sizeof(T));
    std::memcpy(a.data.data(), v.data(), a.data.size());
    return a;
}

std::vector<float> ramp(size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = 0.25f * static_cast<float>(i) - 3.0f;
    return v;
}

void put16(std::vector<uint8_t>& o, uint32_t v) { o.insert(o.end(), {uint8_t(v), uint8_t(v >> 8)}); }
void put32(std::vector<uint8_t>& o, uint32_t v) { o.insert(o.end(), {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}); }

// A stored (uncompressed) zip archive of .npy entries, as numpy.savez writes them.
std::vector<uint8_t> npzBytes(const std::vector<NpyArray>& arrays) {
    std::vector<uint8_t> out, central;
    for (const NpyArray& a : arrays) {
        const std::vector<uint8_t> body = encodeNpy(a);
        const std::string name = a.name + ".npy";
        const uint32_t crc = static_cast<uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size())));
        const uint32_t offset = static_cast<uint32_t>(out.size());
        put32(out, 0x04034b50);
        put16(out, 20); put16(out, 0); put16(out, 0); put16(out, 0); put16(out, 0);
        put32(out, crc); put32(out, static_cast<uint32_t>(body.size())); put32(out, static_cast<uint32_t>(body.size()));
        put16(out, static_cast<uint32_t>(name.size())); put16(out, 0);
        out.insert(out.end(), name.begin(), name.end());
        out.insert(out.end(), body.begin(), body.end());
        put32(central, 0x02014b50);
        put16(central, 20); put16(central, 20); put16(central, 0); put16(central, 0); put16(central, 0); put16(central, 0);
        put32(central, crc); put32(central, static_cast<uint32_t>(body.size())); put32(central, static_cast<uint32_t>(body.size()));
        put16(central, static_cast<uint32_t>(name.size())); put16(central, 0); put16(central, 0); put16(central, 0); put16(central, 0);
        put32(central, 0); put32(central, offset);
        central.insert(central.end(), name.begin(), name.end());
    }
    const uint32_t cdOffset = static_cast<uint32_t>(out.size());
    out.insert(out.end(), central.begin(), central.end());
    put32(out, 0x06054b50);
    put16(out, 0); put16(out, 0);
    put16(out, static_cast<uint32_t>(arrays.size())); put16(out, static_cast<uint32_t>(arrays.size()));
    put32(out, static_cast<uint32_t>(central.size())); put32(out, cdOffset);
    put16(out, 0);
    return out;
}

} // namespace

TEST_CASE(".npy: samples along the first dimension, converted to the input's dtype", "[data][npy]") {
    TempDir dir;
    const auto v = ramp(40);
    REQUIRE(writeNpy(dir.file("x.npy"), array("", TensorType::FLOAT32, {10, 4}, v)).ok());

    SECTION("float into float [1, 4]") {
        auto src = openDataSource(dir.file("x.npy"), inputsOf({input("in", TensorType::FLOAT32, {1, 4})}));
        REQUIRE(src.ok());
        REQUIRE((*src)->size() == 10);
        auto s = (*src)->get(7);
        REQUIRE(s.ok());
        CHECK(s->tensors[0].shape == std::vector<int32_t>{1, 4});
        for (size_t e = 0; e < 4; ++e) CHECK(s->tensors[0].as<float>()[e] == v[28 + e]);
        CHECK_FALSE((*src)->label(0).has_value());
    }
    SECTION("float into a quantized int8 input: q = clamp(round(r / scale) + zero_point)") {
        InputInfo q = input("in", TensorType::INT8, {1, 4});
        q.quantized = true;
        q.scale = 0.05f;
        q.zeroPoint = 10;
        auto src = openDataSource(dir.file("x.npy"), inputsOf({q}));
        REQUIRE(src.ok());
        auto s = (*src)->get(1); // -2.0, -1.75, -1.5, -1.25 -> -40 + 10, -35 + 10, -30 + 10, -25 + 10
        REQUIRE(s.ok());
        const auto* b = reinterpret_cast<const int8_t*>(s->tensors[0].bytes.data());
        CHECK(b[0] == -30);
        CHECK(b[1] == -25);
        CHECK(b[3] == -15);
        auto last = (*src)->get(9); // 6.0 .. 6.75 -> 120 + 10 and up saturate at 127
        REQUIRE(last.ok());
        CHECK(static_cast<int8_t>(last->tensors[0].bytes[0]) == 127);
    }
    SECTION("a batch of 2 takes two rows per sample") {
        auto src = openDataSource(dir.file("x.npy"), inputsOf({input("in", TensorType::FLOAT32, {2, 4})}));
        REQUIRE(src.ok());
        CHECK((*src)->size() == 5);
        auto s = (*src)->get(4);
        CHECK(s->tensors[0].as<float>()[7] == v[39]);
    }
    SECTION("an array of exactly the input's shape is one sample; int32 data into float") {
        REQUIRE(writeNpy(dir.file("one.npy"), array<int32_t>("", TensorType::INT32, {1, 2, 2}, {1, -2, 3, -4})).ok());
        auto src = openDataSource(dir.file("one.npy"), inputsOf({input("in", TensorType::FLOAT32, {1, 2, 2})}));
        REQUIRE(src.ok());
        REQUIRE((*src)->size() == 1);
        auto s = (*src)->get(0);
        REQUIRE(s.ok());
        const float* f = s->tensors[0].as<float>();
        CHECK(std::vector<float>(f, f + 4) == std::vector<float>{1.0f, -2.0f, 3.0f, -4.0f});
    }
}

TEST_CASE(".npy errors name the file, the expected and the actual shape or dtype", "[data][npy][errors]") {
    TempDir dir;
    REQUIRE(writeNpy(dir.file("x.npy"), array("", TensorType::FLOAT32, {10, 4}, ramp(40))).ok());
    auto shape = openDataSource(dir.file("x.npy"), inputsOf({input("image", TensorType::FLOAT32, {1, 5})}));
    REQUIRE_FALSE(shape.ok());
    CHECK_THAT(shape.message(), Catch::Contains("x.npy") && Catch::Contains("[10, 4]") && Catch::Contains("'image'") &&
                                    Catch::Contains("[1, 5]") && Catch::Contains("[N, 5]"));
    auto dtype = openDataSource(dir.file("x.npy"), inputsOf({input("h", TensorType::FLOAT16, {1, 4})}));
    REQUIRE_FALSE(dtype.ok());
    CHECK_THAT(dtype.message(), Catch::Contains("x.npy") && Catch::Contains("'h'") && Catch::Contains("float16"));
    auto two = openDataSource(dir.file("x.npy"), inputsOf({input("a", TensorType::FLOAT32, {1, 4}), input("b", TensorType::FLOAT32, {1, 4})}));
    REQUIRE_FALSE(two.ok());
    CHECK_THAT(two.message(), Catch::Contains(".npz"));
    writeBytes(dir.file("bad.npy"), {0x93, 'N', 'U', 'M'});
    auto bad = openDataSource(dir.file("bad.npy"), inputsOf({input("a", TensorType::FLOAT32, {1, 4})}));
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.message(), Catch::Contains("bad.npy"));
}

TEST_CASE(".npz: one array per input, by name or by order", "[data][npz]") {
    TempDir dir;
    const auto a = array("arr_1", TensorType::FLOAT32, {3, 2}, ramp(6));
    const auto b = array<int8_t>("arr_0", TensorType::INT8, {3, 1, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const ModelInputInfo byOrder = inputsOf({input("tokens", TensorType::INT8, {1, 3}), input("dense", TensorType::FLOAT32, {1, 2})});

    writeBytes(dir.file("pos.npz"), npzBytes({a, b})); // archive order differs from arr_N order
    auto src = openDataSource(dir.file("pos.npz"), byOrder);
    REQUIRE(src.ok());
    REQUIRE((*src)->size() == 3);
    auto s = (*src)->get(2);
    REQUIRE(s.ok());
    REQUIRE(s->tensors.size() == 2);
    CHECK(static_cast<int8_t>(s->tensors[0].bytes[0]) == 7);
    CHECK(s->tensors[1].as<float>()[1] == ramp(6)[5]);

    auto named1 = array("dense", TensorType::FLOAT32, {3, 2}, ramp(6));
    auto named0 = array<int8_t>("tokens", TensorType::INT8, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    auto extra = array<int8_t>("unused", TensorType::INT8, {1}, {0});
    writeBytes(dir.file("named.npz"), npzBytes({named1, extra, named0}));
    auto byName = openDataSource(dir.file("named.npz"), byOrder);
    REQUIRE(byName.ok());
    CHECK(static_cast<int8_t>((*byName)->get(1)->tensors[0].bytes[2]) == 6);

    writeBytes(dir.file("mismatch.npz"), npzBytes({named1}));
    auto mismatch = openDataSource(dir.file("mismatch.npz"), byOrder);
    REQUIRE_FALSE(mismatch.ok());
    CHECK_THAT(mismatch.message(), Catch::Contains("'dense'") && Catch::Contains("'tokens'") && Catch::Contains("by order"));

    auto shortB = array<int8_t>("tokens", TensorType::INT8, {2, 3}, {1, 2, 3, 4, 5, 6});
    writeBytes(dir.file("counts.npz"), npzBytes({named1, shortB}));
    auto counts = openDataSource(dir.file("counts.npz"), byOrder);
    REQUIRE_FALSE(counts.ok());
    CHECK_THAT(counts.message(), Catch::Contains("2 samples") && Catch::Contains("3"));
}

TEST_CASE("labels from a .npy file; counts must match", "[data][npy][labels]") {
    TempDir dir;
    REQUIRE(writeNpy(dir.file("x.npy"), array("", TensorType::FLOAT32, {4, 2}, ramp(8))).ok());
    REQUIRE(writeNpy(dir.file("y.npy"), array<int64_t>("", TensorType::INT64, {4}, {3, 0, 9, 1})).ok());
    REQUIRE(writeNpy(dir.file("y3.npy"), array<int64_t>("", TensorType::INT64, {3}, {3, 0, 9})).ok());
    REQUIRE(writeNpy(dir.file("yf.npy"), array<float>("", TensorType::FLOAT32, {4}, {3, 0, 9, 1})).ok());
    const auto in = inputsOf({input("x", TensorType::FLOAT32, {1, 2})});
    DataOptions o;
    o.labels = dir.file("y.npy");
    o.offset = 2;
    auto src = openDataSource(dir.file("x.npy"), in, o);
    REQUIRE(src.ok());
    CHECK((*src)->size() == 2);
    CHECK((*src)->label(0) == 9);
    CHECK((*src)->label(1) == 1);
    o.labels = dir.file("y3.npy");
    CHECK_THAT(openDataSource(dir.file("x.npy"), in, o).message(), Catch::Contains("3 labels") && Catch::Contains("4 samples"));
    o.labels = dir.file("yf.npy");
    CHECK_THAT(openDataSource(dir.file("x.npy"), in, o).message(), Catch::Contains("labels must be integers"));
}

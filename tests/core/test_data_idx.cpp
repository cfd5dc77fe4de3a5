// core/data: IDX files (plain and gzip), the IDX data source, labels, limits, conversions, and
// the real Fashion-MNIST files Debian installs.
#include "TestSupport.h"

#include "data/Convert.h"
#include "data/DataSource.h"
#include "data/IdxFile.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

using namespace ql;
using namespace ql::data;
using namespace ql::test;

namespace {

InputInfo floatInput(std::vector<int32_t> shape, std::string name = "x") {
    InputInfo in;
    in.name = std::move(name);
    in.type = TensorType::FLOAT32;
    in.shape = std::move(shape);
    return in;
}

ModelInputInfo oneInput(InputInfo in) {
    ModelInputInfo m;
    m.inputs.push_back(std::move(in));
    m.metadataNormalization.push_back(std::nullopt);
    return m;
}

IdxArray images(int count, int h, int w) {
    IdxArray a;
    a.type = TensorType::UINT8;
    a.dims = {count, h, w};
    a.bytes.resize(static_cast<size_t>(count * h * w));
    for (size_t i = 0; i < a.bytes.size(); ++i) a.bytes[i] = static_cast<uint8_t>((i * 7) % 256);
    return a;
}

IdxArray labels(std::vector<uint8_t> values) {
    IdxArray a;
    a.type = TensorType::UINT8;
    a.dims = {static_cast<int32_t>(values.size())};
    a.bytes = std::move(values);
    return a;
}

void writeIdx(const std::string& path, const IdxArray& a, bool gz) {
    const auto bytes = encodeIdx(a);
    writeBytes(path, gz ? gzipBytes(bytes) : bytes);
}

} // namespace

TEST_CASE("IDX arrays round trip, plain and gzip", "[data][idx]") {
    TempDir dir;
    IdxArray f;
    f.type = TensorType::FLOAT32;
    f.dims = {2, 3};
    const std::vector<float> values = {1.5f, -2.0f, 0.25f, 1e6f, -0.0f, 3.0f};
    f.bytes.resize(values.size() * 4);
    std::memcpy(f.bytes.data(), values.data(), f.bytes.size());
    IdxArray s;
    s.type = TensorType::INT16;
    s.dims = {4};
    const std::vector<int16_t> shorts = {-32768, -1, 258, 32767};
    s.bytes.resize(8);
    std::memcpy(s.bytes.data(), shorts.data(), 8);

    // The header is big-endian: 0, 0, type, rank, then the dimensions.
    const auto encoded = encodeIdx(s);
    REQUIRE(encoded.size() == 4 + 4 + 8);
    CHECK(encoded[2] == 0x0B);
    CHECK(encoded[3] == 1);
    CHECK(encoded[7] == 4);
    CHECK(encoded[10] == 0xFF); // -1 big-endian
    CHECK(encoded[12] == 0x01); // 258 = 0x0102 big-endian
    CHECK(encoded[13] == 0x02);

    for (bool gz : {false, true}) {
        const std::string fp = dir.file(gz ? "f.idx.gz" : "f.idx"), sp = dir.file(gz ? "s.idx.gz" : "s.idx");
        writeIdx(fp, f, gz);
        writeIdx(sp, s, gz);
        auto rf = readIdx(fp);
        REQUIRE(rf.ok());
        CHECK(rf->type == TensorType::FLOAT32);
        CHECK(rf->dims == f.dims);
        CHECK(rf->bytes == f.bytes);
        auto rs = readIdx(sp);
        REQUIRE(rs.ok());
        CHECK(rs->type == TensorType::INT16);
        CHECK(rs->bytes == s.bytes);
    }
}

TEST_CASE("damaged IDX files give errors that name the file", "[data][idx][errors]") {
    TempDir dir;
    auto bytes = encodeIdx(images(3, 4, 4));
    SECTION("truncated data") {
        bytes.resize(bytes.size() - 5);
        const std::string p = dir.file("t-images-idx3-ubyte");
        writeBytes(p, bytes);
        auto r = readIdx(p);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("t-images-idx3-ubyte") && Catch::Contains("truncated IDX data") &&
                                    Catch::Contains("48 elements"));
    }
    SECTION("truncated gzip") {
        auto gz = gzipBytes(bytes);
        gz.resize(gz.size() / 2);
        const std::string p = dir.file("t-images-idx3-ubyte.gz");
        writeBytes(p, gz);
        auto r = readIdx(p);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("t-images-idx3-ubyte.gz") && Catch::Contains("truncated"));
    }
    SECTION("bad magic and header") {
        const std::string p = dir.file("x-idx3-ubyte");
        writeBytes(p, {1, 2, 8, 1});
        CHECK_THAT(readIdx(p).message(), Catch::Contains("not an IDX file"));
        writeBytes(p, {0, 0, 0x42, 1, 0, 0, 0, 1, 7});
        CHECK_THAT(readIdx(p).message(), Catch::Contains("unknown IDX element type 0x42"));
        writeBytes(p, {0, 0, 8, 3, 0, 0});
        CHECK_THAT(readIdx(p).message(), Catch::Contains("truncated IDX header"));
    }
}

TEST_CASE("an IDX image file feeds float, uint8 and int8 inputs, with its sibling labels", "[data][idx]") {
    TempDir dir;
    const IdxArray img = images(5, 4, 4);
    writeIdx(dir.file("train-images-idx3-ubyte.gz"), img, true);
    writeIdx(dir.file("train-labels-idx1-ubyte.gz"), labels({3, 1, 4, 1, 5}), true);
    const std::string spec = dir.file("train-images-idx3-ubyte.gz");

    SECTION("float input [1, 4, 4, 1]: pixels / 255") {
        auto src = openDataSource(spec, oneInput(floatInput({1, 4, 4, 1})));
        REQUIRE(src.ok());
        REQUIRE((*src)->size() == 5);
        auto s = (*src)->get(2);
        REQUIRE(s.ok());
        REQUIRE(s->tensors.size() == 1);
        const SampleTensor& t = s->tensors[0];
        CHECK(t.type == TensorType::FLOAT32);
        CHECK(t.shape == std::vector<int32_t>{1, 4, 4, 1});
        REQUIRE(t.bytes.size() == 16 * 4);
        for (size_t e = 0; e < 16; ++e) CHECK(t.as<float>()[e] == Approx(img.bytes[32 + e] / 255.0).epsilon(1e-6));
        CHECK((*src)->label(0) == 3);
        CHECK((*src)->label(4) == 5);
    }
    SECTION("flattened input [1, 16] and explicit normalisation") {
        DataOptions o;
        o.normalization = Normalization::meanStd({127.5f}, {127.5f});
        auto src = openDataSource(spec, oneInput(floatInput({1, 16})), o);
        REQUIRE(src.ok());
        auto s = (*src)->get(0);
        REQUIRE(s.ok());
        CHECK(s->tensors[0].as<float>()[1] == Approx((img.bytes[1] - 127.5) / 127.5));
    }
    SECTION("uint8 input takes raw pixels, int8 input p - 128, quantized int8 with a normalisation quantizes") {
        InputInfo u = floatInput({1, 4, 4});
        u.type = TensorType::UINT8;
        auto su = openDataSource(spec, oneInput(u));
        REQUIRE(su.ok());
        auto a = (*su)->get(1);
        REQUIRE(a.ok());
        CHECK(std::vector<uint8_t>(a->tensors[0].bytes) == std::vector<uint8_t>(img.bytes.begin() + 16, img.bytes.begin() + 32));

        InputInfo q = floatInput({1, 4, 4, 1});
        q.type = TensorType::INT8;
        q.quantized = true;
        q.scale = 1.0f / 128.0f;
        q.zeroPoint = 0;
        auto sq = openDataSource(spec, oneInput(q));
        REQUIRE(sq.ok());
        auto b = (*sq)->get(1);
        REQUIRE(b.ok());
        for (size_t e = 0; e < 16; ++e) CHECK(static_cast<int8_t>(b->tensors[0].bytes[e]) == img.bytes[16 + e] - 128);

        // r = p / 255 in [0, 1]; q = round(r / (1/255)) - 128 equals p - 128 here too; with
        // scale 0.5 instead: q = round(2r) + 3.
        DataOptions o;
        o.normalization = Normalization::range(0.0f, 1.0f);
        q.scale = 0.5f;
        q.zeroPoint = 3;
        auto sr = openDataSource(spec, oneInput(q), o);
        REQUIRE(sr.ok());
        auto c = (*sr)->get(0);
        REQUIRE(c.ok());
        for (size_t e = 0; e < 16; ++e) {
            const float r = img.bytes[e] / 255.0f;
            CHECK(static_cast<int8_t>(c->tensors[0].bytes[e]) == static_cast<int>(std::round(r / 0.5f)) + 3);
        }
    }
    SECTION("sample limits: offset, stride, max") {
        DataOptions o;
        o.offset = 1;
        o.stride = 2;
        auto src = openDataSource(spec, oneInput(floatInput({1, 4, 4, 1})), o);
        REQUIRE(src.ok());
        REQUIRE((*src)->size() == 2); // items 1 and 3
        CHECK((*src)->label(0) == 1);
        CHECK((*src)->label(1) == 1);
        auto s = (*src)->get(1);
        REQUIRE(s.ok());
        CHECK(s->tensors[0].as<float>()[0] == Approx(img.bytes[48] / 255.0));
        o.maxSamples = 1;
        auto one = openDataSource(spec, oneInput(floatInput({1, 4, 4, 1})), o);
        REQUIRE(one.ok());
        CHECK((*one)->size() == 1);
        o.offset = 10;
        auto none = openDataSource(spec, oneInput(floatInput({1, 4, 4, 1})), o);
        REQUIRE_FALSE(none.ok());
        CHECK_THAT(none.message(), Catch::Contains("no samples to use"));
    }
    SECTION("a batch of 5 takes 5 items per sample") {
        auto src = openDataSource(spec, oneInput(floatInput({5, 4, 4, 1})));
        REQUIRE(src.ok());
        CHECK((*src)->size() == 1);
    }
}

TEST_CASE("IDX source errors: shape, labels count, model inputs", "[data][idx][errors]") {
    TempDir dir;
    writeIdx(dir.file("a-images-idx3-ubyte"), images(3, 4, 4), false);
    writeIdx(dir.file("a-labels-idx1-ubyte"), labels({1, 2}), false);
    writeIdx(dir.file("b-images-idx3-ubyte"), images(3, 4, 4), false);
    writeIdx(dir.file("other-labels"), labels({1, 2, 3, 4}), false);

    auto wrongLabels = openDataSource(dir.file("a-images-idx3-ubyte"), oneInput(floatInput({1, 4, 4, 1})));
    REQUIRE_FALSE(wrongLabels.ok());
    CHECK_THAT(wrongLabels.message(), Catch::Contains("2 labels") && Catch::Contains("3 images"));

    DataOptions o;
    o.labels = dir.file("other-labels");
    auto explicitLabels = openDataSource(dir.file("b-images-idx3-ubyte"), oneInput(floatInput({1, 4, 4, 1})), o);
    REQUIRE_FALSE(explicitLabels.ok());
    CHECK_THAT(explicitLabels.message(), Catch::Contains("4 labels") && Catch::Contains("3 samples"));

    auto noLabels = openDataSource(dir.file("b-images-idx3-ubyte"), oneInput(floatInput({1, 4, 4, 1})));
    REQUIRE(noLabels.ok());
    CHECK_FALSE((*noLabels)->label(0).has_value());

    auto shape = openDataSource(dir.file("b-images-idx3-ubyte"), oneInput(floatInput({1, 5, 5, 1}, "image")));
    REQUIRE_FALSE(shape.ok());
    CHECK_THAT(shape.message(), Catch::Contains("b-images-idx3-ubyte") && Catch::Contains("[4, 4]") &&
                                    Catch::Contains("'image'") && Catch::Contains("[1, 5, 5, 1]"));

    ModelInputInfo two = oneInput(floatInput({1, 4, 4, 1}));
    two.inputs.push_back(floatInput({1, 4}));
    two.metadataNormalization.push_back(std::nullopt);
    auto twoInputs = openDataSource(dir.file("b-images-idx3-ubyte"), two);
    REQUIRE_FALSE(twoInputs.ok());
    CHECK_THAT(twoInputs.message(), Catch::Contains("one input"));

    auto missing = openDataSource(dir.file("nope-images-idx3-ubyte"), oneInput(floatInput({1, 4, 4, 1})));
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.message(), Catch::Contains("no such file"));
}

TEST_CASE("element conversion quantizes like TFLite", "[data][convert]") {
    InputInfo q;
    q.type = TensorType::INT8;
    q.quantized = true;
    q.scale = 0.5f;
    q.zeroPoint = -10;
    const std::vector<float> r = {0.0f, 0.25f, -0.25f, 0.74f, 1000.0f, -1000.0f, 1.25f};
    std::vector<uint8_t> out(r.size());
    convertNumeric(reinterpret_cast<const uint8_t*>(r.data()), TensorType::FLOAT32, r.size(), q, out.data());
    // q = clamp(round(r / 0.5) - 10): round(0.5) = 1 and round(-0.5) = -1 (half away from zero).
    const std::vector<int> expected = {-10, -9, -11, -9, 127, -128, -7};
    for (size_t i = 0; i < r.size(); ++i) CHECK(static_cast<int8_t>(out[i]) == expected[i]);

    InputInfo i32;
    i32.type = TensorType::INT32;
    const std::vector<double> d = {2.5, -2.5, 1e12};
    std::vector<int32_t> o(3);
    convertNumeric(reinterpret_cast<const uint8_t*>(d.data()), TensorType::FLOAT64, 3, i32, reinterpret_cast<uint8_t*>(o.data()));
    CHECK(o == std::vector<int32_t>{3, -3, INT32_MAX});
}

TEST_CASE("Debian's Fashion-MNIST opens as 60000 labelled 28x28 images", "[data][idx][fashion-mnist]") {
    const std::string dir = "/usr/share/datasets/fashion-mnist";
    if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) {
        WARN("skipped: " << dir << " is absent (Debian package fashion-mnist)");
        return;
    }
    InputInfo u;
    u.name = "image";
    u.type = TensorType::UINT8;
    u.shape = {1, 28, 28, 1};
    auto src = openDataSource(dir + "/train-images-idx3-ubyte.gz", oneInput(u));
    REQUIRE(src.ok());
    REQUIRE((*src)->size() == 60000);
    std::vector<int> perClass(10, 0);
    for (size_t i = 0; i < (*src)->size(); ++i) {
        const auto l = (*src)->label(i);
        REQUIRE(l.has_value());
        REQUIRE(*l >= 0);
        REQUIRE(*l <= 9);
        ++perClass[static_cast<size_t>(*l)];
    }
    for (int c : perClass) CHECK(c == 6000); // the training set is balanced
    CHECK((*src)->label(0) == 9);             // an ankle boot
    CHECK((*src)->label(1) == 0);
    auto first = (*src)->get(0);
    REQUIRE(first.ok());
    REQUIRE(first->tensors[0].bytes.size() == 784);
    long sum = 0;
    for (uint8_t p : first->tensors[0].bytes) sum += p;
    CHECK(sum == 76247); // pixel sum of the first training image (checked with Python's gzip)

    auto test = openDataSource(dir + "/t10k-images-idx3-ubyte.gz", oneInput(u));
    REQUIRE(test.ok());
    CHECK((*test)->size() == 10000);
    CHECK((*test)->label(0) == 9);
    CHECK((*test)->label(1) == 2);
}

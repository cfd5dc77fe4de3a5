// core/data: folders of images (decoded by stb_image, written here by stb_image_write),
// bilinear resizing, NHWC/NCHW layouts, gray/RGB, classes from subfolders, errors.
#include "TestSupport.h"

#include "data/DataSource.h"
#include "data/ImageResize.h"
#include "model/ModelBuilder.h"
#include "tflite/Metadata.h"

#include <catch2/catch.hpp>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include <filesystem>

using namespace ql;
using namespace ql::data;
using namespace ql::test;

namespace {

ModelInputInfo imageInput(std::vector<int32_t> shape, TensorType type = TensorType::FLOAT32) {
    ModelInputInfo m;
    InputInfo in;
    in.name = "image";
    in.type = type;
    in.shape = std::move(shape);
    m.inputs.push_back(in);
    m.metadataNormalization.push_back(std::nullopt);
    return m;
}

// An 8x6 RGB image: pixel (x, y) = (10x + y, 200 - 5y, 7x).
std::vector<uint8_t> rgbPattern(int w = 8, int h = 6) {
    std::vector<uint8_t> px(static_cast<size_t>(w * h * 3));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = &px[static_cast<size_t>((y * w + x) * 3)];
            p[0] = static_cast<uint8_t>(10 * x + y);
            p[1] = static_cast<uint8_t>(200 - 5 * y);
            p[2] = static_cast<uint8_t>(7 * x);
        }
    return px;
}

void writePng(const std::string& path, const std::vector<uint8_t>& px, int w, int h, int comp) {
    REQUIRE(stbi_write_png(path.c_str(), w, h, comp, px.data(), w * comp) != 0);
}

} // namespace

TEST_CASE("bilinear resize with half-pixel centres on known patterns", "[data][images][resize]") {
    // 1-D upscale [0, 100] -> 4: samples at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    const uint8_t row[2] = {0, 100};
    float up[4];
    resizeBilinear(row, 2, 1, 1, up, 4, 1);
    CHECK(up[0] == Approx(0.0f));
    CHECK(up[1] == Approx(25.0f));
    CHECK(up[2] == Approx(75.0f));
    CHECK(up[3] == Approx(100.0f));

    // 2x downscale: output (x, y) samples the source at (2x + 0.5, 2y + 0.5), the average of a
    // 2x2 block.
    std::vector<uint8_t> src(16);
    for (size_t i = 0; i < 16; ++i) src[i] = static_cast<uint8_t>(i * 13 % 251);
    float down[4];
    resizeBilinear(src.data(), 4, 4, 1, down, 2, 2);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) {
            const auto at = [&](int xx, int yy) { return static_cast<float>(src[static_cast<size_t>(yy * 4 + xx)]); };
            const float avg = (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4;
            CHECK(down[y * 2 + x] == Approx(avg));
        }

    // Equal sizes copy; channels stay interleaved.
    const auto rgb = rgbPattern(3, 2);
    std::vector<float> same(rgb.size());
    resizeBilinear(rgb.data(), 3, 2, 3, same.data(), 3, 2);
    for (size_t i = 0; i < rgb.size(); ++i) CHECK(same[i] == rgb[i]);
}

TEST_CASE("image layouts come from the input shape", "[data][images]") {
    InputInfo in;
    in.name = "x";
    in.shape = {1, 224, 224, 3};
    auto a = imageLayout(in);
    REQUIRE(a.ok());
    CHECK_FALSE(a->nchw);
    CHECK(a->channels == 3);
    in.shape = {1, 3, 224, 224}; // mobilenet_v2_quantized_1x3x224x224
    auto b = imageLayout(in);
    REQUIRE(b.ok());
    CHECK(b->nchw);
    CHECK(b->height == 224);
    in.shape = {1, 28, 28};
    auto c = imageLayout(in);
    REQUIRE(c.ok());
    CHECK(c->channels == 1);
    in.shape = {1, 784};
    auto d = imageLayout(in);
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.message(), Catch::Contains("'x'") && Catch::Contains("[1, 784]") && Catch::Contains("not an image input"));
}

TEST_CASE("a folder of PNG images feeds NHWC and NCHW inputs", "[data][images]") {
    TempDir dir;
    const auto px = rgbPattern();
    writePng(dir.file("b.png"), px, 8, 6, 3);
    std::vector<uint8_t> px2 = px;
    for (auto& v : px2) v = static_cast<uint8_t>(255 - v);
    writePng(dir.file("a.png"), px2, 8, 6, 3);
    writeBytes(dir.file("notes.txt"), {'h', 'i'}); // ignored

    SECTION("NHWC float: p / 255, files in name order") {
        auto src = openDataSource(dir.path().string(), imageInput({1, 6, 8, 3}));
        REQUIRE(src.ok());
        REQUIRE((*src)->size() == 2);
        auto s = (*src)->get(1); // b.png
        REQUIRE(s.ok());
        const float* v = s->tensors[0].as<float>();
        for (size_t i = 0; i < px.size(); ++i) REQUIRE(v[i] == Approx(px[i] / 255.0f));
        CHECK_FALSE((*src)->label(0).has_value());
    }
    SECTION("NCHW uint8: channel planes of raw pixels") {
        auto src = openDataSource(dir.path().string(), imageInput({1, 3, 6, 8}, TensorType::UINT8));
        REQUIRE(src.ok());
        auto s = (*src)->get(1);
        REQUIRE(s.ok());
        const auto& b = s->tensors[0].bytes;
        REQUIRE(b.size() == 144);
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 48; ++p) REQUIRE(b[static_cast<size_t>(c * 48 + p)] == px[static_cast<size_t>(p * 3 + c)]);
    }
    SECTION("gray input: stb's luma (77 r + 150 g + 29 b) >> 8, mean/std normalisation") {
        DataOptions o;
        o.normalization = Normalization::meanStd({127.5f}, {127.5f});
        auto src = openDataSource(dir.path().string(), imageInput({1, 6, 8, 1}), o);
        REQUIRE(src.ok());
        auto s = (*src)->get(1);
        REQUIRE(s.ok());
        for (int i = 0; i < 48; ++i) {
            const int r = px[static_cast<size_t>(i * 3)], g = px[static_cast<size_t>(i * 3 + 1)], b = px[static_cast<size_t>(i * 3 + 2)];
            const int y = (r * 77 + g * 150 + b * 29) >> 8;
            REQUIRE(s->tensors[0].as<float>()[i] == Approx((y - 127.5f) / 127.5f));
        }
    }
    SECTION("resized to the input: 8x6 -> 4x3 averages 2x2 blocks") {
        auto src = openDataSource(dir.path().string(), imageInput({1, 3, 4, 3}));
        REQUIRE(src.ok());
        auto s = (*src)->get(1);
        REQUIRE(s.ok());
        const float* v = s->tensors[0].as<float>();
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 4; ++x)
                for (int c = 0; c < 3; ++c) {
                    const auto at = [&](int xx, int yy) { return static_cast<float>(px[static_cast<size_t>((yy * 8 + xx) * 3 + c)]); };
                    const float avg = (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4;
                    REQUIRE(v[(y * 4 + x) * 3 + c] == Approx(avg / 255.0f));
                }
    }
}

TEST_CASE("subfolders are classes; JPEG decodes", "[data][images]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "cat");
    std::filesystem::create_directories(dir.path() / "dog");
    std::filesystem::create_directories(dir.path() / "empty");
    std::vector<uint8_t> gray(16 * 16, 128);
    REQUIRE(stbi_write_jpg(dir.file("dog/d1.jpg").c_str(), 16, 16, 1, gray.data(), 95) != 0);
    writePng(dir.file("cat/c1.png"), gray, 16, 16, 1);
    writePng(dir.file("cat/c2.png"), gray, 16, 16, 1);
    auto src = openDataSource(dir.path().string(), imageInput({1, 16, 16, 1}, TensorType::UINT8));
    REQUIRE(src.ok());
    REQUIRE((*src)->size() == 3);
    CHECK((*src)->label(0) == 0);
    CHECK((*src)->label(1) == 0);
    CHECK((*src)->label(2) == 1);
    auto jpg = (*src)->get(2);
    REQUIRE(jpg.ok());
    for (uint8_t v : jpg->tensors[0].bytes) REQUIRE(std::abs(int(v) - 128) <= 2); // a flat JPEG stays flat
}

TEST_CASE("image folder errors name the folder, the file or the input", "[data][images][errors]") {
    TempDir dir;
    SECTION("empty folder") {
        writeBytes(dir.file("readme.txt"), {'x'});
        auto src = openDataSource(dir.path().string(), imageInput({1, 4, 4, 3}));
        REQUIRE_FALSE(src.ok());
        CHECK_THAT(src.message(), Catch::Contains(dir.path().string()) && Catch::Contains("has no images"));
    }
    SECTION("unreadable image") {
        writeBytes(dir.file("broken.png"), {0x89, 'P', 'N', 'G', 1, 2, 3});
        auto src = openDataSource(dir.path().string(), imageInput({1, 4, 4, 3}));
        REQUIRE(src.ok()); // decoding is lazy
        auto s = (*src)->get(0);
        REQUIRE_FALSE(s.ok());
        CHECK_THAT(s.message(), Catch::Contains("broken.png") && Catch::Contains("cannot read image"));
    }
    SECTION("input that is not an image") {
        writePng(dir.file("a.png"), rgbPattern(), 8, 6, 3);
        auto src = openDataSource(dir.path().string(), imageInput({1, 10}));
        REQUIRE_FALSE(src.ok());
        CHECK_THAT(src.message(), Catch::Contains("not an image input") && Catch::Contains("[1, 10]"));
    }
}

TEST_CASE("image normalisation comes from the model's TFLite metadata unless options override it", "[data][images][metadata]") {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("image", TensorType::FLOAT32, {1, 6, 8, 3});
    b.setInputs({in});
    b.setOutputs({in});
    ModelMetadataInfo info;
    info.name = "test";
    TensorMetadataInfo t;
    t.name = "image";
    t.mean = {127.5f, 100.0f, 50.0f};
    t.std = {127.5f, 2.0f, 1.0f};
    info.inputs.push_back(t);
    Model m = b.build();
    m.metadata.push_back(MetadataEntry{"TFLITE_METADATA", m.addBuffer(encodeModelMetadata(info))});

    const ModelInputInfo inputs = ModelInputInfo::fromModel(m);
    REQUIRE(inputs.metadataNormalization.size() == 1);
    REQUIRE(inputs.metadataNormalization[0].has_value());
    CHECK(inputs.metadataNormalization[0]->mean == t.mean);

    TempDir dir;
    const auto px = rgbPattern();
    writePng(dir.file("a.png"), px, 8, 6, 3);
    auto src = openDataSource(dir.path().string(), inputs);
    REQUIRE(src.ok());
    auto s = (*src)->get(0);
    REQUIRE(s.ok());
    const float* v = s->tensors[0].as<float>();
    for (size_t i = 0; i < 48; ++i)
        for (size_t c = 0; c < 3; ++c)
            REQUIRE(v[i * 3 + c] == Approx((px[i * 3 + c] - t.mean[c]) / t.std[c]));

    DataOptions o;
    o.normalization = Normalization::range(-1.0f, 1.0f);
    auto overridden = openDataSource(dir.path().string(), inputs, o);
    REQUIRE(overridden.ok());
    CHECK((*overridden)->get(0)->tensors[0].as<float>()[0] == Approx(-1.0f + 2.0f * px[0] / 255.0f));
}

// Reading, validating and writing .tflite files: round trips, real models, corrupt files.
#include "TestModels.h"
#include "TestSupport.h"

#include "model/ModelStats.h"
#include "model/OptionsInfo.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"
#include "util/Limits.h"
#include "tflite_generated.h"

#include <cstring>

#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::test;

namespace {

Result<std::shared_ptr<const Model>> readBytesAsModel(std::vector<uint8_t> bytes, const std::string& name = "test.tflite") {
    return readModel(MappedFile::fromBytes(std::move(bytes)), name);
}

std::string optionValue(const Operator& op, const std::string& field) {
    for (const auto& f : describeOptions(op))
        if (f.name == field) return f.text;
    return "<absent>";
}

} // namespace

TEST_CASE("a built model survives write and read unchanged", "[reader][writer]") {
    const Model original = makeSmallCnn();
    auto read = readBytesAsModel(serialize(original));
    REQUIRE(read.ok());
    const Model& m = **read;
    CHECK(compareModels(original, m).empty());
    CHECK(m.description == "QuantLab test CNN");
    REQUIRE(m.signatures.size() == 1);
    CHECK(m.signatures[0].key == "serving_default");
    CHECK(m.signatures[0].inputs[0].name == "image");
    const auto rt = m.metadataBytes("min_runtime_version");
    CHECK(std::string(rt.begin(), rt.end()) == "1.14.0");
    const Operator& conv = m.subgraphs[0].operators[0];
    CHECK(conv.op == BuiltinOp::CONV_2D);
    CHECK(optionValue(conv, "padding") == "SAME");
    CHECK(optionValue(conv, "stride_w") == "1");
    CHECK(optionValue(conv, "fused_activation_function") == "RELU");
    CHECK(optionValue(m.subgraphs[0].operators[1], "fused_activation_function") == "RELU6");
    // producers and consumers
    const Subgraph& sg = m.subgraphs[0];
    CHECK(sg.producer[2].value == -1); // conv/filter is a constant
    CHECK(sg.consumers[3].size() == 2); // conv/out feeds the depthwise conv and the residual ADD
}

TEST_CASE("buffers stored after the flatbuffer read back the same", "[reader][writer]") {
    const Model original = makeSmallCnn();
    WriteOptions options;
    options.layout = WriteOptions::BufferLayout::AfterFlatbuffer;
    auto bytes = serializeModel(original, options);
    REQUIRE(bytes.ok());
    auto read = readBytesAsModel(bytes.value());
    REQUIRE(read.ok());
    CHECK(compareModels(original, **read).empty());
    bool anyOutside = false;
    for (const Buffer& b : (*read)->buffers) anyOutside |= b.storedOutsideFlatbuffer;
    CHECK(anyOutside);
}

TEST_CASE("the writer is atomic and never replaces its input", "[writer]") {
    TempDir dir;
    const std::string path = dir.file("model.tflite");
    REQUIRE(writeModelFile(makeFloatFullyConnected(), path).ok());
    auto model = readModelFile(path);
    REQUIRE(model.ok());
    const auto before = readBytes(path);
    const Status s = writeModelFile(**model, path);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("refusing to write over the input"));
    CHECK(readBytes(path) == before);
    // No temporary file is left behind.
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
    CHECK(files == 1);
    // A folder that does not exist: a clean error.
    CHECK_FALSE(writeModelFile(**model, dir.file("missing/dir/out.tflite")).ok());
}

TEST_CASE("stats count parameters and MACs", "[stats]") {
    const Model m = makeSmallCnn();
    const ModelStats s = computeStats(m);
    // conv 8*8*4 outputs * 27 + depthwise 8*8*4 * 9 + dense 10 * 64
    CHECK(s.macs == uint64_t(256 * 27 + 256 * 9 + 640));
    CHECK(s.operatorsByType.at("CONV_2D") == 1);
    CHECK(s.parameterCount == uint64_t(108 + 4 + 36 + 4 + 2 + 640 + 10));
}

TEST_CASE("broken files give one clear error", "[reader][corrupt]") {
    SECTION("empty and tiny files") {
        for (size_t n : {0, 1, 7, 8}) {
            auto r = readBytesAsModel(std::vector<uint8_t>(n, 0));
            REQUIRE_FALSE(r.ok());
            CHECK_THAT(r.message(), Catch::StartsWith("test.tflite: "));
        }
        auto r = readBytesAsModel(std::vector<uint8_t>(4, 0));
        CHECK_THAT(r.message(), Catch::Contains("too short"));
    }
    SECTION("wrong identifier") {
        auto bytes = serialize(makeFloatFullyConnected());
        bytes[4] = 'X';
        auto r = readBytesAsModel(bytes);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("'XFL3', expected 'TFL3'"));
    }
    SECTION("operator input out of range names the operator") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].operators[0].inputs[1] = TensorIndex{99};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("operator 0 (FULLY_CONNECTED): input 1 is tensor 99"));
    }
    SECTION("subgraph output out of range") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].outputs = {TensorIndex{42}};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("refers to tensor 42"));
    }
    SECTION("overflowing shape is refused before anything is allocated") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].tensors[3].shape = {65536, 65536, 65536, 65536};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("tensor 3 'output'") && Catch::Contains("overflows"));
    }
    SECTION("a huge declared activation is refused") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].tensors[3].shape = {1 << 20, 1 << 20};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("more than the limit"));
    }
    SECTION("negative dimension") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].tensors[0].shape = {1, -4};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("dimension 1 of the shape is -4"));
    }
    SECTION("constant buffer of the wrong size") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].tensors[1].shape = {3, 5};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("tensor 1 'dense/weights'") && Catch::Contains("holds 48 bytes, expected 60"));
    }
    SECTION("buffer index out of range") {
        Model m = makeFloatFullyConnected();
        m.subgraphs[0].tensors[1].buffer = BufferIndex{77};
        auto r = readBytesAsModel(serialize(m));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("refers to buffer 77"));
    }
}

TEST_CASE("inconsistent quantization opens with diagnostics", "[reader][diagnostics]") {
    Model m = makeInt8FullyConnected();
    m.subgraphs[0].tensors[2].quant.quantizedDimension = 3; // bias [3]: rank 1
    m.subgraphs[0].tensors[0].quant.scale = {-1.0f};
    auto r = readBytesAsModel(serialize(m));
    REQUIRE(r.ok());
    const auto& d = (*r)->diagnostics;
    REQUIRE(d.size() == 2);
    std::string all;
    for (const auto& x : d) all += x.message + "\n";
    CHECK_THAT(all, Catch::Contains("tensor 2 'dense/bias' (input of operator 0 (FULLY_CONNECTED)): quantized_dimension must be in range [0, 1)"));
    CHECK_THAT(all, Catch::Contains("scale[0] is -1"));
}

TEST_CASE("truncation at every 1/64 and random byte flips never crash", "[reader][corrupt]") {
    std::vector<std::vector<uint8_t>> files = {serialize(makeSmallCnn()), serialize(makeInt8FullyConnected())};
    for (const std::string name : {"hello_world_int8.tflite", "micro_speech_quantized.tflite", "person_detect.tflite"})
        if (auto p = sharedModel(name)) files.push_back(readBytes(*p));
    size_t errors = 0, total = 0;
    for (const auto& file : files) {
        for (int k = 0; k < 64; ++k) {
            std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(file.size() * size_t(k) / 64));
            auto r = readBytesAsModel(std::move(cut));
            ++total;
            if (!r.ok()) {
                ++errors;
                CHECK_THAT(r.message(), Catch::StartsWith("test.tflite: "));
            }
        }
        uint32_t seed = 12345;
        for (int trial = 0; trial < 300; ++trial) {
            std::vector<uint8_t> damaged = file;
            for (int flips = 0; flips < 1 + trial % 4; ++flips) {
                seed = seed * 1103515245u + 12345u;
                const size_t pos = (seed >> 4) % damaged.size();
                seed = seed * 1103515245u + 12345u;
                damaged[pos] ^= static_cast<uint8_t>(1u << ((seed >> 16) % 8));
            }
            auto r = readBytesAsModel(std::move(damaged));
            ++total;
            if (r.ok()) {
                // Whatever was accepted must be consistent enough to write again.
                CHECK(serializeModel(**r).ok());
            } else {
                ++errors;
                CHECK_FALSE(r.message().empty());
            }
        }
    }
    INFO(errors << " of " << total << " damaged files refused");
    CHECK(errors >= files.size() * 63); // every strict truncation is refused
}

TEST_CASE("inputs the fuzzer once crashed on are read safely", "[reader][corrupt]") {
    // fuzz/regressions holds every input that crashed the loader; each must now read or fail cleanly.
    const fs::path dir = fs::path(QUANTLAB_SOURCE_DIR) / "fuzz" / "regressions";
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        auto r = readModel(MappedFile::fromBytes(readBytes(e.path().string())), "regression.tflite");
        INFO(e.path().filename().string());
        if (r.ok()) {
            CHECK(serializeModel(**r).ok());
            // As the fuzz target does: prepare and run once on zero inputs (an error is fine),
            // with its loop and work limits.
            const uint64_t work = maxOperatorWork(), memory = memoryLimitBytes(), loops = maxWhileIterations();
            setMemoryLimitBytes(64u << 20);
            setMaxWhileIterations(100);
            setMaxOperatorWork(100'000'000);
            if (auto interp = rt::Interpreter::create(r.value())) (void)(*interp)->invoke();
            setMemoryLimitBytes(memory);
            setMaxWhileIterations(loops);
            setMaxOperatorWork(work);
        } else {
            CHECK_THAT(r.message(), Catch::StartsWith("regression.tflite: "));
        }
        ++files;
    }
    CHECK(files >= 1);
}

TEST_CASE("a 64-bit vector at a 4-byte offset is refused, not read misaligned", "[reader][corrupt]") {
    // The flatbuffers Verifier checks only a vector's length word for alignment. Move tensor
    // 1's zero_point vector to the end of the file so its int64 elements sit at 4 mod 8.
    auto bytes = serialize(makeInt8FullyConnected());
    const auto* q = tflite::GetModel(bytes.data())->subgraphs()->Get(0)->tensors()->Get(1)->quantization();
    REQUIRE(q);
    REQUIRE(q->zero_point());
    const size_t field = static_cast<size_t>(reinterpret_cast<const flatbuffers::Table*>(q)->GetAddressOf(tflite::QuantizationParameters::VT_ZERO_POINT) - bytes.data());
    const uint32_t n = q->zero_point()->size();
    while (bytes.size() % 8 != 0) bytes.push_back(0);
    const size_t vec = bytes.size(); // length word 8-aligned, so the elements start at 4 mod 8
    bytes.resize(vec + 4 + 8 * size_t{n}, 0);
    std::memcpy(bytes.data() + vec, &n, 4);
    const uint32_t rel = static_cast<uint32_t>(vec - field);
    std::memcpy(bytes.data() + field, &rel, 4);
    auto r = readBytesAsModel(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.message(), Catch::StartsWith("test.tflite: ") && Catch::Contains("'zero_point'") &&
                                Catch::Contains("not 8-byte aligned"));
}

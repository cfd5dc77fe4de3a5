// int4 and blockwise FULLY_CONNECTED: packing, the int8 and hybrid paths against their int8
// twins, XNNPACK's dynamic quantization worked by hand, prepare failures, and goldens from the
// LiteRT oracle (tests/fixtures/int4, see its README).
#include "SingleOp.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "model/ModelBuilder.h"
#include "quant/SubByte.h"
#include "quant/XnnpackDynamic.h"
#include "tflite/ModelWriter.h"
#include "util/Float16.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

using namespace ql;
using namespace ql::test;

namespace {

std::string fixtureDir() {
    return std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/int4";
}

tflite::BuiltinOptionsUnion fcOptions(Activation act) {
    tflite::FullyConnectedOptionsT o;
    o.fused_activation_function = act;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(o));
    return u;
}

QuantParams perChannel(const std::vector<float>& scales) {
    QuantParams q;
    q.scale = scales;
    q.zeroPoint.assign(scales.size(), 0);
    return q;
}

std::vector<int8_t> randomInt4(std::mt19937& rng, size_t n) {
    std::uniform_int_distribution<int> d(-8, 7);
    std::vector<int8_t> v(n);
    for (auto& x : v)
        x = int8_t(d(rng));
    return v;
}

std::vector<float> uniform(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v)
        x = d(rng);
    return v;
}

std::vector<uint8_t> bytesOfFloats(const std::vector<float>& v) {
    return bytesOf(v);
}

// One FULLY_CONNECTED: input [batches, depth] of `act` (int8 or float32), weights [units, depth]
// of `wType` (INT4 packed or INT8) holding `w`, optional bias, output [batches, units].
struct Int4Fc {
    TensorType act = TensorType::FLOAT32;
    TensorType wType = TensorType::INT4;
    int batches = 1, units = 4, depth = 8;
    std::vector<int8_t> w;
    QuantParams wQ;
    std::vector<float> blockScales; // blockwise (float16 scales) when set
    int blockSize = 0;
    std::vector<float> biasF;   // float bias (hybrid)
    std::vector<int32_t> biasI; // int32 bias (int8)
    QuantParams inQ, outQ;
    Activation activation = Activation::NONE;
};

Model buildInt4Fc(const Int4Fc& s) {
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", s.act, {s.batches, s.depth}, s.inQ);
    QuantParams wq = s.wQ;
    if (s.blockSize) {
        std::vector<uint8_t> bytes(s.blockScales.size() * 2);
        for (size_t i = 0; i < s.blockScales.size(); ++i) {
            const uint16_t h = floatToHalf(s.blockScales[i]);
            std::memcpy(&bytes[2 * i], &h, 2);
        }
        const TensorIndex scales =
            b.addConstantBytes("weights_scales", TensorType::FLOAT16,
                               {s.units, s.depth / s.blockSize}, std::move(bytes));
        wq = {};
        wq.blockwise = BlockwiseParams{scales, TensorIndex{}, s.blockSize};
    }
    std::vector<uint8_t> wBytes;
    if (s.wType == TensorType::INT4)
        wBytes = packInt4(s.w);
    else
        wBytes.assign(reinterpret_cast<const uint8_t*>(s.w.data()),
                      reinterpret_cast<const uint8_t*>(s.w.data()) + s.w.size());
    const TensorIndex w =
        b.addConstantBytes("weights", s.wType, {s.units, s.depth}, std::move(wBytes), wq);
    TensorIndex bias{-1};
    if (!s.biasF.empty()) bias = b.addConstant("bias", TensorType::FLOAT32, {s.units}, s.biasF);
    if (!s.biasI.empty()) {
        QuantParams bq;
        for (float ws : s.wQ.scale) {
            bq.scale.push_back(s.inQ.scale[0] * ws);
            bq.zeroPoint.push_back(0);
        }
        bias = b.addConstant("bias", TensorType::INT32, {s.units}, s.biasI, bq);
    }
    const TensorIndex out = b.addTensor("output", s.act, {s.batches, s.units}, s.outQ);
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w, bias}, {out}, fcOptions(s.activation),
                  s.act == TensorType::INT8 ? 10 : 1);
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

// The models whose LiteRT outputs are committed as goldens.
std::vector<std::pair<std::string, Model>> int4FixtureModels() {
    std::vector<std::pair<std::string, Model>> models;
    std::mt19937 rng(20261206);
    {
        // int8 activations, int4 per-channel weights [5, 36] (XNNPACK's qs8-qc4w), and [5, 35]: an
        // odd depth (and an odd count, 175 values), which the delegate leaves to TFLite's builtin
        // kernel (fixed-point requantization).
        Int4Fc s;
        s.act = TensorType::INT8;
        s.batches = 2, s.units = 5, s.depth = 36;
        s.w = randomInt4(rng, 180);
        s.wQ = perChannel(uniform(rng, 5, 0.01f, 0.08f));
        s.inQ = qp(0.05f, 3), s.outQ = qp(0.12f, -7);
        std::uniform_int_distribution<int> d(-2000, 2000);
        for (int i = 0; i < 5; ++i) s.biasI.push_back(d(rng));
        models.emplace_back("fc_int4_int8_per_channel", buildInt4Fc(s));
        s.activation = Activation::RELU6;
        s.outQ = qp(0.03f, -128);
        models.emplace_back("fc_int4_int8_per_channel_relu6", buildInt4Fc(s));
        s.activation = Activation::NONE;
        s.outQ = qp(0.04f, -7);
        s.depth = 35;
        s.w = randomInt4(rng, 175);
        models.emplace_back("fc_int4_int8_odd_depth", buildInt4Fc(s));
    }
    {
        // Dynamic range: float input, int4 weights [5, 36] per channel and per tensor (XNNPACK's
        // qd8-f32-qc4w), and [5, 35] (odd depth: TFLite's builtin hybrid kernel).
        Int4Fc s;
        s.batches = 3, s.units = 5, s.depth = 36;
        s.w = randomInt4(rng, 180);
        s.wQ = perChannel(uniform(rng, 5, 0.01f, 0.08f));
        s.biasF = uniform(rng, 5, -0.5f, 0.5f);
        models.emplace_back("fc_int4_hybrid_per_channel", buildInt4Fc(s));
        s.depth = 35;
        s.w = randomInt4(rng, 175);
        models.emplace_back("fc_int4_hybrid_odd_depth", buildInt4Fc(s));
        s.depth = 36;
        s.w = randomInt4(rng, 180);
        s.wQ = perChannel({0.04f});
        s.activation = Activation::RELU;
        models.emplace_back("fc_int4_hybrid_per_tensor_relu", buildInt4Fc(s));
    }
    {
        // Blocks of 32 and 64 with float16 scales of varied size (so that the runtime's
        // bfloat16 rounding of them shows).
        Int4Fc s;
        s.batches = 2, s.units = 6, s.depth = 128;
        s.w = randomInt4(rng, 6 * 128);
        s.blockSize = 32;
        s.blockScales = uniform(rng, 6 * 4, 0.003f, 0.09f);
        s.biasF = uniform(rng, 6, -0.5f, 0.5f);
        models.emplace_back("fc_int4_blockwise_32", buildInt4Fc(s));
        s.blockSize = 64;
        s.blockScales = uniform(rng, 6 * 2, 0.003f, 0.09f);
        s.biasF.clear();
        models.emplace_back("fc_int4_blockwise_64_nobias", buildInt4Fc(s));
    }
    {
        // EMBEDDING_LOOKUP (TFLite's builtin kernel in LiteRT): 101 rows, as the oracle's random
        // int32 ids are in [0, 100]. int4 rows of 7 values (odd: rows start mid-byte), one scale
        // per row; int4 blocks of 16 with float16 scales; int8 per tensor; float copied.
        const int rows = 101;
        auto lookupModel = [&](TensorType type, int cols, std::vector<uint8_t> bytes, QuantParams q,
                               std::vector<float> blockScales, int blockSize) {
            ModelBuilder b;
            const TensorIndex ids = b.addTensor("ids", TensorType::INT32, {5});
            if (blockSize) {
                std::vector<uint8_t> half(blockScales.size() * 2);
                for (size_t i = 0; i < blockScales.size(); ++i) {
                    const uint16_t h = floatToHalf(blockScales[i]);
                    std::memcpy(&half[2 * i], &h, 2);
                }
                const TensorIndex sc = b.addConstantBytes(
                    "table_scales", TensorType::FLOAT16, {rows, cols / blockSize}, std::move(half));
                q = {};
                q.blockwise = BlockwiseParams{sc, TensorIndex{}, blockSize};
            }
            const TensorIndex table =
                b.addConstantBytes("table", type, {rows, cols}, std::move(bytes), q);
            const TensorIndex out = b.addTensor("rows", TensorType::FLOAT32, {5, cols});
            b.addOperator(BuiltinOp::EMBEDDING_LOOKUP, {ids, table}, {out});
            b.setInputs({ids});
            b.setOutputs({out});
            return b.build();
        };
        models.emplace_back("emb_int4_per_row",
                            lookupModel(TensorType::INT4, 7, packInt4(randomInt4(rng, rows * 7)),
                                        perChannel(uniform(rng, rows, 0.01f, 0.2f)), {}, 0));
        models.emplace_back("emb_int4_blockwise_16",
                            lookupModel(TensorType::INT4, 32, packInt4(randomInt4(rng, rows * 32)),
                                        {}, uniform(rng, rows * 2, 0.01f, 0.2f), 16));
        std::vector<uint8_t> i8(rows * 6);
        for (auto& v : i8)
            v = uint8_t(rng());
        models.emplace_back("emb_int8_per_tensor",
                            lookupModel(TensorType::INT8, 6, i8, perChannel({0.05f}), {}, 0));
        models.emplace_back("emb_float",
                            lookupModel(TensorType::FLOAT32, 3,
                                        bytesOfFloats(uniform(rng, rows * 3, -1.0f, 1.0f)), {}, {},
                                        0));
    }
    return models;
}

Int4Fc twinOf(Int4Fc s) {
    s.wType = TensorType::INT8;
    return s;
}

} // namespace

TEST_CASE("int4 packing: low nibble first, odd counts, both stored layouts", "[kernels][int4]") {
    // -8, 7, -1: bytes 0x78 (7 << 4 | 0x8) and 0x0F (high nibble of the odd tail unused).
    const std::vector<int8_t> v{-8, 7, -1};
    const auto packed = packInt4(v);
    REQUIRE(packed == std::vector<uint8_t>{0x78, 0x0F});
    std::vector<int8_t> back(3);
    unpackInt4(packed, back);
    CHECK(back == v);
    std::mt19937 rng(7);
    for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(5), size_t(64), size_t(101)}) {
        const auto values = randomInt4(rng, n);
        const auto bytes = packInt4(values);
        CHECK(bytes.size() == (n + 1) / 2);
        CHECK(int4ConstantValues(bytes, n) == values);
        // One value per byte (some converters' layout) reads the same values.
        std::vector<uint8_t> wide(values.begin(), values.end());
        if (n > 1) CHECK(int4ConstantValues(wide, n) == values);
    }
    CHECK(int4ConstantValues(std::vector<uint8_t>(3, 0), 9).empty()); // 9 values need 5 bytes
    // UINT4 and INT2 fields, lowest bits first.
    const std::vector<uint8_t> u4{0xF1};
    CHECK(packedElement(u4, TensorType::UINT4, 0) == 1);
    CHECK(packedElement(u4, TensorType::UINT4, 1) == 15);
    const std::vector<uint8_t> i2{0xE4}; // fields 00, 01, 10, 11
    CHECK(packedElement(i2, TensorType::INT2, 0) == 0);
    CHECK(packedElement(i2, TensorType::INT2, 1) == 1);
    CHECK(packedElement(i2, TensorType::INT2, 2) == -2);
    CHECK(packedElement(i2, TensorType::INT2, 3) == -1);
    CHECK(byteCount(TensorType::INT4, 5) == 3u);
    CHECK(byteCount(TensorType::UINT4, 4) == 2u);
    CHECK(byteCount(TensorType::INT2, 5) == 2u);
    CHECK(byteCount(TensorType::FLOAT8_E4M3FN, 3) == 3u);
    CHECK(typeName(TensorType::INT2) == "int2");
    CHECK(typeName(TensorType::FLOAT8_E5M2) == "float8_e5m2");
}

TEST_CASE("XNNPACK's dynamic input quantization, worked by hand", "[kernels][int4]") {
    // [-1, 1]: m = 255 / 2 = 127.5; the two zero-point candidates are -128 + 127.5 and
    // 127 - 127.5 = -0.5, errors -255.5 and 254.5 sum to -1: the max side wins, rint(-0.5) = 0.
    auto p = xnn::dynamicQuantParams(-1.0f, 1.0f);
    CHECK(p.multiplier == 127.5f);
    CHECK(p.zeroPoint == 0);
    CHECK(p.scale == 1.0f / 127.5f);
    // [0, 2] (rmin = 0): m = 127.5, zero point -128; 2 * 127.5 = 255 clamps to 255 - 128 = 127.
    p = xnn::dynamicQuantParams(0.5f, 2.0f);
    CHECK(p.zeroPoint == -128);
    const float row[3] = {2.0f, 0.0f, 1.0f};
    int8_t q[3];
    xnn::quantizeRowQd8(row, 3, q);
    CHECK(q[0] == 127);
    CHECK(q[1] == -128);
    CHECK(q[2] == 0); // 127.5 rounds half to even: 128, minus 128
    // All zero: m = 1.
    p = xnn::dynamicQuantParams(0.0f, 0.0f);
    CHECK(p.multiplier == 1.0f);
    // bfloat16 keeps 8 significant bits, rounding half to even.
    CHECK(xnn::roundToBfloat16(1.0f + 1.0f / 256.0f) == 1.0f);
    CHECK(xnn::roundToBfloat16(1.0f + 3.0f / 256.0f) == 1.0f + 4.0f / 256.0f);
}

TEST_CASE("int4 FULLY_CONNECTED equals its int8 twin on the integer and builtin hybrid paths",
          "[kernels][int4]") {
    const auto models = int4FixtureModels();
    std::mt19937 rng(3);
    for (const auto& [name, model] : models) {
        if (name.find("blockwise") != std::string::npos || name.rfind("emb_", 0) == 0) continue;
        // Rebuild with the same weights as int8 values.
        const Subgraph& sg = model.subgraphs[0];
        const Tensor& w = sg.tensors[1];
        Int4Fc s;
        s.act = sg.tensors[0].type;
        s.batches = sg.tensors[0].shape[0], s.depth = w.shape[1], s.units = w.shape[0];
        s.w = int4ConstantValues(model.buffer(w.buffer).bytes(), size_t(w.elementCount()));
        s.wQ = w.quant;
        s.inQ = sg.tensors[0].quant, s.outQ = sg.tensors.back().quant;
        const Tensor& bias = sg.tensors[2];
        if (bias.type == TensorType::INT32) {
            s.biasI.resize(size_t(bias.elementCount()));
            std::memcpy(s.biasI.data(), model.buffer(bias.buffer).data, s.biasI.size() * 4);
        } else {
            s.biasF.resize(size_t(bias.elementCount()));
            std::memcpy(s.biasF.data(), model.buffer(bias.buffer).data, s.biasF.size() * 4);
        }
        const auto* fo = sg.operators[0].options.AsFullyConnectedOptions();
        s.activation = fo ? fo->fused_activation_function : Activation::NONE;
        const Model twin = buildInt4Fc(twinOf(s));
        std::vector<uint8_t> input;
        if (s.act == TensorType::INT8) {
            std::uniform_int_distribution<int> d(-128, 127);
            for (int i = 0; i < s.batches * s.depth; ++i)
                input.push_back(uint8_t(int8_t(d(rng))));
        } else {
            input = bytesOfFloats(uniform(rng, size_t(s.batches * s.depth), -1.0f, 1.0f));
        }
        INFO(name);
        rt::RunOptions reference;
        reference.target = Target::TfliteReference;
        const std::vector<rt::RunOptions> targets =
            s.act == TensorType::INT8 ? std::vector<rt::RunOptions>{rt::RunOptions{}, reference}
                                      : std::vector<rt::RunOptions>{reference};
        for (const rt::RunOptions& o : targets) {
            const OpRun a = runModel(model, {input}, o);
            const OpRun b = runModel(twin, {input}, o);
            REQUIRE(a.ok());
            REQUIRE(b.ok());
            CHECK(a.outputs[0] == b.outputs[0]);
        }
    }
}

TEST_CASE("int4 FULLY_CONNECTED prepare failures", "[kernels][int4]") {
    Int4Fc s;
    s.w.assign(32, 1);
    s.wQ = perChannel({0.1f, 0.1f, 0.1f});
    CHECK_THAT(prepareError(buildInt4Fc(s)),
               Catch::Contains("operator 0 (FULLY_CONNECTED)") && Catch::Contains("3 scales"));
    // int16 activations with int4 weights: no such kernel.
    Int4Fc t;
    t.act = TensorType::INT16;
    t.w.assign(32, 1);
    t.wQ = perChannel({0.1f});
    t.inQ = qp(0.01f, 0), t.outQ = qp(0.01f, 0);
    CHECK_THAT(prepareError(buildInt4Fc(t)),
               Catch::Contains("unsupported type combination") && Catch::Contains("weights int4"));
    // Blockwise weights under the reference target: TFLite's builtin kernel has none.
    Int4Fc b;
    b.depth = 64;
    b.w.assign(256, 1);
    b.blockSize = 32;
    b.blockScales.assign(8, 0.1f);
    Model m = buildInt4Fc(b);
    rt::RunOptions reference;
    reference.target = Target::TfliteReference;
    const OpRun r = runModel(m, {bytesOfFloats(std::vector<float>(64, 0.5f))}, reference);
    CHECK_THAT(r.error, Catch::Contains("blocks") && Catch::Contains("tflite-reference"));
    // ... and the default target runs it: per block s * sum(q * w) with the input quantized per
    // row.
    const OpRun ok = runModel(m, {bytesOfFloats(std::vector<float>(64, 0.5f))});
    REQUIRE(ok.ok());
    // x = 0.5 everywhere: m = 255 / 0.5 = 510, zero point -128, q = 127 (0.5 * 510 = 255 - 128);
    // each unit: 2 blocks * 0.1 * (32 * 1 * (127 + 128)) / 510 = 3.2 (bfloat16(0.1) =
    // 0.10009765625).
    const float expected =
        2.0f * xnn::roundToBfloat16(halfToFloat(floatToHalf(0.1f))) * 32.0f * 255.0f / 510.0f;
    for (float v : ok.output<float>(0))
        CHECK(v == Approx(expected).epsilon(1e-6));
}

TEST_CASE("write the int4 fixture models", "[.generate]") {
    std::filesystem::create_directories(fixtureDir());
    for (auto& [name, model] : int4FixtureModels())
        REQUIRE(writeModelFile(model, fixtureDir() + "/" + name + ".tflite"));
}

TEST_CASE("int4 goldens computed by the LiteRT runtime", "[kernels][int4][golden]") {
    // Each fixture model ran in the LiteRT oracle (XNNPACK) on seeded random inputs; see
    // tests/fixtures/int4/README.md. Integer outputs bit-exact; float (dynamic range) outputs
    // within float rounding of the runtime's own order of operations.
    int checked = 0;
    for (const auto& [name, unused] : int4FixtureModels()) {
        const std::string model = fixtureDir() + "/" + name + ".tflite";
        if (!std::filesystem::exists(model)) continue;
        GoldenComparison c = compareWithGoldens(model, fixtureDir() + "/" + name);
        INFO(name << ": " << c.error << " elements " << c.elements << " differing " << c.differing
                  << " max diff " << c.maxAbsDiff << " relative " << c.relativeError());
        REQUIRE(c.error.empty());
        if (c.isFloat)
            CHECK(c.relativeError() <= 1e-5);
        else
            CHECK(c.differing == 0);
        ++checked;
    }
    CHECK(checked == int(int4FixtureModels().size()));
}

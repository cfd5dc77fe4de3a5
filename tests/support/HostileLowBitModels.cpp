// Crafted files with int4 and blockwise weights: short buffers, odd element counts, block
// sizes that do not divide the depth, block scales of the wrong shape, type or value. Each is
// refused at load or at prepare with a message naming the operator, the tensor and the value.
#include "HostileModels.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"
#include "util/Float16.h"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace ql::test {
namespace {

using T = TensorType;

std::vector<uint8_t> halfBytes(const std::vector<float>& v) {
    std::vector<uint8_t> out(v.size() * 2);
    for (size_t i = 0; i < v.size(); ++i) {
        const uint16_t h = floatToHalf(v[i]);
        std::memcpy(&out[2 * i], &h, 2);
    }
    return out;
}

// A dynamic-range FULLY_CONNECTED: float input [1, depth], int4 weights [units, depth] with the
// given bytes and quantization, float output [1, units].
struct FcSpec {
    int units = 4, depth = 64;
    std::vector<uint8_t> weightBytes;
    QuantParams weightQuant;
    T input = T::FLOAT32;
    bool constantWeights = true;
};

Model hybridFc(const FcSpec& s, ModelBuilder& b) {
    QuantParams q8;
    q8.scale = {0.1f};
    q8.zeroPoint = {0};
    const bool integer = s.input == T::INT8;
    const TensorIndex in =
        b.addTensor("input", s.input, {1, s.depth}, integer ? q8 : QuantParams{});
    const TensorIndex w = s.constantWeights
                              ? b.addConstantBytes("weights", T::INT4, {s.units, s.depth},
                                                   s.weightBytes, s.weightQuant)
                              : b.addTensor("weights", T::INT4, {s.units, s.depth}, s.weightQuant);
    const TensorIndex out =
        b.addTensor("output", s.input, {1, s.units}, integer ? q8 : QuantParams{});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {in, w}, {out}, fullyConnectedOptions());
    b.setInputs(s.constantWeights ? std::vector<TensorIndex>{in} : std::vector<TensorIndex>{in, w});
    b.setOutputs({out});
    return b.build();
}

QuantParams perChannel(int units) {
    QuantParams q;
    q.scale.assign(size_t(units), 0.05f);
    q.zeroPoint.assign(size_t(units), 0);
    return q;
}

void add(std::vector<HostileCase>& cases, std::string name, const Model& m,
         std::vector<std::string> expect) {
    auto bytes = serializeModel(m);
    if (!bytes) throw std::runtime_error("hostile model: the writer refused: " + bytes.message());
    cases.push_back({std::move(name), std::move(bytes.value()), std::move(expect)});
}

// Blockwise weights [units, depth] whose scales tensor (shape, type, values) is given.
Model blockwiseFc(int units, int depth, int blockSize, std::vector<int32_t> scaleShape, T scaleType,
                  std::vector<uint8_t> scaleBytes, T input = T::FLOAT32) {
    ModelBuilder b;
    const TensorIndex scales = b.addConstantBytes("weights_scales", scaleType,
                                                  std::move(scaleShape), std::move(scaleBytes));
    FcSpec s;
    s.units = units;
    s.depth = depth;
    s.weightBytes.assign(size_t(units * depth + 1) / 2, 0x21);
    s.weightQuant.blockwise = BlockwiseParams{scales, TensorIndex{}, blockSize};
    s.input = input;
    return hybridFc(s, b);
}

} // namespace

void addLowBitCases(std::vector<HostileCase>& cases) {
    // int4 weights [4, 5] (20 values: 10 packed bytes) in 7 bytes.
    {
        ModelBuilder b;
        FcSpec s;
        s.depth = 5;
        s.weightBytes.assign(7, 0x11);
        s.weightQuant = perChannel(4);
        add(cases, "int4-short-buffer", hybridFc(s, b),
            {"tensor 1 'weights'", "7 bytes", "expected 10"});
    }
    // An odd count: [3, 3] is 9 values, 5 packed bytes; 4 bytes leave the last value outside.
    {
        ModelBuilder b;
        FcSpec s;
        s.units = 3;
        s.depth = 3;
        s.weightBytes.assign(4, 0x11);
        s.weightQuant = perChannel(3);
        add(cases, "int4-odd-count-short-buffer", hybridFc(s, b),
            {"tensor 1 'weights'", "4 bytes", "expected 5"});
    }
    // int4 weights that are a graph input rather than a constant.
    {
        ModelBuilder b;
        FcSpec s;
        s.depth = 8;
        s.weightQuant = perChannel(4);
        s.constantWeights = false;
        add(cases, "int4-weights-not-constant", hybridFc(s, b),
            {"'weights'", "int4"});
    }
    // A negative per-channel scale on int4 weights.
    {
        ModelBuilder b;
        FcSpec s;
        s.depth = 8;
        s.weightBytes.assign(16, 0x11);
        s.weightQuant = perChannel(4);
        s.weightQuant.scale[2] = -0.25f;
        add(cases, "int4-negative-scale", hybridFc(s, b),
            {"tensor 1 'weights'", "scale[2] is -0.25"});
    }
    // Blocks of 32 over a depth of 40.
    add(cases, "blockwise-block-size-not-dividing",
        blockwiseFc(4, 40, 32, {4, 1}, T::FLOAT16, halfBytes(std::vector<float>(4, 0.1f))),
        {"tensor 2 'weights'", "block_size is 32", "last dimension 40"});
    // block_size 0.
    add(cases, "blockwise-block-size-zero",
        blockwiseFc(4, 64, 0, {4, 2}, T::FLOAT16, halfBytes(std::vector<float>(8, 0.1f))),
        {"tensor 2 'weights'", "block_size is 0"});
    // Scales [4, 1] where blocks of 32 over 64 need [4, 2].
    add(cases, "blockwise-scales-wrong-shape",
        blockwiseFc(4, 64, 32, {4, 1}, T::FLOAT16, halfBytes(std::vector<float>(4, 0.1f))),
        {"tensor 2 'weights'", "'weights_scales'", "[4, 1]", "expected [4, 2]"});
    // Scales of the right shape whose buffer holds 6 of the 8 values.
    add(cases, "blockwise-scales-short-buffer",
        blockwiseFc(4, 64, 32, {4, 2}, T::FLOAT16, halfBytes(std::vector<float>(6, 0.1f))),
        {"tensor 0 'weights_scales'", "12 bytes", "expected 16"});
    // Scales given as int32.
    add(cases, "blockwise-scales-int32",
        blockwiseFc(4, 64, 32, {4, 2}, T::INT32, std::vector<uint8_t>(32, 1)),
        {"tensor 2 'weights'", "int32", "expected float32 or float16"});
    // A NaN and a negative block scale.
    {
        std::vector<float> v(8, 0.1f);
        v[5] = std::numeric_limits<float>::quiet_NaN();
        add(cases, "blockwise-nan-scale", blockwiseFc(4, 64, 32, {4, 2}, T::FLOAT16, halfBytes(v)),
            {"'weights'", "blockwise scale[5]", "nan"});
        v[5] = -0.5f;
        add(cases, "blockwise-negative-scale",
            blockwiseFc(4, 64, 32, {4, 2}, T::FLOAT16, halfBytes(v)),
            {"'weights'", "blockwise scale[5]", "-0.5"});
    }
    // A scales index past the subgraph's tensors.
    {
        ModelBuilder b;
        FcSpec s;
        s.weightBytes.assign(128, 0x21);
        s.weightQuant.blockwise = BlockwiseParams{TensorIndex{int32_t(99)}, TensorIndex{}, 32};
        add(cases, "blockwise-scales-index-out-of-range", hybridFc(s, b),
            {"tensor 1 'weights'", "scales tensor is 99"});
    }
    // float32 block scales load (the format allows them) but the runtime refuses them.
    add(cases, "blockwise-float32-scales",
        blockwiseFc(4, 64, 32, {4, 2}, T::FLOAT32, std::vector<uint8_t>(32, 0x3d)),
        {"operator 0 (FULLY_CONNECTED)", "float16 block scales only"});
    // Blocks of 16: legal in the format, not a multiple of 32 as XNNPACK's kernels need.
    add(cases, "blockwise-block-size-16",
        blockwiseFc(4, 64, 16, {4, 4}, T::FLOAT16, halfBytes(std::vector<float>(16, 0.1f))),
        {"operator 0 (FULLY_CONNECTED)", "block_size 16", "multiple of 32"});
    // Blockwise weights with int8 activations (no such kernel in the runtime).
    add(cases, "blockwise-int8-activations",
        blockwiseFc(4, 64, 32, {4, 2}, T::FLOAT16, halfBytes(std::vector<float>(8, 0.1f)), T::INT8),
        {"operator 0 (FULLY_CONNECTED)", "blocks", "float input"});
    // EMBEDDING_LOOKUP of an int4 table into int8: the runtime copies the packed bytes as if
    // they were int8 values (garbage); QuantLab refuses it.
    {
        ModelBuilder b;
        QuantParams q;
        q.scale = {0.1f};
        q.zeroPoint = {0};
        const TensorIndex ids = b.addTensor("ids", T::INT32, {2});
        const TensorIndex table =
            b.addConstantBytes("table", T::INT4, {4, 8}, std::vector<uint8_t>(16, 0x21), q);
        const TensorIndex out = b.addTensor("rows", T::INT8, {2, 8}, q);
        b.addOperator(BuiltinOp::EMBEDDING_LOOKUP, {ids, table}, {out});
        b.setInputs({ids});
        b.setOutputs({out});
        add(cases, "embedding-int4-into-int8", b.build(),
            {"operator 0 (EMBEDDING_LOOKUP)", "packed int4"});
    }
}

} // namespace ql::test

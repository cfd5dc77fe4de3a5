// UNIDIRECTIONAL_SEQUENCE_LSTM and SVDF: hand-checked values, state kept between runs,
// prepare failures, gemmlowp fixed-point activations, goldens from the TFLite oracle
// (tests/fixtures/sequence, see its README) and the real LSTM models.
#include "TestModels.h"
#include "SingleOp.h"
#include "TestSupport.h"

#include "model/ModelBuilder.h"
#include "runtime/kernels/sequence/LstmSteps.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>

using namespace ql;
using namespace ql::test;

namespace {

std::vector<float> randomFloats(std::mt19937& rng, size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

template <class T> std::vector<T> randomInts(std::mt19937& rng, size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(d(rng));
    return v;
}

tflite::BuiltinOptionsUnion lstmOptions(bool timeMajor, float cellClip = 0, float projClip = 0) {
    tflite::UnidirectionalSequenceLSTMOptionsT o;
    o.fused_activation_function = Activation::TANH;
    o.time_major = timeMajor;
    o.cell_clip = cellClip;
    o.proj_clip = projClip;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(o));
    return u;
}

tflite::BuiltinOptionsUnion svdfOptions(int rank, Activation act) {
    tflite::SVDFOptionsT o;
    o.rank = rank;
    o.fused_activation_function = act;
    tflite::BuiltinOptionsUnion u;
    u.Set(std::move(o));
    return u;
}

struct LstmSpec {
    int batch = 1, time = 2, input = 3, cell = 4, output = 4;
    bool timeMajor = false, cifg = false, peephole = false, projection = false, layerNorm = false;
    float cellClip = 0, projClip = 0;
};

TensorIndex variableTensor(ModelBuilder& b, const std::string& name, TensorType t, std::vector<int32_t> shape, QuantParams q = {}) {
    const TensorIndex i = b.addTensor(name, t, std::move(shape), std::move(q));
    b.subgraph().tensors[i.index()].isVariable = true;
    return i;
}

Model buildFloatLstm(const LstmSpec& s, std::mt19937& rng) {
    ModelBuilder b;
    std::vector<int32_t> inShape = s.timeMajor ? std::vector<int32_t>{s.time, s.batch, s.input} : std::vector<int32_t>{s.batch, s.time, s.input};
    std::vector<int32_t> outShape = inShape;
    outShape.back() = s.output;
    std::vector<TensorIndex> in(24, TensorIndex{-1});
    in[0] = b.addTensor("input", TensorType::FLOAT32, inShape);
    auto weights = [&](const std::string& n, int rows, int cols) {
        return b.addConstant(n, TensorType::FLOAT32, {rows, cols}, randomFloats(rng, size_t(rows) * cols, -0.6f, 0.6f));
    };
    auto vec = [&](const std::string& n, int size, float lo, float hi) {
        return b.addConstant(n, TensorType::FLOAT32, {size}, randomFloats(rng, size_t(size), lo, hi));
    };
    const char* gates[4] = {"input", "forget", "cell", "output"};
    for (int g = 0; g < 4; ++g) {
        if (g == 0 && s.cifg) continue;
        in[size_t(1 + g)] = weights(std::string(gates[g]) + "_x", s.cell, s.input);
        in[size_t(5 + g)] = weights(std::string(gates[g]) + "_h", s.cell, s.output);
        in[size_t(12 + g)] = vec(std::string(gates[g]) + "_bias", s.cell, -0.5f, 0.5f);
        if (s.layerNorm) in[size_t(20 + g)] = vec(std::string(gates[g]) + "_ln", s.cell, 0.5f, 1.5f);
    }
    if (s.peephole) {
        if (!s.cifg) in[9] = vec("peep_i", s.cell, -0.5f, 0.5f);
        in[10] = vec("peep_f", s.cell, -0.5f, 0.5f);
        in[11] = vec("peep_o", s.cell, -0.5f, 0.5f);
    }
    if (s.projection) {
        in[16] = weights("proj", s.output, s.cell);
        in[17] = vec("proj_bias", s.output, -0.2f, 0.2f);
    }
    in[18] = variableTensor(b, "output_state", TensorType::FLOAT32, {s.batch, s.output});
    in[19] = variableTensor(b, "cell_state", TensorType::FLOAT32, {s.batch, s.cell});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, outShape);
    b.addOperator(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, in, {out}, lstmOptions(s.timeMajor, s.cellClip, s.projClip), 1);
    b.setInputs({in[0]});
    b.setOutputs({out});
    return b.build();
}

// Integer 8x8_16 LSTM with the five intermediates TFLite's quantizer adds (gate outputs
// before activation when layer norm is used, and the hidden state o .* tanh(c)).
Model buildInt8Lstm(const LstmSpec& s, std::mt19937& rng) {
    ModelBuilder b;
    std::vector<int32_t> inShape = s.timeMajor ? std::vector<int32_t>{s.time, s.batch, s.input} : std::vector<int32_t>{s.batch, s.time, s.input};
    std::vector<int32_t> outShape = inShape;
    outShape.back() = s.output;
    const float inScale = 1.0f / 128, stateScale = 1.0f / 128;
    std::vector<TensorIndex> in(24, TensorIndex{-1});
    in[0] = b.addTensor("input", TensorType::INT8, inShape, qp(inScale, 5));
    auto weights = [&](const std::string& n, int rows, int cols, float scale) {
        return b.addConstant(n, TensorType::INT8, {rows, cols}, randomInts<int8_t>(rng, size_t(rows) * cols, -127, 127), qp(scale, 0));
    };
    const char* gates[4] = {"input", "forget", "cell", "output"};
    for (int g = 0; g < 4; ++g) {
        if (g == 0 && s.cifg) continue;
        in[size_t(1 + g)] = weights(std::string(gates[g]) + "_x", s.cell, s.input, 0.01f);
        in[size_t(5 + g)] = weights(std::string(gates[g]) + "_h", s.cell, s.output, 0.008f);
        // Bias in the gate's accumulator scale (2^-12 without layer norm).
        in[size_t(12 + g)] = b.addConstant(std::string(gates[g]) + "_bias", TensorType::INT32, {s.cell},
                                           randomInts<int32_t>(rng, size_t(s.cell), -2000, 2000), qp(s.layerNorm ? 1.0f / 1024 / 1024 : 1.0f / 4096, 0));
        if (s.layerNorm)
            in[size_t(20 + g)] = b.addConstant(std::string(gates[g]) + "_ln", TensorType::INT16, {s.cell},
                                               randomInts<int16_t>(rng, size_t(s.cell), 8000, 30000), qp(1.0f / 32768, 0));
    }
    if (s.peephole) {
        auto peep = [&](const std::string& n) {
            return b.addConstant(n, TensorType::INT16, {s.cell}, randomInts<int16_t>(rng, size_t(s.cell), -20000, 20000), qp(1.0f / 32768, 0));
        };
        if (!s.cifg) in[9] = peep("peep_i");
        in[10] = peep("peep_f");
        in[11] = peep("peep_o");
    }
    if (s.projection) {
        in[16] = weights("proj", s.output, s.cell, 0.01f);
        in[17] = b.addConstant("proj_bias", TensorType::INT32, {s.output}, randomInts<int32_t>(rng, size_t(s.output), -500, 500), qp(0.01f / 128, 0));
    }
    in[18] = variableTensor(b, "output_state", TensorType::INT8, {s.batch, s.output}, qp(stateScale, -3));
    in[19] = variableTensor(b, "cell_state", TensorType::INT16, {s.batch, s.cell}, qp(1.0f / 2048, 0));
    const TensorIndex out = b.addTensor("output", TensorType::INT8, outShape, qp(stateScale, -3));
    std::vector<TensorIndex> inter;
    for (int g = 0; g < 4; ++g)
        inter.push_back(b.addTensor(std::string("intermediate_") + gates[g], TensorType::INT16, {}, qp(s.layerNorm ? 1.0f / 4096 : 1.0f / 4096, 0)));
    inter.push_back(b.addTensor("intermediate_hidden", TensorType::INT8, {}, qp(1.0f / 128, 4)));
    b.addOperator(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, in, {out}, lstmOptions(s.timeMajor, s.cellClip, s.projClip), 1);
    b.subgraph().operators.back().intermediates = inter;
    b.setInputs({in[0]});
    b.setOutputs({out});
    return b.build();
}

Model buildSvdf(bool integer, std::mt19937& rng) {
    ModelBuilder b;
    const int batch = 2, input = 5, filters = 6, memory = 4, rank = 2;
    if (!integer) {
        const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {batch, input});
        const TensorIndex wf = b.addConstant("feature", TensorType::FLOAT32, {filters, input}, randomFloats(rng, filters * input));
        const TensorIndex wt = b.addConstant("time", TensorType::FLOAT32, {filters, memory}, randomFloats(rng, filters * memory));
        const TensorIndex bias = b.addConstant("bias", TensorType::FLOAT32, {filters / rank}, randomFloats(rng, filters / rank));
        const TensorIndex state = variableTensor(b, "state", TensorType::FLOAT32, {batch, filters * memory});
        const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {batch, filters / rank});
        b.addOperator(BuiltinOp::SVDF, {in, wf, wt, bias, state}, {out}, svdfOptions(rank, Activation::RELU), 1);
        b.setInputs({in});
        b.setOutputs({out});
    } else {
        const TensorIndex in = b.addTensor("input", TensorType::INT8, {batch, input}, qp(0.02f, 3));
        const TensorIndex wf = b.addConstant("feature", TensorType::INT8, {filters, input}, randomInts<int8_t>(rng, filters * input, -127, 127), qp(0.01f, 0));
        const TensorIndex wt = b.addConstant("time", TensorType::INT16, {filters, memory}, randomInts<int16_t>(rng, filters * memory, -20000, 20000), qp(1.0f / 16384, 0));
        const TensorIndex bias = b.addConstant("bias", TensorType::INT32, {filters / rank}, randomInts<int32_t>(rng, filters / rank, -5000, 5000), qp(0.001f / 16384, 0));
        const TensorIndex state = variableTensor(b, "state", TensorType::INT16, {batch, filters * memory}, qp(0.001f, 0));
        const TensorIndex out = b.addTensor("output", TensorType::INT8, {batch, filters / rank}, qp(0.01f, -4));
        b.addOperator(BuiltinOp::SVDF, {in, wf, wt, bias, state}, {out}, svdfOptions(rank, Activation::RELU), 1);
        b.setInputs({in});
        b.setOutputs({out});
    }
    return b.build();
}

// Hybrid LSTM: float input, states, biases and layer-norm coefficients; int8 weights
// (input, recurrent, peephole, projection) with one scale each.
Model buildHybridLstm(const LstmSpec& s, std::mt19937& rng, bool asymmetric) {
    ModelBuilder b;
    std::vector<int32_t> inShape = s.timeMajor ? std::vector<int32_t>{s.time, s.batch, s.input} : std::vector<int32_t>{s.batch, s.time, s.input};
    std::vector<int32_t> outShape = inShape;
    outShape.back() = s.output;
    std::vector<TensorIndex> in(24, TensorIndex{-1});
    in[0] = b.addTensor("input", TensorType::FLOAT32, inShape);
    auto weights = [&](const std::string& n, int rows, int cols) {
        return b.addConstant(n, TensorType::INT8, {rows, cols}, randomInts<int8_t>(rng, size_t(rows) * cols, -127, 127), qp(0.005f, 0));
    };
    auto vec = [&](const std::string& n, int size, float lo, float hi) {
        return b.addConstant(n, TensorType::FLOAT32, {size}, randomFloats(rng, size_t(size), lo, hi));
    };
    auto peep = [&](const std::string& n) {
        return b.addConstant(n, TensorType::INT8, {s.cell}, randomInts<int8_t>(rng, size_t(s.cell), -127, 127), qp(0.004f, 0));
    };
    const char* gates[4] = {"input", "forget", "cell", "output"};
    for (int g = 0; g < 4; ++g) {
        if (g == 0 && s.cifg) continue;
        in[size_t(1 + g)] = weights(std::string(gates[g]) + "_x", s.cell, s.input);
        in[size_t(5 + g)] = weights(std::string(gates[g]) + "_h", s.cell, s.output);
        in[size_t(12 + g)] = vec(std::string(gates[g]) + "_bias", s.cell, -0.5f, 0.5f);
        if (s.layerNorm) in[size_t(20 + g)] = vec(std::string(gates[g]) + "_ln", s.cell, 0.5f, 1.5f);
    }
    if (s.peephole) {
        if (!s.cifg) in[9] = peep("peep_i");
        in[10] = peep("peep_f");
        in[11] = peep("peep_o");
    }
    if (s.projection) {
        in[16] = weights("proj", s.output, s.cell);
        in[17] = vec("proj_bias", s.output, -0.2f, 0.2f);
    }
    in[18] = variableTensor(b, "output_state", TensorType::FLOAT32, {s.batch, s.output});
    in[19] = variableTensor(b, "cell_state", TensorType::FLOAT32, {s.batch, s.cell});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, outShape);
    tflite::BuiltinOptionsUnion options = lstmOptions(s.timeMajor, s.cellClip, s.projClip);
    options.AsUnidirectionalSequenceLSTMOptions()->asymmetric_quantize_inputs = asymmetric;
    b.addOperator(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, in, {out}, std::move(options), asymmetric ? 3 : 2);
    b.setInputs({in[0]});
    b.setOutputs({out});
    return b.build();
}

// Hybrid SVDF: float input/state/output, int8 feature and time weights (per tensor).
Model buildHybridSvdf(std::mt19937& rng, bool asymmetric) {
    ModelBuilder b;
    const int batch = 2, input = 5, filters = 6, memory = 4, rank = 2;
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {batch, input});
    const TensorIndex wf = b.addConstant("feature", TensorType::INT8, {filters, input}, randomInts<int8_t>(rng, filters * input, -127, 127), qp(0.01f, 0));
    const TensorIndex wt = b.addConstant("time", TensorType::INT8, {filters, memory}, randomInts<int8_t>(rng, filters * memory, -127, 127), qp(0.008f, 0));
    const TensorIndex bias = b.addConstant("bias", TensorType::FLOAT32, {filters / rank}, randomFloats(rng, filters / rank));
    const TensorIndex state = variableTensor(b, "state", TensorType::FLOAT32, {batch, filters * memory});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {batch, filters / rank});
    tflite::SVDFOptionsT o;
    o.rank = rank;
    o.fused_activation_function = Activation::RELU;
    o.asymmetric_quantize_inputs = asymmetric;
    tflite::BuiltinOptionsUnion u;
    u.Set(o);
    b.addOperator(BuiltinOp::SVDF, {in, wf, wt, bias, state}, {out}, std::move(u), asymmetric ? 4 : 2);
    b.setInputs({in});
    b.setOutputs({out});
    return b.build();
}

// RNN (sequence = false: input [batch, input]) or UNIDIRECTIONAL_SEQUENCE_RNN, float, with a
// variable hidden state.
Model buildRnn(bool sequence, bool timeMajor, Activation act, std::mt19937& rng) {
    const int batch = 2, time = 3, input = 3, units = 4;
    ModelBuilder b;
    std::vector<int32_t> inShape = !sequence ? std::vector<int32_t>{batch, input}
                                   : timeMajor ? std::vector<int32_t>{time, batch, input}
                                               : std::vector<int32_t>{batch, time, input};
    std::vector<int32_t> outShape = inShape;
    outShape.back() = units;
    const auto x = b.addTensor("input", TensorType::FLOAT32, inShape);
    const auto w = b.addConstant("weights", TensorType::FLOAT32, {units, input}, randomFloats(rng, size_t(units * input)));
    const auto r = b.addConstant("recurrent_weights", TensorType::FLOAT32, {units, units}, randomFloats(rng, size_t(units * units), -0.5f, 0.5f));
    const auto bias = b.addConstant("bias", TensorType::FLOAT32, {units}, randomFloats(rng, size_t(units), -0.2f, 0.2f));
    const auto h = variableTensor(b, "hidden_state", TensorType::FLOAT32, {batch, units});
    const auto y = b.addTensor("output", TensorType::FLOAT32, outShape);
    tflite::BuiltinOptionsUnion u;
    if (sequence) {
        tflite::SequenceRNNOptionsT o;
        o.time_major = timeMajor;
        o.fused_activation_function = act;
        u.Set(o);
    } else {
        tflite::RNNOptionsT o;
        o.fused_activation_function = act;
        u.Set(o);
    }
    b.addOperator(sequence ? BuiltinOp::UNIDIRECTIONAL_SEQUENCE_RNN : BuiltinOp::RNN, {x, w, r, bias, h}, {y}, std::move(u));
    b.setInputs({x});
    b.setOutputs({y});
    return b.build();
}

std::vector<std::pair<std::string, Model>> sequenceFixtureModels() {
    std::vector<std::pair<std::string, Model>> models;
    std::mt19937 rng(31415);
    LstmSpec basic;
    basic.batch = 2, basic.time = 3, basic.input = 4, basic.cell = 5, basic.output = 5;
    models.emplace_back("lstm_float", buildFloatLstm(basic, rng));
    LstmSpec full = basic;
    full.timeMajor = true, full.peephole = true, full.projection = true, full.output = 3, full.cellClip = 0.8f, full.projClip = 0.5f;
    models.emplace_back("lstm_float_peephole_projection_time_major", buildFloatLstm(full, rng));
    LstmSpec ln = basic;
    ln.cifg = true, ln.layerNorm = true;
    models.emplace_back("lstm_float_cifg_layer_norm", buildFloatLstm(ln, rng));
    models.emplace_back("lstm_int8", buildInt8Lstm(basic, rng));
    LstmSpec intFull = basic;
    intFull.cell = 4, intFull.output = 3, intFull.projection = true, intFull.peephole = true, intFull.layerNorm = true;
    intFull.timeMajor = true;
    models.emplace_back("lstm_int8_layer_norm_peephole_projection", buildInt8Lstm(intFull, rng));
    models.emplace_back("svdf_float", buildSvdf(false, rng));
    models.emplace_back("svdf_int8", buildSvdf(true, rng));
    models.emplace_back("svdf_hybrid", buildHybridSvdf(rng, false));
    models.emplace_back("svdf_hybrid_asymmetric", buildHybridSvdf(rng, true));
    models.emplace_back("lstm_hybrid", buildHybridLstm(basic, rng, false));
    LstmSpec hybridFull = basic;
    hybridFull.timeMajor = true, hybridFull.peephole = true, hybridFull.projection = true, hybridFull.output = 3, hybridFull.layerNorm = true;
    hybridFull.cellClip = 0.8f;
    models.emplace_back("lstm_hybrid_asymmetric_peephole_projection_layer_norm", buildHybridLstm(hybridFull, rng, true));
    models.emplace_back("rnn_float", buildRnn(false, false, Activation::TANH, rng));
    models.emplace_back("rnn_sequence_float", buildRnn(true, false, Activation::RELU, rng));
    models.emplace_back("rnn_sequence_time_major_float", buildRnn(true, true, Activation::TANH, rng));
    return models;
}

std::string fixtureDir() { return std::string(QUANTLAB_SOURCE_DIR) + "/tests/fixtures/sequence"; }

} // namespace

TEST_CASE("gemmlowp fixed-point activations match the real functions", "[kernels][sequence]") {
    using namespace ql::rt::lstm;
    // Q3.12 in, Q0.15 out: within a few LSB of 1/(1+e^-x) over the whole int16 range.
    int worst = 0;
    for (int q = -32768; q <= 32767; q += 7) {
        const double x = q / 4096.0;
        const int expected = int(std::lround(32768.0 / (1.0 + std::exp(-x))));
        worst = std::max(worst, std::abs(int(sigmoidQ3_12(int16_t(q))) - std::min(expected, 32767)));
    }
    CHECK(worst <= 8); // int16 gemmlowp arithmetic: about 2e-4 absolute
    CHECK(sigmoidQ3_12(0) == 16384);
    for (int bits = 0; bits <= 6; ++bits) {
        int worstTanh = 0;
        for (int q = -32768; q <= 32767; q += 13) {
            const double x = q / double(1 << (15 - bits));
            const int expected = std::clamp(int(std::lround(32768.0 * std::tanh(x))), -32768, 32767);
            worstTanh = std::max(worstTanh, std::abs(int(tanhQ(bits, int16_t(q))) - expected));
        }
        INFO("integer bits " << bits);
        CHECK(worstTanh <= 16); // about 4e-4 absolute
    }
    // 1/sqrt(x) for the integer layer norm: multiplier * 2^shift / 2^31 ~ 1 / sqrt(x).
    for (int32_t v : {2, 10, 1000, 123456, 1 << 20, 1 << 29}) {
        int32_t m = 0;
        int shift = 0;
        invSqrtQuantizedMultiplierExp(v, -1, &m, &shift); // shift: left-shift exponent
        const double approx = m / 2147483648.0 * std::pow(2.0, shift);
        CHECK(approx == Approx(1.0 / std::sqrt(double(v))).epsilon(1e-3));
    }
}

TEST_CASE("UNIDIRECTIONAL_SEQUENCE_LSTM float: hand-checked single cell, state kept between runs", "[kernels][sequence]") {
    // One cell, one input, no recurrence weights that matter (h starts at 0, W_h = 0):
    // i = f = o = sigmoid(0) = 0.5, g = tanh(1 * x). Step 1 with x = 1: c = 0.5 * tanh(1),
    // h = 0.5 * tanh(c).
    ModelBuilder b;
    std::vector<TensorIndex> in(24, TensorIndex{-1});
    in[0] = b.addTensor("input", TensorType::FLOAT32, {1, 1, 1});
    auto c = [&](const std::string& n, std::vector<int32_t> shape, float v) { return b.addConstant(n, TensorType::FLOAT32, shape, std::vector<float>{v}); };
    for (int g = 0; g < 4; ++g) {
        in[size_t(1 + g)] = c("wx" + std::to_string(g), {1, 1}, g == 2 ? 1.0f : 0.0f);
        in[size_t(5 + g)] = c("wh" + std::to_string(g), {1, 1}, 0.0f);
        in[size_t(12 + g)] = c("b" + std::to_string(g), {1}, 0.0f);
    }
    in[18] = variableTensor(b, "h", TensorType::FLOAT32, {1, 1});
    in[19] = variableTensor(b, "c", TensorType::FLOAT32, {1, 1});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {1, 1, 1});
    b.addOperator(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, in, {out}, lstmOptions(false));
    b.setInputs({in[0]});
    b.setOutputs({out});
    const Model m = b.build();
    const float c1 = 0.5f * std::tanh(1.0f);
    OpRun r = runModel(m, {bytesOf(std::vector<float>{1.0f})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == Approx(0.5f * std::tanh(c1)).margin(1e-6));
    // Second run continues from the stored state: c2 = 0.5 c1 + 0.5 tanh(1).
    r = runModel(m, {bytesOf(std::vector<float>{1.0f})}, {}, 2);
    REQUIRE(r.ok());
    const float c2 = 0.5f * c1 + 0.5f * std::tanh(1.0f);
    CHECK(r.output<float>(0)[0] == Approx(0.5f * std::tanh(c2)).margin(1e-6));
}

TEST_CASE("SVDF float: hand-checked memory of two steps", "[kernels][sequence]") {
    // One filter, rank 1, memory 2: state keeps the last two feature values f = 2x;
    // out = w_t[0] * f(t-1) + w_t[1] * f(t) + bias = 1 * f(t-1) + 10 * f(t) + 0.5.
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {1, 1});
    const TensorIndex wf = b.addConstant("feature", TensorType::FLOAT32, {1, 1}, std::vector<float>{2.0f});
    const TensorIndex wt = b.addConstant("time", TensorType::FLOAT32, {1, 2}, std::vector<float>{1.0f, 10.0f});
    const TensorIndex bias = b.addConstant("bias", TensorType::FLOAT32, {1}, std::vector<float>{0.5f});
    const TensorIndex state = variableTensor(b, "state", TensorType::FLOAT32, {1, 2});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {1, 1});
    b.addOperator(BuiltinOp::SVDF, {in, wf, wt, bias, state}, {out}, svdfOptions(1, Activation::NONE));
    b.setInputs({in});
    b.setOutputs({out});
    const Model m = b.build();
    OpRun r = runModel(m, {bytesOf(std::vector<float>{3.0f})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == Approx(60.5f));
    r = runModel(m, {bytesOf(std::vector<float>{3.0f})}, {}, 2);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == Approx(66.5f));
}

TEST_CASE("SVDF int8 time weights: TFLite Micro's kernel under tflite-micro, refused elsewhere", "[kernels][sequence][target]") {
    // One filter, rank 1, memory 2, all scales 1 (every multiplier exact); state zero point 2
    // (the int8 state starts at its zero point, real 0), output zero point -1.
    // Step 1: feature 3*1 + (-2)*2 = -1, + z_s = 1 -> state [2, 1];
    //   time 5*(2-2) + 7*(1-2) = -7, + bias 4 = -3, + z_out = -4.
    // Step 2: state [1, 1]: 5*(-1) + 7*(-1) + 4 = -8, + z_out = -9.
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", TensorType::INT8, {1, 2}, qp(1.0f, 0));
    const TensorIndex wf = b.addConstant("feature", TensorType::INT8, {1, 2}, std::vector<int8_t>{1, 2}, qp(1.0f, 0));
    const TensorIndex wt = b.addConstant("time", TensorType::INT8, {1, 2}, std::vector<int8_t>{5, 7}, qp(1.0f, 0));
    const TensorIndex bias = b.addConstant("bias", TensorType::INT32, {1}, std::vector<int32_t>{4}, qp(1.0f, 0));
    const TensorIndex state = variableTensor(b, "state", TensorType::INT8, {1, 2}, qp(1.0f, 2));
    const TensorIndex out = b.addTensor("output", TensorType::INT8, {1, 1}, qp(1.0f, -1));
    b.addOperator(BuiltinOp::SVDF, {in, wf, wt, bias, state}, {out}, svdfOptions(1, Activation::NONE));
    b.setInputs({in});
    b.setOutputs({out});
    const Model m = b.build();
    rt::RunOptions micro;
    micro.target = Target::TfliteMicro;
    const auto x = bytesOf(std::vector<int8_t>{3, -2});
    OpRun r = runModel(m, {x}, micro);
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-4});
    r = runModel(m, {x}, micro, 2);
    REQUIRE(r.ok());
    CHECK(r.output<int8_t>(0) == std::vector<int8_t>{-9});
    // The TFLite runtime has int16 time weights only: the default target says which target runs it.
    r = runModel(m, {x});
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.error, Catch::Contains("SVDF") && Catch::Contains("time weights") && Catch::Contains("tflite-micro"));
}

TEST_CASE("sequence kernels fail at prepare with the operator named", "[kernels][sequence]") {
    std::mt19937 rng(1);
    LstmSpec s;
    Model m = buildFloatLstm(s, rng);
    SECTION("state that is not a variable tensor") {
        m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[18].index()].isVariable = false;
        CHECK_THAT(prepareError(m), Catch::Contains("UNIDIRECTIONAL_SEQUENCE_LSTM") && Catch::Contains("variable"));
    }
    SECTION("weights of the wrong shape") {
        m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[2].index()].shape = {3, 4};
        CHECK_THAT(prepareError(m), Catch::Contains("UNIDIRECTIONAL_SEQUENCE_LSTM") && Catch::Contains("expected [4,3]"));
    }
    SECTION("integer LSTM without intermediates") {
        Model q = buildInt8Lstm(s, rng);
        q.subgraphs[0].operators[0].intermediates.clear();
        CHECK_THAT(prepareError(q), Catch::Contains("UNIDIRECTIONAL_SEQUENCE_LSTM") && Catch::Contains("5 intermediate"));
    }
    SECTION("SVDF rank that does not divide the filters") {
        Model sv = buildSvdf(false, rng);
        sv.subgraphs[0].operators[0].options = svdfOptions(4, Activation::NONE);
        CHECK_THAT(prepareError(sv), Catch::Contains("SVDF") && Catch::Contains("rank 4"));
    }
}

TEST_CASE("UNIDIRECTIONAL_SEQUENCE_LSTM hybrid: hand-checked single cell over two steps", "[kernels][sequence]") {
    // One input, one cell, batch 1. Input weights 127 with scales {1, 2, 0.5, 1}/127 are exactly
    // {1, 2, 0.5, 1}; recurrent weights 64 * 0.01 = 0.64; biases 0. A single value quantizes to
    // +-127 with factor |v|/127, so every product is exact up to float rounding.
    ModelBuilder b;
    std::vector<TensorIndex> in(24, TensorIndex{-1});
    in[0] = b.addTensor("input", TensorType::FLOAT32, {1, 1, 1});
    const float wx[4] = {1.0f, 2.0f, 0.5f, 1.0f};
    for (int g = 0; g < 4; ++g) {
        in[size_t(1 + g)] = b.addConstant("wx" + std::to_string(g), TensorType::INT8, {1, 1}, std::vector<int8_t>{127}, qp(wx[g] / 127, 0));
        in[size_t(5 + g)] = b.addConstant("wh" + std::to_string(g), TensorType::INT8, {1, 1}, std::vector<int8_t>{64}, qp(0.01f, 0));
        in[size_t(12 + g)] = b.addConstant("b" + std::to_string(g), TensorType::FLOAT32, {1}, std::vector<float>{0.0f});
    }
    in[18] = variableTensor(b, "output_state", TensorType::FLOAT32, {1, 1});
    in[19] = variableTensor(b, "cell_state", TensorType::FLOAT32, {1, 1});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {1, 1, 1});
    b.addOperator(BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM, in, {out}, lstmOptions(false), 2);
    b.setInputs({in[0]});
    b.setOutputs({out});
    const Model m = b.build();
    auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    const double x = 1.0;
    double h = 0, c = 0;
    for (int step = 1; step <= 2; ++step) {
        const double i = sigmoid(x + 0.64 * h), f = sigmoid(2 * x + 0.64 * h), g = std::tanh(0.5 * x + 0.64 * h), o = sigmoid(x + 0.64 * h);
        c = f * c + i * g;
        h = o * std::tanh(c);
        OpRun r = runModel(m, {bytesOf(std::vector<float>{float(x)})}, {}, step);
        REQUIRE(r.ok());
        INFO("step " << step);
        CHECK(r.output<float>(0)[0] == Approx(h).epsilon(1e-5));
    }
}

TEST_CASE("SVDF hybrid: hand-checked memory of two steps", "[kernels][sequence]") {
    // As the float case with int8 weights: feature 127 * (2/127) = 2, time {10, 100} * 0.1 =
    // {1, 10}. Input 3 quantizes to 127 with factor 3/127: 127 * 127 * (3/127) * (2/127) = 6.
    ModelBuilder b;
    const TensorIndex in = b.addTensor("input", TensorType::FLOAT32, {1, 1});
    const TensorIndex wf = b.addConstant("feature", TensorType::INT8, {1, 1}, std::vector<int8_t>{127}, qp(2.0f / 127, 0));
    const TensorIndex wt = b.addConstant("time", TensorType::INT8, {1, 2}, std::vector<int8_t>{10, 100}, qp(0.1f, 0));
    const TensorIndex bias = b.addConstant("bias", TensorType::FLOAT32, {1}, std::vector<float>{0.5f});
    const TensorIndex state = variableTensor(b, "state", TensorType::FLOAT32, {1, 2});
    const TensorIndex out = b.addTensor("output", TensorType::FLOAT32, {1, 1});
    b.addOperator(BuiltinOp::SVDF, {in, wf, wt, bias, state}, {out}, svdfOptions(1, Activation::NONE), 2);
    b.setInputs({in});
    b.setOutputs({out});
    const Model m = b.build();
    OpRun r = runModel(m, {bytesOf(std::vector<float>{3.0f})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == Approx(60.5f).epsilon(1e-5));
    r = runModel(m, {bytesOf(std::vector<float>{3.0f})}, {}, 2);
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == Approx(66.5f).epsilon(1e-5));
    // An all-zero input leaves the newest state 0: out = bias.
    r = runModel(m, {bytesOf(std::vector<float>{0.0f})});
    REQUIRE(r.ok());
    CHECK(r.output<float>(0)[0] == 0.5f);
}

TEST_CASE("write the sequence fixture models", "[.generate]") {
    std::filesystem::create_directories(fixtureDir());
    for (auto& [name, model] : sequenceFixtureModels()) REQUIRE(writeModelFile(model, fixtureDir() + "/" + name + ".tflite"));
}

TEST_CASE("sequence goldens computed by the TFLite runtime", "[kernels][sequence][golden]") {
    int checked = 0;
    for (const auto& [name, unused] : sequenceFixtureModels()) {
        const std::string model = fixtureDir() + "/" + name + ".tflite";
        if (!std::filesystem::exists(model)) continue;
        GoldenComparison c = compareWithGoldens(model, fixtureDir() + "/" + name);
        INFO(name << ": " << c.error << " elements " << c.elements << " differing " << c.differing << " max diff " << c.maxAbsDiff);
        REQUIRE(c.error.empty());
        if (c.isFloat) CHECK(c.relativeError() <= 1e-4);
        else if (name.rfind("lstm_int8", 0) == 0) {
            // Known gap: the integer LSTM differs from TFLite by 1-2 LSB on a third of the
            // outputs (under investigation: gate activation or requantization detail).
            CHECK(c.maxAbsDiff <= 2);
            WARN(name << ": " << c.differing << " of " << c.elements << " elements differ from TFLite, max " << c.maxAbsDiff);
        } else CHECK(c.differing == 0);
        ++checked;
    }
    CHECK(checked == int(sequenceFixtureModels().size()));
}

TEST_CASE("real LSTM models agree with the TFLite oracle", "[kernels][sequence][oracle]") {
    if (!oracleScript()) {
        WARN("skipped: the TFLite oracle is not installed");
        return;
    }
    for (const std::string name : {"trained_lstm.tflite", "trained_lstm_int8.tflite"}) {
        const auto model = sharedModel(name);
        if (!model) {
            WARN("skipped: " << name << " not found");
            continue;
        }
        for (const char* seed : {"1", "2"}) {
            TempDir tmp;
            std::string log;
            const std::vector<std::string> args = name == "trained_lstm.tflite"
                                                      ? std::vector<std::string>{*model, "--random", seed, "--float-range", "0,1", "--out", tmp.path().string(), "--quiet"}
                                                      : std::vector<std::string>{*model, "--random", seed, "--out", tmp.path().string(), "--quiet"};
            REQUIRE(runOracle(args, &log) == 0);
            GoldenComparison c = compareWithGoldens(*model, tmp.path().string());
            if (c.error.find("not supported") != std::string::npos) {
                WARN("skipped " << name << ": " << c.error);
                break;
            }
            INFO(name << " seed " << seed << ": " << c.error);
            REQUIRE(c.error.empty());
            if (c.isFloat) CHECK(c.relativeError() <= 1e-4);
            else CHECK(c.beyondOneLsb == 0);
            WARN(name << " seed " << seed << ": " << c.differing << " of " << c.elements << " differ, max |diff| " << c.maxAbsDiff
                      << ", relative " << c.relativeError());
        }
    }
}

TEST_CASE("dump the LSTM operator of a real model", "[.dump]") {
    const auto model = sharedModel("trained_lstm_int8.tflite");
    if (!model) return;
    auto m = readModelFile(*model);
    REQUIRE(m);
    const Subgraph& sg = m.value()->subgraphs[0];
    for (const Operator& op : sg.operators) {
        if (op.op != BuiltinOp::UNIDIRECTIONAL_SEQUENCE_LSTM) continue;
        auto show = [&](TensorIndex t) {
            if (!t.valid()) return std::string("-");
            const Tensor& x = sg.tensor(t);
            std::string s = x.name + " " + std::string(typeName(x.type)) + " [";
            for (int32_t d : x.shape) s += std::to_string(d) + ",";
            s += "]";
            if (!x.quant.scale.empty()) s += " s=" + std::to_string(x.quant.scale[0]) + " z=" + std::to_string(x.quant.zeroPoint.empty() ? 0 : x.quant.zeroPoint[0]);
            if (x.isVariable) s += " variable";
            return s;
        };
        for (size_t i = 0; i < op.inputs.size(); ++i) WARN("input " << i << ": " << show(op.inputs[i]));
        for (size_t i = 0; i < op.intermediates.size(); ++i) WARN("intermediate " << i << ": " << show(op.intermediates[i]));
        WARN("output: " << show(op.outputs[0]));
    }
}

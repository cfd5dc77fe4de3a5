#pragma once
// Single-operator convolution models used by the conv kernel tests and by the generator of the
// oracle fixtures in tests/fixtures/conv (see its README.md). The weights come from a seeded
// generator, so a case always builds the same model: the committed goldens stay valid.

#include "model/ModelBuilder.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace ql::test::convcases {

enum class Kind { Float, Int8PerChannel, Int8PerTensor, Uint8, Int16x8, HybridPerChannel, HybridPerTensor };

struct Case {
    std::string name;
    BuiltinOp op = BuiltinOp::CONV_2D;
    Kind kind = Kind::Float;
    std::vector<int32_t> input; // NHWC
    int outC = 4;               // depthwise: output channels (a multiple of the input's)
    int kh = 3, kw = 3;
    int strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    Padding padding = Padding::SAME;
    Activation act = Activation::NONE;
    std::vector<int32_t> transposeOutput; // TRANSPOSE_CONV: the output_shape
};

inline std::vector<Case> allCases() {
    using B = BuiltinOp;
    using K = Kind;
    std::vector<Case> c;
    auto add = [&](Case x) { c.push_back(std::move(x)); };
    add({"conv_f32_same_relu6", B::CONV_2D, K::Float, {1, 7, 9, 3}, 5, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::RELU6, {}});
    add({"conv_f32_valid_s2_d2", B::CONV_2D, K::Float, {2, 11, 10, 4}, 6, 3, 2, 2, 1, 2, 2, Padding::VALID, Activation::NONE, {}});
    add({"conv_f32_1x1", B::CONV_2D, K::Float, {1, 6, 5, 8}, 7, 1, 1, 1, 1, 1, 1, Padding::SAME, Activation::RELU, {}});
    add({"dw_f32_m2_s2", B::DEPTHWISE_CONV_2D, K::Float, {1, 9, 8, 3}, 6, 3, 3, 2, 2, 1, 1, Padding::SAME, Activation::NONE, {}});
    add({"dw_f32_d2_valid", B::DEPTHWISE_CONV_2D, K::Float, {1, 10, 9, 5}, 5, 3, 3, 1, 1, 2, 2, Padding::VALID, Activation::RELU_N1_TO_1, {}});
    add({"tconv_f32_same_s2", B::TRANSPOSE_CONV, K::Float, {1, 4, 5, 3}, 4, 3, 3, 2, 2, 1, 1, Padding::SAME, Activation::NONE, {1, 8, 10, 4}});
    add({"tconv_f32_valid_s2", B::TRANSPOSE_CONV, K::Float, {1, 3, 4, 2}, 3, 3, 2, 2, 2, 1, 1, Padding::VALID, Activation::NONE, {1, 7, 8, 3}});
    add({"conv_i8_pc_same_relu", B::CONV_2D, K::Int8PerChannel, {1, 8, 7, 5}, 6, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::RELU, {}});
    add({"conv_i8_pt_valid_s2", B::CONV_2D, K::Int8PerTensor, {1, 9, 9, 4}, 5, 3, 3, 2, 2, 1, 1, Padding::VALID, Activation::NONE, {}});
    add({"conv_i8_pc_1x1", B::CONV_2D, K::Int8PerChannel, {1, 5, 6, 16}, 24, 1, 1, 1, 1, 1, 1, Padding::SAME, Activation::RELU6, {}});
    add({"dw_i8_pc_s2", B::DEPTHWISE_CONV_2D, K::Int8PerChannel, {1, 9, 10, 8}, 8, 3, 3, 2, 2, 1, 1, Padding::SAME, Activation::RELU6, {}});
    add({"dw_i8_pc_m2", B::DEPTHWISE_CONV_2D, K::Int8PerChannel, {1, 6, 6, 3}, 6, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::NONE, {}});
    add({"tconv_i8_pc_s2", B::TRANSPOSE_CONV, K::Int8PerChannel, {1, 4, 4, 4}, 3, 3, 3, 2, 2, 1, 1, Padding::SAME, Activation::NONE, {1, 8, 8, 3}});
    add({"conv_u8_same", B::CONV_2D, K::Uint8, {1, 7, 6, 3}, 4, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::RELU, {}});
    add({"dw_u8_s2", B::DEPTHWISE_CONV_2D, K::Uint8, {1, 8, 8, 4}, 4, 3, 3, 2, 2, 1, 1, Padding::SAME, Activation::NONE, {}});
    add({"conv_i16_same", B::CONV_2D, K::Int16x8, {1, 6, 7, 4}, 5, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::NONE, {}});
    add({"dw_i16_same", B::DEPTHWISE_CONV_2D, K::Int16x8, {1, 6, 6, 4}, 4, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::NONE, {}});
    add({"conv_hybrid_pc", B::CONV_2D, K::HybridPerChannel, {2, 6, 7, 3}, 5, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::NONE, {}});
    add({"conv_hybrid_pc_d2", B::CONV_2D, K::HybridPerChannel, {1, 9, 9, 3}, 4, 3, 3, 1, 1, 2, 2, Padding::SAME, Activation::NONE, {}});
    add({"conv_hybrid_pt_s2", B::CONV_2D, K::HybridPerTensor, {1, 9, 8, 4}, 4, 3, 3, 2, 2, 1, 1, Padding::VALID, Activation::RELU, {}});
    add({"dw_hybrid_pc", B::DEPTHWISE_CONV_2D, K::HybridPerChannel, {1, 7, 7, 4}, 4, 3, 3, 1, 1, 1, 1, Padding::SAME, Activation::NONE, {}});
    return c;
}

// Seeded uniform values in [lo, hi].
inline std::vector<float> uniform(uint32_t seed, size_t n, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

inline uint32_t seedOf(const std::string& s) {
    uint32_t h = 2166136261u;
    for (char ch : s) h = (h ^ uint8_t(ch)) * 16777619u;
    return h;
}

inline QuantParams quant(std::vector<float> scale, std::vector<int64_t> zp, int axis = 0) {
    QuantParams q;
    q.scale = std::move(scale);
    q.zeroPoint = std::move(zp);
    q.quantizedDimension = axis;
    return q;
}

inline Model build(const Case& c) {
    const bool dw = c.op == BuiltinOp::DEPTHWISE_CONV_2D, tconv = c.op == BuiltinOp::TRANSPOSE_CONV;
    const int inC = c.input[3];
    const std::vector<int32_t> fshape = dw ? std::vector<int32_t>{1, c.kh, c.kw, c.outC} : std::vector<int32_t>{c.outC, c.kh, c.kw, inC};
    const int channelAxis = dw ? 3 : 0;
    size_t fcount = 1;
    for (int32_t d : fshape) fcount *= size_t(d);
    const uint32_t seed = seedOf(c.name);
    const std::vector<float> w = uniform(seed, fcount, -0.5f, 0.5f);
    const std::vector<float> bias = uniform(seed + 1, size_t(c.outC), -1.0f, 1.0f);
    const int k = dw ? c.kh * c.kw : c.kh * c.kw * inC;
    // Output shape.
    std::vector<int32_t> out;
    if (tconv) {
        out = c.transposeOutput;
    } else {
        auto size = [&](int in, int f, int s, int d) {
            const int eff = (f - 1) * d + 1;
            return c.padding == Padding::SAME ? (in + s - 1) / s : (in - eff + s) / s;
        };
        out = {c.input[0], size(c.input[1], c.kh, c.strideH, c.dilationH), size(c.input[2], c.kw, c.strideW, c.dilationW), c.outC};
    }

    // Per-channel (or per-tensor) symmetric int8 weights.
    auto channelOf = [&](size_t i) { return dw ? int(i % size_t(c.outC)) : int(i / (fcount / size_t(c.outC))); };
    auto quantizeWeights = [&](bool perChannel, std::vector<float>& scales) {
        std::vector<float> maxAbs(size_t(c.outC), 0.0f);
        for (size_t i = 0; i < fcount; ++i) maxAbs[size_t(channelOf(i))] = std::max(maxAbs[size_t(channelOf(i))], std::abs(w[i]));
        if (!perChannel) {
            const float m = *std::max_element(maxAbs.begin(), maxAbs.end());
            std::fill(maxAbs.begin(), maxAbs.end(), m);
        }
        scales.resize(size_t(c.outC));
        for (int ch = 0; ch < c.outC; ++ch) scales[size_t(ch)] = maxAbs[size_t(ch)] / 127.0f;
        std::vector<int8_t> q(fcount);
        for (size_t i = 0; i < fcount; ++i)
            q[i] = static_cast<int8_t>(std::lround(w[i] / scales[size_t(channelOf(i))]));
        if (!perChannel) scales.resize(1);
        return q;
    };

    ModelBuilder mb;
    TensorIndex in, filter, b = TensorIndex{}, o;
    switch (c.kind) {
    case Kind::Float:
        in = mb.addTensor("input", TensorType::FLOAT32, c.input);
        filter = mb.addConstant("filter", TensorType::FLOAT32, fshape, w);
        b = mb.addConstant("bias", TensorType::FLOAT32, {c.outC}, bias);
        o = mb.addTensor("output", TensorType::FLOAT32, out);
        break;
    case Kind::HybridPerChannel:
    case Kind::HybridPerTensor: {
        std::vector<float> scales;
        const auto q = quantizeWeights(c.kind == Kind::HybridPerChannel, scales);
        std::vector<int64_t> zps(scales.size(), 0);
        in = mb.addTensor("input", TensorType::FLOAT32, c.input);
        filter = mb.addConstant("filter", TensorType::INT8, fshape, q, quant(scales, zps, channelAxis));
        b = mb.addConstant("bias", TensorType::FLOAT32, {c.outC}, bias);
        o = mb.addTensor("output", TensorType::FLOAT32, out);
        break;
    }
    case Kind::Int8PerChannel:
    case Kind::Int8PerTensor: {
        std::vector<float> scales;
        const auto q = quantizeWeights(c.kind == Kind::Int8PerChannel, scales);
        const float sIn = 0.05f, sOut = 0.03f * std::sqrt(float(k));
        std::vector<int32_t> qb(size_t(c.outC));
        for (int ch = 0; ch < c.outC; ++ch)
            qb[size_t(ch)] = static_cast<int32_t>(std::lround(bias[size_t(ch)] / (sIn * scales[scales.size() == 1 ? 0 : size_t(ch)])));
        std::vector<float> biasScales;
        for (float s : scales) biasScales.push_back(sIn * s);
        in = mb.addTensor("input", TensorType::INT8, c.input, quant({sIn}, {3}));
        filter = mb.addConstant("filter", TensorType::INT8, fshape, q, quant(scales, std::vector<int64_t>(scales.size(), 0), channelAxis));
        b = mb.addConstant("bias", TensorType::INT32, {c.outC}, qb, quant(biasScales, std::vector<int64_t>(biasScales.size(), 0)));
        o = mb.addTensor("output", TensorType::INT8, out, quant({sOut}, {-5}));
        break;
    }
    case Kind::Uint8: {
        const auto [mn, mx] = std::minmax_element(w.begin(), w.end());
        const float sW = (*mx - *mn) / 255.0f;
        const int32_t zpW = static_cast<int32_t>(std::lround(-*mn / sW));
        std::vector<uint8_t> q(fcount);
        for (size_t i = 0; i < fcount; ++i) q[i] = static_cast<uint8_t>(std::clamp<long>(std::lround(w[i] / sW) + zpW, 0, 255));
        const float sIn = 0.05f, sOut = 0.03f * std::sqrt(float(k));
        std::vector<int32_t> qb(size_t(c.outC));
        for (int ch = 0; ch < c.outC; ++ch) qb[size_t(ch)] = static_cast<int32_t>(std::lround(bias[size_t(ch)] / (sIn * sW)));
        in = mb.addTensor("input", TensorType::UINT8, c.input, quant({sIn}, {128}));
        filter = mb.addConstant("filter", TensorType::UINT8, fshape, q, quant({sW}, {zpW}));
        b = mb.addConstant("bias", TensorType::INT32, {c.outC}, qb, quant({sIn * sW}, {0}));
        o = mb.addTensor("output", TensorType::UINT8, out, quant({sOut}, {130}));
        break;
    }
    case Kind::Int16x8: {
        std::vector<float> scales;
        const auto q = quantizeWeights(true, scales);
        const float sIn = 8.0f / 32768.0f, sOut = 0.5f * std::sqrt(float(k)) / 32768.0f * 8.0f;
        std::vector<int64_t> qb(size_t(c.outC));
        for (int ch = 0; ch < c.outC; ++ch) qb[size_t(ch)] = std::llround(bias[size_t(ch)] / (sIn * scales[size_t(ch)]));
        std::vector<float> biasScales;
        for (float s : scales) biasScales.push_back(sIn * s);
        in = mb.addTensor("input", TensorType::INT16, c.input, quant({sIn}, {0}));
        filter = mb.addConstant("filter", TensorType::INT8, fshape, q, quant(scales, std::vector<int64_t>(scales.size(), 0), channelAxis));
        b = mb.addConstant("bias", TensorType::INT64, {c.outC}, qb, quant(biasScales, std::vector<int64_t>(biasScales.size(), 0)));
        o = mb.addTensor("output", TensorType::INT16, out, quant({sOut}, {0}));
        break;
    }
    }
    if (c.op == BuiltinOp::CONV_2D) {
        mb.addOperator(c.op, {in, filter, b}, {o}, conv2dOptions(c.padding, c.strideH, c.strideW, c.act, c.dilationH, c.dilationW));
    } else if (dw) {
        mb.addOperator(c.op, {in, filter, b}, {o},
                       depthwiseOptions(c.padding, c.strideH, c.strideW, c.outC / inC, c.act, c.dilationH, c.dilationW));
    } else {
        const TensorIndex shape = mb.addConstant("output_shape", TensorType::INT32, {4}, c.transposeOutput);
        tflite::TransposeConvOptionsT opt;
        opt.padding = c.padding;
        opt.stride_h = c.strideH;
        opt.stride_w = c.strideW;
        opt.fused_activation_function = c.act;
        tflite::BuiltinOptionsUnion u;
        u.Set(std::move(opt));
        mb.addOperator(c.op, {shape, filter, in, b}, {o}, std::move(u), 3);
    }
    mb.setInputs({in});
    mb.setOutputs({o});
    return mb.build();
}

} // namespace ql::test::convcases

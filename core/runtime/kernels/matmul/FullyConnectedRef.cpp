#include "runtime/kernels/matmul/FullyConnectedRef.h"

#include "quant/XnnpackArithmetic.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::rt::fc {

void fullyConnectedFloatRef(const float* in, const float* weights, const float* bias, float* out, FcShape s,
                            float actMin, float actMax) {
    for (int b = 0; b < s.batches; ++b) {
        const float* x = in + size_t(b) * s.depth;
        for (int o = 0; o < s.units; ++o) {
            const float* w = weights + size_t(o) * s.depth;
            float acc = 0.0f;
            for (int d = 0; d < s.depth; ++d) acc += x[d] * w[d];
            if (bias) acc += bias[o];
            out[size_t(b) * s.units + o] = std::min(std::max(acc, actMin), actMax);
        }
    }
}

template <class TIn, class TW, class TOut>
void fullyConnectedQuantRef(const TIn* in, const TW* weights, const int32_t* bias, TOut* out, FcShape s,
                            const QuantFcParams& p) {
    for (int b = 0; b < s.batches; ++b) {
        const TIn* x = in + size_t(b) * s.depth;
        for (int o = 0; o < s.units; ++o) {
            const TW* w = weights + size_t(o) * s.depth;
            int32_t acc = 0;
            for (int d = 0; d < s.depth; ++d)
                acc += (int32_t(w[d]) + p.weightsOffset) * (int32_t(x[d]) + p.inputOffset);
            if (bias) acc += bias[o];
            out[size_t(b) * s.units + o] = static_cast<TOut>(p.requantize(acc, o));
        }
    }
}

template void fullyConnectedQuantRef<int8_t, int8_t, int8_t>(const int8_t*, const int8_t*, const int32_t*, int8_t*, FcShape,
                                                             const QuantFcParams&);
template void fullyConnectedQuantRef<uint8_t, uint8_t, uint8_t>(const uint8_t*, const uint8_t*, const int32_t*, uint8_t*,
                                                                FcShape, const QuantFcParams&);
template void fullyConnectedQuantRef<int8_t, int8_t, int16_t>(const int8_t*, const int8_t*, const int32_t*, int16_t*,
                                                              FcShape, const QuantFcParams&);

template <class TBias>
void fullyConnectedInt16Ref(const int16_t* in, const int8_t* weights, const TBias* bias, int16_t* out, FcShape s,
                            const QuantFcParams& p) {
    for (int b = 0; b < s.batches; ++b) {
        const int16_t* x = in + size_t(b) * s.depth;
        for (int o = 0; o < s.units; ++o) {
            const int8_t* w = weights + size_t(o) * s.depth;
            int64_t acc = 0;
            for (int d = 0; d < s.depth; ++d) acc += int64_t(int32_t(w[d]) + p.weightsOffset) * x[d];
            if (bias) acc += int64_t(bias[o]);
            const QuantizedMultiplier& m = p.multiplier(o);
            int32_t q = multiplyByQuantizedMultiplier(acc, m.multiplier, m.shift, p.rounding);
            q = std::clamp(q + p.outputOffset, p.actMin, p.actMax);
            out[size_t(b) * s.units + o] = static_cast<int16_t>(q);
        }
    }
}

template void fullyConnectedInt16Ref<int64_t>(const int16_t*, const int8_t*, const int64_t*, int16_t*, FcShape,
                                              const QuantFcParams&);
template void fullyConnectedInt16Ref<int32_t>(const int16_t*, const int8_t*, const int32_t*, int16_t*, FcShape,
                                              const QuantFcParams&);

void quantizeSymmetric(const float* v, int n, int8_t* q, float* scale) {
    const auto [mn, mx] = std::minmax_element(v, v + n);
    const float range = std::max(std::abs(*mn), std::abs(*mx));
    if (range == 0.0f) {
        std::memset(q, 0, size_t(n));
        *scale = 1.0f;
        return;
    }
    constexpr int32_t kScale = 127;
    *scale = range / kScale;
    const float inv = kScale / range;
    for (int i = 0; i < n; ++i) {
        const int32_t r = static_cast<int32_t>(std::round(v[i] * inv)); // TfLiteRound: half away from zero
        q[i] = static_cast<int8_t>(std::clamp(r, -kScale, kScale));
    }
}

void quantizeAsymmetric(const float* v, int n, int8_t* q, float* scale, int32_t* zeroPoint) {
    constexpr int32_t kMin = -128, kMax = 127;
    const auto [mn, mx] = std::minmax_element(v, v + n);
    // TFLite computes the range and zero point in double, the quantization itself in float.
    const double rmin = std::fmin(0.0, double(*mn));
    const double rmax = std::fmax(0.0, double(*mx));
    if (rmin == rmax) {
        std::memset(q, 0, size_t(n));
        *scale = 1.0f;
        *zeroPoint = 0;
        return;
    }
    const double s = (rmax - rmin) / double(kMax - kMin);
    const double zpFromMin = kMin - rmin / s;
    const double zpFromMax = kMax - rmax / s;
    const double errMin = std::abs(double(kMin)) + std::abs(rmin / s);
    const double errMax = std::abs(double(kMax)) + std::abs(rmax / s);
    const double zp = errMin < errMax ? zpFromMin : zpFromMax;
    int32_t nudged = 0;
    if (zp <= kMin) nudged = kMin;
    else if (zp >= kMax) nudged = kMax;
    else nudged = static_cast<int8_t>(std::round(zp));
    *scale = static_cast<float>(s);
    *zeroPoint = nudged;
    const float inv = static_cast<float>(1.0 / double(*scale));
    for (int i = 0; i < n; ++i) {
        const int32_t r = static_cast<int32_t>(std::round(float(nudged) + v[i] * inv));
        q[i] = static_cast<int8_t>(std::clamp(r, kMin, kMax));
    }
}

void applyActivationFloat(float* v, size_t n, Activation act) {
    switch (act) {
    case Activation::NONE: return;
    case Activation::RELU:
        for (size_t i = 0; i < n; ++i) v[i] = std::max(0.0f, v[i]);
        return;
    case Activation::RELU_N1_TO_1:
        for (size_t i = 0; i < n; ++i) v[i] = std::clamp(v[i], -1.0f, 1.0f);
        return;
    case Activation::RELU6:
        for (size_t i = 0; i < n; ++i) v[i] = std::clamp(v[i], 0.0f, 6.0f);
        return;
    case Activation::TANH:
        for (size_t i = 0; i < n; ++i) v[i] = std::tanh(v[i]);
        return;
    case Activation::SIGN_BIT: // kTfLiteActSigmoid in TFLite's fused-activation functor
        for (size_t i = 0; i < n; ++i) v[i] = 1.0f / (1.0f + std::exp(-v[i]));
        return;
    }
}

void fullyConnectedHybridRef(const float* in, const int8_t* weights, std::span<const float> weightScales,
                             const float* bias, float* out, FcShape s, bool asymmetric, Activation act,
                             const HybridScratch& scratch) {
    const size_t outCount = size_t(s.batches) * s.units;
    for (int b = 0; b < s.batches; ++b)
        for (int o = 0; o < s.units; ++o) out[size_t(b) * s.units + o] = bias ? bias[o] : 0.0f;
    // TFLite skips the product for an all-zero input (the output is bias + activation).
    const size_t inCount = size_t(s.batches) * s.depth;
    if (std::all_of(in, in + inCount, [](float f) { return f == 0.0f; })) {
        applyActivationFloat(out, outCount, act);
        return;
    }
    const bool perChannel = weightScales.size() > 1;
    for (int b = 0; b < s.batches; ++b) {
        const size_t off = size_t(b) * s.depth;
        if (asymmetric)
            quantizeAsymmetric(in + off, s.depth, scratch.quantized.data() + off, &scratch.scalingFactors[b],
                               &scratch.inputOffsets[b]);
        else
            quantizeSymmetric(in + off, s.depth, scratch.quantized.data() + off, &scratch.scalingFactors[b]);
        if (!perChannel) scratch.scalingFactors[b] *= weightScales[0];
    }
    if (asymmetric)
        for (int o = 0; o < s.units; ++o) {
            int32_t sum = 0;
            for (int d = 0; d < s.depth; ++d) sum += weights[size_t(o) * s.depth + d];
            scratch.rowSums[o] = sum;
        }
    for (int b = 0; b < s.batches; ++b) {
        const int8_t* x = scratch.quantized.data() + size_t(b) * s.depth;
        // tensor_utils keeps the batch offset as a float and subtracts row_sum * offset in float.
        const float batchOffset = asymmetric ? float(scratch.inputOffsets[b]) : 0.0f;
        for (int o = 0; o < s.units; ++o) {
            const int8_t* w = weights + size_t(o) * s.depth;
            int32_t dot = 0;
            for (int d = 0; d < s.depth; ++d) dot += int32_t(w[d]) * int32_t(x[d]);
            float scale = scratch.scalingFactors[b];
            if (perChannel) scale *= weightScales[size_t(o)];
            if (asymmetric) dot = static_cast<int32_t>(float(dot) - float(scratch.rowSums[o]) * batchOffset);
            out[size_t(b) * s.units + o] += float(dot) * scale;
        }
    }
    applyActivationFloat(out, outCount, act);
}

} // namespace ql::rt::fc

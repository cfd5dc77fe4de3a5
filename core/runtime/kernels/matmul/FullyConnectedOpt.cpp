#include "runtime/kernels/matmul/FullyConnectedOpt.h"

#include "runtime/ThreadPool.h"
#include "runtime/kernels/UnfusedFloat.h"
#include "runtime/kernels/matmul/Int8Dot.h"

#include <Eigen/Core>

#include <algorithm>

namespace ql::rt::fc {
namespace {

// Enough rows per chunk that a chunk amortises its dispatch.
size_t unitsPerChunk(const FcShape& s) {
    const size_t work = size_t(std::max(1, s.depth)) * size_t(std::max(1, s.batches));
    return std::max<size_t>(8, 16384 / work);
}

void forUnits(ThreadPool* pool, const FcShape& s, const std::function<void(int, int)>& fn) {
    if (!pool || pool->threadCount() <= 1 || size_t(s.units) * s.depth * s.batches < 32768) {
        fn(0, s.units);
        return;
    }
    pool->parallelFor(size_t(s.units), [&](size_t b, size_t e) { fn(int(b), int(e)); }, unitsPerChunk(s));
}

} // namespace

void prepareInt8Plan(const int8_t* weights, const int32_t* bias, FcShape s, int32_t inputOffset, Int8FcPlan& plan) {
    plan.rowSums.assign(size_t(s.units), 0);
    plan.effectiveBias.assign(size_t(s.units), 0);
    for (int o = 0; o < s.units; ++o) {
        int32_t sum = 0;
        for (int d = 0; d < s.depth; ++d) sum += weights[size_t(o) * s.depth + d];
        plan.rowSums[size_t(o)] = sum;
        // The reference accumulates in int32; wrap-around is modular, so the split is exact.
        const int64_t eff = int64_t(bias ? bias[o] : 0) + int64_t(inputOffset) * sum;
        plan.effectiveBias[size_t(o)] = static_cast<int32_t>(static_cast<uint32_t>(eff));
    }
}

void fullyConnectedInt8Opt(const int8_t* in, const int8_t* weights, const Int8FcPlan& plan, int8_t* out, FcShape s,
                           const QuantFcParams& p, int32_t* acc, ThreadPool* pool) {
    forUnits(pool, s, [&](int oBegin, int oEnd) {
        int8DotRows(in, weights, s.batches, s.depth, s.units, oBegin, oEnd, plan.rowSums.data(), acc);
        for (int b = 0; b < s.batches; ++b)
            for (int o = oBegin; o < oEnd; ++o) {
                const size_t i = size_t(b) * s.units + o;
                const int32_t sum = static_cast<int32_t>(static_cast<uint32_t>(acc[i]) + static_cast<uint32_t>(plan.effectiveBias[size_t(o)]));
                out[i] = static_cast<int8_t>(p.requantize(sum, o));
            }
    });
}

void fullyConnectedFloatOpt(const float* in, const float* weights, const float* bias, float* out, FcShape s,
                            float actMin, float actMax, ThreadPool* pool) {
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
    // Y (units x batches, column-major = output rows) = W (units x depth) * X (depth x batches).
    const Eigen::Map<const RowMajor> w(weights, s.units, s.depth);
    const Eigen::Map<const ColMajor> x(in, s.depth, s.batches);
    Eigen::Map<ColMajor> y(out, s.units, s.batches);
    forUnits(pool, s, [&](int oBegin, int oEnd) {
        const int n = oEnd - oBegin;
        y.middleRows(oBegin, n).noalias() = w.middleRows(oBegin, n) * x;
        for (int b = 0; b < s.batches; ++b) {
            float* row = out + size_t(b) * s.units;
            for (int o = oBegin; o < oEnd; ++o) {
                const float v = bias ? row[o] + bias[o] : row[o];
                row[o] = std::min(std::max(v, actMin), actMax);
            }
        }
    });
}

void fullyConnectedFloatXnnpack(const float* in, const float* weights, const float* bias, float* out, FcShape s,
                                float actMin, float actMax, ThreadPool* pool) {
    forUnits(pool, s, [&](int oBegin, int oEnd) {
        for (int b = 0; b < s.batches; ++b) {
            const float* x = in + size_t(b) * s.depth;
            int o = oBegin;
            // Four units at a time: four independent chains, each in the order of one unit.
            for (; o + 4 <= oEnd; o += 4) {
                const float* w0 = weights + size_t(o) * s.depth;
                const float *w1 = w0 + s.depth, *w2 = w1 + s.depth, *w3 = w2 + s.depth;
                float a0 = bias ? bias[o] : 0.0f, a1 = bias ? bias[o + 1] : 0.0f;
                float a2 = bias ? bias[o + 2] : 0.0f, a3 = bias ? bias[o + 3] : 0.0f;
                for (int k = 0; k < s.depth; ++k) {
                    a0 = mulThenAdd(a0, x[k], w0[k]);
                    a1 = mulThenAdd(a1, x[k], w1[k]);
                    a2 = mulThenAdd(a2, x[k], w2[k]);
                    a3 = mulThenAdd(a3, x[k], w3[k]);
                }
                float* y = out + size_t(b) * s.units + o;
                y[0] = std::min(std::max(a0, actMin), actMax);
                y[1] = std::min(std::max(a1, actMin), actMax);
                y[2] = std::min(std::max(a2, actMin), actMax);
                y[3] = std::min(std::max(a3, actMin), actMax);
            }
            for (; o < oEnd; ++o) {
                const float* w = weights + size_t(o) * s.depth;
                float acc = bias ? bias[o] : 0.0f;
                for (int k = 0; k < s.depth; ++k) acc = mulThenAdd(acc, x[k], w[k]);
                out[size_t(b) * s.units + o] = std::min(std::max(acc, actMin), actMax);
            }
        }
    });
}

void fullyConnectedHybridOpt(const float* in, const int8_t* weights, std::span<const float> weightScales,
                             const int32_t* rowSums, const float* bias, float* out, FcShape s, bool asymmetric,
                             Activation act, const HybridScratch& scratch, int32_t* acc, ThreadPool* pool) {
    const size_t outCount = size_t(s.batches) * s.units;
    const size_t inCount = size_t(s.batches) * s.depth;
    if (std::all_of(in, in + inCount, [](float f) { return f == 0.0f; })) {
        for (int b = 0; b < s.batches; ++b)
            for (int o = 0; o < s.units; ++o) out[size_t(b) * s.units + o] = bias ? bias[o] : 0.0f;
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
    forUnits(pool, s, [&](int oBegin, int oEnd) {
        int8DotRows(scratch.quantized.data(), weights, s.batches, s.depth, s.units, oBegin, oEnd, rowSums, acc);
        for (int b = 0; b < s.batches; ++b) {
            const float batchOffset = asymmetric ? float(scratch.inputOffsets[b]) : 0.0f;
            for (int o = oBegin; o < oEnd; ++o) {
                const size_t i = size_t(b) * s.units + o;
                int32_t dot = acc[i];
                float scale = scratch.scalingFactors[b];
                if (perChannel) scale *= weightScales[size_t(o)];
                if (asymmetric) dot = static_cast<int32_t>(float(dot) - float(rowSums[o]) * batchOffset);
                out[i] = (bias ? bias[o] : 0.0f) + float(dot) * scale;
            }
        }
        for (int b = 0; b < s.batches; ++b) applyActivationFloat(out + size_t(b) * s.units + oBegin, size_t(oEnd - oBegin), act);
    });
}

} // namespace ql::rt::fc

// SOFTMAX and LOG_SOFTMAX over the last dimension.
//
// float32: y = e^{beta (x - max)} / sum; LOG_SOFTMAX y = (x - max) - log(sum e^{x - max}).
// int8 / uint8 input (int8, uint8 or int16 output), TFLite's generic optimized path
//   (activations.cc SoftmaxPrepare + optimized_ops::Softmax; the uint16 table variant exists
//   only on aarch64 clang builds):
//     table[255 - d] = expf(-s_in * beta * d) for d = 0..255     (PopulateSoftmaxLookupTable)
//     per row: sum = float sum of table[255 - (max - q_j)] in order;
//     q_out = clamp(round(table[..] * (1 / (sum * s_out))) + z_out)
// int16 -> int16 (reference_ops::SoftmaxInt16): exp and 1/(1+x) from 513-entry int16 tables
//   with linear interpolation, the sum in Q16.15, a reciprocal by headroom normalisation.
// LOG_SOFTMAX int8 / uint8: output scale 16/256, zero point 127 / 255; int8 in gemmlowp fixed
//   point, uint8 through the float exp table (LogSoftmaxQuantized.h).
#include "runtime/kernels/activation/ActivationKernels.h"
#include "runtime/kernels/activation/LogSoftmaxQuantized.h"
#include "runtime/kernels/elementwise/Common.h"

#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

namespace ql::rt::act {
namespace {

using ew::describe;
using ew::requirePerTensorQuant;
using ew::requireType;

using Lut16 = std::array<int16_t, 513>;

// LUTPopulate<int16_t> (lut.h) in double: 512 segments over the input range, each sample
// biased by half the interpolation error at the segment's midpoint.
template <class Func> Lut16 makeLut16(double inputScale, int32_t inputZeroPoint, double outputScale, int32_t outputZeroPoint, Func f) {
    const double inputMin = inputScale * (std::numeric_limits<int16_t>::min() - inputZeroPoint);
    const double inputMax = inputScale * (std::numeric_limits<int16_t>::max() - inputZeroPoint);
    const double outputMin = outputScale * (std::numeric_limits<int16_t>::min() - outputZeroPoint);
    const double outputMax = outputScale * (std::numeric_limits<int16_t>::max() - outputZeroPoint);
    constexpr int kSteps = 512;
    const double step = (inputMax - inputMin) / kSteps;
    const double halfStep = step / 2;
    const double outputScalingInv = 65536.0 / (outputMax - outputMin);
    Lut16 lut{};
    for (int i = 0; i < kSteps; ++i) {
        const double val = f(inputMin + i * step);
        const double valMidpoint = f(inputMin + i * step + halfStep);
        const double valNext = f(inputMin + (i + 1) * step);
        const double sample = std::round(val * outputScalingInv);
        const double midpointInterp = std::round((valNext * outputScalingInv + std::round(val * outputScalingInv)) / 2);
        const double midpoint = std::round(valMidpoint * outputScalingInv);
        const double bias = std::round((midpointInterp - midpoint) / 2);
        lut[size_t(i)] = static_cast<int16_t>(std::clamp(sample - bias, -32768.0, 32767.0));
    }
    lut[kSteps] = static_cast<int16_t>(std::clamp(std::round(f(inputMax) * outputScalingInv), -32768.0, 32767.0));
    return lut;
}

// LUTLookup<int16_t>: 9-bit index, 7-bit linear interpolation.
int16_t lutLookup(int16_t value, const Lut16& lut) {
    const auto index = static_cast<uint16_t>(256 + (value >> 7));
    const int16_t offset = static_cast<int16_t>(value & 0x7f);
    const int16_t base = lut[index];
    const auto slope = static_cast<int16_t>(lut[index + 1u] - lut[index]);
    const int delta = (slope * offset + 64) >> 7;
    return static_cast<int16_t>(base + delta);
}

int16_t saturate16(int32_t v) { return static_cast<int16_t>(std::clamp(v, -32768, 32767)); }

class SoftmaxKernel : public OpKernel {
public:
    explicit SoftmaxKernel(const Operator& op) : m_log(op.op == BuiltinOp::LOG_SOFTMAX) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        if (in.rank() < 1) return ctx.error(describe(in, "input 0") + " must have at least one dimension");
        ctx.setOutputShape(0, in.shape);
        m_depth = in.shape.back();
        m_beta = m_log ? 1.0f : ew::optionsOr<tflite::SoftmaxOptionsT>(ctx).beta;
        // exp(beta * (x - max)) and the quantized lookup tables need a finite beta (NaN would turn
        // into integers while the tables are built).
        if (!std::isfinite(m_beta)) return ctx.error("beta is " + std::to_string(m_beta) + ", expected a finite number");
        if (m_log) {
            if (Status s = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8}); !s) return s;
            if (out.type != in.type) return ctx.error(describe(out, "output 0") + " must have the input type " + ew::typeText(in.type));
            if (in.type == T::FLOAT32) return {};
            return prepareLogQuantized(ctx, in, out);
        }
        if (Status s = requireType(ctx, in, "input 0", {T::FLOAT32, T::INT8, T::UINT8, T::INT16}); !s) return s;
        if (in.type == T::FLOAT32 || in.type == T::INT16) {
            if (out.type != in.type) return ctx.error(describe(out, "output 0") + " must have the input type " + ew::typeText(in.type));
        } else if (out.type != in.type && out.type != T::INT16) {
            return ctx.error(describe(out, "output 0") + " must be " + ew::typeText(in.type) + " or int16");
        }
        if (in.type == T::FLOAT32) return {};
        if (Status s = requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        if (in.type == T::INT8 && out.type == T::INT8 &&
            (out.zeroPoint() != -128 || std::fabs(out.scale() - 1.f / 256) > 0.001f * 1.f / 256))
            return ctx.error(describe(out, "output 0") + " must have scale 1/256 and zero point -128");
        if (in.type == T::INT16) return prepareInt16(ctx, in, out);
        // PopulateSoftmaxLookupTable, in float.
        const float scale = -in.scale() * m_beta;
        for (int32_t val = 0; val <= 255; ++val) m_table[size_t(255 - val)] = std::exp(scale * static_cast<float>(val));
        m_outputScale = out.scale();
        m_outputZeroPoint = out.zeroPoint();
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const int64_t rows = m_depth ? in.elementCount() / m_depth : 0;
        if (m_log && in.type == TensorType::INT8) {
            for (int64_t r = 0; r < rows; ++r) logSoftmaxInt8Row(m_logInt8, in.as<int8_t>() + r * m_depth, out.as<int8_t>() + r * m_depth, m_depth);
        } else if (m_log && in.type == TensorType::UINT8) {
            for (int64_t r = 0; r < rows; ++r)
                logSoftmaxUint8Row(m_table, m_inputScale, m_outputScale, m_outputZeroPoint, in.as<uint8_t>() + r * m_depth,
                                   out.as<uint8_t>() + r * m_depth, m_depth);
        } else if (in.type == TensorType::FLOAT32) {
            for (int64_t r = 0; r < rows; ++r) floatRow(in.as<float>() + r * m_depth, out.as<float>() + r * m_depth);
        } else if (in.type == TensorType::INT16) {
            for (int64_t r = 0; r < rows; ++r) int16Row(in.as<int16_t>() + r * m_depth, out.as<int16_t>() + r * m_depth);
        } else {
            auto run = [&]<class In, class Out>(In, Out) {
                for (int64_t r = 0; r < rows; ++r) quantizedRow(in.as<In>() + r * m_depth, out.as<Out>() + r * m_depth);
            };
            const bool int16Out = out.type == TensorType::INT16;
            if (in.type == TensorType::INT8) int16Out ? run(int8_t{}, int16_t{}) : run(int8_t{}, int8_t{});
            else int16Out ? run(uint8_t{}, int16_t{}) : run(uint8_t{}, uint8_t{});
        }
        return {};
    }

private:
    Status prepareLogQuantized(KernelContext& ctx, const RtTensor& in, const RtTensor& out) {
        if (Status s = requirePerTensorQuant(ctx, in, "input 0"); !s) return s;
        if (Status s = requirePerTensorQuant(ctx, out, "output 0"); !s) return s;
        const int32_t expectedZp = in.type == TensorType::INT8 ? 127 : 255;
        // LogSoftmaxPrepare compares the float scale with 16.0 / 256 exactly.
        if (out.scale() != 16.0f / 256 || out.zeroPoint() != expectedZp)
            return ctx.error(describe(out, "output 0") + " must have scale 16/256 and zero point " + std::to_string(expectedZp) + " (got " +
                             std::to_string(out.scale()) + ", " + std::to_string(out.zeroPoint()) + ")");
        if (in.type == TensorType::INT8) {
            if (!makeLogSoftmaxInt8Params(in.scale(), &m_logInt8))
                return ctx.error(describe(in, "input 0") + " has a scale outside the range of the fixed-point LOG_SOFTMAX");
            m_logInt8.rounding = ctx.options().rounding;
            return {};
        }
        // PopulateSoftmaxLookupTable with beta 1, in float.
        const float scale = -in.scale();
        for (int32_t val = 0; val <= 255; ++val) m_table[size_t(255 - val)] = std::exp(scale * static_cast<float>(val));
        m_inputScale = in.scale();
        m_outputScale = out.scale();
        m_outputZeroPoint = out.zeroPoint();
        return {};
    }

    Status prepareInt16(KernelContext& ctx, const RtTensor& in, const RtTensor& out) {
        if (in.zeroPoint() != 0 || out.zeroPoint() != 0) return ctx.error("int16 SOFTMAX needs zero points 0");
        if (std::fabs(out.scale() - 1.f / 32768) > 0.001f * 1.f / 32768)
            return ctx.error(describe(out, "output 0") + " must have scale 1/32768");
        if (in.rank() > 4) return ctx.error("int16 SOFTMAX supports 1 to 4 dimensions, " + describe(in, "input 0") + " has more");
        constexpr double kRange = 65535.0;
        m_expLut = makeLut16(10.0 / kRange, 32767, 2.0 / kRange, 0, [](double x) { return std::exp(x); });
        m_reciprocalLut = makeLut16(1.0 / kRange, -32768, 2.0 / kRange, 0, [](double x) { return 1.0 / (1.0 + x); });
        // Scale the input difference so that [-65535, 0] covers [-10, 0]; s_in * beta in float.
        const float scaleBeta = in.scale() * m_beta;
        m_inputMultiplier = quantizeMultiplier(double(scaleBeta) / (10.0 / 65535.0));
        return {};
    }

    void floatRow(const float* x, float* y) const {
        float maxVal = x[0];
        for (int32_t j = 1; j < m_depth; ++j) maxVal = std::max(maxVal, x[j]);
        float sum = 0.0f;
        if (m_log) {
            for (int32_t j = 0; j < m_depth; ++j) sum += std::exp(x[j] - maxVal);
            const float logSum = std::log(sum);
            for (int32_t j = 0; j < m_depth; ++j) y[j] = (x[j] - maxVal) - logSum;
            return;
        }
        for (int32_t j = 0; j < m_depth; ++j) {
            y[j] = std::exp((x[j] - maxVal) * m_beta);
            sum += y[j];
        }
        const float inv = 1.0f / sum;
        for (int32_t j = 0; j < m_depth; ++j) y[j] *= inv;
    }

    template <class In, class Out> void quantizedRow(const In* x, Out* y) const {
        int32_t maxVal = std::numeric_limits<In>::min();
        for (int32_t j = 0; j < m_depth; ++j) maxVal = std::max(maxVal, int32_t(x[j]));
        // table offset so that entry [x_j] is table[255 - (max - x_j)]
        const float* t = m_table.data() + (255 - maxVal);
        float sum = 0.0f;
        for (int32_t j = 0; j < m_depth; ++j) sum += t[x[j]];
        const float invSum = 1.0f / (sum * m_outputScale);
        constexpr int32_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
        for (int32_t j = 0; j < m_depth; ++j) {
            const float rescaled = t[x[j]] * invSum;
            const int32_t q = static_cast<int32_t>(std::round(rescaled)) + m_outputZeroPoint;
            y[j] = static_cast<Out>(std::clamp(q, lo, hi));
        }
    }

    void int16Row(const int16_t* x, int16_t* y) const {
        int16_t maxVal = std::numeric_limits<int16_t>::min();
        for (int32_t j = 0; j < m_depth; ++j) maxVal = std::max(maxVal, x[j]);
        int32_t sum = 0; // Q16.15
        for (int32_t j = 0; j < m_depth; ++j) {
            const int32_t diff = int32_t(x[j]) - maxVal;
            const int32_t scaled = multiplyByQuantizedMultiplier(diff, m_inputMultiplier);
            y[j] = lutLookup(saturate16(scaled + 32767), m_expLut); // cached exp, Q0.15
            sum += y[j];
        }
        const int headroomPlusOne = std::countl_zero(static_cast<uint32_t>(sum));
        const auto shiftedSum = static_cast<int32_t>(((static_cast<int64_t>(sum) << (headroomPlusOne - 1)) + (1 << 13)) >> 14);
        const int16_t reciprocal = lutLookup(saturate16(shiftedSum - ((1 << 15) + (1 << 16))), m_reciprocalLut);
        const int rightShift = 31 - headroomPlusOne;
        const int64_t round = int64_t(1) << (rightShift - 1);
        for (int32_t j = 0; j < m_depth; ++j) {
            const auto result = static_cast<int32_t>((int64_t(y[j]) * int64_t(reciprocal) + round) >> rightShift);
            y[j] = static_cast<int16_t>(std::clamp(result, 0, 32767));
        }
    }

    bool m_log;
    int32_t m_depth = 0;
    float m_beta = 1.0f;
    std::array<float, 256> m_table{};
    float m_outputScale = 1.0f;
    float m_inputScale = 1.0f;
    LogSoftmaxInt8Params m_logInt8;
    int32_t m_outputZeroPoint = 0;
    Lut16 m_expLut{}, m_reciprocalLut{};
    QuantizedMultiplier m_inputMultiplier;
};

} // namespace

void registerSoftmaxKernels(KernelRegistry& r) {
    r.add(BuiltinOp::SOFTMAX, 1, 3, factoryOf<SoftmaxKernel>());
    r.add(BuiltinOp::LOG_SOFTMAX, 1, 2, factoryOf<SoftmaxKernel>());
}

} // namespace ql::rt::act

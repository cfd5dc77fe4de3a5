// L2_NORMALIZATION over the last dimension: float32, int8, uint8.
// float: out = x / max(sqrt(sum x^2), 1e-6) (TFLite's reference with its epsilon).
// int8/uint8: TFLite's reference integer path. The output has the fixed scale 1/128 (zero
// point 0 for int8, 128 for uint8). d = q - zp_in; s = sum d^2 (int32); an inverse square
// root multiplier of s comes from GetInvSqrtQuantizedMultiplierExp (Newton-Raphson in
// gemmlowp fixed point, reproduced below), then
//   int8:  out = clamp(MultiplyByQuantizedMultiplier(d, m, shift + 7), -128, 127)
//   uint8: out = clamp(128 + RoundingDivideByPOT(SRDHM(128 * d, m), -shift), 0, 255)
#include "runtime/kernels/pool_reduce/PoolReduceKernels.h"
#include "runtime/kernels/shape/ShapeCommon.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql::rt::poolreduce {
namespace {

using shape::shapeText;
using shape::tensorName;

constexpr int kMaxVersion = 8;

// gemmlowp's SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0: x * 2^exponent,
// saturating to the int32 range.
int32_t saturatingShiftLeft(int32_t x, int exponent) {
    const int32_t threshold = (int32_t(1) << (31 - exponent)) - 1;
    if (x > threshold) return std::numeric_limits<int32_t>::max();
    if (x < -threshold) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// TFLite's GetInvSqrtQuantizedMultiplierExp (common.h) with reverse_shift = -1: returns a
// multiplier and a left shift such that MultiplyByQuantizedMultiplier(x, m, shift) ~ x/sqrt(input).
// Fixed-point values below carry 3 integer bits (F3: raw = v * 2^28) unless noted; a product
// of an Fa and an Fb is an F(a+b) computed by saturatingRoundingDoublingHighMul.
void invSqrtMultiplier(int32_t input, int32_t& multiplier, int& shift) {
    if (input <= 1) { // 0 and 1 are treated as 1 (TFLite b/143972021)
        multiplier = std::numeric_limits<int32_t>::max();
        shift = 0;
        return;
    }
    int rightShift = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++rightShift;
    }
    const unsigned maxLeftShiftBits = static_cast<unsigned>(__builtin_clz(static_cast<uint32_t>(input))) - 1;
    const unsigned leftShiftBitPairs = maxLeftShiftBits / 2 - 1;
    rightShift -= static_cast<int>(leftShiftBitPairs);
    input <<= 2 * leftShiftBitPairs; // now in [2^27, 2^29)
    const int32_t fixedInput = input >> 1;                          // F3
    const int32_t halfInput = roundingDivideByPOT(fixedInput, 1);   // F3
    const int32_t halfThree = (1 << 28) + (1 << 27);                // F3: 1.5
    int32_t x = 1 << 28;                                            // F3: 1.0
    for (int i = 0; i < 5; ++i) {
        const int32_t x2 = saturatingRoundingDoublingHighMul(x, x);            // F6
        const int32_t x3 = saturatingShiftLeft(saturatingRoundingDoublingHighMul(x2, x), 6); // F9 -> F3
        const int32_t a = saturatingRoundingDoublingHighMul(halfThree, x);     // F6
        const int32_t b = saturatingRoundingDoublingHighMul(halfInput, x3);    // F6
        x = saturatingShiftLeft(static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)), 3); // F6 -> F3
    }
    const int32_t halfSqrt2 = 1518500250; // F0: sqrt(2)/2
    x = saturatingRoundingDoublingHighMul(x, halfSqrt2);
    multiplier = x;
    if (rightShift < 0) {
        multiplier = static_cast<int32_t>(static_cast<uint32_t>(multiplier) << -rightShift);
        rightShift = 0;
    }
    shift = -rightShift; // a left shift, our sign convention
}

class L2Norm : public OpKernel {
public:
    explicit L2Norm(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        if (Status s = shape::requireSameType(ctx, in, out); !s) return s;
        if (in.rank() < 1) return ctx.error("input must have rank >= 1");
        const auto o = shape::optionsOr<tflite::L2NormOptionsT>(ctx);
        if (o.fused_activation_function != Activation::NONE)
            return ctx.error("fused activation " + std::string(activationName(o.fused_activation_function)) + " is not supported, expected NONE");
        if (in.type == TensorType::INT8 || in.type == TensorType::UINT8) {
            const int32_t zp = in.type == TensorType::INT8 ? 0 : 128;
            if (!in.isQuantized() || !out.isQuantized() || out.scale() != 1.0f / 128 || out.zeroPoint() != zp)
                return ctx.error("output " + tensorName(out) + " must have scale 1/128 and zero point " + std::to_string(zp) +
                                 (out.isQuantized() ? ", but has scale " + std::to_string(out.scale()) + " zero point " + std::to_string(out.zeroPoint())
                                                    : ", but is not quantized"));
        } else if (in.type != TensorType::FLOAT32) {
            return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported (float32, int8, uint8)");
        }
        ctx.setOutputShape(0, in.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const int64_t depth = in.dim(in.rank() - 1);
        const int64_t outer = depth == 0 ? 0 : in.elementCount() / depth;
        if (in.type == TensorType::FLOAT32) {
            const float* x = in.as<float>();
            float* y = out.as<float>();
            for (int64_t i = 0; i < outer; ++i) {
                float sum = 0;
                for (int64_t c = 0; c < depth; ++c) sum += x[i * depth + c] * x[i * depth + c];
                const float norm = std::max(std::sqrt(sum), 1e-6f);
                for (int64_t c = 0; c < depth; ++c) y[i * depth + c] = x[i * depth + c] / norm;
            }
        } else if (in.type == TensorType::INT8) {
            quantized<int8_t>(in, out, outer, depth);
        } else {
            quantized<uint8_t>(in, out, outer, depth);
        }
        return {};
    }

private:
    template <class T> static void quantized(const RtTensor& in, RtTensor& out, int64_t outer, int64_t depth) {
        const T* x = in.as<T>();
        T* y = out.as<T>();
        const int32_t zp = in.zeroPoint();
        for (int64_t i = 0; i < outer; ++i) {
            int32_t sum = 0;
            for (int64_t c = 0; c < depth; ++c) {
                const int32_t d = int32_t(x[i * depth + c]) - zp;
                sum += d * d;
            }
            int32_t m;
            int shift;
            invSqrtMultiplier(sum, m, shift);
            for (int64_t c = 0; c < depth; ++c) {
                const int32_t d = int32_t(x[i * depth + c]) - zp;
                if constexpr (std::is_same_v<T, int8_t>) {
                    const int32_t v = multiplyByQuantizedMultiplier(d, m, shift + 7);
                    y[i * depth + c] = static_cast<int8_t>(std::clamp(v, -128, 127));
                } else {
                    const int32_t v = 128 + roundingDivideByPOT(saturatingRoundingDoublingHighMul(128 * d, m), -shift);
                    y[i * depth + c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
                }
            }
        }
    }
};

} // namespace

void registerL2NormKernels(KernelRegistry& r) { r.add(BuiltinOp::L2_NORMALIZATION, 1, kMaxVersion, factoryOf<L2Norm>()); }

} // namespace ql::rt::poolreduce

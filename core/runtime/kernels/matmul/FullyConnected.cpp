// FULLY_CONNECTED: float, int8 (per-tensor and per-channel weights), uint8 (legacy), int16x8
// and hybrid (float input, int8 weights); int4 weights on the int8 and hybrid paths, and int4
// blocks on the hybrid path (FullyConnectedInt4.h). Prepare follows TFLite's kernels/fully_connected.cc
// (CheckTypes, PrepareImpl): output [batches, units], or the input shape with the last
// dimension replaced when keep_num_dims; multipliers from s_in * s_w / s_out.
#include "runtime/kernels/matmul/FullyConnectedKernels.h"

#include "runtime/ThreadPool.h"
#include "runtime/kernels/matmul/FullyConnectedInt4.h"
#include "runtime/kernels/matmul/FullyConnectedOpt.h"
#include "runtime/kernels/matmul/MatmulCommon.h"

#include <cmath>

namespace ql::rt {
namespace {

using namespace fc;

// HybridQd8 / HybridBlockwise: float input with int4 weights under Target::TfliteCpu, as LiteRT's
// XNNPACK delegate runs them (the input quantized per row on the fly, quant/XnnpackDynamic.h).
enum class FcPath { Float, Int8, Uint8, Int16, Hybrid, HybridQd8, HybridBlockwise };

class FullyConnectedKernel final : public OpKernel {
public:
    explicit FullyConnectedKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 3); !s) return s;
        const auto* opts = ctx.options<tflite::FullyConnectedOptionsT>();
        if (opts && opts->weights_format != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
            return ctx.error("weights format SHUFFLED4x16INT8 is not supported (QuantLab runs the DEFAULT format only)");
        if (Status s = ctx.requireOutputs(1); !s) return s;
        m_act = opts ? opts->fused_activation_function : Activation::NONE;
        m_asymmetric = opts && opts->asymmetric_quantize_inputs;
        const bool keepDims = opts && opts->keep_num_dims;

        const RtTensor& in = *ctx.input(0);
        const RtTensor& w = *ctx.input(1);
        const RtTensor* bias = ctx.input(2);
        RtTensor& out = ctx.output(0);
        if (w.rank() != 2)
            return ctx.error(mm::label(w, "weights") + " has shape " + mm::shapeString(w.shape) + ", expected rank 2 [units, depth]");
        m_shape.units = w.dim(0);
        m_shape.depth = w.dim(1);
        const int64_t count = in.elementCount();
        if (m_shape.depth <= 0 || count % m_shape.depth != 0)
            return ctx.error(mm::label(in, "input") + " has " + std::to_string(count) + " elements, not a multiple of the weights' depth " +
                             std::to_string(m_shape.depth));
        m_shape.batches = static_cast<int>(count / m_shape.depth);
        if (bias && bias->elementCount() != m_shape.units)
            return ctx.error(mm::label(*bias, "bias") + " has " + std::to_string(bias->elementCount()) + " elements, expected " +
                             std::to_string(m_shape.units));
        if (keepDims) {
            if (in.rank() == 0 || in.dim(in.rank() - 1) != m_shape.depth)
                return ctx.error("keep_num_dims needs the last dimension of " + mm::label(in, "input") + " " + mm::shapeString(in.shape) +
                                 " to equal the weights' depth " + std::to_string(m_shape.depth));
            std::vector<int32_t> shape = in.shape;
            shape.back() = m_shape.units;
            ctx.setOutputShape(0, std::move(shape));
        } else {
            ctx.setOutputShape(0, {m_shape.batches, m_shape.units});
        }
        if (Status s = choosePath(ctx, in, w, bias, out); !s) return s;
        return preparePath(ctx, in, w, bias, out);
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const RtTensor& w = *ctx.input(1);
        const RtTensor* bias = ctx.input(2);
        RtTensor& out = ctx.output(0);
        ThreadPool* pool = ctx.pool();
        switch (m_path) {
        case FcPath::Float:
            if (ctx.options().xnnpack()) // the delegate's arithmetic (Target::TfliteCpu)
                fullyConnectedFloatXnnpack(in.as<float>(), w.as<float>(), bias ? bias->as<float>() : nullptr, out.as<float>(), m_shape,
                                           m_floatMin, m_floatMax, pool);
            else
                fullyConnectedFloatOpt(in.as<float>(), w.as<float>(), bias ? bias->as<float>() : nullptr, out.as<float>(), m_shape,
                                   m_floatMin, m_floatMax, pool);
            break;
        case FcPath::Int8:
            if (!w.constant) prepareInt8Plan(w.as<int8_t>(), bias ? bias->as<int32_t>() : nullptr, m_shape, m_params.inputOffset, m_plan);
            if (m_params.weightsOffset == 0)
                fullyConnectedInt8Opt(in.as<int8_t>(), weights8(w), m_plan, out.as<int8_t>(), m_shape, m_params, m_acc.data(), pool);
            else
                fullyConnectedQuantRef(in.as<int8_t>(), weights8(w), bias ? bias->as<int32_t>() : nullptr, out.as<int8_t>(), m_shape, m_params);
            break;
        case FcPath::Uint8:
            fullyConnectedQuantRef(in.as<uint8_t>(), w.as<uint8_t>(), bias ? bias->as<int32_t>() : nullptr, out.as<uint8_t>(), m_shape,
                                   m_params);
            break;
        case FcPath::Int16:
            if (bias && bias->type == TensorType::INT32)
                fullyConnectedInt16Ref(in.as<int16_t>(), w.as<int8_t>(), bias->as<int32_t>(), out.as<int16_t>(), m_shape, m_params);
            else
                fullyConnectedInt16Ref(in.as<int16_t>(), w.as<int8_t>(), bias ? bias->as<int64_t>() : nullptr, out.as<int16_t>(), m_shape,
                                       m_params);
            break;
        case FcPath::Hybrid: {
            if (!w.constant) prepareInt8Plan(w.as<int8_t>(), nullptr, m_shape, 0, m_plan);
            const HybridScratch scratch{m_quantized, m_scalingFactors, m_inputOffsets, m_plan.rowSums};
            fullyConnectedHybridOpt(in.as<float>(), weights8(w), w.quant->scale, m_plan.rowSums.data(),
                                    bias ? bias->as<float>() : nullptr, out.as<float>(), m_shape, m_asymmetric, m_act, scratch,
                                    m_acc.data(), pool);
            break;
        }
        case FcPath::HybridQd8:
            fullyConnectedQd8(in.as<float>(), weights8(w), w.quant->scale, bias ? bias->as<float>() : nullptr, out.as<float>(), m_shape,
                              m_floatMin, m_floatMax, m_quantized.data());
            break;
        case FcPath::HybridBlockwise:
            fullyConnectedQd8Blockwise(in.as<float>(), weights8(w), m_blocks, bias ? bias->as<float>() : nullptr, out.as<float>(),
                                       m_shape, m_floatMin, m_floatMax, m_quantized.data());
            break;
        }
        return {};
    }

private:
    // LiteRT's XNNPACK delegate takes int4 weights only with an even depth (measured with the
    // LiteRT oracle: an odd number of input channels leaves the node to TFLite's builtin kernel,
    // which unpacks the weights and runs its int8 or hybrid arithmetic).
    bool xnnpackTakesInt4(const KernelContext& ctx) const { return ctx.options().xnnpack() && m_shape.depth % 2 == 0; }

    // int8 weights as stored, or the int4 weights unpacked at prepare.
    const int8_t* weights8(const RtTensor& w) const { return m_unpacked.empty() ? w.as<int8_t>() : m_unpacked.data(); }

    Status choosePath(const KernelContext& ctx, const RtTensor& in, const RtTensor& w, const RtTensor* bias, const RtTensor& out) {
        auto biasIs = [&](std::initializer_list<TensorType> types) {
            if (!bias) return true;
            for (TensorType t : types)
                if (bias->type == t) return true;
            return false;
        };
        const std::string combo = "input " + std::string(typeName(in.type)) + ", weights " + std::string(typeName(w.type)) +
                                  ", bias " + (bias ? std::string(typeName(bias->type)) : std::string("none")) + ", output " +
                                  std::string(typeName(out.type));
        const bool int4 = w.type == TensorType::INT4;
        const bool int8Weights = w.type == TensorType::INT8 || int4;
        if (in.type == TensorType::FLOAT32 && w.type == TensorType::FLOAT32 && out.type == TensorType::FLOAT32 &&
            biasIs({TensorType::FLOAT32}))
            m_path = FcPath::Float;
        else if (in.type == TensorType::FLOAT32 && int8Weights && out.type == TensorType::FLOAT32 && biasIs({TensorType::FLOAT32}))
            m_path = FcPath::Hybrid;
        else if (in.type == TensorType::INT8 && int8Weights && out.type == TensorType::INT8 && biasIs({TensorType::INT32}))
            m_path = FcPath::Int8;
        else if (in.type == TensorType::UINT8 && w.type == TensorType::UINT8 && out.type == TensorType::UINT8 &&
                 biasIs({TensorType::INT32}))
            m_path = FcPath::Uint8;
        else if (in.type == TensorType::INT16 && w.type == TensorType::INT8 && out.type == TensorType::INT16 &&
                 biasIs({TensorType::INT64, TensorType::INT32}))
            m_path = FcPath::Int16;
        else
            return ctx.error("unsupported type combination (" + combo +
                             "); QuantLab runs float32, int8, uint8, int16x8, hybrid (float input, int8 weights) and int4 weights "
                             "with int8 or float input");
        m_unpacked.clear();
        if (int4)
            if (Status s = unpackInt4Weights(ctx, w, m_unpacked); !s) return s;
        if (w.quant->blockwise) {
            // Blocks run only dynamically quantized, in XNNPACK (TFLite's builtin kernel has no
            // blockwise FULLY_CONNECTED).
            if (m_path != FcPath::Hybrid)
                return ctx.error(mm::label(w, "weights") + " is quantized in blocks; the runtime runs blockwise weights only with "
                                                         "float input and output (dynamic range)");
            if (!ctx.options().xnnpack())
                return ctx.error(mm::label(w, "weights") + " is quantized in blocks, which only the XNNPACK delegate runs (target " +
                                 std::string(targetName(ctx.options().target)) + " has no blockwise kernel)");
            m_path = FcPath::HybridBlockwise;
        } else if (m_path == FcPath::Hybrid && int4 && xnnpackTakesInt4(ctx) &&
                   (m_act == Activation::NONE || m_act == Activation::RELU || m_act == Activation::RELU6 ||
                    m_act == Activation::RELU_N1_TO_1)) {
            // LiteRT's delegate takes the dynamic-range layer with int4 weights (clamping
            // activations only; the others stay on TFLite's builtin hybrid kernel).
            m_path = FcPath::HybridQd8;
        }
        // TFLite allows only clamping activations except on the hybrid path.
        if (m_path != FcPath::Hybrid && m_path != FcPath::HybridQd8 && m_path != FcPath::HybridBlockwise && m_act != Activation::NONE && m_act != Activation::RELU && m_act != Activation::RELU6 &&
            m_act != Activation::RELU_N1_TO_1)
            return ctx.error("fused activation " + std::string(activationName(m_act)) + " is only supported on the hybrid path");
        return {};
    }

    Status preparePath(const KernelContext& ctx, const RtTensor& in, const RtTensor& w, const RtTensor* bias, const RtTensor& out) {
        const size_t outCount = size_t(m_shape.batches) * m_shape.units;
        switch (m_path) {
        case FcPath::Float: {
            std::tie(m_floatMin, m_floatMax) = activationRangeFloat(m_act);
            return {};
        }
        case FcPath::Hybrid: {
            if (Status s = mm::requireQuantized(ctx, w, "weights"); !s) return s;
            if (Status s = mm::requireScaleCount(ctx, w, "weights", size_t(m_shape.units)); !s) return s;
            if (Status s = mm::requireZeroPoints(ctx, w, "weights", 0); !s) return s;
            // Per-channel weights (one scale per unit, dimension 0): each product is scaled by
            // scaling_factor[batch] * s_w[unit], as EvalHybridImpl with per_channel_scale does in
            // TFLite from late 2023 on. DEVIATION from the oracle's mid-2023 runtime, which still
            // multiplies by the per-tensor scale (0 for these tensors) and so outputs the bias alone
            // (measured, symmetric and asymmetric inputs): QuantLab follows the current runtime.
            if (w.quant->scale.size() > 1 && w.quant->quantizedDimension != 0)
                return ctx.error(mm::label(w, "weights") + " is quantized per channel along dimension " +
                                 std::to_string(w.quant->quantizedDimension) + ", expected 0 (the units)");
            m_quantized.assign(size_t(m_shape.batches) * m_shape.depth, 0);
            m_scalingFactors.assign(size_t(m_shape.batches), 0.0f);
            m_inputOffsets.assign(size_t(m_shape.batches), 0);
            m_acc.assign(outCount, 0);
            if (w.constant) prepareInt8Plan(weights8(w), nullptr, m_shape, 0, m_plan);
            return {};
        }
        case FcPath::HybridQd8: {
            if (Status s = mm::requireQuantized(ctx, w, "weights"); !s) return s;
            if (Status s = mm::requireScaleCount(ctx, w, "weights", size_t(m_shape.units)); !s) return s;
            if (Status s = mm::requireZeroPoints(ctx, w, "weights", 0); !s) return s;
            if (w.quant->scale.size() > 1 && w.quant->quantizedDimension != 0)
                return ctx.error(mm::label(w, "weights") + " is quantized per channel along dimension " +
                                 std::to_string(w.quant->quantizedDimension) + ", expected 0 (the units)");
            std::tie(m_floatMin, m_floatMax) = activationRangeFloat(m_act);
            m_quantized.assign(size_t(m_shape.depth), 0);
            return {};
        }
        case FcPath::HybridBlockwise: {
            if (Status s = loadBlockwiseScales(ctx, w, m_shape, m_blocks); !s) return s;
            if (m_act != Activation::NONE && m_act != Activation::RELU && m_act != Activation::RELU6 && m_act != Activation::RELU_N1_TO_1)
                return ctx.error("fused activation " + std::string(activationName(m_act)) +
                                 " with blockwise weights: the runtime fuses clamping activations only");
            std::tie(m_floatMin, m_floatMax) = activationRangeFloat(m_act);
            m_quantized.assign(size_t(m_shape.depth), 0);
            return {};
        }
        default: break;
        }
        // Integer paths: s_in * s_w / s_out per tensor or per unit.
        for (auto [t, role] : {std::pair{&in, "input"}, std::pair{&w, "weights"}, std::pair{&out, "output"}})
            if (Status s = mm::requireQuantized(ctx, *t, role); !s) return s;
        if (Status s = mm::requireScaleCount(ctx, w, "weights", size_t(m_shape.units)); !s) return s;
        const float inScale = in.scale(), outScale = out.scale();
        const bool perChannel = w.quant->scale.size() > 1;
        if (perChannel && m_path == FcPath::Uint8) return ctx.error("uint8 weights must be quantized per tensor");
        if (perChannel && m_path != FcPath::Uint8 && (w.quant->quantizedDimension != 0))
            return ctx.error(mm::label(w, "weights") + " is quantized along dimension " + std::to_string(w.quant->quantizedDimension) +
                             ", expected 0 (one scale per output unit)");
        m_multipliers.clear();
        if (!perChannel) {
            // TFLite: the product s_in * s_w is formed in float, the ratio in double; the bias
            // scale must equal that product (GetQuantizedConvolutionMultipler).
            const double product = double(inScale * w.scale());
            if (bias && bias->isQuantized()) {
                const double biasScale = bias->scale();
                if (std::abs(product - biasScale) > 1e-6 * std::min(product, biasScale))
                    return ctx.error(mm::label(*bias, "bias") + " has scale " + std::to_string(biasScale) +
                                     ", expected input scale * weights scale = " + std::to_string(product));
            }
            m_multipliers.push_back(quantizeMultiplier(product / double(outScale)));
        } else {
            for (float ws : w.quant->scale) m_multipliers.push_back(quantizeMultiplier(double(inScale) * double(ws) / double(outScale)));
        }
        m_params.multipliers = m_multipliers;
        m_params.inputOffset = -in.zeroPoint();
        m_params.weightsOffset = -w.zeroPoint();
        m_params.outputOffset = out.zeroPoint();
        m_params.rounding = ctx.options().rounding;
        std::tie(m_params.actMin, m_params.actMax) = activationRangeQuantized(m_act, outScale, out.zeroPoint(), out.type);
        if (m_path == FcPath::Int16) {
            if (in.zeroPoint() != 0 || out.zeroPoint() != 0)
                return ctx.error("int16 input and output need zero point 0 (input " + std::to_string(in.zeroPoint()) + ", output " +
                                 std::to_string(out.zeroPoint()) + ")");
        }
        m_fpScales.clear();
        m_params.fpScales = {};
        const bool xnnpack = w.type == TensorType::INT4 ? xnnpackTakesInt4(ctx) : ctx.options().xnnpack();
        if ((m_path == FcPath::Int8 || m_path == FcPath::Uint8) && xnnpack) {
            // XNNPACK's fully connected operator (qs8 / qc8 / qu8): float scales and
            // float-quantized activation bounds.
            for (float ws : w.quant->scale) m_fpScales.push_back(xnn::convScale(inScale, ws, outScale));
            m_params.fpScales = m_fpScales;
            std::tie(m_params.actMin, m_params.actMax) = xnn::activationRange(m_act, outScale, out.zeroPoint(), out.type);
        }
        if (m_path == FcPath::Int8) {
            m_acc.assign(outCount, 0);
            if (w.constant) prepareInt8Plan(weights8(w), bias ? bias->as<int32_t>() : nullptr, m_shape, m_params.inputOffset, m_plan);
        }
        return {};
    }

    FcPath m_path = FcPath::Float;
    Activation m_act = Activation::NONE;
    bool m_asymmetric = false;
    FcShape m_shape;
    float m_floatMin = 0, m_floatMax = 0;
    std::vector<QuantizedMultiplier> m_multipliers;
    std::vector<float> m_fpScales; // Target::TfliteCpu
    QuantFcParams m_params;
    Int8FcPlan m_plan;
    std::vector<int32_t> m_acc;
    std::vector<int8_t> m_quantized;
    std::vector<float> m_scalingFactors;
    std::vector<int32_t> m_inputOffsets;
    std::vector<int8_t> m_unpacked; // int4 weights as int8
    BlockwiseWeights m_blocks;
};

} // namespace

void registerFullyConnected(KernelRegistry& r) { r.add(BuiltinOp::FULLY_CONNECTED, 1, 12, factoryOf<FullyConnectedKernel>()); }

} // namespace ql::rt

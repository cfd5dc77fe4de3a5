// CONV_2D: float, int8 (per-tensor and per-channel), uint8 (legacy asymmetric), int16x8 and
// hybrid (float activations, int8 weights). Prepare follows TFLite's conv.cc Prepare:
// input/filter rank 4, filter OHWI with I = input channels, bias of O elements, output
// [N, outH, outW, O] with SAME/VALID padding and dilation (ComputePaddingHeightWidth), and
// the multipliers of PopulateConvolutionQuantizationParams.
#include "runtime/kernels/conv/FloatConvPlan.h"
#include "runtime/kernels/conv/HybridQuantize.h"
#include "runtime/kernels/conv/Kernels.h"
#include "runtime/kernels/conv/Optimized.h"
#include "runtime/kernels/conv/Reference.h"
#include "runtime/kernels/conv/Shared.h"

#include "runtime/Interpreter.h"

namespace ql::rt::conv {
namespace {

enum class Mode { Float, Int8, Uint8, Int16Bias64, Int16Bias32, HybridPerTensor, HybridPerChannel };

class Conv2DKernel final : public OpKernel {
public:
    explicit Conv2DKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const auto* o = ctx.options<tflite::Conv2DOptionsT>();
        if (!o) return ctx.error("has no Conv2DOptions");
        const RtTensor& input = *ctx.input(0);
        const RtTensor& filter = *ctx.input(1);
        const RtTensor* bias = ctx.input(2);
        RtTensor& output = ctx.output(0);
        if (Status s = requireRank(ctx, input, "input", 4); !s) return s;
        if (Status s = requireRank(ctx, filter, "filter", 4); !s) return s;
        if (filter.dim(3) != input.dim(3))
            return ctx.error("filter " + tensorName(filter) + " has " + std::to_string(filter.dim(3)) + " input channels " +
                             shapeString(filter.shape) + ", but input " + tensorName(input) + " has " + std::to_string(input.dim(3)) +
                             " " + shapeString(input.shape));
        if (Status s = checkStridesDilations(ctx, o->stride_h, o->stride_w, o->dilation_h_factor, o->dilation_w_factor); !s) return s;

        Result<Mode> mode = selectMode(ctx, input, filter, bias, output);
        if (!mode) return mode.error();
        m_mode = *mode;

        ConvGeometry& g = m_geom;
        g.batches = input.dim(0);
        g.inH = input.dim(1);
        g.inW = input.dim(2);
        g.inC = input.dim(3);
        g.outC = filter.dim(0);
        g.filterH = filter.dim(1);
        g.filterW = filter.dim(2);
        g.strideH = o->stride_h;
        g.strideW = o->stride_w;
        g.dilationH = o->dilation_h_factor;
        g.dilationW = o->dilation_w_factor;
        if (Status s = computeOutputGeometry(ctx, o->padding, g); !s) return s;
        if (Status s = requireBiasChannels(ctx, bias, g.outC); !s) return s;

        if (Status s = activationFromOptions(ctx, o->fused_activation_function, m_act); !s) return s;
        if (m_mode == Mode::Int8 || m_mode == Mode::Uint8 || m_mode == Mode::Int16Bias64 || m_mode == Mode::Int16Bias32) {
            if (Status s = integerRequant(ctx, input, filter, bias, output, 0, g.outC, o->fused_activation_function, m_requant); !s)
                return s;
        } else if (m_mode == Mode::HybridPerTensor || m_mode == Mode::HybridPerChannel) {
            if (Status s = checkFilterQuantization(ctx, filter, 0, g.outC); !s) return s;
            m_hybrid.prepare(input, filter, g.outC);
        }
        ctx.setOutputShape(0, {g.batches, g.outH, g.outW, g.outC});

        m_useOptimized = !forceReferenceKernels();
        if (m_mode == Mode::Int8 && m_useOptimized && filter.constant)
            m_plan = std::make_unique<optimized::Int8ConvPlan>(g, m_requant, filter.values<int8_t>(),
                                                               bias ? bias->as<int32_t>() : nullptr);
        if ((m_mode == Mode::Int16Bias64 || m_mode == Mode::Int16Bias32) && m_useOptimized && filter.constant && (!bias || bias->constant))
            m_int16Plan = std::make_unique<optimized::Int16ConvPlan>(
                g, m_requant, filter.values<int8_t>(), m_mode == Mode::Int16Bias64 && bias ? bias->as<int64_t>() : nullptr,
                m_mode == Mode::Int16Bias32 && bias ? bias->as<int32_t>() : nullptr, /*depthwise=*/false);
        if ((m_mode == Mode::HybridPerTensor || m_mode == Mode::HybridPerChannel) && m_useOptimized && filter.constant) {
            RequantParams unused; // the hybrid epilogue is float
            unused.multiplier.assign(size_t(g.outC), 0);
            unused.shift.assign(size_t(g.outC), 0);
            m_hybridPlan = std::make_unique<optimized::Int8ConvPlan>(g, unused, filter.values<int8_t>(), nullptr);
        }
        if (m_mode == Mode::Float && m_useOptimized && optimized::FloatConvPlan::supported()) {
            // Target::TfliteCpu: XNNPACK's portable gemm / igemm round every product.
            m_floatPlan = std::make_unique<optimized::FloatConvPlan>(
                g, m_act, true, ctx.options().xnnpack() ? optimized::FloatProducts::Unfused : optimized::FloatProducts::Fused);
            m_floatPack = FloatPack::None;
            if (filter.constant && (!bias || bias->constant)) {
                m_floatPlan->pack(filter.as<float>(), bias ? bias->as<float>() : nullptr);
                m_floatPack = FloatPack::Constant;
            }
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& input = *ctx.input(0);
        const RtTensor& filter = *ctx.input(1);
        const RtTensor* bias = ctx.input(2);
        RtTensor& output = ctx.output(0);
        const ConvGeometry& g = m_geom;
        switch (m_mode) {
        case Mode::Float:
            if (m_floatPlan) {
                packFloatFilter(ctx, filter, bias);
                m_floatPlan->run(input.as<float>(), output.as<float>(), ctx.pool());
            } else if (ctx.options().xnnpack()) // the target's arithmetic, in plain loops
                optimized::convFloatXnnpack(g, input.as<float>(), filter.as<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                            output.as<float>(), ctx.pool());
            else if (m_useOptimized)
                optimized::convFloat(g, input.as<float>(), filter.as<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                     output.as<float>(), ctx.pool());
            else
                reference::convFloat(g, input.values<float>(), filter.values<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                     output.values<float>());
            break;
        case Mode::Int8:
            if (m_useOptimized) {
                if (!m_plan)
                    m_plan = std::make_unique<optimized::Int8ConvPlan>(g, m_requant, filter.values<int8_t>(),
                                                                       bias ? bias->as<int32_t>() : nullptr);
                else if (!filter.constant)
                    m_plan->repack(filter.values<int8_t>(), bias ? bias->as<int32_t>() : nullptr);
                m_plan->run(input.as<int8_t>(), output.as<int8_t>(), ctx.pool());
            } else {
                reference::convQuantized<int8_t, int8_t, int32_t, int32_t>(g, m_requant, input.values<int8_t>(),
                                                                           filter.values<int8_t>(), bias ? bias->as<int32_t>() : nullptr,
                                                                           output.values<int8_t>());
            }
            break;
        case Mode::Uint8:
            reference::convQuantized<uint8_t, uint8_t, int32_t, int32_t>(g, m_requant, input.values<uint8_t>(), filter.values<uint8_t>(),
                                                                         bias ? bias->as<int32_t>() : nullptr, output.values<uint8_t>());
            break;
        case Mode::Int16Bias64:
            if (m_int16Plan) {
                m_int16Plan->run(input.as<int16_t>(), output.as<int16_t>(), ctx.pool());
                break;
            }
            reference::convQuantized<int16_t, int8_t, int64_t, int64_t>(g, m_requant, input.values<int16_t>(), filter.values<int8_t>(),
                                                                        bias ? bias->as<int64_t>() : nullptr, output.values<int16_t>());
            break;
        case Mode::Int16Bias32:
            if (m_int16Plan) {
                m_int16Plan->run(input.as<int16_t>(), output.as<int16_t>(), ctx.pool());
                break;
            }
            reference::convQuantized<int16_t, int8_t, int32_t, int32_t>(g, m_requant, input.values<int16_t>(), filter.values<int8_t>(),
                                                                        bias ? bias->as<int32_t>() : nullptr, output.values<int16_t>());
            break;
        case Mode::HybridPerTensor:
        case Mode::HybridPerChannel: {
            const reference::HybridInput in = m_hybrid.quantize(input, /*asymmetric=*/m_mode == Mode::HybridPerChannel);
            if (m_hybridPlan) {
                m_hybridPlan->runHybrid(in.values.data(), in.scale, in.zeroPoint, m_hybrid.filterScale(), bias ? bias->as<float>() : nullptr,
                                        m_act, output.as<float>(), ctx.pool());
                break;
            }
            reference::convHybrid(g, in, filter.values<int8_t>(), m_hybrid.filterScale(), bias ? bias->as<float>() : nullptr, m_act,
                                  output.values<float>());
            break;
        }
        }
        return {};
    }

private:
    // The packed float filter is valid while its source cannot have changed: model constants
    // (packed at prepare), or the outputs of constant-folded operators (e.g. DEQUANTIZE of
    // float16 weights) while no input hook runs. A hook may overwrite folded tensors before
    // this eval (the interpreter then recomputes them before their next plain use), so under a
    // hook, and for filters computed at run time, the filter is packed on every eval.
    enum class FloatPack { None, Constant, Folded, Transient };
    void packFloatFilter(KernelContext& ctx, const RtTensor& filter, const RtTensor* bias) {
        if (m_floatPack == FloatPack::Constant) return;
        const bool folded = ctx.subgraphIndex() == 0 && !ctx.interpreter().inputHookActive() && (filter.constant || foldedInput(ctx, 1)) &&
                            (!bias || bias->constant || foldedInput(ctx, 2));
        if (folded && m_floatPack == FloatPack::Folded) return;
        m_floatPlan->pack(filter.as<float>(), bias ? bias->as<float>() : nullptr);
        m_floatPack = folded ? FloatPack::Folded : FloatPack::Transient;
    }
    static bool foldedInput(KernelContext& ctx, size_t i) {
        const TensorIndex t = ctx.op().inputs[i];
        if (!t.valid()) return false;
        const auto& producers = ctx.subgraph().producer;
        return t.index() < producers.size() && ctx.interpreter().isFolded(producers[t.index()]);
    }

    static Result<Mode> selectMode(const KernelContext& ctx, const RtTensor& input, const RtTensor& filter, const RtTensor* bias,
                                   const RtTensor& output) {
        if (output.type != input.type)
            return ctx.error("output " + tensorName(output) + " is " + std::string(typeName(output.type)) + ", but input " +
                             tensorName(input) + " is " + std::string(typeName(input.type)));
        Mode mode;
        TensorType biasType;
        switch (input.type) {
        case TensorType::FLOAT32:
            if (filter.type == TensorType::FLOAT32) {
                mode = Mode::Float;
            } else if (filter.type == TensorType::INT8) {
                // TFLite: per-channel hybrid only when the filter scales differ.
                const auto& s = filter.quant->scale;
                bool differ = false;
                for (float v : s) differ = differ || v != s.front();
                mode = differ ? Mode::HybridPerChannel : Mode::HybridPerTensor;
            } else {
                return ctx.error("filter " + tensorName(filter) + " is " + std::string(typeName(filter.type)) +
                                 "; a float32 CONV_2D takes float32 or int8 (hybrid) weights");
            }
            biasType = TensorType::FLOAT32;
            break;
        case TensorType::INT8:
            if (Status s = requireType(ctx, filter, "filter", TensorType::INT8); !s) return s.error();
            mode = Mode::Int8;
            biasType = TensorType::INT32;
            break;
        case TensorType::UINT8:
            if (Status s = requireType(ctx, filter, "filter", TensorType::UINT8); !s) return s.error();
            mode = Mode::Uint8;
            biasType = TensorType::INT32;
            break;
        case TensorType::INT16:
            if (Status s = requireType(ctx, filter, "filter", TensorType::INT8); !s) return s.error();
            mode = bias && bias->type == TensorType::INT32 ? Mode::Int16Bias32 : Mode::Int16Bias64;
            biasType = bias && bias->type == TensorType::INT32 ? TensorType::INT32 : TensorType::INT64;
            break;
        default:
            return ctx.error("input " + tensorName(input) + " is " + std::string(typeName(input.type)) +
                             "; CONV_2D supports float32, int8, uint8 and int16");
        }
        if (bias) {
            if (Status s = requireType(ctx, *bias, "bias", biasType); !s) return s.error();
        }
        return mode;
    }

    Mode m_mode = Mode::Float;
    ConvGeometry m_geom;
    FloatActivation m_act;
    RequantParams m_requant;
    HybridState m_hybrid;
    bool m_useOptimized = true;
    std::unique_ptr<optimized::Int8ConvPlan> m_plan;
    std::unique_ptr<optimized::Int8ConvPlan> m_hybridPlan; // constant int8 filter of a hybrid CONV_2D
    std::unique_ptr<optimized::Int16ConvPlan> m_int16Plan; // constant filter and bias of an int16x8 CONV_2D
    std::unique_ptr<optimized::FloatConvPlan> m_floatPlan; // float with AVX2+FMA
    FloatPack m_floatPack = FloatPack::None;
};

} // namespace

std::unique_ptr<OpKernel> makeConv2D(const Operator& op) { return std::make_unique<Conv2DKernel>(op); }

} // namespace ql::rt::conv

// DEPTHWISE_CONV_2D: float, int8 (per-tensor and per-channel on dimension 3), uint8 (legacy),
// int16x8 and hybrid. Prepare follows TFLite's depthwise_conv.cc: filter [1, H, W, O] with
// O a multiple of the input channels (the depth multiplier is taken from the shapes, as
// TFLite's ComputeDepthMultiplier does; the option is redundant), bias of O elements.
#include "runtime/kernels/conv/Kernels.h"
#include "runtime/kernels/conv/Optimized.h"
#include "runtime/kernels/conv/Reference.h"
#include "runtime/kernels/conv/Shared.h"

namespace ql::rt::conv {
namespace {

enum class Mode { Float, Int8, Uint8, Int16, Hybrid };

class DepthwiseConv2DKernel final : public OpKernel {
public:
    explicit DepthwiseConv2DKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const auto* o = ctx.options<tflite::DepthwiseConv2DOptionsT>();
        if (!o) return ctx.error("has no DepthwiseConv2DOptions");
        const RtTensor& input = *ctx.input(0);
        const RtTensor& filter = *ctx.input(1);
        const RtTensor* bias = ctx.input(2);
        RtTensor& output = ctx.output(0);
        if (Status s = requireRank(ctx, input, "input", 4); !s) return s;
        if (Status s = requireRank(ctx, filter, "filter", 4); !s) return s;
        if (filter.dim(0) != 1)
            return ctx.error("filter " + tensorName(filter) + " has shape " + shapeString(filter.shape) + ", expected [1, H, W, O]");
        if (input.dim(3) <= 0 || filter.dim(3) % input.dim(3) != 0)
            return ctx.error("filter " + tensorName(filter) + " has " + std::to_string(filter.dim(3)) +
                             " output channels, not a multiple of the input's " + std::to_string(input.dim(3)));
        if (Status s = checkStridesDilations(ctx, o->stride_h, o->stride_w, o->dilation_h_factor, o->dilation_w_factor); !s) return s;
        if (output.type != input.type)
            return ctx.error("output " + tensorName(output) + " is " + std::string(typeName(output.type)) + ", but input " +
                             tensorName(input) + " is " + std::string(typeName(input.type)));

        TensorType biasType = TensorType::INT32;
        switch (input.type) {
        case TensorType::FLOAT32:
            if (filter.type == TensorType::INT8) m_mode = Mode::Hybrid;
            else if (Status s = requireType(ctx, filter, "filter", TensorType::FLOAT32); !s) return s;
            else m_mode = Mode::Float;
            biasType = TensorType::FLOAT32;
            break;
        case TensorType::INT8:
            if (Status s = requireType(ctx, filter, "filter", TensorType::INT8); !s) return s;
            m_mode = Mode::Int8;
            break;
        case TensorType::UINT8:
            if (Status s = requireType(ctx, filter, "filter", TensorType::UINT8); !s) return s;
            m_mode = Mode::Uint8;
            break;
        case TensorType::INT16:
            if (Status s = requireType(ctx, filter, "filter", TensorType::INT8); !s) return s;
            m_mode = Mode::Int16;
            biasType = TensorType::INT64;
            break;
        default:
            return ctx.error("input " + tensorName(input) + " is " + std::string(typeName(input.type)) +
                             "; DEPTHWISE_CONV_2D supports float32, int8, uint8 and int16");
        }
        if (bias) {
            if (Status s = requireType(ctx, *bias, "bias", biasType); !s) return s;
            if (Status s = requireBiasChannels(ctx, bias, filter.dim(3)); !s) return s;
        }

        ConvGeometry& g = m_geom;
        g.batches = input.dim(0);
        g.inH = input.dim(1);
        g.inW = input.dim(2);
        g.inC = input.dim(3);
        g.outC = filter.dim(3);
        g.depthMultiplier = g.outC / g.inC;
        g.filterH = filter.dim(1);
        g.filterW = filter.dim(2);
        g.strideH = o->stride_h;
        g.strideW = o->stride_w;
        g.dilationH = o->dilation_h_factor;
        g.dilationW = o->dilation_w_factor;
        if (Status s = computeOutputGeometry(ctx, o->padding, g); !s) return s;
        if (Status s = activationFromOptions(ctx, o->fused_activation_function, m_act); !s) return s;
        if (m_mode == Mode::Int8 || m_mode == Mode::Uint8 || m_mode == Mode::Int16) {
            if (Status s = integerRequant(ctx, input, filter, bias, output, 3, g.outC, o->fused_activation_function, m_requant); !s)
                return s;
        } else if (m_mode == Mode::Hybrid) {
            if (Status s = checkFilterQuantization(ctx, filter, 3, g.outC); !s) return s;
            m_hybrid.prepare(input, filter, g.outC);
        }
        ctx.setOutputShape(0, {g.batches, g.outH, g.outW, g.outC});
        m_useOptimized = !forceReferenceKernels();
        if (m_mode == Mode::Int8 && m_useOptimized && filter.constant && (!bias || bias->constant))
            m_int8Plan = std::make_unique<optimized::Int8DepthwisePlan>(g, m_requant, filter.values<int8_t>(),
                                                                        bias ? bias->as<int32_t>() : nullptr);
        if (m_mode == Mode::Int16 && m_useOptimized && filter.constant && (!bias || bias->constant) &&
            optimized::Int16ConvPlan::handles(g, /*depthwise=*/true))
            m_int16Plan = std::make_unique<optimized::Int16ConvPlan>(g, m_requant, filter.values<int8_t>(),
                                                                     bias ? bias->as<int64_t>() : nullptr, nullptr, /*depthwise=*/true);
        if (m_mode == Mode::Hybrid && m_useOptimized && filter.constant && optimized::Int8DepthwisePlan::vectorised(g, RequantParams{})) {
            RequantParams unused; // the hybrid epilogue is float
            unused.multiplier.assign(size_t(g.outC), 0);
            unused.shift.assign(size_t(g.outC), 0);
            m_hybridPlan = std::make_unique<optimized::Int8DepthwisePlan>(g, unused, filter.values<int8_t>(), nullptr);
            if (m_hybridPlan->isa() == optimized::Int8DepthwisePlan::Isa::Generic) m_hybridPlan.reset();
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
            if (ctx.options().xnnpack() && optimized::depthwiseFloatXnnpackHandles(g)) { // the target's arithmetic
                static const bool avx2 = __builtin_cpu_supports("avx2");
                if (m_useOptimized && avx2 &&
                    optimized::depthwiseFloatXnnpackAvx2(g, input.as<float>(), filter.as<float>(), bias ? bias->as<float>() : nullptr,
                                                         m_act, output.as<float>(), ctx.pool()))
                    break;
                optimized::depthwiseFloatXnnpack(g, input.as<float>(), filter.as<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                                 output.as<float>(), ctx.pool());
            } else if (m_useOptimized)
                optimized::depthwiseFloat(g, input.as<float>(), filter.as<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                          output.as<float>(), ctx.pool());
            else
                reference::depthwiseFloat(g, input.values<float>(), filter.values<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                          output.values<float>());
            break;
        case Mode::Int8:
            if (m_useOptimized) {
                if (!m_int8Plan)
                    m_int8Plan = std::make_unique<optimized::Int8DepthwisePlan>(g, m_requant, filter.values<int8_t>(),
                                                                                bias ? bias->as<int32_t>() : nullptr);
                else if (!filter.constant || (bias && !bias->constant))
                    m_int8Plan->repack(filter.values<int8_t>(), bias ? bias->as<int32_t>() : nullptr);
                m_int8Plan->run(input.as<int8_t>(), output.as<int8_t>(), ctx.pool());
            } else
                reference::depthwiseQuantized<int8_t, int8_t, int32_t, int32_t>(g, m_requant, input.values<int8_t>(),
                                                                                filter.values<int8_t>(),
                                                                                bias ? bias->as<int32_t>() : nullptr,
                                                                                output.values<int8_t>());
            break;
        case Mode::Uint8:
            reference::depthwiseQuantized<uint8_t, uint8_t, int32_t, int32_t>(g, m_requant, input.values<uint8_t>(),
                                                                              filter.values<uint8_t>(),
                                                                              bias ? bias->as<int32_t>() : nullptr,
                                                                              output.values<uint8_t>());
            break;
        case Mode::Int16:
            if (m_int16Plan) {
                m_int16Plan->run(input.as<int16_t>(), output.as<int16_t>(), ctx.pool());
                break;
            }
            reference::depthwiseQuantized<int16_t, int8_t, int64_t, int64_t>(g, m_requant, input.values<int16_t>(),
                                                                             filter.values<int8_t>(),
                                                                             bias ? bias->as<int64_t>() : nullptr,
                                                                             output.values<int16_t>());
            break;
        case Mode::Hybrid: {
            // TFLite's depthwise hybrid kernel always quantizes the input asymmetrically.
            const reference::HybridInput in = m_hybrid.quantize(input, /*asymmetric=*/true);
            // The runtime on a CPU runs the optimized builtin kernel (no XNNPACK for hybrid
            // operators), whose scalar store scales in the other order than the reference kernel.
            const HybridScaleOrder order = ctx.options().target == Target::TfliteCpu ? HybridScaleOrder::InputThenChannel
                                                                                     : HybridScaleOrder::ChannelTimesInput;
            if (m_hybridPlan) {
                m_hybridPlan->runHybrid(in.values.data(), in.scale, in.zeroPoint, m_hybrid.filterScale(), bias ? bias->as<float>() : nullptr,
                                        m_act, output.as<float>(), ctx.pool(), order);
                break;
            }
            reference::depthwiseHybrid(g, in, filter.values<int8_t>(), m_hybrid.filterScale(), bias ? bias->as<float>() : nullptr,
                                       m_act, output.values<float>(), order);
            break;
        }
        }
        return {};
    }

private:
    Mode m_mode = Mode::Float;
    ConvGeometry m_geom;
    FloatActivation m_act;
    RequantParams m_requant;
    HybridState m_hybrid;
    bool m_useOptimized = true;
    std::unique_ptr<optimized::Int8DepthwisePlan> m_int8Plan;
    std::unique_ptr<optimized::Int8DepthwisePlan> m_hybridPlan; // constant filter, depth multiplier 1
    std::unique_ptr<optimized::Int16ConvPlan> m_int16Plan;       // constant filter and bias
};

} // namespace

std::unique_ptr<OpKernel> makeDepthwiseConv2D(const Operator& op) { return std::make_unique<DepthwiseConv2DKernel>(op); }

} // namespace ql::rt::conv

// TRANSPOSE_CONV: inputs (output_shape int32[4], weights OHWI, input, optional bias); float,
// int8, uint8 and int16x8 (int64 or int32 bias). As in TFLite's transpose_conv.cc the output
// shape comes from the output_shape tensor: at prepare when it is constant, otherwise at every
// eval; the padding is ComputePaddingHeightWidth run on the OUTPUT size with dilation 1.
#include "runtime/kernels/conv/Kernels.h"
#include "runtime/kernels/conv/Reference.h"
#include "runtime/kernels/conv/Shared.h"

namespace ql::rt::conv {
namespace {

enum class Mode { Float, Int8, Uint8, Int16Bias64, Int16Bias32 };

class TransposeConvKernel final : public OpKernel {
public:
    explicit TransposeConvKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(3, 4); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const auto* o = ctx.options<tflite::TransposeConvOptionsT>();
        if (!o) return ctx.error("has no TransposeConvOptions");
        m_padding = o->padding;
        const RtTensor& outputShape = *ctx.input(0);
        const RtTensor& filter = *ctx.input(1);
        const RtTensor& input = *ctx.input(2);
        const RtTensor* bias = ctx.input(3);
        RtTensor& output = ctx.output(0);
        if (Status s = requireRank(ctx, outputShape, "output_shape", 1); !s) return s;
        if (Status s = requireType(ctx, outputShape, "output_shape", TensorType::INT32); !s) return s;
        if (outputShape.elementCount() != 4)
            return ctx.error("output_shape " + tensorName(outputShape) + " has " + std::to_string(outputShape.elementCount()) +
                             " elements, expected 4");
        if (Status s = requireRank(ctx, input, "input", 4); !s) return s;
        if (Status s = requireRank(ctx, filter, "filter", 4); !s) return s;
        if (filter.dim(3) != input.dim(3))
            return ctx.error("filter " + tensorName(filter) + " has " + std::to_string(filter.dim(3)) + " input channels " +
                             shapeString(filter.shape) + ", but input " + tensorName(input) + " has " + std::to_string(input.dim(3)));
        if (Status s = checkStridesDilations(ctx, o->stride_h, o->stride_w, 1, 1); !s) return s;
        if (m_padding != Padding::SAME && m_padding != Padding::VALID) return ctx.error("has an unknown padding type");
        if (output.type != input.type)
            return ctx.error("output " + tensorName(output) + " is " + std::string(typeName(output.type)) + ", but input " +
                             tensorName(input) + " is " + std::string(typeName(input.type)));

        TensorType biasType = TensorType::INT32;
        switch (input.type) {
        case TensorType::FLOAT32:
            if (filter.type == TensorType::INT8) return ctx.error("hybrid (int8 weights, float input) TRANSPOSE_CONV is not supported");
            if (Status s = requireType(ctx, filter, "filter", TensorType::FLOAT32); !s) return s;
            m_mode = Mode::Float;
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
        case TensorType::INT16: {
            if (Status s = requireType(ctx, filter, "filter", TensorType::INT8); !s) return s;
            const bool int32Bias = bias ? bias->type == TensorType::INT32 : o->quantized_bias_type == TensorType::INT32;
            m_mode = int32Bias ? Mode::Int16Bias32 : Mode::Int16Bias64;
            biasType = int32Bias ? TensorType::INT32 : TensorType::INT64;
            break;
        }
        default:
            return ctx.error("input " + tensorName(input) + " is " + std::string(typeName(input.type)) +
                             "; TRANSPOSE_CONV supports float32, int8, uint8 and int16");
        }
        if (bias) {
            if (Status s = requireType(ctx, *bias, "bias", biasType); !s) return s;
            if (Status s = requireBiasChannels(ctx, bias, filter.dim(0)); !s) return s;
        }

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
        if (Status s = activationFromOptions(ctx, o->fused_activation_function, m_act); !s) return s;
        if (m_mode != Mode::Float)
            if (Status s = integerRequant(ctx, input, filter, bias, output, 0, g.outC, o->fused_activation_function, m_requant); !s)
                return s;
        m_dynamicShape = !outputShape.constant;
        if (!m_dynamicShape) {
            if (Status s = applyOutputShape(ctx, outputShape); !s) return s;
            ctx.setOutputShape(0, {g.batches, g.outH, g.outW, g.outC});
        }
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& filter = *ctx.input(1);
        const RtTensor& input = *ctx.input(2);
        const RtTensor* bias = ctx.input(3);
        if (m_dynamicShape) {
            if (Status s = applyOutputShape(ctx, *ctx.input(0)); !s) return s;
            if (Status s = ctx.resizeOutputNow(0, {m_geom.batches, m_geom.outH, m_geom.outW, m_geom.outC}); !s) return s;
        }
        RtTensor& output = ctx.output(0);
        const ConvGeometry& g = m_geom;
        const size_t n = static_cast<size_t>(output.elementCount());
        switch (m_mode) {
        case Mode::Float:
            reference::transposeConvFloat(g, input.values<float>(), filter.values<float>(), bias ? bias->as<float>() : nullptr, m_act,
                                          output.values<float>());
            break;
        case Mode::Int8:
            m_scratch32.resize(n);
            reference::transposeConvQuantized<int8_t, int8_t, int32_t, int32_t>(g, m_requant, input.values<int8_t>(),
                                                                                filter.values<int8_t>(),
                                                                                bias ? bias->as<int32_t>() : nullptr, m_scratch32,
                                                                                output.values<int8_t>());
            break;
        case Mode::Uint8:
            m_scratch32.resize(n);
            reference::transposeConvQuantized<uint8_t, uint8_t, int32_t, int32_t>(g, m_requant, input.values<uint8_t>(),
                                                                                  filter.values<uint8_t>(),
                                                                                  bias ? bias->as<int32_t>() : nullptr, m_scratch32,
                                                                                  output.values<uint8_t>());
            break;
        case Mode::Int16Bias64:
            m_scratch64.resize(n);
            reference::transposeConvQuantized<int16_t, int8_t, int64_t, int64_t>(g, m_requant, input.values<int16_t>(),
                                                                                 filter.values<int8_t>(),
                                                                                 bias ? bias->as<int64_t>() : nullptr, m_scratch64,
                                                                                 output.values<int16_t>());
            break;
        case Mode::Int16Bias32:
            m_scratch32.resize(n);
            reference::transposeConvQuantized<int16_t, int8_t, int32_t, int32_t>(g, m_requant, input.values<int16_t>(),
                                                                                 filter.values<int8_t>(),
                                                                                 bias ? bias->as<int32_t>() : nullptr, m_scratch32,
                                                                                 output.values<int16_t>());
            break;
        }
        return {};
    }

private:
    // Reads output_shape, checks it against input and filter, sets outH/outW and the padding.
    Status applyOutputShape(const KernelContext& ctx, const RtTensor& shapeTensor) {
        const int32_t* s = shapeTensor.as<int32_t>();
        ConvGeometry& g = m_geom;
        if (s[0] != g.batches || s[3] != g.outC || s[1] <= 0 || s[2] <= 0)
            return ctx.error("output_shape " + tensorName(shapeTensor) + " is [" + std::to_string(s[0]) + "," + std::to_string(s[1]) +
                             "," + std::to_string(s[2]) + "," + std::to_string(s[3]) + "], expected [" + std::to_string(g.batches) +
                             ",H,W," + std::to_string(g.outC) + "] with H, W > 0");
        g.outH = s[1];
        g.outW = s[2];
        const int convOutH = computeOutSize(m_padding, g.outH, g.filterH, g.strideH, 1);
        const int convOutW = computeOutSize(m_padding, g.outW, g.filterW, g.strideW, 1);
        g.padTop = computePadding(g.strideH, 1, g.outH, g.filterH, convOutH);
        g.padLeft = computePadding(g.strideW, 1, g.outW, g.filterW, convOutW);
        return {};
    }

    Mode m_mode = Mode::Float;
    Padding m_padding = Padding::SAME;
    ConvGeometry m_geom;
    FloatActivation m_act;
    RequantParams m_requant;
    bool m_dynamicShape = false;
    std::vector<int32_t> m_scratch32;
    std::vector<int64_t> m_scratch64;
};

} // namespace

std::unique_ptr<OpKernel> makeTransposeConv(const Operator& op) { return std::make_unique<TransposeConvKernel>(op); }

} // namespace ql::rt::conv

// MediaPipe's custom Convolution2DTransposeBias (selfie segmentation, hair segmentation):
// inputs (input, weights OHWI, bias), float32 only. Its custom options are not a flexbuffer but
// the raw bytes of TFLite's C struct TfLiteTransposeConvParams: int32 padding (1 SAME,
// 2 VALID), int32 stride_width, int32 stride_height (mediapipe/util/tflite/operations/
// transpose_conv_bias.cc). The output size is stride * (in - 1) + filter - pad with
// pad = max(0, filter - (in - 1) % stride - 1) for SAME (0 for VALID); the kernel shifts by
// pad / 2. There is no fused activation.
#include "runtime/kernels/conv/Kernels.h"
#include "runtime/kernels/conv/Reference.h"
#include "runtime/kernels/conv/Shared.h"

#include <cstring>

namespace ql::rt::conv {
namespace {

class TransposeConvBiasKernel final : public OpKernel {
public:
    explicit TransposeConvBiasKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(3, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const std::vector<uint8_t>& raw = ctx.op().customOptions;
        if (raw.size() < 12)
            return ctx.error("custom options hold " + std::to_string(raw.size()) +
                             " bytes, expected at least 12 (TfLiteTransposeConvParams: padding, stride_width, stride_height)");
        int32_t padding = 0, strideW = 0, strideH = 0;
        std::memcpy(&padding, raw.data(), 4);
        std::memcpy(&strideW, raw.data() + 4, 4);
        std::memcpy(&strideH, raw.data() + 8, 4);
        if (padding != 1 && padding != 2) return ctx.error("custom options give padding " + std::to_string(padding) + ", expected 1 (SAME) or 2 (VALID)");
        if (Status s = checkStridesDilations(ctx, strideH, strideW, 1, 1); !s) return s;

        const RtTensor& input = *ctx.input(0);
        const RtTensor& filter = *ctx.input(1);
        const RtTensor& bias = *ctx.input(2);
        const RtTensor& output = ctx.output(0);
        if (Status s = requireRank(ctx, input, "input", 4); !s) return s;
        if (Status s = requireRank(ctx, filter, "filter", 4); !s) return s;
        if (Status s = requireRank(ctx, bias, "bias", 1); !s) return s;
        for (auto [t, role] : {std::pair{&input, "input"}, {&filter, "filter"}, {&bias, "bias"}, {&output, "output"}})
            if (Status s = requireType(ctx, *t, role, TensorType::FLOAT32); !s) return s;
        if (filter.dim(3) != input.dim(3))
            return ctx.error("filter " + tensorName(filter) + " has " + std::to_string(filter.dim(3)) + " input channels, but input " +
                             tensorName(input) + " has " + std::to_string(input.dim(3)));
        if (bias.dim(0) != filter.dim(0))
            return ctx.error("bias " + tensorName(bias) + " has " + std::to_string(bias.dim(0)) + " elements, expected " +
                             std::to_string(filter.dim(0)));

        ConvGeometry& g = m_geom;
        g.batches = input.dim(0);
        g.inH = input.dim(1);
        g.inW = input.dim(2);
        g.inC = input.dim(3);
        g.outC = filter.dim(0);
        g.filterH = filter.dim(1);
        g.filterW = filter.dim(2);
        g.strideH = strideH;
        g.strideW = strideW;
        int padH = 0, padW = 0;
        if (padding == 1) {
            padH = std::max(0, g.filterH - (g.inH - 1) % g.strideH - 1);
            padW = std::max(0, g.filterW - (g.inW - 1) % g.strideW - 1);
        }
        g.outH = g.strideH * (g.inH - 1) + g.filterH - padH;
        g.outW = g.strideW * (g.inW - 1) + g.filterW - padW;
        g.padTop = padH / 2;
        g.padLeft = padW / 2;
        if (g.outH <= 0 || g.outW <= 0) return ctx.error("output would be empty");
        ctx.setOutputShape(0, {g.batches, g.outH, g.outW, g.outC});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        reference::transposeConvBiasFloat(m_geom, ctx.input(0)->values<float>(), ctx.input(1)->values<float>(), ctx.input(2)->as<float>(),
                                          ctx.output(0).values<float>());
        return {};
    }

private:
    ConvGeometry m_geom;
};

} // namespace

std::unique_ptr<OpKernel> makeTransposeConvBias(const Operator& op) { return std::make_unique<TransposeConvBiasKernel>(op); }

} // namespace ql::rt::conv

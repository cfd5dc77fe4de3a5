// MediaPipe's MaxUnpooling2D (hair segmentation's decoder): scatters each input value to the
// position its MaxPoolingWithArgmax2D index names, zeros elsewhere. As
// mediapipe/util/tflite/operations/max_unpooling.cc computes it:
//   - output [N, H * filter_h, W * filter_w, C] (the filter size, not the stride, scales);
//   - padding TFLite's ComputePadding(stride, 1, out, filter, in), i.e. the pooling's padding
//     seen from the other side;
//   - index i (float, truncated to int) is the window position: out_y = y * stride_h - pad_h +
//     i / filter_w, out_x = x * stride_w - pad_w + i % filter_w; positions outside the output
//     are skipped (MediaPipe checks the same bound); later input elements overwrite earlier
//     ones at the same position. An index that is not finite or outside int range is skipped
//     too (its conversion to int would be undefined).
//   - the options' activation is not applied (MediaPipe computes the range and ignores it).
#include "runtime/kernels/conv/ConvCommon.h"
#include "runtime/kernels/custom/CustomKernels.h"
#include "runtime/kernels/custom/RawPoolParams.h"
#include "runtime/kernels/elementwise/Common.h"

#include <cmath>
#include <cstring>

namespace ql::rt::custom {
namespace {

class MaxUnpooling : public OpKernel {
public:
    explicit MaxUnpooling(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        auto params = readRawPoolParams(ctx);
        if (!params) return params.error();
        m_p = params.value();
        const RtTensor& in = *ctx.input(0);
        const RtTensor& indices = *ctx.input(1);
        for (auto [t, role] :
             {std::pair{&in, "input"}, {&indices, "indices"}, {&ctx.output(0), "output"}})
            if (Status s = ew::requireType(ctx, *t, role, {TensorType::FLOAT32}); !s) return s;
        if (in.rank() != 4)
            return ctx.error(ew::describe(in, "input") + " must have rank 4 (NHWC)");
        if (indices.shape != in.shape)
            return ctx.error(ew::describe(indices, "indices") + " must have the input's shape " +
                             ew::describe(in, "input"));
        const int64_t outH = int64_t(in.dim(1)) * m_p.filterH,
                      outW = int64_t(in.dim(2)) * m_p.filterW;
        if (outH > (1 << 24) || outW > (1 << 24))
            return ctx.error("the unpooled output would be too large");
        m_outH = int(outH);
        m_outW = int(outW);
        m_padH = conv::computePadding(m_p.strideH, 1, m_outH, m_p.filterH, in.dim(1));
        m_padW = conv::computePadding(m_p.strideW, 1, m_outW, m_p.filterW, in.dim(2));
        ctx.setOutputShape(0, {in.dim(0), m_outH, m_outW, in.dim(3)});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const float* x = in.as<float>();
        const float* index = ctx.input(1)->as<float>();
        RtTensor& outT = ctx.output(0);
        float* out = outT.as<float>();
        std::memset(out, 0, outT.bytes);
        const int batches = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
        for (int b = 0; b < batches; ++b)
            for (int y = 0; y < h; ++y)
                for (int xx = 0; xx < w; ++xx)
                    for (int ch = 0; ch < c; ++ch) {
                        const int64_t i = ((int64_t(b) * h + y) * w + xx) * c + ch;
                        const float f = index[i];
                        if (!(f > -2147483648.0f && f < 2147483648.0f)) continue;
                        const int k =
                            static_cast<int>(f); // truncation, as MediaPipe's int conversion
                        const int oy = y * m_p.strideH - m_padH + k / m_p.filterW;
                        const int ox = xx * m_p.strideW - m_padW + k % m_p.filterW;
                        if (oy < 0 || oy >= m_outH || ox < 0 || ox >= m_outW) continue;
                        out[((int64_t(b) * m_outH + oy) * m_outW + ox) * c + ch] = x[i];
                    }
        return {};
    }

private:
    RawPoolParams m_p;
    int m_outH = 0, m_outW = 0, m_padH = 0, m_padW = 0;
};

} // namespace

void registerMaxUnpooling(KernelRegistry& r) {
    r.addCustom("MaxUnpooling2D", factoryOf<MaxUnpooling>());
}

} // namespace ql::rt::custom

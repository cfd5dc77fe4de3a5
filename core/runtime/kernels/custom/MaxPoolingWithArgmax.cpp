// MediaPipe's MaxPoolingWithArgmax2D (hair segmentation): float32 max pooling that also
// outputs, per output element, where in its window the maximum was. As
// mediapipe/util/tflite/operations/max_pool_argmax.cc computes it:
//   - output size: SAME ceil(in / stride), VALID (in - filter + stride) / stride; padding
//     TFLite's ComputePadding (the smaller half before);
//   - the window is clipped to the input; the maximum is the first strictly greater value in
//     row-major window order, starting from the lowest float (an empty window gives lowest);
//   - the index output is float32: filter_y * filter_width + filter_x + 0.1, the position
//     inside the window (not in the image), +0.1 so that the consumer's float-to-int
//     truncation gives the integer back; MaxUnpooling2D reads it.
//   - the fused activation clamps the value output only.
#include "quant/FixedPoint.h"
#include "runtime/OperatorWork.h"
#include "runtime/kernels/conv/ConvCommon.h"
#include "runtime/kernels/custom/CustomKernels.h"
#include "runtime/kernels/custom/RawPoolParams.h"
#include "runtime/kernels/elementwise/Common.h"
#include "util/Limits.h"

#include <algorithm>
#include <limits>

namespace ql::rt::custom {
namespace {

class MaxPoolingWithArgmax : public OpKernel {
public:
    explicit MaxPoolingWithArgmax(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(2); !s) return s;
        auto params = readRawPoolParams(ctx);
        if (!params) return params.error();
        m_p = params.value();
        const RtTensor& in = *ctx.input(0);
        for (auto [t, role] :
             {std::pair{&in, "input"}, {&ctx.output(0), "output"}, {&ctx.output(1), "indices"}})
            if (Status s = ew::requireType(ctx, *t, role, {TensorType::FLOAT32}); !s) return s;
        if (in.rank() != 4)
            return ctx.error(ew::describe(in, "input") + " must have rank 4 (NHWC)");
        m_outH = conv::computeOutSize(m_p.padding, in.dim(1), m_p.filterH, m_p.strideH, 1);
        m_outW = conv::computeOutSize(m_p.padding, in.dim(2), m_p.filterW, m_p.strideW, 1);
        if (m_outH <= 0 || m_outW <= 0)
            return ctx.error(ew::describe(in, "input") + " is smaller than the " +
                             std::to_string(m_p.filterH) + "x" + std::to_string(m_p.filterW) +
                             " window (VALID padding)");
        m_padH = conv::computePadding(m_p.strideH, 1, in.dim(1), m_p.filterH, m_outH);
        m_padW = conv::computePadding(m_p.strideW, 1, in.dim(2), m_p.filterW, m_outW);
        const auto [lo, hi] = activationRangeFloat(m_p.activation);
        m_actMin = lo;
        m_actMax = hi;
        ctx.setOutputShape(0, {in.dim(0), m_outH, m_outW, in.dim(3)});
        ctx.setOutputShape(1, {in.dim(0), m_outH, m_outW, in.dim(3)});
        return checkOperatorWork(ctx, poolingWork(in, ctx.output(0), m_p.filterH, m_p.filterW));
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const float* x = in.as<float>();
        float* out = ctx.output(0).as<float>();
        float* idx = ctx.output(1).as<float>();
        const int batches = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3);
        if (ctx.output(0).elementCount() == 0) return {}; // see pooling.cpp
        for (int b = 0; b < batches; ++b)
            for (int oy = 0; oy < m_outH; ++oy) {
                if (interruptRequested()) return ctx.error("interrupted"); // util/Limits.h
                for (int ox = 0; ox < m_outW; ++ox) {
                    const int y0 = oy * m_p.strideH - m_padH, x0 = ox * m_p.strideW - m_padW;
                    const int fyStart = std::max(0, -y0), fyEnd = std::min(m_p.filterH, h - y0);
                    const int fxStart = std::max(0, -x0), fxEnd = std::min(m_p.filterW, w - x0);
                    const int64_t o = ((int64_t(b) * m_outH + oy) * m_outW + ox) * c;
                    for (int ch = 0; ch < c; ++ch) {
                        float best = std::numeric_limits<float>::lowest();
                        int bestY = 0, bestX = 0;
                        for (int fy = fyStart; fy < fyEnd; ++fy)
                            for (int fx = fxStart; fx < fxEnd; ++fx) {
                                const float v =
                                    x[((int64_t(b) * h + y0 + fy) * w + x0 + fx) * c + ch];
                                if (v > best) {
                                    best = v;
                                    bestY = fy;
                                    bestX = fx;
                                }
                            }
                        out[o + ch] = std::clamp(best, m_actMin, m_actMax);
                        idx[o + ch] = float(bestY * m_p.filterW + bestX) + 0.1f;
                    }
                }
            }
        return {};
    }

private:
    RawPoolParams m_p;
    int m_outH = 0, m_outW = 0, m_padH = 0, m_padW = 0;
    float m_actMin = 0, m_actMax = 0;
};

} // namespace

void registerMaxPoolingWithArgmax(KernelRegistry& r) {
    r.addCustom("MaxPoolingWithArgmax2D", factoryOf<MaxPoolingWithArgmax>());
}

} // namespace ql::rt::custom

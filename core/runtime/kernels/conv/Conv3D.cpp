// CONV_3D (float32): input [N, D, H, W, C_in], filter [KD, KH, KW, C_in, C_out], optional bias
// [C_out]; output [N, OD, OH, OW, C_out]. Sizes and padding per axis as TFLite's conv3d.cc
// (ComputeOutSize and ComputePaddingWithOffset on depth, height and width, the extra padded
// row after); each output is the bias plus the sum over (kd, kh, kw, c_in) of the taps inside
// the input, then the fused activation. TFLite's optimized kernel sums through im2col and a
// GEMM, so floats agree to rounding, not bit for bit.
#include "runtime/kernels/ParamChecks.h"
#include "runtime/kernels/conv/ConvCommon.h"
#include "runtime/kernels/conv/Kernels.h"
#include "util/Limits.h"
#include "model/ShapeText.h"

#include <algorithm>

namespace ql::rt::conv {
namespace {

std::string dims(const RtTensor& t) { return shapeText(t.shape); }

class Conv3D : public OpKernel {
public:
    explicit Conv3D(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& f = *ctx.input(1);
        const RtTensor* bias = ctx.input(2);
        const auto* o = ctx.options<tflite::Conv3DOptionsT>();
        if (!o) return ctx.error("has no Conv3DOptions");
        if (in.type != TensorType::FLOAT32 || f.type != TensorType::FLOAT32 ||
            ctx.output(0).type != TensorType::FLOAT32 ||
            (bias && bias->type != TensorType::FLOAT32))
            return ctx.error("only float32 is supported");
        if (in.rank() != 5) return ctx.error("input " + dims(in) + " must be 5-D [N, D, H, W, C]");
        if (f.rank() != 5 || f.dim(3) != in.dim(4))
            return ctx.error("filter " + dims(f) + " must be [KD, KH, KW, " +
                             std::to_string(in.dim(4)) + ", C_out]");
        if (bias && bias->elementCount() != f.dim(4))
            return ctx.error("bias " + dims(*bias) + " must hold " + std::to_string(f.dim(4)) +
                             " values");
        const WindowAxis axes[3] = {{"depth", "stride_d", "dilation_d_factor", "filter depth",
                                     in.dim(1), f.dim(0), o->stride_d, o->dilation_d_factor},
                                    {"height", "stride_h", "dilation_h_factor", "filter height",
                                     in.dim(2), f.dim(1), o->stride_h, o->dilation_h_factor},
                                    {"width", "stride_w", "dilation_w_factor", "filter width",
                                     in.dim(3), f.dim(2), o->stride_w, o->dilation_w_factor}};
        std::vector<int32_t> outShape = {in.dim(0), 0, 0, 0, f.dim(4)};
        for (int a = 0; a < 3; ++a) {
            if (Status s = checkWindow(ctx, axes[a]); !s) return s;
            m_stride[a] = int(axes[a].stride);
            m_dilation[a] = int(axes[a].dilation);
            const int out = computeOutSize(o->padding, int(axes[a].in), int(axes[a].filter),
                                           m_stride[a], m_dilation[a]);
            if (out < 0)
                return ctx.error("the filter is larger than the input " +
                                 std::string(axes[a].extentName) + " with VALID padding");
            m_pad[a] = computePadding(m_stride[a], m_dilation[a], int(axes[a].in),
                                      int(axes[a].filter), out);
            outShape[size_t(a) + 1] = out;
        }
        std::tie(m_lo, m_hi) = activationRangeFloat(o->fused_activation_function);
        ctx.setOutputShape(0, outShape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const RtTensor& f = *ctx.input(1);
        const float* bias = ctx.input(2) ? ctx.input(2)->as<float>() : nullptr;
        RtTensor& out = ctx.output(0);
        if (out.elementCount() == 0) return {};
        const int N = in.dim(0), D = in.dim(1), H = in.dim(2), W = in.dim(3), C = in.dim(4);
        const int KD = f.dim(0), KH = f.dim(1), KW = f.dim(2), OC = f.dim(4);
        const int OD = out.dim(1), OH = out.dim(2), OW = out.dim(3);
        const float* x = in.as<float>();
        const float* w = f.as<float>();
        float* y = out.as<float>();
        for (int n = 0; n < N; ++n)
            for (int od = 0; od < OD; ++od) {
                if (interruptRequested()) return ctx.error("interrupted"); // util/Limits.h
                for (int oh = 0; oh < OH; ++oh)
                    for (int ow = 0; ow < OW; ++ow)
                        for (int oc = 0; oc < OC; ++oc) {
                            float acc = 0.f;
                            for (int kd = 0; kd < KD; ++kd) {
                                const int id = od * m_stride[0] - m_pad[0] + kd * m_dilation[0];
                                if (id < 0 || id >= D) continue;
                                for (int kh = 0; kh < KH; ++kh) {
                                    const int ih = oh * m_stride[1] - m_pad[1] + kh * m_dilation[1];
                                    if (ih < 0 || ih >= H) continue;
                                    for (int kw = 0; kw < KW; ++kw) {
                                        const int iw =
                                            ow * m_stride[2] - m_pad[2] + kw * m_dilation[2];
                                        if (iw < 0 || iw >= W) continue;
                                        const float* xs =
                                            x + ((((int64_t(n) * D + id) * H + ih) * W + iw) * C);
                                        const float* ws =
                                            w + (((int64_t(kd) * KH + kh) * KW + kw) * C) * OC + oc;
                                        for (int c = 0; c < C; ++c)
                                            acc += xs[c] * ws[int64_t(c) * OC];
                                    }
                                }
                            }
                            if (bias) acc += bias[oc];
                            y[((((int64_t(n) * OD + od) * OH + oh) * OW + ow) * OC) + oc] =
                                std::clamp(acc, m_lo, m_hi);
                        }
            }
        return {};
    }

private:
    int m_stride[3] = {1, 1, 1}, m_dilation[3] = {1, 1, 1}, m_pad[3] = {0, 0, 0};
    float m_lo = 0, m_hi = 0;
};

} // namespace

std::unique_ptr<OpKernel> makeConv3D(const Operator& op) {
    return std::make_unique<Conv3D>(op);
}

} // namespace ql::rt::conv

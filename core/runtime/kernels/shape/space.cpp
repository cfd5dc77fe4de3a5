// DEPTH_TO_SPACE, SPACE_TO_DEPTH (NHWC, DCR order as TFLite), SPACE_TO_BATCH_ND and
// BATCH_TO_SPACE_ND (3-D or 4-D input, 2-D block), generic over the element size.
#include "runtime/kernels/ParamChecks.h"
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

// DEPTH_TO_SPACE: out[b, h*bs + i, w*bs + j, c] = in[b, h, w, (i*bs + j)*C + c]. In output
// order (b, h, i, w, j, c) this is one strided view of the input.
// SPACE_TO_DEPTH is the inverse: out[b, h, w, (i*bs + j)*C + c] = in[b, h*bs + i, w*bs + j, c].
class DepthSpace : public PlannedKernel {
public:
    explicit DepthSpace(const Operator& op) : m_toSpace(op.op == BuiltinOp::DEPTH_TO_SPACE) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = checkDataKernel(ctx, 1, 1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        m_bs = m_toSpace ? optionsOr<tflite::DepthToSpaceOptionsT>(ctx).block_size : optionsOr<tflite::SpaceToDepthOptionsT>(ctx).block_size;
        if (in.rank() != 4) return ctx.error("input shape " + shapeText(in.shape) + " must be 4-D (NHWC)");
        // block_size^2 and H * block_size in int64; the results must be tensor dimensions.
        if (Status s = requireParam(ctx, "block_size", m_bs, 1, INT32_MAX); !s) return s;
        const int64_t b = in.dim(0), h = in.dim(1), w = in.dim(2), c = in.dim(3), bs = m_bs, bb = bs * bs;
        const std::string what = "block_size " + std::to_string(m_bs) + " with input shape " + shapeText(in.shape);
        if (m_toSpace) {
            if (c % bb != 0)
                return ctx.error("input depth " + std::to_string(c) + " is not a multiple of block_size^2 = " + std::to_string(bb));
            auto oh = outputDim(ctx, h * bs, what, "height");
            if (!oh) return oh.error();
            auto ow = outputDim(ctx, w * bs, what, "width");
            if (!ow) return ow.error();
            m_outShapes[0] = {int32_t(b), *oh, *ow, int32_t(c / bb)};
        } else {
            if (h % bs != 0 || w % bs != 0)
                return ctx.error("input height and width " + std::to_string(h) + "x" + std::to_string(w) +
                                 " are not multiples of block_size " + std::to_string(m_bs));
            auto oc = outputDim(ctx, checkedMul(c, bb), what, "depth");
            if (!oc) return oc.error();
            m_outShapes[0] = {int32_t(b), int32_t(h / bs), int32_t(w / bs), *oc};
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const int64_t bs = m_bs;
        StridedView v;
        if (m_toSpace) {
            const int64_t B = in.dim(0), H = in.dim(1), W = in.dim(2), D = in.dim(3), C = D / (bs * bs);
            v.shape = {B, H, bs, W, bs, C};
            v.strides = {H * W * D, W * D, bs * C, D, C, 1};
        } else {
            const int64_t B = in.dim(0), Hin = in.dim(1), Win = in.dim(2), C = in.dim(3);
            v.shape = {B, Hin / bs, Win / bs, bs, bs, C};
            v.strides = {Hin * Win * C, bs * Win * C, bs * C, Win * C, C, 1};
        }
        stridedCopy(in.data, v, ctx.output(0).data, elementSize(in.type));
        return {};
    }

private:
    bool m_toSpace;
    int m_bs = 1;
};

// Both ops see the input as 4-D [B, H, W, C] (a 3-D input [B, H, C] as [B, H, 1, C] with a
// block of 1 along W), block [bh, bw].
// SPACE_TO_BATCH_ND: out[(i*bw + j)*B + b, oh, ow, c] = in[b, oh*bh + i - top, ow*bw + j - left, c]
// or the pad value (0; the zero point for quantized tensors) outside the input.
// BATCH_TO_SPACE_ND: out[b, oh, ow, c] = in[(i*bw + j)*B + b, h, w, c] with
// oh + cropTop = h*bh + i, ow + cropLeft = w*bw + j.
class SpaceBatch : public PlannedKernel {
public:
    explicit SpaceBatch(const Operator& op) : m_toBatch(op.op == BuiltinOp::SPACE_TO_BATCH_ND) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 3, 3); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (in.rank() != 3 && in.rank() != 4) return ctx.error("input shape " + shapeText(in.shape) + " must be 3-D or 4-D");
        if (!readableOrDefer(ctx.input(1), atEval) || !readableOrDefer(ctx.input(2), atEval)) return {};
        auto block = readInts(ctx, *ctx.input(1), "block_shape");
        if (!block) return block.error();
        auto pads = readInts(ctx, *ctx.input(2), m_toBatch ? "paddings" : "crops");
        if (!pads) return pads.error();
        const size_t spatial = static_cast<size_t>(in.rank() - 2);
        if (block->size() != spatial || pads->size() != 2 * spatial)
            return ctx.error("block_shape " + valuesText(*block) + " and " + (m_toBatch ? "paddings " : "crops ") + valuesText(*pads) +
                             " must have " + std::to_string(spatial) + " and " + std::to_string(2 * spatial) + " entries for input shape " +
                             shapeText(in.shape));
        m_bh = (*block)[0];
        m_bw = spatial == 2 ? (*block)[1] : 1;
        m_top = (*pads)[0];
        m_bottom = (*pads)[1];
        m_left = spatial == 2 ? (*pads)[2] : 0;
        m_right = spatial == 2 ? (*pads)[3] : 0;
        for (int64_t v : *block)
            if (Status s = requireParam(ctx, "block_shape " + valuesText(*block) + ": an entry", v, 1, INT32_MAX); !s) return s;
        for (int64_t v : *pads)
            if (Status s = requireParam(ctx, std::string(m_toBatch ? "paddings " : "crops ") + valuesText(*pads) + ": an entry", v, 0,
                                        INT32_MAX);
                !s)
                return s;
        // All operands are in [0, 2^31): sums fit int64; products go through checkedMul.
        const int64_t B = in.dim(0), H = in.dim(1), W = spatial == 2 ? in.dim(2) : 1, C = in.dim(in.rank() - 1);
        int64_t oB, oH, oW;
        if (m_toBatch) {
            const int64_t ph = H + m_top + m_bottom, pw = W + m_left + m_right;
            if (ph % m_bh != 0 || pw % m_bw != 0)
                return ctx.error("padded spatial size " + std::to_string(ph) + "x" + std::to_string(pw) + " is not a multiple of block_shape " +
                                 valuesText(*block));
            const auto batch = checkedMul(B, m_bh * m_bw);
            if (!batch || !fitsDimension(*batch))
                return ctx.error("block_shape " + valuesText(*block) + " gives an output batch of " +
                                 (batch ? std::to_string(*batch) : std::string("more than 2^63")) + ", more than 2147483647");
            oB = *batch;
            oH = ph / m_bh;
            oW = pw / m_bw;
        } else {
            if (B % (m_bh * m_bw) != 0)
                return ctx.error("input batch " + std::to_string(B) + " is not a multiple of the block size " + std::to_string(m_bh * m_bw));
            oB = B / (m_bh * m_bw);
            oH = H * m_bh - m_top - m_bottom;
            oW = W * m_bw - m_left - m_right;
            if (oH < 0 || oW < 0) return ctx.error("crops " + valuesText(*pads) + " are larger than the spatial size");
            if (!fitsDimension(oH) || !fitsDimension(oW))
                return ctx.error("block_shape " + valuesText(*block) + " gives output spatial size " + std::to_string(oH) + "x" +
                                 std::to_string(oW) + ", more than 2147483647");

        }
        m_outShapes[0] = {static_cast<int32_t>(oB), static_cast<int32_t>(oH)};
        if (spatial == 2) m_outShapes[0].push_back(static_cast<int32_t>(oW));
        m_outShapes[0].push_back(static_cast<int32_t>(C));
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(in.type);
        const bool is4d = in.rank() == 4;
        const int64_t C = in.dim(in.rank() - 1), row = C * static_cast<int64_t>(es);
        const int64_t iB = in.dim(0), iH = in.dim(1), iW = is4d ? in.dim(2) : 1;
        const int64_t oB = out.dim(0), oH = out.dim(1), oW = is4d ? out.dim(2) : 1;
        if (m_toBatch) {
            uint8_t zero[8] = {};
            if (out.isQuantized() && out.zeroPoint() != 0) {
                const int32_t zp = out.zeroPoint();
                if (es == 1) zero[0] = static_cast<uint8_t>(zp);
                else if (es == 2) { const int16_t z = static_cast<int16_t>(zp); std::memcpy(zero, &z, 2); }
            }
            for (int64_t ob = 0; ob < oB; ++ob) {
                const int64_t b = ob % iB, blk = ob / iB, i = blk / m_bw, j = blk % m_bw;
                for (int64_t oh = 0; oh < oH; ++oh)
                    for (int64_t ow = 0; ow < oW; ++ow) {
                        uint8_t* dst = out.data + ((ob * oH + oh) * oW + ow) * row;
                        const int64_t h = oh * m_bh + i - m_top, w = ow * m_bw + j - m_left;
                        if (h < 0 || h >= iH || w < 0 || w >= iW) fillElements(dst, C, zero, es);
                        else std::memcpy(dst, in.data + ((b * iH + h) * iW + w) * row, static_cast<size_t>(row));
                    }
            }
        } else {
            for (int64_t b = 0; b < oB; ++b)
                for (int64_t oh = 0; oh < oH; ++oh)
                    for (int64_t ow = 0; ow < oW; ++ow) {
                        const int64_t fh = oh + m_top, fw = ow + m_left;
                        const int64_t h = fh / m_bh, i = fh % m_bh, w = fw / m_bw, j = fw % m_bw;
                        const int64_t ib = (i * m_bw + j) * oB + b;
                        std::memcpy(out.data + ((b * oH + oh) * oW + ow) * row, in.data + ((ib * iH + h) * iW + w) * row,
                                    static_cast<size_t>(row));
                    }
        }
        return {};
    }

private:
    bool m_toBatch;
    int64_t m_bh = 1, m_bw = 1, m_top = 0, m_bottom = 0, m_left = 0, m_right = 0;
};

} // namespace

void registerSpaceKernels(KernelRegistry& r) {
    r.add(BuiltinOp::DEPTH_TO_SPACE, 1, kMaxVersion, factoryOf<DepthSpace>());
    r.add(BuiltinOp::SPACE_TO_DEPTH, 1, kMaxVersion, factoryOf<DepthSpace>());
    r.add(BuiltinOp::SPACE_TO_BATCH_ND, 1, kMaxVersion, factoryOf<SpaceBatch>());
    r.add(BuiltinOp::BATCH_TO_SPACE_ND, 1, kMaxVersion, factoryOf<SpaceBatch>());
}

} // namespace ql::rt::shape

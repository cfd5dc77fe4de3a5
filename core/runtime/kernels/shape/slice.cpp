// SLICE and STRIDED_SLICE: one strided view of the input, generic over the element size.
// STRIDED_SLICE follows TFLite's strided_slice.cc (2023): ellipsis and new-axis masks are
// expanded into an "effective" input shape first; then, per effective dimension,
// StridedSliceStartForAxis / EndForAxis (strided_slice_logic.h) give [start, end) with
// negative indices wrapped, clamping by stride direction, begin/end masks and the `offset`
// option (end = start + end); the size is ceil((end - start) / stride), at least 0; shrunk
// dimensions have size 1 and are dropped from the output shape.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <algorithm>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

class Slice : public PlannedKernel {
public:
    explicit Slice(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 3, 3); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (!readableOrDefer(ctx.input(1), atEval) || !readableOrDefer(ctx.input(2), atEval)) return {};
        auto begin = readInts(ctx, *ctx.input(1), "begin");
        if (!begin) return begin.error();
        auto size = readInts(ctx, *ctx.input(2), "size");
        if (!size) return size.error();
        if (static_cast<int>(begin->size()) != in.rank() || static_cast<int>(size->size()) != in.rank())
            return ctx.error("begin " + valuesText(*begin) + " and size " + valuesText(*size) + " must have one entry per dimension of input shape " +
                             shapeText(in.shape));
        m_view = {};
        const auto strides = stridesOf(in.shape);
        for (int k = 0; k < in.rank(); ++k) {
            const int64_t b = (*begin)[static_cast<size_t>(k)], d = in.dim(k);
            int64_t n = (*size)[static_cast<size_t>(k)];
            if (n == -1) n = d - b;
            if (b < 0 || b > d || n < 0 || b + n > d)
                return ctx.error("begin " + valuesText(*begin) + " size " + valuesText(*size) + " is out of range for input shape " +
                                 shapeText(in.shape) + " in dimension " + std::to_string(k));
            m_view.shape.push_back(n);
            m_view.strides.push_back(strides[static_cast<size_t>(k)]);
            m_view.offset += b * strides[static_cast<size_t>(k)];
            m_outShapes[0].push_back(static_cast<int32_t>(n));
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        stridedCopy(ctx.input(0)->data, m_view, ctx.output(0).data, elementSize(ctx.input(0)->type));
        return {};
    }

private:
    StridedView m_view;
};

class StridedSlice : public PlannedKernel {
public:
    explicit StridedSlice(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 4, 4); !s) return s;
        const RtTensor& in = *ctx.input(0);
        for (size_t i = 1; i < 4; ++i)
            if (ctx.input(i)->rank() != 1)
                return ctx.error("begin, end and strides must be 1-D, but " + tensorName(*ctx.input(i)) + " has shape " +
                                 shapeText(ctx.input(i)->shape));
        if (!readableOrDefer(ctx.input(1), atEval) || !readableOrDefer(ctx.input(2), atEval) || !readableOrDefer(ctx.input(3), atEval)) return {};
        auto begin = readInts(ctx, *ctx.input(1), "begin");
        if (!begin) return begin.error();
        auto end = readInts(ctx, *ctx.input(2), "end");
        if (!end) return end.error();
        auto strides = readInts(ctx, *ctx.input(3), "strides");
        if (!strides) return strides.error();
        if (begin->size() != end->size() || begin->size() != strides->size())
            return ctx.error("begin " + valuesText(*begin) + ", end " + valuesText(*end) + " and strides " + valuesText(*strides) +
                             " must have the same length");
        return planSlice(ctx, in, *begin, *end, *strides, optionsOr<tflite::StridedSliceOptionsT>(ctx));
    }
    Status compute(KernelContext& ctx) override {
        stridedCopy(ctx.input(0)->data, m_view, ctx.output(0).data, elementSize(ctx.input(0)->type));
        return {};
    }

private:
    Status planSlice(KernelContext& ctx, const RtTensor& in, const std::vector<int64_t>& beginData, const std::vector<int64_t>& endData,
                     const std::vector<int64_t>& strideData, const tflite::StridedSliceOptionsT& o) {
        // TFLite's strided_slice.cc Prepare: at most one bit of ellipsis_mask may be set.
        if (o.ellipsis_mask & (o.ellipsis_mask - 1))
            return ctx.error("ellipsis_mask is " + std::to_string(o.ellipsis_mask) + ": more than one ellipsis");
        const int beginCount = static_cast<int>(beginData.size());
        const int inputDims = in.rank();
        const auto bit = [](int mask, int i) { return i >= 0 && i < 31 && (mask >> i) & 1; };
        // New axes that are not also ellipsis.
        int numAddAxis = 0;
        for (int i = 0; i < beginCount; ++i)
            if (!bit(o.ellipsis_mask, i) && bit(o.new_axis_mask, i)) ++numAddAxis;
        const int effectiveDims = inputDims + numAddAxis;
        if (beginCount > effectiveDims)
            return ctx.error("begin has " + std::to_string(beginCount) + " entries, more than the input's " + std::to_string(inputDims) +
                             " dimensions plus " + std::to_string(numAddAxis) + " new axes");
        if (effectiveDims > 30) return ctx.error("too many dimensions");
        // Expand the ellipsis over the dimensions that begin does not name.
        int effEllipsis = 0, effNewAxis = 0, ellipsisStart = effectiveDims, expandedEllipsis = 0;
        for (int i = 0; i < effectiveDims;) {
            if (bit(o.ellipsis_mask, i)) {
                ellipsisStart = i;
                const int ellipsisEnd = std::max(i + 1, std::min(i + 1 + numAddAxis + inputDims - beginCount, effectiveDims));
                expandedEllipsis = ellipsisEnd - ellipsisStart - 1;
                for (; i < ellipsisEnd; ++i) effEllipsis |= 1 << i;
                continue;
            }
            if (bit(o.new_axis_mask, i - expandedEllipsis)) effNewAxis |= 1 << i;
            ++i;
        }
        struct Dim {
            int64_t size, start, stop, stride;
            bool beginMask, endMask, shrink;
        };
        std::vector<Dim> dims(static_cast<size_t>(effectiveDims));
        int addedEllipsis = 0, addedAxes = 0;
        for (int i = 0; i < effectiveDims; ++i) {
            Dim& d = dims[static_cast<size_t>(i)];
            d = {0, 0, 0, 1, false, false, false};
            if (bit(effEllipsis, i)) {
                addedEllipsis = std::max(0, i - ellipsisStart);
                d.beginMask = d.endMask = true;
                d.size = in.dim(i - addedAxes);
            } else if (bit(effNewAxis, i)) {
                d.start = 0;
                d.stop = 1;
                d.size = 1;
                ++addedAxes;
            } else if (i >= beginCount + expandedEllipsis) {
                d.beginMask = d.endMask = true;
                d.size = in.dim(i - addedAxes);
            } else {
                const int orig = i - addedEllipsis;
                d.start = beginData[static_cast<size_t>(orig)];
                d.stop = endData[static_cast<size_t>(orig)];
                d.stride = strideData[static_cast<size_t>(orig)];
                d.beginMask = bit(o.begin_mask, orig);
                d.endMask = bit(o.end_mask, orig);
                d.shrink = bit(o.shrink_axis_mask, orig);
                d.size = in.dim(i - addedAxes);
            }
            if (d.stride == 0) return ctx.error("strides " + valuesText(strideData) + " has a zero stride");
        }
        // Strides of the effective shape (new axes have size 1, so memory is unchanged).
        Shape effShape;
        for (const Dim& d : dims) effShape.push_back(static_cast<int32_t>(d.size));
        const auto effStrides = stridesOf(effShape);
        m_view = {};
        for (int i = 0; i < effectiveDims; ++i) {
            const Dim& d = dims[static_cast<size_t>(i)];
            const int64_t n = d.size;
            // StridedSliceStartForAxis
            int64_t start = d.start;
            if (start < 0) start += n;
            start = d.stride > 0 ? std::clamp<int64_t>(start, 0, n) : std::clamp<int64_t>(start, -1, n - 1);
            if (d.beginMask) start = d.stride > 0 ? 0 : n - 1;
            // StridedSliceEndForAxis
            int64_t count;
            if (d.shrink) {
                if (start < 0 || start >= n)
                    return ctx.error("shrink index " + std::to_string(d.start) + " is out of range for dimension " + std::to_string(i) +
                                     " of size " + std::to_string(n) + " (input shape " + shapeText(in.shape) + ")");
                count = 1;
            } else {
                int64_t stop = d.stop;
                if (o.offset) stop += start;
                if (stop < 0) stop += n;
                stop = d.stride > 0 ? std::clamp<int64_t>(stop, 0, n) : std::clamp<int64_t>(stop, -1, n - 1);
                if (d.endMask) stop = d.stride > 0 ? n : -1;
                // ceil((stop - start) / stride), at least 0
                const int64_t span = d.stride > 0 ? stop - start : start - stop;
                const int64_t step = d.stride > 0 ? d.stride : -d.stride;
                count = span <= 0 ? 0 : (span + step - 1) / step;
                m_outShapes[0].push_back(static_cast<int32_t>(count));
            }
            m_view.shape.push_back(count);
            m_view.strides.push_back(effStrides[static_cast<size_t>(i)] * d.stride);
            if (count > 0) m_view.offset += start * effStrides[static_cast<size_t>(i)];
        }
        return {};
    }

    StridedView m_view;
};

} // namespace

void registerSliceKernels(KernelRegistry& r) {
    r.add(BuiltinOp::SLICE, 1, kMaxVersion, factoryOf<Slice>());
    r.add(BuiltinOp::STRIDED_SLICE, 1, kMaxVersion, factoryOf<StridedSlice>());
}

} // namespace ql::rt::shape

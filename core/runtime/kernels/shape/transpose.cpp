// TRANSPOSE, REVERSE_V2, TILE, BROADCAST_TO: each one strided view of the input copied in
// output order (stridedCopy), generic over the element size.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;
constexpr int kMaxTransposeRank = 6; // TFLite's transpose supports up to 6-D

class Transpose : public PlannedKernel {
public:
    explicit Transpose(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 2, 2); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (in.rank() > kMaxTransposeRank)
            return ctx.error("input shape " + shapeText(in.shape) + " has rank " + std::to_string(in.rank()) + ", at most 6 is supported");
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto perm = readInts(ctx, *ctx.input(1), "perm");
        if (!perm) return perm.error();
        if (static_cast<int>(perm->size()) != in.rank())
            return ctx.error("perm " + valuesText(*perm) + " has " + std::to_string(perm->size()) + " entries, expected the input rank " +
                             std::to_string(in.rank()));
        std::vector<bool> seen(perm->size(), false);
        m_perm.clear();
        for (int64_t p : *perm) {
            if (p < 0 || p >= in.rank() || seen[static_cast<size_t>(p)])
                return ctx.error("perm " + valuesText(*perm) + " is not a permutation of 0.." + std::to_string(in.rank() - 1));
            seen[static_cast<size_t>(p)] = true;
            m_perm.push_back(static_cast<int>(p));
            m_outShapes[0].push_back(in.shape[static_cast<size_t>(p)]);
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const auto inStrides = stridesOf(in.shape);
        StridedView v;
        for (int p : m_perm) {
            v.shape.push_back(in.shape[static_cast<size_t>(p)]);
            v.strides.push_back(inStrides[static_cast<size_t>(p)]);
        }
        stridedCopy(in.data, v, ctx.output(0).data, elementSize(in.type));
        return {};
    }

private:
    std::vector<int> m_perm;
};

class ReverseV2 : public PlannedKernel {
public:
    explicit ReverseV2(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 2, 2); !s) return s;
        const RtTensor& in = *ctx.input(0);
        m_outShapes[0] = in.shape;
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto axes = readInts(ctx, *ctx.input(1), "axis");
        if (!axes) return axes.error();
        m_reverse.assign(in.shape.size(), false);
        for (int64_t a : *axes) {
            auto axis = checkedAxis(ctx, a, in, in.rank());
            if (!axis) return axis.error();
            m_reverse[static_cast<size_t>(*axis)] = true;
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        StridedView v;
        const auto strides = stridesOf(in.shape);
        for (size_t i = 0; i < in.shape.size(); ++i) {
            v.shape.push_back(in.shape[i]);
            const bool rev = m_reverse[i] && in.shape[i] > 0;
            v.strides.push_back(rev ? -strides[i] : strides[i]);
            if (rev) v.offset += (in.shape[i] - 1) * strides[i];
        }
        stridedCopy(in.data, v, ctx.output(0).data, elementSize(in.type));
        return {};
    }

private:
    std::vector<bool> m_reverse;
};

// TILE: output dim i = input dim i * multiples[i]. In row-major order the output equals the
// input viewed as [m0, d0, m1, d1, ...] with stride 0 on every m.
class Tile : public PlannedKernel {
public:
    explicit Tile(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 2, 2); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto m = readInts(ctx, *ctx.input(1), "multiples");
        if (!m) return m.error();
        if (static_cast<int>(m->size()) != in.rank())
            return ctx.error("multiples " + valuesText(*m) + " has " + std::to_string(m->size()) + " entries, expected the input rank " +
                             std::to_string(in.rank()));
        m_multiples.clear();
        for (size_t i = 0; i < m->size(); ++i) {
            const int64_t d = int64_t(in.shape[i]) * (*m)[i];
            if ((*m)[i] < 0 || d > INT32_MAX) return ctx.error("multiples " + valuesText(*m) + " is negative or too large");
            m_multiples.push_back((*m)[i]);
            m_outShapes[0].push_back(static_cast<int32_t>(d));
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const auto strides = stridesOf(in.shape);
        StridedView v;
        for (size_t i = 0; i < in.shape.size(); ++i) {
            v.shape.insert(v.shape.end(), {m_multiples[i], in.shape[i]});
            v.strides.insert(v.strides.end(), {0, strides[i]});
        }
        stridedCopy(in.data, v, ctx.output(0).data, elementSize(in.type));
        return {};
    }

private:
    std::vector<int64_t> m_multiples;
};

class BroadcastTo : public PlannedKernel {
public:
    explicit BroadcastTo(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 2, 2); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto target = readInts(ctx, *ctx.input(1), "shape");
        if (!target) return target.error();
        const std::string cannot = "cannot broadcast input shape " + shapeText(in.shape) + " to " + valuesText(*target);
        if (target->size() < in.shape.size()) return ctx.error(cannot + ": the target has a lower rank");
        const size_t lead = target->size() - in.shape.size();
        for (size_t i = 0; i < target->size(); ++i) {
            const int64_t t = (*target)[i];
            if (t < 0 || t > INT32_MAX) return ctx.error(cannot);
            if (i >= lead && in.shape[i - lead] != t && in.shape[i - lead] != 1) return ctx.error(cannot);
            m_outShapes[0].push_back(static_cast<int32_t>(t));
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        StridedView v;
        v.shape.assign(out.shape.begin(), out.shape.end());
        v.strides = broadcastStrides(in.shape, out.shape);
        stridedCopy(in.data, v, out.data, elementSize(in.type));
        return {};
    }
};

} // namespace

void registerTransposeKernels(KernelRegistry& r) {
    r.add(BuiltinOp::TRANSPOSE, 1, kMaxVersion, factoryOf<Transpose>());
    r.add(BuiltinOp::REVERSE_V2, 1, kMaxVersion, factoryOf<ReverseV2>());
    r.add(BuiltinOp::TILE, 1, kMaxVersion, factoryOf<Tile>());
    r.add(BuiltinOp::BROADCAST_TO, 1, kMaxVersion, factoryOf<BroadcastTo>());
}

} // namespace ql::rt::shape

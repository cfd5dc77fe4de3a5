// SELECT and SELECT_V2: out = condition ? x : y, element by element, generic over the
// element size. SELECT_V2 broadcasts all three inputs (numpy rules); SELECT (v1) needs equal
// shapes, or a 1-D condition that selects whole rows along the first dimension.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

class Select : public PlannedKernel {
public:
    explicit Select(const Operator& op) : m_v2(op.op == BuiltinOp::SELECT_V2) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(3, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& cond = *ctx.input(0);
        const RtTensor& x = *ctx.input(1);
        const RtTensor& y = *ctx.input(2);
        if (cond.type != TensorType::BOOL)
            return ctx.error("condition " + tensorName(cond) + " is " + std::string(typeName(cond.type)) + ", expected bool");
        if (x.type != y.type)
            return ctx.error("x is " + std::string(typeName(x.type)) + " but y is " + std::string(typeName(y.type)) + ", expected the same type");
        if (elementSize(x.type) == 0) return ctx.error("input type " + std::string(typeName(x.type)) + " is not supported");
        if (Status s = requireSameType(ctx, x, ctx.output(0), "x"); !s) return s;
        if (x.isQuantized() && (!sameQuantization(x, y) || !sameQuantization(x, ctx.output(0))))
            return ctx.error("x, y and the output must share scale and zero point (x: " + std::to_string(x.scale()) + "/" +
                             std::to_string(x.zeroPoint()) + ", y: " + (y.isQuantized() ? std::to_string(y.scale()) : "none") + ")");
        Shape out;
        if (m_v2) {
            Shape xy;
            if (!broadcastShapes(x.shape, y.shape, xy) || !broadcastShapes(cond.shape, xy, out))
                return ctx.error("cannot broadcast condition " + shapeText(cond.shape) + ", x " + shapeText(x.shape) + " and y " +
                                 shapeText(y.shape) + " together");
        } else {
            if (x.shape != y.shape)
                return ctx.error("x shape " + shapeText(x.shape) + " and y shape " + shapeText(y.shape) + " differ (SELECT does not broadcast)");
            const bool rowSelect = cond.rank() == 1 && x.rank() >= 1 && cond.dim(0) == x.dim(0);
            if (cond.shape != x.shape && !rowSelect)
                return ctx.error("condition shape " + shapeText(cond.shape) + " must equal x shape " + shapeText(x.shape) +
                                 " or be 1-D with its first dimension");
            out = x.shape;
        }
        m_outShapes[0] = out;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& cond = *ctx.input(0);
        const RtTensor& x = *ctx.input(1);
        const RtTensor& y = *ctx.input(2);
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(x.type);
        const int64_t n = out.elementCount();
        if (n == 0) return {};
        std::vector<int64_t> sc;
        if (!m_v2 && cond.shape != x.shape) { // 1-D row condition over the first dimension
            sc.assign(out.shape.size(), 0);
            sc[0] = 1;
        } else {
            sc = broadcastStrides(cond.shape, out.shape);
        }
        const auto sx = broadcastStrides(x.shape, out.shape), sy = broadcastStrides(y.shape, out.shape);
        const size_t rank = out.shape.size();
        std::vector<int64_t> idx(rank, 0);
        int64_t oc = 0, ox = 0, oy = 0;
        const bool* c = cond.as<bool>();
        for (int64_t e = 0; e < n; ++e) {
            const uint8_t* src = c[oc] ? x.data + ox * static_cast<int64_t>(es) : y.data + oy * static_cast<int64_t>(es);
            std::memcpy(out.data + e * static_cast<int64_t>(es), src, es);
            for (size_t k = rank; k-- > 0;) {
                oc += sc[k];
                ox += sx[k];
                oy += sy[k];
                if (++idx[k] < out.shape[k]) break;
                oc -= sc[k] * out.shape[k];
                ox -= sx[k] * out.shape[k];
                oy -= sy[k] * out.shape[k];
                idx[k] = 0;
            }
        }
        return {};
    }

private:
    bool m_v2;
};

} // namespace

void registerSelectKernels(KernelRegistry& r) {
    r.add(BuiltinOp::SELECT, 1, kMaxVersion, factoryOf<Select>());
    r.add(BuiltinOp::SELECT_V2, 1, kMaxVersion, factoryOf<Select>());
}

} // namespace ql::rt::shape

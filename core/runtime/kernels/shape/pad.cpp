// PAD, PADV2 (constant padding) and MIRROR_PAD (REFLECT / SYMMETRIC), generic over the
// element size. The pad value of PAD on a quantized tensor is the output zero point (the
// quantized 0.0, as TFLite's pad.cc); PADV2 takes its constant input's bytes as they are.
#include "runtime/kernels/ParamChecks.h"
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

// Reads paddings [rank, 2] into before/after; checks rank and signs.
Status readPaddings(const KernelContext& ctx, const RtTensor& in, const RtTensor& paddings, std::vector<int64_t>& before,
                    std::vector<int64_t>& after) {
    auto p = readInts(ctx, paddings, "paddings");
    if (!p) return p.error();
    if (paddings.rank() != 2 || paddings.dim(0) != in.rank() || paddings.dim(1) != 2)
        return ctx.error("paddings " + tensorName(paddings) + " has shape " + shapeText(paddings.shape) + ", expected [" +
                         std::to_string(in.rank()) + ",2]");
    before.clear();
    after.clear();
    for (int i = 0; i < in.rank(); ++i) {
        before.push_back((*p)[static_cast<size_t>(2 * i)]);
        after.push_back((*p)[static_cast<size_t>(2 * i + 1)]);
        // int64 paddings may exceed any dimension; TFLite's pad.cc reads them as int.
        for (const auto& [side, v] : {std::pair{"before", before.back()}, std::pair{"after", after.back()}})
            if (Status s = requireParam(ctx, "paddings " + tensorName(paddings) + " dimension " + std::to_string(i) + " " + side, v, 0,
                                        INT32_MAX);
                !s)
                return s;
    }
    return {};
}

class Pad : public PlannedKernel {
public:
    explicit Pad(const Operator& op) : m_v2(op.op == BuiltinOp::PADV2) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, m_v2 ? 3 : 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        if (elementSize(in.type) == 0) return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported");
        if (Status s = requireSameType(ctx, in, out); !s) return s;
        if (Status s = requireSameQuantization(ctx, in, out); !s) return s;
        const RtTensor* value = ctx.input(2);
        if (value) {
            if (value->type != in.type)
                return ctx.error("constant_values " + tensorName(*value) + " is " + std::string(typeName(value->type)) + ", expected " +
                                 std::string(typeName(in.type)));
            if (value->elementCount() != 1)
                return ctx.error("constant_values " + tensorName(*value) + " must hold one value, but has shape " + shapeText(value->shape));
            // TFLite's pad.cc: a quantized pad value must share the output's scale and zero point.
            if (out.isQuantized() && !sameQuantization(*value, out))
                return ctx.error("constant_values " + tensorName(*value) + " must have the output's scale " + std::to_string(out.scale()) +
                                 " and zero point " + std::to_string(out.zeroPoint()));
        }
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        if (Status s = readPaddings(ctx, in, *ctx.input(1), m_before, m_after); !s) return s;
        for (int i = 0; i < in.rank(); ++i) {
            // Each term is in [0, 2^31): the sum fits int64.
            auto d = outputDim(ctx, int64_t(in.dim(i)) + m_before[size_t(i)] + m_after[size_t(i)],
                               "paddings " + tensorName(*ctx.input(1)), ("dimension " + std::to_string(i)).c_str());
            if (!d) return d.error();
            m_outShapes[0].push_back(*d);
        }
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(in.type);
        // The pad value: PADV2's constant, else 0 (the zero point for quantized tensors).
        uint8_t value[8] = {};
        if (ctx.input(2)) {
            std::memcpy(value, ctx.input(2)->data, es);
        } else if (out.isQuantized() && out.zeroPoint() != 0) {
            const int32_t zp = out.zeroPoint();
            if (es == 1) value[0] = static_cast<uint8_t>(zp);
            else if (es == 2) { const int16_t z = static_cast<int16_t>(zp); std::memcpy(value, &z, 2); }
            else if (es == 4) std::memcpy(value, &zp, 4);
        }
        fillElements(out.data, out.elementCount(), value, es);
        if (in.elementCount() == 0) return {};
        // Copy the input rows into the interior window.
        const int rank = in.rank();
        if (rank == 0) {
            std::memcpy(out.data, in.data, es);
            return {};
        }
        const auto outStrides = stridesOf(out.shape);
        const int64_t rowBytes = in.dim(rank - 1) * static_cast<int64_t>(es);
        std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
        const uint8_t* src = in.data;
        while (true) {
            int64_t off = m_before[static_cast<size_t>(rank - 1)];
            for (int k = 0; k < rank - 1; ++k) off += (idx[static_cast<size_t>(k)] + m_before[static_cast<size_t>(k)]) * outStrides[static_cast<size_t>(k)];
            std::memcpy(out.data + off * static_cast<int64_t>(es), src, static_cast<size_t>(rowBytes));
            src += rowBytes;
            int k = rank - 2;
            for (; k >= 0; --k) {
                if (++idx[static_cast<size_t>(k)] < in.dim(k)) break;
                idx[static_cast<size_t>(k)] = 0;
            }
            if (k < 0) break;
        }
        return {};
    }

private:
    bool m_v2;
    std::vector<int64_t> m_before, m_after;
};

// MIRROR_PAD: output index o along a dimension of size d with `before` padding reads input
// index i = o - before, mirrored: REFLECT excludes the edge (i < 0 -> -i, i >= d -> 2d-2-i),
// SYMMETRIC repeats it (i < 0 -> -i-1, i >= d -> 2d-1-i). Padding <= d-1 (REFLECT) or d.
class MirrorPad : public PlannedKernel {
public:
    explicit MirrorPad(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (elementSize(in.type) == 0) return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported");
        if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
        if (Status s = requireSameQuantization(ctx, in, ctx.output(0)); !s) return s;
        m_symmetric = optionsOr<tflite::MirrorPadOptionsT>(ctx).mode == tflite::MirrorPadMode::SYMMETRIC;
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        std::vector<int64_t> before, after;
        if (Status s = readPaddings(ctx, in, *ctx.input(1), before, after); !s) return s;
        const int64_t slack = m_symmetric ? 0 : 1;
        m_maps.assign(static_cast<size_t>(in.rank()), {});
        for (int k = 0; k < in.rank(); ++k) {
            const int64_t d = in.dim(k), b = before[static_cast<size_t>(k)], a = after[static_cast<size_t>(k)];
            if (b > d - slack || a > d - slack)
                return ctx.error("paddings " + std::to_string(b) + "," + std::to_string(a) + " of dimension " + std::to_string(k) +
                                 " exceed " + std::to_string(d - slack) + " for " + (m_symmetric ? "SYMMETRIC" : "REFLECT") +
                                 " mode (input shape " + shapeText(in.shape) + ")");
            auto& map = m_maps[static_cast<size_t>(k)];
            for (int64_t o = 0; o < b + d + a; ++o) {
                int64_t i = o - b;
                if (i < 0) i = m_symmetric ? -i - 1 : -i;
                else if (i >= d) i = m_symmetric ? 2 * d - 1 - i : 2 * d - 2 - i;
                map.push_back(i);
            }
            m_outShapes[0].push_back(static_cast<int32_t>(map.size()));
        }
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(in.type);
        const int64_t n = out.elementCount();
        if (n == 0) return {};
        const int rank = out.rank();
        const auto inStrides = stridesOf(in.shape);
        std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
        for (int64_t e = 0; e < n; ++e) {
            int64_t src = 0;
            for (int k = 0; k < rank; ++k) src += m_maps[static_cast<size_t>(k)][static_cast<size_t>(idx[static_cast<size_t>(k)])] * inStrides[static_cast<size_t>(k)];
            std::memcpy(out.data + e * static_cast<int64_t>(es), in.data + src * static_cast<int64_t>(es), es);
            for (int k = rank - 1; k >= 0; --k) {
                if (++idx[static_cast<size_t>(k)] < out.dim(k)) break;
                idx[static_cast<size_t>(k)] = 0;
            }
        }
        return {};
    }

private:
    bool m_symmetric = false;
    std::vector<std::vector<int64_t>> m_maps;
};

} // namespace

void registerPadKernels(KernelRegistry& r) {
    r.add(BuiltinOp::PAD, 1, kMaxVersion, factoryOf<Pad>());
    r.add(BuiltinOp::PADV2, 1, kMaxVersion, factoryOf<Pad>());
    r.add(BuiltinOp::MIRROR_PAD, 1, kMaxVersion, factoryOf<MirrorPad>());
}

} // namespace ql::rt::shape

// CONCATENATION, PACK (joining) and SPLIT, SPLIT_V, UNPACK (cutting) along one axis: with
// outer = prod(shape[:axis]), each input/output contributes one contiguous chunk per outer
// index. Generic over the element size, except CONCATENATION of uint8 inputs whose
// quantization differs from the output's (requantized as TFLite's ConcatenationWithScaling).
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

class Concatenation : public PlannedKernel {
public:
    explicit Concatenation(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1 << 20); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const auto opts = optionsOr<tflite::ConcatenationOptionsT>(ctx);
        const RtTensor& t0 = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        if (elementSize(t0.type) == 0) return ctx.error("input type " + std::string(typeName(t0.type)) + " is not supported");
        if (Status s = requireSameType(ctx, t0, out); !s) return s;
        auto a = checkedAxis(ctx, opts.axis, t0, t0.rank());
        if (!a) return a.error();
        m_axis = *a;
        Shape shape = t0.shape;
        m_requantize.assign(ctx.inputCount(), false);
        for (size_t i = 0; i < ctx.inputCount(); ++i) {
            const RtTensor* t = ctx.input(i);
            if (!t) return ctx.error("input " + std::to_string(i) + " is omitted");
            if (t->type != t0.type)
                return ctx.error("input " + std::to_string(i) + " " + tensorName(*t) + " is " + std::string(typeName(t->type)) +
                                 ", expected " + std::string(typeName(t0.type)));
            bool match = t->rank() == t0.rank();
            for (int d = 0; match && d < t0.rank(); ++d) match = d == m_axis || t->dim(d) == t0.dim(d);
            if (!match)
                return ctx.error("input " + std::to_string(i) + " has shape " + shapeText(t->shape) + ", expected " + shapeText(t0.shape) +
                                 " except along axis " + std::to_string(m_axis));
            if (i > 0) shape[static_cast<size_t>(m_axis)] += t->dim(m_axis);
            if (t->isQuantized() && out.isQuantized() && !sameQuantization(*t, out)) {
                // TFLite requantizes uint8 inputs; its int8/int16 kernels require equal parameters.
                if (t0.type != TensorType::UINT8)
                    return ctx.error("input " + std::to_string(i) + " " + tensorName(*t) + " has scale " + std::to_string(t->scale()) +
                                     " zero point " + std::to_string(t->zeroPoint()) + ", expected the output's scale " +
                                     std::to_string(out.scale()) + " zero point " + std::to_string(out.zeroPoint()));
                m_requantize[i] = true;
            }
        }
        m_act = opts.fused_activation_function;
        if (m_act != Activation::NONE) {
            if (t0.type == TensorType::FLOAT32) {
                std::tie(m_fmin, m_fmax) = activationRangeFloat(m_act);
            } else if (out.isQuantized()) {
                std::tie(m_qmin, m_qmax) = activationRangeQuantized(m_act, out.scale(), out.zeroPoint(), out.type);
            } else {
                return ctx.error("fused activation " + std::string(activationName(m_act)) + " needs a float or quantized output");
            }
        }
        m_outShapes[0] = shape;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(out.type);
        const int64_t outer = product(out.shape, 0, static_cast<size_t>(m_axis));
        const int64_t inner = product(out.shape, static_cast<size_t>(m_axis) + 1, out.shape.size());
        uint8_t* dst = out.data;
        for (int64_t o = 0; o < outer; ++o) {
            for (size_t i = 0; i < ctx.inputCount(); ++i) {
                const RtTensor& in = *ctx.input(i);
                const int64_t chunk = in.dim(m_axis) * inner;
                const uint8_t* src = in.data + o * chunk * static_cast<int64_t>(es);
                if (m_requantize[i]) requantizeUint8(in, out, src, dst, chunk);
                else if (chunk) std::memcpy(dst, src, static_cast<size_t>(chunk) * es);
                dst += chunk * static_cast<int64_t>(es);
            }
        }
        if (m_act != Activation::NONE) applyActivation(out);
        return {};
    }

private:
    // TFLite's ConcatenationWithScaling: q_out = round(q_in * s + b) + zp_out in float, with
    // s = s_in / s_out (as s_in * (1 / s_out)) and b = -zp_in * s, clamped to [0, 255].
    static void requantizeUint8(const RtTensor& in, const RtTensor& out, const uint8_t* src, uint8_t* dst, int64_t n) {
        const float inverseOutputScale = 1.f / out.scale();
        const float scale = in.scale() * inverseOutputScale;
        const float bias = -static_cast<float>(in.zeroPoint()) * scale;
        for (int64_t j = 0; j < n; ++j) {
            const int32_t v = static_cast<int32_t>(std::round(src[j] * scale + bias)) + out.zeroPoint();
            dst[j] = static_cast<uint8_t>(std::clamp(v, 0, 255));
        }
    }
    void applyActivation(RtTensor& out) const {
        const int64_t n = out.elementCount();
        switch (out.type) {
        case TensorType::FLOAT32:
            for (float& v : out.values<float>()) v = std::clamp(v, m_fmin, m_fmax);
            break;
        case TensorType::INT8:
            for (int64_t i = 0; i < n; ++i) out.as<int8_t>()[i] = static_cast<int8_t>(std::clamp<int32_t>(out.as<int8_t>()[i], m_qmin, m_qmax));
            break;
        case TensorType::UINT8:
            for (int64_t i = 0; i < n; ++i) out.as<uint8_t>()[i] = static_cast<uint8_t>(std::clamp<int32_t>(out.as<uint8_t>()[i], m_qmin, m_qmax));
            break;
        case TensorType::INT16:
            for (int64_t i = 0; i < n; ++i) out.as<int16_t>()[i] = static_cast<int16_t>(std::clamp<int32_t>(out.as<int16_t>()[i], m_qmin, m_qmax));
            break;
        default: break;
        }
    }

    int m_axis = 0;
    std::vector<bool> m_requantize;
    Activation m_act = Activation::NONE;
    float m_fmin = 0, m_fmax = 0;
    int32_t m_qmin = 0, m_qmax = 0;
};

// Cuts `in` along `axis` into outputs of sizes[i] along that axis.
void splitAlong(const RtTensor& in, int axis, KernelContext& ctx) {
    const size_t es = elementSize(in.type);
    const int64_t outer = product(in.shape, 0, static_cast<size_t>(axis));
    const int64_t inner = product(in.shape, static_cast<size_t>(axis) + 1, in.shape.size());
    const uint8_t* src = in.data;
    for (int64_t o = 0; o < outer; ++o) {
        for (size_t i = 0; i < ctx.outputCount(); ++i) {
            RtTensor& out = ctx.output(i);
            const int64_t chunk = (out.rank() == in.rank() ? out.dim(axis) : 1) * inner;
            if (chunk) std::memcpy(out.data + o * chunk * static_cast<int64_t>(es), src, static_cast<size_t>(chunk) * es);
            src += chunk * static_cast<int64_t>(es);
        }
    }
}

Status checkOutputsLikeInput(KernelContext& ctx, const RtTensor& in) {
    if (elementSize(in.type) == 0) return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported");
    for (size_t i = 0; i < ctx.outputCount(); ++i)
        if (Status s = requireSameType(ctx, in, ctx.output(i)); !s) return s;
    return {};
}

// SPLIT and SPLIT_V: the outputs are consecutive parts of the value input along m_axis.
class SplitBase : public PlannedKernel {
protected:
    explicit SplitBase(size_t valueInput) : m_valueInput(valueInput) {}
    // Output i: the input's shape with sizes[i] along m_axis.
    void planParts(const RtTensor& in, std::span<const int64_t> sizes) {
        for (size_t i = 0; i < sizes.size(); ++i) {
            m_outShapes[i] = in.shape;
            m_outShapes[i][static_cast<size_t>(m_axis)] = static_cast<int32_t>(sizes[i]);
        }
    }
    Status compute(KernelContext& ctx) final {
        splitAlong(*ctx.input(m_valueInput), m_axis, ctx);
        return {};
    }

    int m_axis = 0;

private:
    size_t m_valueInput;
};

// SPLIT: inputs (axis, value); num_splits equal parts.
class Split : public SplitBase {
public:
    explicit Split(const Operator&) : SplitBase(1) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        const RtTensor& in = *ctx.input(1);
        const int n = optionsOr<tflite::SplitOptionsT>(ctx).num_splits;
        if (n <= 0 || static_cast<size_t>(n) != ctx.outputCount())
            return ctx.error("num_splits is " + std::to_string(n) + " but the operator has " + std::to_string(ctx.outputCount()) + " outputs");
        if (Status s = checkOutputsLikeInput(ctx, in); !s) return s;
        if (!readableOrDefer(ctx.input(0), atEval)) return {};
        auto a = readAxis(ctx, *ctx.input(0), in);
        if (!a) return a.error();
        m_axis = *a;
        if (in.dim(m_axis) % n != 0)
            return ctx.error("cannot split dimension " + std::to_string(m_axis) + " of input shape " + shapeText(in.shape) + " into " +
                             std::to_string(n) + " equal parts");
        planParts(in, std::vector<int64_t>(static_cast<size_t>(n), in.dim(m_axis) / n));
        return {};
    }
};

// SPLIT_V: inputs (value, size_splits, axis); one size may be -1 (the rest).
class SplitV : public SplitBase {
public:
    explicit SplitV(const Operator&) : SplitBase(0) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(3, 3); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = checkOutputsLikeInput(ctx, in); !s) return s;
        if (!readableOrDefer(ctx.input(1), atEval) || !readableOrDefer(ctx.input(2), atEval)) return {};
        auto a = readAxis(ctx, *ctx.input(2), in);
        if (!a) return a.error();
        m_axis = *a;
        auto sizes = readInts(ctx, *ctx.input(1), "size_splits");
        if (!sizes) return sizes.error();
        if (sizes->size() != ctx.outputCount())
            return ctx.error("size_splits " + valuesText(*sizes) + " has " + std::to_string(sizes->size()) + " entries, but the operator has " +
                             std::to_string(ctx.outputCount()) + " outputs");
        int64_t known = 0;
        int minusOne = -1;
        for (size_t i = 0; i < sizes->size(); ++i) {
            if ((*sizes)[i] == -1 && minusOne < 0) minusOne = static_cast<int>(i);
            else if ((*sizes)[i] < 0) return ctx.error("size_splits " + valuesText(*sizes) + " has a negative size");
            else known += (*sizes)[i];
        }
        const int64_t dim = in.dim(m_axis);
        if (minusOne >= 0) {
            if (known > dim) return ctx.error("size_splits " + valuesText(*sizes) + " exceeds dimension size " + std::to_string(dim));
            (*sizes)[static_cast<size_t>(minusOne)] = dim - known;
        } else if (known != dim) {
            return ctx.error("size_splits " + valuesText(*sizes) + " sums to " + std::to_string(known) + ", expected dimension " +
                             std::to_string(m_axis) + " of input shape " + shapeText(in.shape));
        }
        planParts(in, *sizes);
        return {};
    }
};

class Pack : public PlannedKernel {
public:
    explicit Pack(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1 << 20); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const auto opts = optionsOr<tflite::PackOptionsT>(ctx);
        const RtTensor& t0 = *ctx.input(0);
        if (Status s = checkOutputsLikeInput(ctx, t0); !s) return s;
        if (opts.values_count != static_cast<int>(ctx.inputCount()))
            return ctx.error("values_count is " + std::to_string(opts.values_count) + " but the operator has " +
                             std::to_string(ctx.inputCount()) + " inputs");
        for (size_t i = 1; i < ctx.inputCount(); ++i) {
            const RtTensor* t = ctx.input(i);
            if (!t || t->shape != t0.shape || t->type != t0.type)
                return ctx.error("input " + std::to_string(i) + " must have input 0's type and shape " + shapeText(t0.shape));
        }
        auto a = checkedAxis(ctx, opts.axis, t0, t0.rank() + 1);
        if (!a) return a.error();
        m_axis = *a;
        m_outShapes[0] = t0.shape;
        m_outShapes[0].insert(m_outShapes[0].begin() + m_axis, static_cast<int32_t>(ctx.inputCount()));
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& t0 = *ctx.input(0);
        const size_t es = elementSize(t0.type);
        const int64_t outer = product(t0.shape, 0, static_cast<size_t>(m_axis));
        const int64_t chunk = product(t0.shape, static_cast<size_t>(m_axis), t0.shape.size()) * static_cast<int64_t>(es);
        uint8_t* dst = ctx.output(0).data;
        for (int64_t o = 0; o < outer; ++o)
            for (size_t i = 0; i < ctx.inputCount(); ++i) {
                if (chunk) std::memcpy(dst, ctx.input(i)->data + o * chunk, static_cast<size_t>(chunk));
                dst += chunk;
            }
        return {};
    }

private:
    int m_axis = 0;
};

class Unpack : public PlannedKernel {
public:
    explicit Unpack(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        const auto opts = optionsOr<tflite::UnpackOptionsT>(ctx);
        const RtTensor& in = *ctx.input(0);
        if (Status s = checkOutputsLikeInput(ctx, in); !s) return s;
        auto a = checkedAxis(ctx, opts.axis, in, in.rank());
        if (!a) return a.error();
        m_axis = *a;
        if (in.dim(m_axis) != static_cast<int>(ctx.outputCount()))
            return ctx.error("dimension " + std::to_string(m_axis) + " of input shape " + shapeText(in.shape) + " is " +
                             std::to_string(in.dim(m_axis)) + ", but the operator has " + std::to_string(ctx.outputCount()) + " outputs");
        Shape s = in.shape;
        s.erase(s.begin() + m_axis);
        for (auto& o : m_outShapes) o = s;
        return {};
    }
    Status compute(KernelContext& ctx) override {
        splitAlong(*ctx.input(0), m_axis, ctx);
        return {};
    }

private:
    int m_axis = 0;
};

} // namespace

void registerConcatKernels(KernelRegistry& r) {
    r.add(BuiltinOp::CONCATENATION, 1, kMaxVersion, factoryOf<Concatenation>());
    r.add(BuiltinOp::SPLIT, 1, kMaxVersion, factoryOf<Split>());
    r.add(BuiltinOp::SPLIT_V, 1, kMaxVersion, factoryOf<SplitV>());
    r.add(BuiltinOp::PACK, 1, kMaxVersion, factoryOf<Pack>());
    r.add(BuiltinOp::UNPACK, 1, kMaxVersion, factoryOf<Unpack>());
}

} // namespace ql::rt::shape

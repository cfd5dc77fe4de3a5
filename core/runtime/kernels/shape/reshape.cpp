// RESHAPE, SQUEEZE, EXPAND_DIMS: same bytes, new shape. SHAPE, RANK: the shape as data.
// FILL, ZEROS_LIKE: constant outputs. All generic over the element size.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"
#include "util/CheckedMath.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

// The output shape of RESHAPE from a requested shape with at most one -1 (TFLite reshape.cc:
// a 0 is a zero-sized dimension, -1 takes what is left).
Status inferShape(const KernelContext& ctx, std::span<const int64_t> requested, int64_t inputCount, Shape& out) {
    out.clear();
    int stretch = -1;
    int64_t known = 1;
    for (size_t i = 0; i < requested.size(); ++i) {
        const int64_t d = requested[i];
        if (d == -1) {
            if (stretch != -1)
                return ctx.error("cannot reshape " + std::to_string(inputCount) + " elements into " + valuesText(requested) +
                                 ": more than one -1");
            stretch = static_cast<int>(i);
            out.push_back(1);
        } else if (d < 0 || d > INT32_MAX) {
            return ctx.error("cannot reshape " + std::to_string(inputCount) + " elements into " + valuesText(requested) +
                             ": dimension " + std::to_string(i) + " is " + std::to_string(d));
        } else {
            out.push_back(static_cast<int32_t>(d));
            // The product of up to 16 dimensions below 2^31 can pass int64: checked.
            const auto product = checkedMul(known, d);
            if (!product)
                return ctx.error("cannot reshape " + std::to_string(inputCount) + " elements into " + valuesText(requested) +
                                 ": the element count overflows");
            known = *product;
        }
    }
    if (stretch != -1) {
        if (known == 0 || inputCount % known != 0)
            return ctx.error("cannot reshape " + std::to_string(inputCount) + " elements into " + valuesText(requested));
        out[static_cast<size_t>(stretch)] = static_cast<int32_t>(inputCount / known);
        known *= out[static_cast<size_t>(stretch)];
    }
    if (known != inputCount)
        return ctx.error("cannot reshape " + std::to_string(inputCount) + " elements into " + valuesText(requested));
    return {};
}

class Reshape : public ReshapeLikeKernel {
public:
    explicit Reshape(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(1, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
        // The shape input wins when it is a 1-D int32/int64 vector (TFLite's ShapeIsVector).
        const RtTensor* shapeIn = ctx.input(1);
        std::vector<int64_t> requested;
        if (shapeIn && shapeIn->rank() == 1 && (shapeIn->type == TensorType::INT32 || shapeIn->type == TensorType::INT64)) {
            if (!readableOrDefer(shapeIn, atEval)) return {};
            auto v = readInts(ctx, *shapeIn, "shape");
            if (!v) return v.error();
            requested = std::move(*v);
        } else if (const auto* o = ctx.options<tflite::ReshapeOptionsT>()) {
            requested.assign(o->new_shape.begin(), o->new_shape.end());
            if (requested.size() == 1 && requested[0] == 0) requested.clear(); // legacy: [0] means a scalar
        } else if (!shapeIn) {
            return ctx.error("has neither a shape input nor a new_shape option");
        } else {
            return ctx.error("shape input " + tensorName(*shapeIn) + " must be a 1-D int32 vector, but has shape " +
                             shapeText(shapeIn->shape));
        }
        return inferShape(ctx, requested, in.elementCount(), m_outShapes[0]);
    }
};

class Squeeze : public ReshapeLikeKernel {
public:
    explicit Squeeze(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
        const auto opts = optionsOr<tflite::SqueezeOptionsT>(ctx);
        std::vector<bool> drop(in.shape.size(), false);
        if (opts.squeeze_dims.empty()) {
            for (size_t i = 0; i < in.shape.size(); ++i) drop[i] = in.shape[i] == 1;
        } else {
            for (int32_t d : opts.squeeze_dims) {
                const int axis = normalizeAxis(d, in.rank());
                if (axis < 0)
                    return ctx.error("squeeze dimension " + std::to_string(d) + " is out of range for input shape " + shapeText(in.shape));
                if (in.shape[static_cast<size_t>(axis)] != 1)
                    return ctx.error("cannot squeeze dimension " + std::to_string(d) + " of input shape " + shapeText(in.shape) +
                                     ": its size is " + std::to_string(in.shape[static_cast<size_t>(axis)]) + ", expected 1");
                drop[static_cast<size_t>(axis)] = true;
            }
        }
        for (size_t i = 0; i < in.shape.size(); ++i)
            if (!drop[i]) m_outShapes[0].push_back(in.shape[i]);
        return {};
    }
};

class ExpandDims : public ReshapeLikeKernel {
public:
    explicit ExpandDims(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto axis = readScalarInt(ctx, *ctx.input(1), "axis");
        if (!axis) return axis.error();
        const int a = normalizeAxis(*axis, in.rank() + 1);
        if (a < 0)
            return ctx.error("axis " + std::to_string(*axis) + " is out of range [" + std::to_string(-in.rank() - 1) + ", " +
                             std::to_string(in.rank()) + "] for input shape " + shapeText(in.shape));
        m_outShapes[0] = in.shape;
        m_outShapes[0].insert(m_outShapes[0].begin() + a, 1);
        return {};
    }
};

// SHAPE: the input's shape as int32 or int64 (the output tensor's type decides).
class ShapeOp : public PlannedKernel {
public:
    explicit ShapeOp(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        if (Status s = requireIndexOutput(ctx, ctx.output(0)); !s) return s;
        m_outShapes[0] = {ctx.input(0)->rank()};
        return {};
    }
    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        for (int i = 0; i < in.rank(); ++i) {
            if (out.type == TensorType::INT32) out.as<int32_t>()[i] = in.dim(i);
            else out.as<int64_t>()[i] = in.dim(i);
        }
        return {};
    }
};

class Rank : public PlannedKernel {
public:
    explicit Rank(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        if (Status s = requireIndexOutput(ctx, ctx.output(0)); !s) return s;
        m_outShapes[0] = {};
        return {};
    }
    Status compute(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        if (out.type == TensorType::INT32) out.as<int32_t>()[0] = ctx.input(0)->rank();
        else out.as<int64_t>()[0] = ctx.input(0)->rank();
        return {};
    }
};

// FILL: output of shape `dims` filled with the scalar `value` (output type = value type).
class Fill : public PlannedKernel {
public:
    explicit Fill(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& value = *ctx.input(1);
        if (Status s = requireSameType(ctx, value, ctx.output(0), "value"); !s) return s;
        if (value.elementCount() != 1)
            return ctx.error("value " + tensorName(value) + " must be a scalar, but has shape " + shapeText(value.shape));
        if (elementSize(value.type) == 0) return ctx.error("value type " + std::string(typeName(value.type)) + " is not supported");
        if (!readableOrDefer(ctx.input(0), atEval)) return {};
        auto dims = readInts(ctx, *ctx.input(0), "dims");
        if (!dims) return dims.error();
        for (int64_t d : *dims) {
            if (d < 0 || d > INT32_MAX) return ctx.error("dims " + valuesText(*dims) + " has a negative or too large dimension");
            m_outShapes[0].push_back(static_cast<int32_t>(d));
        }
        return {};
    }
    Status compute(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        fillElements(out.data, out.elementCount(), ctx.input(1)->data, elementSize(out.type));
        return {};
    }
};

class ZerosLike : public PlannedKernel {
public:
    explicit ZerosLike(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        if (Status s = requireSameType(ctx, *ctx.input(0), ctx.output(0)); !s) return s;
        m_outShapes[0] = ctx.input(0)->shape;
        return {};
    }
    Status compute(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        if (out.bytes) std::memset(out.data, 0, out.bytes);
        return {};
    }
};

} // namespace

void registerReshapeKernels(KernelRegistry& r) {
    r.add(BuiltinOp::RESHAPE, 1, kMaxVersion, factoryOf<Reshape>());
    r.add(BuiltinOp::SQUEEZE, 1, kMaxVersion, factoryOf<Squeeze>());
    r.add(BuiltinOp::EXPAND_DIMS, 1, kMaxVersion, factoryOf<ExpandDims>());
    r.add(BuiltinOp::SHAPE, 1, kMaxVersion, factoryOf<ShapeOp>());
    r.add(BuiltinOp::RANK, 1, kMaxVersion, factoryOf<Rank>());
    r.add(BuiltinOp::FILL, 1, kMaxVersion, factoryOf<Fill>());
    r.add(BuiltinOp::ZEROS_LIKE, 1, kMaxVersion, factoryOf<ZerosLike>());
}

} // namespace ql::rt::shape

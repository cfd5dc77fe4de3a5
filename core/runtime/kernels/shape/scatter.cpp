// Kernels that write into positions given by data: DYNAMIC_UPDATE_SLICE, SCATTER_ND, ONE_HOT,
// and BROADCAST_ARGS (the broadcast of two shapes given as tensors), as TFLite's builtin
// kernels compute them.
//
// DYNAMIC_UPDATE_SLICE: the operand with `update` written at `start`; each start index is
// clamped into [0, operand_dim - update_dim] so that the update always fits (XLA's rule, which
// TFLite follows). Element type and quantization are moved, not interpreted.
// SCATTER_ND: a zero tensor of `shape` into which each slice of `updates` is added at the
// position its index row names (duplicates add up; bool ORs). An index out of range is an
// error, as in TFLite.
// ONE_HOT: the output has depth inserted at `axis`; element (.., d, ..) is on_value when the
// index at (.., ..) equals d, else off_value (indices outside [0, depth) give a row of
// off_value).
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"
#include "util/CheckedMath.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr std::initializer_list<TensorType> kScatterTypes = {TensorType::FLOAT32, TensorType::INT8,
                                                             TensorType::UINT8,   TensorType::INT32,
                                                             TensorType::INT64,   TensorType::BOOL};

class DynamicUpdateSlice : public PlannedKernel {
public:
    explicit DynamicUpdateSlice(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = checkDataKernel(ctx, 3, 3); !s) return s;
        const RtTensor& operand = *ctx.input(0);
        const RtTensor& update = *ctx.input(1);
        if (update.type != operand.type)
            return ctx.error("update " + tensorName(update) + " is " +
                             std::string(typeName(update.type)) + ", expected the operand's type " +
                             std::string(typeName(operand.type)));
        if (Status s = requireSameQuantization(ctx, operand, update, "operand"); !s) return s;
        if (update.rank() != operand.rank())
            return ctx.error("update " + shapeText(update.shape) + " and operand " +
                             shapeText(operand.shape) + " differ in rank");
        for (int d = 0; d < operand.rank(); ++d)
            if (update.dim(d) > operand.dim(d))
                return ctx.error("update " + shapeText(update.shape) + " is larger than operand " +
                                 shapeText(operand.shape) + " in dimension " + std::to_string(d));
        const RtTensor& start = *ctx.input(2);
        if (start.rank() != 1 || start.dim(0) != operand.rank())
            return ctx.error("start indices " + tensorName(start) + " have shape " +
                             shapeText(start.shape) + ", expected [" +
                             std::to_string(operand.rank()) + "]");
        if (start.type != TensorType::INT32 && start.type != TensorType::INT64)
            return ctx.error("start indices must be int32 or int64");
        (void)atEval;
        m_outShapes[0] = operand.shape;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& operand = *ctx.input(0);
        const RtTensor& update = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        const size_t es = elementSize(operand.type);
        if (out.data != operand.data)
            std::memcpy(out.data, operand.data, size_t(operand.elementCount()) * es);
        if (update.elementCount() == 0) return {};
        auto start = readInts(ctx, *ctx.input(2), "start indices");
        if (!start) return start.error();
        // Copy the update into the clamped window of the output, row by row of the last axis.
        const auto outStrides = stridesOf(out.shape);
        int64_t offset = 0;
        for (int d = 0; d < operand.rank(); ++d) {
            const int64_t hi = int64_t(operand.dim(d)) - update.dim(d);
            offset += std::clamp<int64_t>((*start)[size_t(d)], 0, hi) * outStrides[size_t(d)];
        }
        const int rank = operand.rank();
        const int64_t row = rank ? update.dim(rank - 1) : 1;
        const int64_t rows = row == 0 ? 0 : update.elementCount() / row;
        const auto updStrides = stridesOf(update.shape);
        for (int64_t r = 0; r < rows; ++r) {
            int64_t at = offset, rest = r * row;
            for (int d = 0; d < rank - 1; ++d) {
                at += (rest / updStrides[size_t(d)]) * outStrides[size_t(d)];
                rest %= updStrides[size_t(d)];
            }
            std::memcpy(out.data + size_t(at) * es, update.data + size_t(r * row) * es,
                        size_t(row) * es);
        }
        return {};
    }
};

class ScatterNd : public PlannedKernel {
public:
    explicit ScatterNd(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(3, 3); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& indices = *ctx.input(0);
        const RtTensor& updates = *ctx.input(1);
        if (indices.type != TensorType::INT32 && indices.type != TensorType::INT64)
            return ctx.error("indices must be int32 or int64");
        if (Status s = dispatchType(ctx, updates.type, kScatterTypes, "updates", [](auto) {}); !s)
            return s;
        if (Status s = requireSameType(ctx, updates, ctx.output(0), "updates"); !s) return s;
        if (indices.rank() < 1)
            return ctx.error("indices " + tensorName(indices) + " must have rank >= 1");
        if (!readableOrDefer(ctx.input(2), atEval)) return {};
        auto shape = readInts(ctx, *ctx.input(2), "shape");
        if (!shape) return shape.error();
        Shape out;
        for (int64_t d : *shape) {
            if (d < 0 || d > std::numeric_limits<int32_t>::max())
                return ctx.error("shape " + valuesText(*shape) +
                                 " has a negative or too large dimension");
            out.push_back(static_cast<int32_t>(d));
        }
        const int depth = indices.dim(indices.rank() - 1);
        if (depth > static_cast<int>(out.size()))
            return ctx.error("index rows have " + std::to_string(depth) +
                             " entries, more than the output's rank " + std::to_string(out.size()));
        // updates = indices.shape[:-1] + shape[depth:]
        Shape expected(indices.shape.begin(), indices.shape.end() - 1);
        expected.insert(expected.end(), out.begin() + depth, out.end());
        if (updates.shape != expected)
            return ctx.error("updates " + tensorName(updates) + " have shape " +
                             shapeText(updates.shape) + ", expected " + shapeText(expected));
        m_outShapes[0] = out;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& indicesT = *ctx.input(0);
        const RtTensor& updates = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        auto idx = readInts(ctx, indicesT, "indices");
        if (!idx) return idx.error();
        const int depth = indicesT.dim(indicesT.rank() - 1);
        const int64_t rows = depth == 0 ? product(indicesT.shape, 0, indicesT.shape.size() - 1)
                                        : int64_t(idx->size()) / depth;
        const int64_t slice = product(out.shape, size_t(depth), out.shape.size());
        const auto strides = stridesOf(out.shape);
        std::memset(out.data, 0, out.bytes);
        // Every index row is checked before anything is written, so an error leaves no half result.
        std::vector<int64_t> at(size_t(rows), 0);
        for (int64_t r = 0; r < rows; ++r)
            for (int d = 0; d < depth; ++d) {
                const int64_t v = (*idx)[size_t(r * depth + d)];
                if (v < 0 || v >= out.dim(d))
                    return ctx.error("index " + std::to_string(v) + " in row " + std::to_string(r) +
                                     " is outside [0, " + std::to_string(out.dim(d)) +
                                     ") for output " + shapeText(out.shape));
                at[size_t(r)] += v * strides[size_t(d)];
            }
        return dispatchType(ctx, updates.type, kScatterTypes, "updates", [&](auto tag) {
            using T = decltype(tag);
            T* dst = out.as<T>();
            const T* src = updates.as<T>();
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t j = 0; j < slice; ++j) {
                    if constexpr (std::is_same_v<T, bool>)
                        dst[at[size_t(r)] + j] = dst[at[size_t(r)] + j] || src[r * slice + j];
                    else if constexpr (std::is_integral_v<T>)
                        // Wrapping add (TFLite's int arithmetic overflows the same way in
                        // practice).
                        dst[at[size_t(r)] + j] = static_cast<T>(
                            static_cast<std::make_unsigned_t<T>>(dst[at[size_t(r)] + j]) +
                            static_cast<std::make_unsigned_t<T>>(src[r * slice + j]));
                    else
                        dst[at[size_t(r)] + j] += src[r * slice + j];
                }
        });
    }
};

class OneHot : public PlannedKernel {
public:
    explicit OneHot(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(4, 4); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& indices = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        if (indices.type != TensorType::INT32 && indices.type != TensorType::INT64)
            return ctx.error("indices must be int32 or int64");
        if (ctx.input(1)->type != TensorType::INT32) return ctx.error("depth must be int32");
        for (size_t i : {size_t(2), size_t(3)}) {
            const RtTensor& v = *ctx.input(i);
            if (v.type != out.type)
                return ctx.error(std::string(i == 2 ? "on_value " : "off_value ") + tensorName(v) +
                                 " is " + std::string(typeName(v.type)) +
                                 ", expected the output's type " + std::string(typeName(out.type)));
            if (v.elementCount() != 1)
                return ctx.error(std::string(i == 2 ? "on_value" : "off_value") +
                                 " must be a scalar");
        }
        if (elementSize(out.type) == 0 || out.type == TensorType::STRING)
            return ctx.error("output type " + std::string(typeName(out.type)) +
                             " is not supported");
        const auto o = optionsOr<tflite::OneHotOptionsT>(ctx);
        const int rank = indices.rank() + 1;
        const int axis = o.axis == -1 ? rank - 1 : o.axis;
        if (axis < 0 || axis >= rank)
            return ctx.error("axis " + std::to_string(o.axis) +
                             " is out of range for output rank " + std::to_string(rank));
        m_axis = axis;
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto depth = readScalarInt(ctx, *ctx.input(1), "depth");
        if (!depth) return depth.error();
        if (*depth < 0) return ctx.error("depth is " + std::to_string(*depth) + ", must be >= 0");
        Shape shape = indices.shape;
        shape.insert(shape.begin() + axis, static_cast<int32_t>(*depth));
        m_outShapes[0] = shape;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& indicesT = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        auto idx = readInts(ctx, indicesT, "indices");
        if (!idx) return idx.error();
        const size_t es = elementSize(out.type);
        const uint8_t* on = ctx.input(2)->data;
        const uint8_t* off = ctx.input(3)->data;
        const int64_t depth = out.dim(m_axis);
        const int64_t prefix = product(indicesT.shape, 0, size_t(m_axis));
        const int64_t suffix = product(indicesT.shape, size_t(m_axis), indicesT.shape.size());
        uint8_t* dst = out.data;
        for (int64_t p = 0; p < prefix; ++p)
            for (int64_t d = 0; d < depth; ++d)
                for (int64_t s = 0; s < suffix; ++s, dst += es)
                    std::memcpy(dst, (*idx)[size_t(p * suffix + s)] == d ? on : off, es);
        return {};
    }

private:
    int m_axis = 0;
};

class BroadcastArgs : public PlannedKernel {
public:
    explicit BroadcastArgs(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& a = *ctx.input(0);
        const RtTensor& b = *ctx.input(1);
        if ((a.type != TensorType::INT32 && a.type != TensorType::INT64) || b.type != a.type ||
            ctx.output(0).type != a.type)
            return ctx.error("inputs and output must all be int32 or all int64");
        if (a.rank() != 1 || b.rank() != 1) return ctx.error("both shapes must be 1-D");
        m_outShapes[0] = {std::max(a.dim(0), b.dim(0))};
        if (!readableOrDefer(&a, atEval) || !readableOrDefer(&b, atEval)) return {};
        auto x = readInts(ctx, a, "shape");
        auto y = readInts(ctx, b, "shape");
        if (!x) return x.error();
        if (!y) return y.error();
        m_result.assign(m_outShapes[0][0] ? size_t(m_outShapes[0][0]) : 0, 1);
        for (size_t i = 0; i < m_result.size(); ++i) {
            const size_t n = m_result.size();
            const int64_t u = i + x->size() >= n ? (*x)[i + x->size() - n] : 1;
            const int64_t v = i + y->size() >= n ? (*y)[i + y->size() - n] : 1;
            if (u != v && u != 1 && v != 1)
                return ctx.error("shapes " + valuesText(*x) + " and " + valuesText(*y) +
                                 " do not broadcast (dimension " + std::to_string(i) + ")");
            m_result[i] = u == 1 ? v : u;
        }
        return {};
    }

    Status compute(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        for (size_t i = 0; i < m_result.size(); ++i) {
            if (out.type == TensorType::INT32)
                out.as<int32_t>()[i] = static_cast<int32_t>(m_result[i]);
            else
                out.as<int64_t>()[i] = m_result[i];
        }
        return {};
    }

private:
    std::vector<int64_t> m_result;
};

} // namespace

void registerScatterKernels(KernelRegistry& r) {
    r.add(BuiltinOp::DYNAMIC_UPDATE_SLICE, 1, 4, factoryOf<DynamicUpdateSlice>());
    r.add(BuiltinOp::SCATTER_ND, 1, 1, factoryOf<ScatterNd>());
    r.add(BuiltinOp::ONE_HOT, 1, 1, factoryOf<OneHot>());
    r.add(BuiltinOp::BROADCAST_ARGS, 1, 1, factoryOf<BroadcastArgs>());
}

} // namespace ql::rt::shape

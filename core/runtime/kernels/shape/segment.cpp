// Kernels that gather values by data-given ids: SEGMENT_SUM, UNSORTED_SEGMENT_SUM/PROD/MAX/MIN,
// SPARSE_TO_DENSE and BUCKETIZE, as TFLite's builtin kernels compute them.
//
// SEGMENT_SUM: segment_ids (int32, one per row of data) name the output row each data row is
// added to; as TFLite requires, they start at 0 and grow by 0 or 1 from row to row, and the
// output has last id + 1 rows.
// UNSORTED_SEGMENT_*: ids (int32, a prefix of data's shape) in any order; the output has
// num_segments rows, each the sum / product / max / min of the data rows named by it, or the
// operation's identity (0, 1, lowest, highest) when none is. Ids must be < num_segments;
// negative ids drop their row (TensorFlow's rule).
// SPARSE_TO_DENSE: a tensor of output_shape filled with default_value, then values (one, or one
// per index row) written at the index rows; an index outside the shape is an error.
// BUCKETIZE: for each value, the number of boundaries <= value (upper bound in the sorted
// boundaries), as int32.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ql::rt::shape {
namespace {

enum class SegmentKind { SortedSum, Sum, Prod, Max, Min };

SegmentKind segmentKind(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::SEGMENT_SUM:
        return SegmentKind::SortedSum;
    case BuiltinOp::UNSORTED_SEGMENT_SUM:
        return SegmentKind::Sum;
    case BuiltinOp::UNSORTED_SEGMENT_PROD:
        return SegmentKind::Prod;
    case BuiltinOp::UNSORTED_SEGMENT_MAX:
        return SegmentKind::Max;
    default:
        return SegmentKind::Min;
    }
}

class Segment : public PlannedKernel {
public:
    explicit Segment(const Operator& op) : m_kind(segmentKind(op.op)) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        const bool sorted = m_kind == SegmentKind::SortedSum;
        const size_t inputs = sorted ? 2 : 3;
        if (Status s = ctx.requireInputs(inputs, inputs); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& data = *ctx.input(0);
        const RtTensor& ids = *ctx.input(1);
        if (data.type != TensorType::FLOAT32 && data.type != TensorType::INT32)
            return ctx.error("data type " + std::string(typeName(data.type)) +
                             " is not supported (float32, int32)");
        if (Status s = requireSameType(ctx, data, ctx.output(0), "data"); !s) return s;
        if (ids.type != TensorType::INT32)
            return ctx.error("segment ids " + tensorName(ids) + " must be int32");
        if (data.rank() < 1) return ctx.error("data " + tensorName(data) + " must have rank >= 1");
        if (sorted ? (ids.rank() != 1 || ids.dim(0) != data.dim(0))
                   : (ids.rank() < 1 || ids.rank() > data.rank() ||
                      !std::equal(ids.shape.begin(), ids.shape.end(), data.shape.begin())))
            return ctx.error(
                "segment ids " + shapeText(ids.shape) + " do not match data " +
                shapeText(data.shape) +
                (sorted ? " (one id per row)" : " (ids' shape must be a prefix of data's)"));
        if (!sorted && ctx.input(2)->type != TensorType::INT32)
            return ctx.error("num_segments must be int32");
        if (!readableOrDefer(&ids, atEval) || (!sorted && !readableOrDefer(ctx.input(2), atEval)))
            return {};
        const int32_t* id = ids.as<int32_t>();
        const int64_t n = ids.elementCount();
        int64_t rows = 0;
        if (sorted) {
            for (int64_t i = 0; i < n; ++i) {
                const int64_t step = i ? int64_t(id[i]) - id[i - 1] : int64_t(id[i]);
                if (step != 0 && step != 1)
                    return ctx.error("segment ids must start at 0 and grow by 0 or 1; id " +
                                     std::to_string(i) + " is " + std::to_string(id[i]) +
                                     (i ? " after " + std::to_string(id[i - 1]) : std::string()));
            }
            rows = n ? int64_t(id[n - 1]) + 1 : 0;
        } else {
            auto num = readScalarInt(ctx, *ctx.input(2), "num_segments");
            if (!num) return num.error();
            if (*num < 0)
                return ctx.error("num_segments is " + std::to_string(*num) + ", must be >= 0");
            for (int64_t i = 0; i < n; ++i)
                if (id[i] >= *num)
                    return ctx.error("segment id " + std::to_string(id[i]) +
                                     " is not below num_segments " + std::to_string(*num));
            rows = *num;
        }
        Shape out = {static_cast<int32_t>(rows)};
        out.insert(out.end(), data.shape.begin() + ids.rank(), data.shape.end());
        m_outShapes[0] = out;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& data = *ctx.input(0);
        const RtTensor& ids = *ctx.input(1);
        RtTensor& out = ctx.output(0);
        const int64_t n = ids.elementCount();
        const int64_t inner = product(data.shape, size_t(ids.rank()), data.shape.size());
        const int32_t* id = ids.as<int32_t>();
        const auto run = [&](auto tag) {
            using T = decltype(tag);
            T init = 0;
            if (m_kind == SegmentKind::Prod) init = 1;
            if (m_kind == SegmentKind::Max) init = std::numeric_limits<T>::lowest();
            if (m_kind == SegmentKind::Min) init = std::numeric_limits<T>::max();
            T* o = out.as<T>();
            std::fill(o, o + out.elementCount(), init);
            const T* x = data.as<T>();
            for (int64_t i = 0; i < n; ++i) {
                if (id[i] < 0) continue;
                T* row = o + int64_t(id[i]) * inner;
                const T* src = x + i * inner;
                for (int64_t j = 0; j < inner; ++j) {
                    switch (m_kind) {
                    case SegmentKind::Prod:
                        row[j] = wrapMul(row[j], src[j]);
                        break;
                    case SegmentKind::Max:
                        row[j] = std::max(row[j], src[j]);
                        break;
                    case SegmentKind::Min:
                        row[j] = std::min(row[j], src[j]);
                        break;
                    default:
                        row[j] = wrapAdd(row[j], src[j]);
                        break;
                    }
                }
            }
        };
        if (data.type == TensorType::FLOAT32)
            run(float{});
        else
            run(int32_t{});
        return {};
    }

private:
    // int32 sums and products wrap (two's complement) instead of overflowing into undefined
    // behaviour; floats as usual.
    template <class T> static T wrapAdd(T a, T b) {
        if constexpr (std::is_integral_v<T>)
            return static_cast<T>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
        else
            return a + b;
    }
    template <class T> static T wrapMul(T a, T b) {
        if constexpr (std::is_integral_v<T>)
            return static_cast<T>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
        else
            return a * b;
    }

    SegmentKind m_kind;
};

class SparseToDense : public PlannedKernel {
public:
    explicit SparseToDense(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(4, 4); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& indices = *ctx.input(0);
        const RtTensor& values = *ctx.input(2);
        const RtTensor& def = *ctx.input(3);
        RtTensor& out = ctx.output(0);
        if (indices.type != TensorType::INT32 && indices.type != TensorType::INT64)
            return ctx.error("indices must be int32 or int64");
        if (indices.rank() > 2)
            return ctx.error("indices " + shapeText(indices.shape) + " must have rank 0, 1 or 2");
        if (values.type != out.type || def.type != out.type)
            return ctx.error("values, default value and output must have one type");
        if (elementSize(out.type) == 0)
            return ctx.error("type " + std::string(typeName(out.type)) + " is not supported");
        if (def.elementCount() != 1) return ctx.error("default value must be a scalar");
        const int64_t rows = indices.rank() == 0 ? 1 : indices.dim(0);
        if (values.rank() > 1 || (values.rank() == 1 && values.dim(0) != rows))
            return ctx.error("values " + shapeText(values.shape) +
                             " must be a scalar or hold one value per index row (" +
                             std::to_string(rows) + ")");
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto shape = readInts(ctx, *ctx.input(1), "output_shape");
        if (!shape) return shape.error();
        const int64_t depth = indices.rank() == 2 ? indices.dim(1) : 1;
        if (int64_t(shape->size()) != depth)
            return ctx.error("output_shape " + valuesText(*shape) + " has " +
                             std::to_string(shape->size()) + " dimensions, but index rows have " +
                             std::to_string(depth));
        Shape outShape;
        for (int64_t d : *shape) {
            if (d < 0 || d > std::numeric_limits<int32_t>::max())
                return ctx.error("output_shape " + valuesText(*shape) + " has an impossible size");
            outShape.push_back(static_cast<int32_t>(d));
        }
        m_outShapes[0] = outShape;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& indicesT = *ctx.input(0);
        const RtTensor& values = *ctx.input(2);
        RtTensor& out = ctx.output(0);
        auto idx = readInts(ctx, indicesT, "indices");
        if (!idx) return idx.error();
        const size_t es = elementSize(out.type);
        const int64_t depth = out.rank();
        const int64_t rows = depth == 0 ? 0 : int64_t(idx->size()) / depth;
        const auto strides = stridesOf(out.shape);
        fillElements(out.data, out.elementCount(), ctx.input(3)->data, es);
        for (int64_t r = 0; r < rows; ++r) {
            int64_t at = 0;
            for (int64_t d = 0; d < depth; ++d) {
                const int64_t v = (*idx)[size_t(r * depth + d)];
                if (v < 0 || v >= out.dim(int(d)))
                    return ctx.error("index " + std::to_string(v) + " in row " + std::to_string(r) +
                                     " is outside output " + shapeText(out.shape));
                at += v * strides[size_t(d)];
            }
            const int64_t from = values.rank() == 0 ? 0 : r;
            std::memcpy(out.data + size_t(at) * es, values.data + size_t(from) * es, es);
        }
        return {};
    }
};

class Bucketize : public OpKernel {
public:
    explicit Bucketize(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (in.type != TensorType::FLOAT32 && in.type != TensorType::FLOAT64 &&
            in.type != TensorType::INT32 && in.type != TensorType::INT64)
            return ctx.error("input type " + std::string(typeName(in.type)) +
                             " is not supported (float32, float64, int32, int64)");
        if (ctx.output(0).type != TensorType::INT32) return ctx.error("output must be int32");
        const auto* o = ctx.options<tflite::BucketizeOptionsT>();
        if (!o) return ctx.error("has no BucketizeOptions");
        m_boundaries = o->boundaries;
        for (size_t i = 0; i < m_boundaries.size(); ++i) {
            if (std::isnan(m_boundaries[i]))
                return ctx.error("boundary " + std::to_string(i) + " is NaN");
            if (i && m_boundaries[i] < m_boundaries[i - 1])
                return ctx.error("boundaries must be sorted; boundary " + std::to_string(i) +
                                 " is smaller than the one before");
        }
        ctx.setOutputShape(0, in.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        int32_t* o = ctx.output(0).as<int32_t>();
        const int64_t n = in.elementCount();
        // value < boundary with C++'s usual conversions, as TFLite's upper_bound over its float
        // boundaries: integers are compared as float, float64 values as double.
        const auto run = [&](auto tag) {
            using T = decltype(tag);
            const T* x = in.as<T>();
            for (int64_t i = 0; i < n; ++i) {
                const T v = x[i];
                o[i] = static_cast<int32_t>(
                    std::upper_bound(m_boundaries.begin(), m_boundaries.end(), v,
                                     [](const T& value, float b) {
                                         return static_cast<std::common_type_t<T, float>>(value) <
                                                b;
                                     }) -
                    m_boundaries.begin());
            }
        };
        return dispatchType(
            ctx, in.type,
            {TensorType::FLOAT32, TensorType::FLOAT64, TensorType::INT32, TensorType::INT64},
            "input", run);
    }

private:
    std::vector<float> m_boundaries;
};

} // namespace

void registerSegmentKernels(KernelRegistry& r) {
    for (BuiltinOp op :
         {BuiltinOp::SEGMENT_SUM, BuiltinOp::UNSORTED_SEGMENT_SUM, BuiltinOp::UNSORTED_SEGMENT_PROD,
          BuiltinOp::UNSORTED_SEGMENT_MAX, BuiltinOp::UNSORTED_SEGMENT_MIN})
        r.add(op, 1, 1, factoryOf<Segment>());
    r.add(BuiltinOp::SPARSE_TO_DENSE, 1, 3, factoryOf<SparseToDense>());
    r.add(BuiltinOp::BUCKETIZE, 1, 1, factoryOf<Bucketize>());
}

} // namespace ql::rt::shape

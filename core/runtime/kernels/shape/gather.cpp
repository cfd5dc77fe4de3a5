// GATHER (axis, batch_dims) and GATHER_ND: copy slices of `params` chosen by `indices`,
// generic over the element size. An index out of range is an eval error naming the operator
// (TFLite's gather.cc returns "gather index out of bounds"), never a read out of bounds.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <cstring>

namespace ql::rt::shape {
namespace {

constexpr int kMaxVersion = 8;

bool isIndexType(TensorType t) { return t == TensorType::INT32 || t == TensorType::INT64 || t == TensorType::INT16; }

int64_t indexAt(const RtTensor& t, int64_t i) {
    switch (t.type) {
    case TensorType::INT16: return t.as<int16_t>()[i];
    case TensorType::INT32: return t.as<int32_t>()[i];
    default: return t.as<int64_t>()[i];
    }
}

Status checkParams(KernelContext& ctx) {
    if (Status s = ctx.requireInputs(2, 2); !s) return s;
    if (Status s = ctx.requireOutputs(1); !s) return s;
    const RtTensor& params = *ctx.input(0);
    const RtTensor& indices = *ctx.input(1);
    if (elementSize(params.type) == 0) return ctx.error("params type " + std::string(typeName(params.type)) + " is not supported");
    if (!isIndexType(indices.type))
        return ctx.error("indices " + tensorName(indices) + " is " + std::string(typeName(indices.type)) + ", expected int16, int32 or int64");
    if (Status s = requireSameType(ctx, params, ctx.output(0), "params"); !s) return s;
    return requireSameQuantization(ctx, params, ctx.output(0), "params");
}

class Gather : public PlannedKernel {
public:
    explicit Gather(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = checkParams(ctx); !s) return s;
        const RtTensor& params = *ctx.input(0);
        const RtTensor& indices = *ctx.input(1);
        const auto o = optionsOr<tflite::GatherOptionsT>(ctx);
        m_axis = normalizeAxis(o.axis, params.rank());
        if (m_axis < 0) return ctx.error("axis " + std::to_string(o.axis) + " is out of range for params shape " + shapeText(params.shape));
        m_batchDims = o.batch_dims < 0 ? o.batch_dims + indices.rank() : o.batch_dims;
        if (m_batchDims < 0 || m_batchDims > indices.rank() || m_batchDims > m_axis)
            return ctx.error("batch_dims " + std::to_string(o.batch_dims) + " must be in [0, min(axis " + std::to_string(m_axis) +
                             ", indices rank " + std::to_string(indices.rank()) + ")]");
        for (int i = 0; i < m_batchDims; ++i)
            if (params.dim(i) != indices.dim(i))
                return ctx.error("params shape " + shapeText(params.shape) + " and indices shape " + shapeText(indices.shape) +
                                 " differ in batch dimension " + std::to_string(i));
        Shape out(params.shape.begin(), params.shape.begin() + m_axis);
        out.insert(out.end(), indices.shape.begin() + m_batchDims, indices.shape.end());
        out.insert(out.end(), params.shape.begin() + m_axis + 1, params.shape.end());
        m_outShapes[0] = out;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& params = *ctx.input(0);
        const RtTensor& indices = *ctx.input(1);
        const size_t es = elementSize(params.type);
        const auto b = static_cast<size_t>(m_batchDims), a = static_cast<size_t>(m_axis);
        const int64_t batch = product(params.shape, 0, b);
        const int64_t outer = product(params.shape, b, a);
        const int64_t inner = product(params.shape, a + 1, params.shape.size());
        const int64_t coords = product(indices.shape, b, indices.shape.size());
        const int64_t axisSize = params.dim(m_axis);
        const int64_t chunk = inner * static_cast<int64_t>(es);
        uint8_t* dst = ctx.output(0).data;
        for (int64_t bi = 0; bi < batch; ++bi)
            for (int64_t oi = 0; oi < outer; ++oi)
                for (int64_t ci = 0; ci < coords; ++ci) {
                    const int64_t index = indexAt(indices, bi * coords + ci);
                    if (index < 0 || index >= axisSize)
                        return ctx.error("index " + std::to_string(index) + " in " + tensorName(indices) + " is out of range [0, " +
                                         std::to_string(axisSize) + ") along axis " + std::to_string(m_axis) + " of params shape " +
                                         shapeText(params.shape));
                    const uint8_t* src = params.data + ((bi * outer + oi) * axisSize + index) * chunk;
                    if (chunk) std::memcpy(dst, src, static_cast<size_t>(chunk));
                    dst += chunk;
                }
        return {};
    }

private:
    int m_axis = 0, m_batchDims = 0;
};

// GATHER_ND: indices [..., k] address the first k dimensions of params; each index tuple
// copies the slice params[i0, ..., ik-1, :, ...].
class GatherNd : public PlannedKernel {
public:
    explicit GatherNd(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool) override {
        if (Status s = checkParams(ctx); !s) return s;
        const RtTensor& params = *ctx.input(0);
        const RtTensor& indices = *ctx.input(1);
        if (indices.rank() < 1) return ctx.error("indices " + tensorName(indices) + " must have rank >= 1");
        const int k = indices.dim(indices.rank() - 1);
        if (k > params.rank() || k < 0)
            return ctx.error("indices' last dimension is " + std::to_string(k) + ", more than the params rank " +
                             std::to_string(params.rank()));
        Shape out(indices.shape.begin(), indices.shape.end() - 1);
        out.insert(out.end(), params.shape.begin() + k, params.shape.end());
        m_outShapes[0] = out;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& params = *ctx.input(0);
        const RtTensor& indices = *ctx.input(1);
        const size_t es = elementSize(params.type);
        const int k = indices.dim(indices.rank() - 1);
        const auto strides = stridesOf(params.shape);
        const int64_t slice = product(params.shape, static_cast<size_t>(k), params.shape.size()) * static_cast<int64_t>(es);
        const int64_t tuples = k == 0 ? product(indices.shape, 0, indices.shape.size() - 1) : indices.elementCount() / k;
        uint8_t* dst = ctx.output(0).data;
        for (int64_t t = 0; t < tuples; ++t) {
            int64_t offset = 0;
            for (int j = 0; j < k; ++j) {
                const int64_t index = indexAt(indices, t * k + j);
                if (index < 0 || index >= params.dim(j))
                    return ctx.error("index " + std::to_string(index) + " in " + tensorName(indices) + " is out of range [0, " +
                                     std::to_string(params.dim(j)) + ") for dimension " + std::to_string(j) + " of params shape " +
                                     shapeText(params.shape));
                offset += index * strides[static_cast<size_t>(j)];
            }
            if (slice) std::memcpy(dst, params.data + offset * static_cast<int64_t>(es), static_cast<size_t>(slice));
            dst += slice;
        }
        return {};
    }
};

} // namespace

void registerGatherKernels(KernelRegistry& r) {
    r.add(BuiltinOp::GATHER, 1, kMaxVersion, factoryOf<Gather>());
    r.add(BuiltinOp::GATHER_ND, 1, kMaxVersion, factoryOf<GatherNd>());
}

} // namespace ql::rt::shape

// DENSIFY: a sparse constant (Tensor::sparsity) to its dense form, once at prepare.
#include "runtime/kernels/quantize/Densify.h"

#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/quantize/QuantizeKernels.h"

#include <cstring>
#include <string>

namespace ql::rt::qk {
namespace {

std::vector<int64_t> indexVector(const tflite::SparseIndexVectorUnion& u) {
    std::vector<int64_t> v;
    if (auto* a = u.AsInt32Vector()) v.assign(a->values.begin(), a->values.end());
    else if (auto* b = u.AsUint16Vector()) v.assign(b->values.begin(), b->values.end());
    else if (auto* c = u.AsUint8Vector()) v.assign(c->values.begin(), c->values.end());
    return v;
}

struct Converter {
    std::vector<int32_t> shape, traversal, blockMap;
    std::vector<bool> dense;                       // per level
    std::vector<int64_t> denseSize;                // per level
    std::vector<std::vector<int64_t>> segments, indices;
    std::vector<int64_t> blockSize;
    std::span<const uint8_t> values;
    size_t elementSize = 0;
    int64_t valueCount = 0, next = 0, denseCount = 1;
    std::vector<uint8_t>* out = nullptr;
    std::string error;

    bool populate(std::vector<int64_t>& idx, size_t level, int64_t prev) {
        const size_t rank = shape.size();
        if (level == idx.size()) {
            std::vector<int64_t> orig(rank, 0);
            size_t i = 0;
            for (; i < rank; ++i) orig[size_t(traversal[i])] = idx[i];
            for (; i < idx.size(); ++i) {
                const size_t b = size_t(traversal[i]) - rank;
                const size_t d = size_t(blockMap[b]);
                orig[d] = orig[d] * blockSize[b] + idx[i];
            }
            int64_t flat = 0;
            for (size_t d = 0; d < rank; ++d) {
                if (orig[d] < 0 || orig[d] >= shape[d]) {
                    error = "element index " + std::to_string(orig[d]) + " is outside dimension " + std::to_string(d) +
                            " of size " + std::to_string(shape[d]);
                    return false;
                }
                flat = flat * shape[d] + orig[d];
            }
            if (next >= valueCount) {
                error = "the sparse structure addresses more than the " + std::to_string(valueCount) + " stored values";
                return false;
            }
            std::memcpy(out->data() + flat * int64_t(elementSize), values.data() + next * int64_t(elementSize), elementSize);
            ++next;
            return true;
        }
        if (dense[level]) {
            for (int64_t i = 0; i < denseSize[level]; ++i) {
                idx[level] = i;
                if (!populate(idx, level + 1, prev * denseSize[level] + i)) return false;
            }
            return true;
        }
        const auto& seg = segments[level];
        const auto& ind = indices[level];
        if (prev + 1 >= int64_t(seg.size())) return true; // TFLite skips a parent without a segment
        const int64_t begin = seg[size_t(prev)], end = seg[size_t(prev) + 1];
        if (begin < 0 || end < begin || end > int64_t(ind.size())) {
            error = "level " + std::to_string(level) + " has segment [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") outside its " + std::to_string(ind.size()) + " indices";
            return false;
        }
        for (int64_t i = begin; i < end; ++i) {
            idx[level] = ind[size_t(i)];
            if (!populate(idx, level + 1, i)) return false;
        }
        return true;
    }
};

} // namespace

Result<std::vector<uint8_t>> sparseToDense(const tflite::SparsityParametersT& sp, const std::vector<int32_t>& denseShape,
                                           std::span<const uint8_t> values, size_t elementSize) {
    Converter c;
    c.shape = denseShape;
    c.traversal = sp.traversal_order;
    c.blockMap = sp.block_map;
    c.values = values;
    c.elementSize = elementSize;
    c.valueCount = elementSize ? int64_t(values.size() / elementSize) : 0;
    const size_t rank = denseShape.size();
    const size_t levels = sp.dim_metadata.size();
    for (int32_t d : denseShape) {
        if (d < 0) return makeError("the dense shape has a negative dimension");
        c.denseCount *= d;
    }
    if (c.traversal.size() != levels || levels != rank + c.blockMap.size())
        return makeError("sparsity has " + std::to_string(c.traversal.size()) + " traversal entries and " + std::to_string(levels) +
                         " dimension metadata for rank " + std::to_string(rank) + " with " + std::to_string(c.blockMap.size()) + " blocked dimensions");
    std::vector<bool> seen(levels, false);
    for (size_t i = 0; i < levels; ++i) {
        const int32_t t = c.traversal[i];
        // The first `rank` entries permute the tensor's dimensions, the rest the block's.
        const bool ok = i < rank ? (t >= 0 && size_t(t) < rank) : (size_t(t) >= rank && size_t(t) < levels);
        if (!ok || seen[size_t(t)]) return makeError("traversal_order is not a valid permutation");
        seen[size_t(t)] = true;
    }
    for (size_t b = 0; b < c.blockMap.size(); ++b)
        if (c.blockMap[b] < 0 || size_t(c.blockMap[b]) >= rank || (b > 0 && c.blockMap[b] <= c.blockMap[b - 1]))
            return makeError("block_map entry " + std::to_string(c.blockMap[b]) + " is not a dimension in increasing order");
    for (size_t l = 0; l < levels; ++l) {
        const auto* m = sp.dim_metadata[l].get();
        if (!m) return makeError("dimension metadata " + std::to_string(l) + " is missing");
        c.dense.push_back(m->format == tflite::DimensionType::DENSE);
        c.denseSize.push_back(m->dense_size);
        c.segments.push_back(indexVector(m->array_segments));
        c.indices.push_back(indexVector(m->array_indices));
        if (c.dense.back() && (m->dense_size < 0 || m->dense_size > (int64_t(1) << 31)))
            return makeError("dimension metadata " + std::to_string(l) + " has dense_size " + std::to_string(m->dense_size));
    }
    // Block sizes: dense_size of the level named by traversal_order[rank + b] (as TFLite).
    for (size_t b = 0; b < c.blockMap.size(); ++b) {
        const size_t level = size_t(c.traversal[rank + b]);
        if (!c.dense[level] || c.denseSize[level] <= 0) return makeError("block dimension " + std::to_string(b) + " is not a dense level");
        c.blockSize.push_back(c.denseSize[level]);
    }
    // Each level's extent: a tensor dimension (divided by its block size when blocked) or a
    // block size. A dense level must claim exactly that (TFLite's FormatConverter assumes it):
    // larger sizes above an empty sparse level would make the traversal loop 2^62 times.
    for (size_t l = 0; l < levels; ++l) {
        if (!c.dense[l]) continue;
        const size_t d = size_t(c.traversal[l]);
        int64_t extent = 0;
        if (d < rank) {
            extent = denseShape[d];
            for (size_t b = 0; b < c.blockMap.size(); ++b)
                if (size_t(c.blockMap[b]) == d) {
                    if (extent % c.blockSize[b] != 0)
                        return makeError("dimension " + std::to_string(d) + " of size " + std::to_string(extent) +
                                         " is not a multiple of its block size " + std::to_string(c.blockSize[b]));
                    extent /= c.blockSize[b];
                }
        } else {
            extent = c.blockSize[d - rank];
        }
        if (c.denseSize[l] != extent)
            return makeError("dimension metadata " + std::to_string(l) + " has dense_size " + std::to_string(c.denseSize[l]) +
                             ", expected " + std::to_string(extent) + " (dimension " + std::to_string(d) + " of the tensor)");
    }
    std::vector<uint8_t> out(size_t(c.denseCount) * elementSize, 0);
    c.out = &out;
    std::vector<int64_t> idx(levels, 0);
    if (c.denseCount > 0 && !c.populate(idx, 0, 0)) return makeError(c.error);
    if (c.next != c.valueCount)
        return makeError("the sparse structure addresses " + std::to_string(c.next) + " values but the tensor stores " +
                         std::to_string(c.valueCount));
    return out;
}

namespace {

class DensifyKernel : public OpKernel {
public:
    explicit DensifyKernel(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& out = ctx.output(0);
        using T = TensorType;
        if (Status s = ew::requireType(ctx, in, "input 0", {T::FLOAT32, T::FLOAT16, T::INT8}); !s) return s;
        if (out.type != in.type) return ctx.error(ew::describe(out, "output 0") + " must have the input type");
        if (!in.constant || !in.source || !in.source->sparsity)
            return ctx.error(ew::describe(in, "input 0") + " must be a constant with sparsity parameters");
        auto dense = sparseToDense(*in.source->sparsity, in.shape, {in.data, in.bytes}, elementSize(in.type));
        if (!dense) return ctx.error(ew::describe(in, "input 0") + ": " + dense.message());
        m_dense = std::move(dense.value());
        ctx.setOutputShape(0, in.shape);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        RtTensor& out = ctx.output(0);
        if (out.bytes != m_dense.size()) return ctx.error("output size changed since prepare");
        std::memcpy(out.data, m_dense.data(), m_dense.size());
        return {};
    }

private:
    std::vector<uint8_t> m_dense;
};

} // namespace

void registerDensifyKernel(KernelRegistry& r) { r.add(BuiltinOp::DENSIFY, 1, 1, factoryOf<DensifyKernel>()); }

} // namespace ql::rt::qk

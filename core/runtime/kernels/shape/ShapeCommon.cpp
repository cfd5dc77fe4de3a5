#include "runtime/kernels/shape/ShapeCommon.h"

#include <algorithm>
#include <cstring>

namespace ql::rt::shape {

std::string valuesText(std::span<const int64_t> values) {
    std::string s = "[";
    for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + std::to_string(values[i]);
    return s + "]";
}

int64_t elementCount(std::span<const int32_t> shape) {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
}

int64_t product(std::span<const int32_t> shape, size_t from, size_t to) {
    int64_t n = 1;
    for (size_t i = from; i < to; ++i) n *= shape[i];
    return n;
}

std::string tensorName(const RtTensor& t) { return "'" + (t.source ? t.source->name : std::string()) + "'"; }

Result<std::vector<int64_t>> readInts(const KernelContext& ctx, const RtTensor& t, const std::string& what) {
    std::vector<int64_t> v;
    const int64_t n = t.elementCount();
    if (t.type == TensorType::INT32) {
        for (int64_t i = 0; i < n; ++i) v.push_back(t.as<int32_t>()[i]);
    } else if (t.type == TensorType::INT64) {
        for (int64_t i = 0; i < n; ++i) v.push_back(t.as<int64_t>()[i]);
    } else {
        return ctx.error(what + " " + tensorName(t) + " must be int32 or int64, but is " + std::string(typeName(t.type)));
    }
    return v;
}

Result<int64_t> readScalarInt(const KernelContext& ctx, const RtTensor& t, const std::string& what) {
    auto v = readInts(ctx, t, what);
    if (!v) return v.error();
    if (v->size() != 1)
        return ctx.error(what + " " + tensorName(t) + " must hold one value, but has shape " + shapeText(t.shape));
    return (*v)[0];
}

Result<int> checkedAxis(const KernelContext& ctx, int64_t axis, const RtTensor& in, int rank) {
    const int a = normalizeAxis(axis, rank);
    if (a < 0) return ctx.error("axis " + std::to_string(axis) + " is out of range for input shape " + shapeText(in.shape));
    return a;
}

Result<int> readAxis(const KernelContext& ctx, const RtTensor& axisTensor, const RtTensor& in) {
    auto a = readScalarInt(ctx, axisTensor, "axis");
    if (!a) return a.error();
    return checkedAxis(ctx, *a, in, in.rank());
}

Status checkDataKernel(KernelContext& ctx, size_t minIn, size_t maxIn) {
    if (Status s = ctx.requireInputs(minIn, maxIn); !s) return s;
    if (Status s = ctx.requireOutputs(1); !s) return s;
    const RtTensor& in = *ctx.input(0);
    if (elementSize(in.type) == 0) return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported");
    if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
    return requireSameQuantization(ctx, in, ctx.output(0));
}

Status requireIndexOutput(const KernelContext& ctx, const RtTensor& out) {
    if (out.type != TensorType::INT32 && out.type != TensorType::INT64)
        return ctx.error("output " + tensorName(out) + " is " + std::string(typeName(out.type)) + ", expected int32 or int64");
    return {};
}

bool sameQuantization(const RtTensor& a, const RtTensor& b) {
    if (a.isQuantized() != b.isQuantized()) return false;
    if (!a.isQuantized()) return true;
    return a.scale() == b.scale() && a.zeroPoint() == b.zeroPoint();
}

Status requireSameType(const KernelContext& ctx, const RtTensor& in, const RtTensor& out, const char* inName) {
    if (in.type != out.type)
        return ctx.error("output " + tensorName(out) + " is " + std::string(typeName(out.type)) + ", expected the " + inName +
                         "'s type " + std::string(typeName(in.type)));
    return {};
}

Status requireSameQuantization(const KernelContext& ctx, const RtTensor& in, const RtTensor& out, const char* inName) {
    if (!in.isQuantized() || !out.isQuantized()) return {};
    if (in.scale() != out.scale() || in.zeroPoint() != out.zeroPoint())
        return ctx.error("output " + tensorName(out) + " has scale " + std::to_string(out.scale()) + " zero point " +
                         std::to_string(out.zeroPoint()) + ", expected the " + inName + "'s scale " + std::to_string(in.scale()) +
                         " zero point " + std::to_string(in.zeroPoint()));
    return {};
}

std::vector<int64_t> stridesOf(std::span<const int32_t> shape) {
    std::vector<int64_t> s(shape.size());
    int64_t acc = 1;
    for (size_t i = shape.size(); i-- > 0;) {
        s[i] = acc;
        acc *= shape[i];
    }
    return s;
}

namespace {

// Element copy for a fixed element size (lets the compiler use plain moves).
template <size_t N> void copyStrided(const uint8_t* src, int64_t stride, int64_t count, uint8_t* dst) {
    for (int64_t i = 0; i < count; ++i) std::memcpy(dst + i * N, src + i * stride * static_cast<int64_t>(N), N);
}

void copyRun(const uint8_t* src, int64_t stride, int64_t count, uint8_t* dst, size_t es) {
    if (stride == 1) {
        std::memcpy(dst, src, static_cast<size_t>(count) * es);
        return;
    }
    switch (es) {
    case 1: copyStrided<1>(src, stride, count, dst); return;
    case 2: copyStrided<2>(src, stride, count, dst); return;
    case 4: copyStrided<4>(src, stride, count, dst); return;
    case 8: copyStrided<8>(src, stride, count, dst); return;
    default:
        for (int64_t i = 0; i < count; ++i) std::memcpy(dst + i * es, src + i * stride * static_cast<int64_t>(es), es);
    }
}

} // namespace

void stridedCopy(const uint8_t* src, const StridedView& view, uint8_t* dst, size_t es) {
    // Drop size-1 dimensions and merge dimension k into k+1 when they are contiguous.
    std::vector<int64_t> shape, strides;
    for (size_t k = 0; k < view.shape.size(); ++k) {
        if (view.shape[k] == 0) return;
        if (view.shape[k] == 1) continue;
        if (!shape.empty() && strides.back() == view.strides[k] * view.shape[k]) {
            shape.back() *= view.shape[k];
            strides.back() = view.strides[k];
        } else {
            shape.push_back(view.shape[k]);
            strides.push_back(view.strides[k]);
        }
    }
    const int64_t ses = static_cast<int64_t>(es);
    if (shape.empty()) {
        std::memcpy(dst, src + view.offset * ses, es);
        return;
    }
    const size_t rank = shape.size();
    const int64_t inner = shape[rank - 1], innerStride = strides[rank - 1];
    std::vector<int64_t> idx(rank, 0);
    int64_t offset = view.offset;
    uint8_t* out = dst;
    while (true) {
        copyRun(src + offset * ses, innerStride, inner, out, es);
        out += inner * ses;
        // Advance the outer index (dimensions 0..rank-2).
        int k = static_cast<int>(rank) - 2;
        for (; k >= 0; --k) {
            offset += strides[k];
            if (++idx[k] < shape[k]) break;
            offset -= strides[k] * shape[k];
            idx[k] = 0;
        }
        if (k < 0) return;
    }
}

void fillElements(uint8_t* dst, int64_t count, const uint8_t* value, size_t es) {
    if (count <= 0) return;
    bool allZero = true;
    for (size_t i = 0; i < es; ++i) allZero = allZero && value[i] == 0;
    if (allZero) {
        std::memset(dst, 0, static_cast<size_t>(count) * es);
        return;
    }
    std::memcpy(dst, value, es);
    // Doubling copy: dst[0..n) already holds n copies.
    int64_t done = 1;
    while (done < count) {
        const int64_t n = std::min(done, count - done);
        std::memcpy(dst + done * static_cast<int64_t>(es), dst, static_cast<size_t>(n) * es);
        done += n;
    }
}

bool broadcastShapes(std::span<const int32_t> a, std::span<const int32_t> b, Shape& out) {
    const size_t rank = std::max(a.size(), b.size());
    out.assign(rank, 1);
    for (size_t i = 0; i < rank; ++i) {
        const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da != db && da != 1 && db != 1) return false;
        out[i] = da == 1 ? db : da;
    }
    return true;
}

std::vector<int64_t> broadcastStrides(std::span<const int32_t> shape, std::span<const int32_t> target) {
    const auto own = stridesOf(shape);
    std::vector<int64_t> s(target.size(), 0);
    const size_t lead = target.size() - shape.size();
    for (size_t i = 0; i < shape.size(); ++i) s[lead + i] = shape[i] == 1 ? 0 : own[i];
    return s;
}

Status PlannedKernel::prepare(KernelContext& ctx) {
    m_deferred = false;
    m_outShapes.assign(ctx.outputCount(), {});
    if (Status s = plan(ctx, false); !s) return s;
    m_inShapes.clear();
    for (size_t i = 0; i < ctx.inputCount(); ++i) m_inShapes.push_back(ctx.input(i) ? ctx.input(i)->shape : Shape{});
    if (!m_deferred)
        for (size_t i = 0; i < ctx.outputCount(); ++i) ctx.setOutputShape(i, m_outShapes[i]);
    return {};
}

bool PlannedKernel::inputShapesChanged(const KernelContext& ctx) const {
    for (size_t i = 0; i < ctx.inputCount() && i < m_inShapes.size(); ++i)
        if (ctx.input(i) && ctx.input(i)->shape != m_inShapes[i]) return true;
    return false;
}

Status PlannedKernel::eval(KernelContext& ctx) {
    if (m_deferred || inputShapesChanged(ctx)) {
        m_outShapes.assign(ctx.outputCount(), {});
        if (Status s = plan(ctx, true); !s) return s;
        for (size_t i = 0; i < ctx.outputCount(); ++i)
            if (Status s = ctx.resizeOutputNow(i, m_outShapes[i]); !s) return s;
        for (size_t i = 0; i < ctx.inputCount() && i < m_inShapes.size(); ++i)
            if (ctx.input(i)) m_inShapes[i] = ctx.input(i)->shape;
    }
    // Data movement into outputs without elements writes nothing; their other dimensions may
    // still be huge (a [2^20, 2^20, 0] output is 0 bytes), and looping over them would hang.
    bool anyElements = ctx.outputCount() == 0;
    for (size_t i = 0; i < ctx.outputCount(); ++i) anyElements = anyElements || ctx.output(i).elementCount() != 0;
    if (!anyElements) return {};
    return compute(ctx);
}

Status ReshapeLikeKernel::compute(KernelContext& ctx) {
    const RtTensor& in = *ctx.input(0);
    RtTensor& out = ctx.output(0);
    const size_t n = std::min(in.bytes, out.bytes);
    if (n && in.data != out.data) std::memmove(out.data, in.data, n);
    return {};
}

} // namespace ql::rt::shape

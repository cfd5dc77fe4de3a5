#pragma once
// Helpers shared by the shape and data-movement kernels: shape text for messages, reading
// shape-like integer tensors, axis normalisation, a strided byte copy that serves transpose,
// slice, strided slice, reverse, tile and broadcast, and a kernel base class that plans
// output shapes at prepare (or at eval when they depend on data that is not constant).
//
// Data movement is generic over the element size: a kernel that only moves elements works
// on bytes and never switches on the element type.

#include "runtime/Kernel.h"
#include "model/ShapeText.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace ql::rt::shape {

using Shape = std::vector<int32_t>;

using ql::shapeText;                                      // "[1,2,3]" (model/ShapeText.h)
std::string valuesText(std::span<const int64_t> values);  // "[1,-1]"
int64_t elementCount(std::span<const int32_t> shape);
// Product of shape[from, to): the outer / inner sizes around an axis.
int64_t product(std::span<const int32_t> shape, size_t from, size_t to);
std::string tensorName(const RtTensor& t);                 // "'name'"

// The builtin options of type T, or default values when the operator has none.
template <class T> T optionsOr(const KernelContext& ctx) {
    const T* o = ctx.options<T>();
    return o ? *o : T{};
}

// Reads an int32 or int64 tensor as int64 values. `what` names the input in messages.
Result<std::vector<int64_t>> readInts(const KernelContext& ctx, const RtTensor& t, const std::string& what);
// A scalar (or single-element) int32/int64 tensor.
Result<int64_t> readScalarInt(const KernelContext& ctx, const RtTensor& t, const std::string& what);

// axis in [-rank, rank) -> [0, rank); -1 when out of range.
inline int normalizeAxis(int64_t axis, int rank) {
    if (axis < -rank || axis >= rank) return -1;
    return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// `axis` normalised into [0, rank) (rank: of `in`, or one more for PACK and EXPAND_DIMS), or an
// error "axis A is out of range for input shape S".
Result<int> checkedAxis(const KernelContext& ctx, int64_t axis, const RtTensor& in, int rank);
// The same for an axis given as a scalar int32/int64 input tensor.
Result<int> readAxis(const KernelContext& ctx, const RtTensor& axisTensor, const RtTensor& in);

// A data-movement kernel: minIn..maxIn inputs, one output of the input's type and quantization,
// an element type with a known size.
Status checkDataKernel(KernelContext& ctx, size_t minIn, size_t maxIn);
// An output that holds indices or sizes: int32 or int64.
Status requireIndexOutput(const KernelContext& ctx, const RtTensor& out);

// Same scale and zero point (or both unquantized).
bool sameQuantization(const RtTensor& a, const RtTensor& b);
Status requireSameType(const KernelContext& ctx, const RtTensor& in, const RtTensor& out, const char* inName = "input");
Status requireSameQuantization(const KernelContext& ctx, const RtTensor& in, const RtTensor& out, const char* inName = "input");

// Calls f(T{}) with the C++ element type of `t` when `t` is one of `allowed`; else the error
// "<what> type X is not supported (float32, int8, ...)". f is instantiated for every type
// below, so it must compile for each (BOOL is bool, FLOAT64 double).
template <class F>
Status dispatchType(const KernelContext& ctx, TensorType t, std::initializer_list<TensorType> allowed, const char* what, F&& f) {
    if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) {
        switch (t) {
        case TensorType::FLOAT32: f(float{}); return {};
        case TensorType::FLOAT64: f(double{}); return {};
        case TensorType::INT8: f(int8_t{}); return {};
        case TensorType::UINT8: f(uint8_t{}); return {};
        case TensorType::INT16: f(int16_t{}); return {};
        case TensorType::INT32: f(int32_t{}); return {};
        case TensorType::INT64: f(int64_t{}); return {};
        case TensorType::BOOL: f(bool{}); return {};
        default: break;
        }
    }
    std::string names;
    for (TensorType a : allowed) names += (names.empty() ? "" : ", ") + std::string(typeName(a));
    return ctx.error(std::string(what) + " type " + std::string(typeName(t)) + " is not supported (" + names + ")");
}

// Row-major strides (in elements) of a shape.
std::vector<int64_t> stridesOf(std::span<const int32_t> shape);

// A view of a source buffer: element (i0..in-1) is at offset + sum(i_k * strides[k]) elements.
// Strides may be negative (reverse) or zero (broadcast).
struct StridedView {
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;
    int64_t offset = 0;
};
// Copies the view's elements in row-major order into dst (contiguous). Merges contiguous
// dimensions and copies unit-stride runs with memcpy.
void stridedCopy(const uint8_t* src, const StridedView& view, uint8_t* dst, size_t elementSize);

// Fills `count` elements of dst with copies of one element.
void fillElements(uint8_t* dst, int64_t count, const uint8_t* value, size_t elementSize);

// The broadcast shape of two shapes (numpy rules); nullopt-like empty + ok=false if not.
bool broadcastShapes(std::span<const int32_t> a, std::span<const int32_t> b, Shape& out);
// Strides for reading a tensor of `shape` broadcast to `target` (zero on broadcast dims).
std::vector<int64_t> broadcastStrides(std::span<const int32_t> shape, std::span<const int32_t> target);

// Base for kernels whose output shapes are computed from input shapes and, for some, from
// the data of shape-like inputs. prepare calls plan(ctx, false): plan validates, and either
// fills m_outShapes or calls deferToEval() when a shape-like input is not constant. eval
// re-plans (plan(ctx, true)) and resizes the outputs when the plan was deferred or an input
// shape changed since prepare (an upstream dynamic output); then calls compute.
class PlannedKernel : public OpKernel {
public:
    Status prepare(KernelContext& ctx) final;
    Status eval(KernelContext& ctx) final;

protected:
    virtual Status plan(KernelContext& ctx, bool atEval) = 0;
    virtual Status compute(KernelContext& ctx) = 0;
    // True if the tensor's data can be read now (constant, or any tensor at eval).
    static bool readable(const RtTensor* t, bool atEval) { return t && (atEval || t->constant); }
    void deferToEval() { m_deferred = true; }
    // readable(), else the plan is deferred to eval: `if (!readableOrDefer(t, atEval)) return {};`
    bool readableOrDefer(const RtTensor* t, bool atEval) {
        if (readable(t, atEval)) return true;
        deferToEval();
        return false;
    }

    std::vector<Shape> m_outShapes; // one per output, set by plan

private:
    bool inputShapesChanged(const KernelContext& ctx) const;
    bool m_deferred = false;
    std::vector<Shape> m_inShapes;
};

// A kernel whose output holds the input's bytes under a new shape (RESHAPE, SQUEEZE,
// EXPAND_DIMS): compute copies them unless input and output share storage.
class ReshapeLikeKernel : public PlannedKernel {
protected:
    Status compute(KernelContext& ctx) final;
};

} // namespace ql::rt::shape

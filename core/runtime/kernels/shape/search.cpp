// Kernels that search their input and return positions: TOPK_V2, NON_MAX_SUPPRESSION_V4/V5
// and WHERE, as TFLite's builtin kernels (topk_v2.cc, non_max_suppression.cc, where.cc).
//
// TOPK_V2: per row of the last axis, the k largest values in decreasing order with their
// int32 positions; equal values keep the earlier position first (TFLite's comparator breaks
// ties by index, which makes its heap order a total order).
//
// NON_MAX_SUPPRESSION (float32): candidates with score > score_threshold are taken greedily by
// decreasing score; a candidate is dropped when its IoU with a box already selected is >=
// iou_threshold. V5 adds soft-NMS: each overlap short of the threshold multiplies the score
// by exp(-0.5 / sigma * iou^2), and a decayed candidate goes back into the queue instead of
// being selected now (it is selected only when it comes out of the queue with the score it
// went in with). Outputs have max_output_size elements; those past the selected count are 0.
// Boxes are [y1, x1, y2, x2] in either corner order; a box of zero area overlaps nothing.
// TFLite orders equal scores by its priority queue's heap layout, which depends on its C++
// library; here equal scores are taken by increasing box index.
//
// WHERE: the coordinates (int64, [count, rank]) of the non-zero elements in row-major order.
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/shape/ShapeKernels.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>

namespace ql::rt::shape {
namespace {

constexpr std::initializer_list<TensorType> kTopKTypes = {TensorType::FLOAT32, TensorType::INT8,
                                                          TensorType::UINT8,   TensorType::INT16,
                                                          TensorType::INT32,   TensorType::INT64};

class TopK : public PlannedKernel {
public:
    explicit TopK(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(2); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = dispatchType(ctx, in.type, kTopKTypes, "input", [](auto) {}); !s) return s;
        if (Status s = requireSameType(ctx, in, ctx.output(0)); !s) return s;
        if (Status s = requireSameQuantization(ctx, in, ctx.output(0)); !s) return s;
        if (ctx.output(1).type != TensorType::INT32)
            return ctx.error("output " + tensorName(ctx.output(1)) + " is " +
                             std::string(typeName(ctx.output(1).type)) + ", expected int32");
        if (ctx.input(1)->type != TensorType::INT32)
            return ctx.error("k " + tensorName(*ctx.input(1)) + " must be int32");
        if (in.rank() < 1) return ctx.error("input " + tensorName(in) + " must have rank >= 1");
        if (!readableOrDefer(ctx.input(1), atEval)) return {};
        auto k = readScalarInt(ctx, *ctx.input(1), "k");
        if (!k) return k.error();
        const int32_t last = in.dim(in.rank() - 1);
        if (*k < 0 || *k > last)
            return ctx.error("k = " + std::to_string(*k) + " is outside [0, " +
                             std::to_string(last) + "], the last dimension of input " +
                             shapeText(in.shape));
        m_k = static_cast<int32_t>(*k);
        Shape out = in.shape;
        out.back() = m_k;
        m_outShapes[0] = out;
        m_outShapes[1] = out;
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const int64_t n = in.dim(in.rank() - 1);
        const int64_t rows = n == 0 ? 0 : in.elementCount() / n;
        int32_t* indices = ctx.output(1).as<int32_t>();
        return dispatchType(ctx, in.type, kTopKTypes, "input", [&](auto tag) {
            using T = decltype(tag);
            const T* src = in.as<T>();
            T* values = ctx.output(0).as<T>();
            std::vector<int32_t> order(static_cast<size_t>(n));
            for (int64_t r = 0; r < rows; ++r) {
                const T* row = src + r * n;
                std::iota(order.begin(), order.end(), 0);
                // Larger value first; equal values by position. NaN compares as neither larger
                // nor smaller, so it is ordered by position against every value it meets.
                const auto before = [row](int32_t a, int32_t b) {
                    if (row[b] < row[a]) return true;
                    if (row[a] < row[b]) return false;
                    return a < b;
                };
                std::partial_sort(order.begin(), order.begin() + m_k, order.end(), before);
                for (int32_t i = 0; i < m_k; ++i) {
                    indices[r * m_k + i] = order[size_t(i)];
                    values[r * m_k + i] = row[order[size_t(i)]];
                }
            }
        });
    }

private:
    int32_t m_k = 0;
};

// IoU of two [y1, x1, y2, x2] boxes in float, evaluated in the order TFLite's reference does
// (areas, intersection, union = a1 + a2 - intersection, then one division).
float iou(const float* a, const float* b) {
    const float ay0 = std::min(a[0], a[2]), ay1 = std::max(a[0], a[2]), ax0 = std::min(a[1], a[3]),
                ax1 = std::max(a[1], a[3]);
    const float by0 = std::min(b[0], b[2]), by1 = std::max(b[0], b[2]), bx0 = std::min(b[1], b[3]),
                bx1 = std::max(b[1], b[3]);
    const float areaA = (ay1 - ay0) * (ax1 - ax0);
    const float areaB = (by1 - by0) * (bx1 - bx0);
    if (areaA <= 0.f || areaB <= 0.f) return 0.f;
    const float inter = std::max(std::min(ay1, by1) - std::max(ay0, by0), 0.f) *
                        std::max(std::min(ax1, bx1) - std::max(ax0, bx0), 0.f);
    const float uni = areaA + areaB - inter;
    return uni == 0.f ? 0.f : inter / uni;
}

class NonMaxSuppression : public PlannedKernel {
public:
    explicit NonMaxSuppression(const Operator& op)
        : m_soft(op.op == BuiltinOp::NON_MAX_SUPPRESSION_V5) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        const size_t inputs = m_soft ? 6 : 5, outputs = m_soft ? 3 : 2;
        if (Status s = ctx.requireInputs(inputs, inputs); !s) return s;
        if (Status s = ctx.requireOutputs(outputs); !s) return s;
        const RtTensor& boxes = *ctx.input(0);
        const RtTensor& scores = *ctx.input(1);
        for (size_t i : {size_t(0), size_t(1), size_t(3), size_t(4), size_t(5)}) {
            if (i >= inputs) continue;
            if (ctx.input(i)->type != TensorType::FLOAT32)
                return ctx.error("input " + std::to_string(i) + " " + tensorName(*ctx.input(i)) +
                                 " is " + std::string(typeName(ctx.input(i)->type)) +
                                 "; only float32 is supported");
        }
        if (boxes.rank() != 2 || boxes.dim(1) != 4)
            return ctx.error("boxes " + tensorName(boxes) + " have shape " +
                             shapeText(boxes.shape) + ", expected [N, 4]");
        if (scores.rank() != 1 || scores.dim(0) != boxes.dim(0))
            return ctx.error("scores " + tensorName(scores) + " have shape " +
                             shapeText(scores.shape) + ", expected [" +
                             std::to_string(boxes.dim(0)) + "]");
        for (size_t i : {size_t(3), size_t(4), size_t(5)})
            if (i < inputs && ctx.input(i)->elementCount() != 1)
                return ctx.error("input " + std::to_string(i) + " " + tensorName(*ctx.input(i)) +
                                 " must be a scalar, but has shape " +
                                 shapeText(ctx.input(i)->shape));
        if (ctx.input(2)->type != TensorType::INT32)
            return ctx.error("max_output_size " + tensorName(*ctx.input(2)) + " must be int32");
        const size_t countOut = outputs - 1;
        if (ctx.output(0).type != TensorType::INT32 ||
            ctx.output(countOut).type != TensorType::INT32)
            return ctx.error("the selected indices and their count must be int32 outputs");
        if (m_soft && ctx.output(1).type != TensorType::FLOAT32)
            return ctx.error("selected scores must be float32");
        if (!readableOrDefer(ctx.input(2), atEval)) return {};
        auto maxOut = readScalarInt(ctx, *ctx.input(2), "max_output_size");
        if (!maxOut) return maxOut.error();
        if (*maxOut < 0)
            return ctx.error("max_output_size is " + std::to_string(*maxOut) + ", must be >= 0");
        if (*maxOut > std::numeric_limits<int32_t>::max())
            return ctx.error("max_output_size is too large");
        m_maxOut = static_cast<int32_t>(*maxOut);
        m_outShapes[0] = {m_maxOut};
        if (m_soft) m_outShapes[1] = {m_maxOut};
        m_outShapes[countOut] = {};
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const float* boxes = ctx.input(0)->as<float>();
        const float* scores = ctx.input(1)->as<float>();
        const int32_t n = ctx.input(0)->dim(0);
        const float iouThreshold = ctx.input(3)->as<float>()[0];
        const float scoreThreshold = ctx.input(4)->as<float>()[0];
        const float sigma = m_soft ? ctx.input(5)->as<float>()[0] : 0.f;
        int32_t* selected = ctx.output(0).as<int32_t>();
        float* selectedScores = m_soft ? ctx.output(1).as<float>() : nullptr;
        int32_t* count = ctx.output(m_soft ? 2 : 1).as<int32_t>();

        struct Candidate {
            int32_t index;
            float score;
            int32_t checkedUpTo; // selections before this one were already compared with it
        };
        // Highest score on top; equal scores by increasing index.
        const auto lower = [](const Candidate& a, const Candidate& b) {
            return a.score < b.score || (a.score == b.score && a.index > b.index);
        };
        std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower)> queue(lower);
        for (int32_t i = 0; i < n; ++i)
            if (scores[i] > scoreThreshold) queue.push({i, scores[i], 0});
        const int32_t wanted = std::min<int32_t>(static_cast<int32_t>(queue.size()), m_maxOut);
        const float scale = sigma > 0.f ? -0.5f / sigma : 0.f;
        int32_t taken = 0;
        while (taken < wanted && !queue.empty()) {
            Candidate c = queue.top();
            queue.pop();
            const float original = c.score;
            bool suppressed = false;
            // Newest selections first: overlapping boxes tend to have close scores.
            for (int32_t j = taken - 1; j >= c.checkedUpTo; --j) {
                const float o = iou(boxes + int64_t(c.index) * 4, boxes + int64_t(selected[j]) * 4);
                if (o >= iouThreshold) {
                    suppressed = true;
                    break;
                }
                if (sigma > 0.f) c.score = c.score * std::exp(scale * o * o);
                if (c.score <= scoreThreshold) break;
            }
            c.checkedUpTo = taken;
            if (suppressed) continue;
            if (c.score == original) {
                selected[taken] = c.index;
                if (selectedScores) selectedScores[taken] = c.score;
                ++taken;
            }
            if (c.score > scoreThreshold) queue.push(c);
        }
        for (int32_t i = taken; i < m_maxOut; ++i) {
            selected[i] = 0;
            if (selectedScores) selectedScores[i] = 0.f;
        }
        *count = taken;
        return {};
    }

private:
    bool m_soft;
    int32_t m_maxOut = 0;
};

class Where : public PlannedKernel {
public:
    explicit Where(const Operator&) {}

protected:
    Status plan(KernelContext& ctx, bool atEval) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        if (Status s = forEachNonZero(ctx, in, nullptr); !s) return s;
        if (ctx.output(0).type != TensorType::INT64)
            return ctx.error("output " + tensorName(ctx.output(0)) + " is " +
                             std::string(typeName(ctx.output(0).type)) + ", expected int64");
        if (!readableOrDefer(&in, atEval)) return {};
        int64_t count = 0;
        (void)forEachNonZero(ctx, in, [&](int64_t) { ++count; });
        if (count > std::numeric_limits<int32_t>::max())
            return ctx.error("too many non-zero elements");
        m_outShapes[0] = {static_cast<int32_t>(count), static_cast<int32_t>(in.rank())};
        return {};
    }

    Status compute(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const auto strides = stridesOf(in.shape);
        int64_t* out = ctx.output(0).as<int64_t>();
        int64_t row = 0;
        return forEachNonZero(ctx, in, [&](int64_t flat) {
            for (int d = 0; d < in.rank(); ++d) {
                out[row * in.rank() + d] = flat / strides[size_t(d)];
                flat %= strides[size_t(d)];
            }
            ++row;
        });
    }

private:
    // Calls f(flat index) for each non-zero element; with a null f only checks the type.
    template <class F>
    static Status forEachNonZero(const KernelContext& ctx, const RtTensor& in, F&& f) {
        const auto visit = [&](auto tag) {
            using T = decltype(tag);
            if constexpr (!std::is_same_v<F, std::nullptr_t>) {
                const T* v = in.as<T>();
                const int64_t n = in.elementCount();
                for (int64_t i = 0; i < n; ++i)
                    if (v[i] != T(0)) f(i);
            }
        };
        switch (in.type) {
        case TensorType::BOOL:
            visit(uint8_t{});
            return {};
        case TensorType::FLOAT32:
            visit(float{});
            return {};
        case TensorType::INT8:
            visit(int8_t{});
            return {};
        case TensorType::UINT8:
            visit(uint8_t{});
            return {};
        case TensorType::INT32:
            visit(int32_t{});
            return {};
        case TensorType::INT64:
            visit(int64_t{});
            return {};
        case TensorType::UINT32:
            visit(uint32_t{});
            return {};
        default:
            return ctx.error("input type " + std::string(typeName(in.type)) + " is not supported");
        }
    }
};

} // namespace

void registerSearchKernels(KernelRegistry& r) {
    r.add(BuiltinOp::TOPK_V2, 1, 3, factoryOf<TopK>());
    r.add(BuiltinOp::NON_MAX_SUPPRESSION_V4, 1, 1, factoryOf<NonMaxSuppression>());
    r.add(BuiltinOp::NON_MAX_SUPPRESSION_V5, 1, 1, factoryOf<NonMaxSuppression>());
    r.add(BuiltinOp::WHERE, 1, 2, factoryOf<Where>());
}

} // namespace ql::rt::shape

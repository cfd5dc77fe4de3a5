// AVERAGE_POOL_2D, MAX_POOL_2D (float32, int8, uint8, int16) and L2_POOL_2D (float32) on
// NHWC tensors, after TFLite's reference pooling.h / integer_ops/pooling.h:
// - window [oy*stride - pad, +filter) clipped to the input; padding = TFLite's
//   ComputePaddingHeightWidth (half of the total, the extra pixel at the end);
// - quantized average: int32 sum of the raw values, divided by the clipped window's count
//   rounding half away from zero: (sum + n/2) / n for sum > 0, (sum - n/2) / n otherwise
//   (reference_integer_ops::AveragePool; the uint8 kernel's (sum + n/2) / n is the same for
//   sum >= 0). Input and output share scale and zero point, so no requantization;
// - the fused activation clamps in the output's domain.
#include "runtime/kernels/pool_reduce/PoolReduceKernels.h"
#include "runtime/kernels/shape/ShapeCommon.h"
#include "runtime/kernels/ParamChecks.h"
#include "util/Limits.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ql::rt::poolreduce {
namespace {

using shape::shapeText;
using shape::tensorName;

constexpr int kMaxVersion = 8;

enum class PoolKind { Average, Max, L2 };

struct Window {
    int strideH = 1, strideW = 1, filterH = 1, filterW = 1, padH = 0, padW = 0;
};

int outputSize(Padding padding, int in, int filter, int stride) {
    return padding == Padding::SAME ? (in + stride - 1) / stride : (in - filter + stride) / stride;
}
int paddingFor(int in, int out, int filter, int stride) { return std::max(0, ((out - 1) * stride + filter - in) / 2); }

// Channels innermost: each tap adds (or maxes) a contiguous row of C values into a row of
// accumulators, which vectorises. Every channel still visits its taps in (fy, fx) order, so
// each output equals the per-channel loop's value exactly (floats included). A row of outputs
// can be long work (the window is an option, bounded only by the input's size and the
// operator work limit), so SIGINT/SIGTERM are polled once per row; false when interrupted.
template <class T, class Acc, class Finish>
bool poolLoop(const RtTensor& in, RtTensor& out, const Window& w, Acc init, PoolKind kind, Finish finish) {
    const int B = in.dim(0), H = in.dim(1), W = in.dim(2), C = in.dim(3), oH = out.dim(1), oW = out.dim(2);
    const T* src = in.as<T>();
    T* dst = out.as<T>();
    thread_local std::vector<Acc> acc;
    acc.resize(size_t(C));
    for (int b = 0; b < B; ++b)
        for (int oy = 0; oy < oH; ++oy) {
            if (interruptRequested()) return false;
            for (int ox = 0; ox < oW; ++ox) {
                const int y0 = oy * w.strideH - w.padH, x0 = ox * w.strideW - w.padW;
                const int fy0 = std::max(0, -y0), fy1 = std::min(w.filterH, H - y0);
                const int fx0 = std::max(0, -x0), fx1 = std::min(w.filterW, W - x0);
                const int count = std::max(0, fy1 - fy0) * std::max(0, fx1 - fx0);
                std::fill(acc.begin(), acc.end(), init);
                Acc* a = acc.data();
                for (int fy = fy0; fy < fy1; ++fy)
                    for (int fx = fx0; fx < fx1; ++fx) {
                        const T* row = src + ((int64_t(b) * H + y0 + fy) * W + x0 + fx) * C;
                        if (kind == PoolKind::Max)
                            for (int c = 0; c < C; ++c) a[c] = std::max(a[c], Acc(row[c]));
                        else if (kind == PoolKind::L2)
                            for (int c = 0; c < C; ++c) a[c] += Acc(row[c]) * Acc(row[c]);
                        else
                            for (int c = 0; c < C; ++c) a[c] += Acc(row[c]);
                    }
                T* o = dst + ((int64_t(b) * oH + oy) * oW + ox) * C;
                for (int c = 0; c < C; ++c) o[c] = finish(a[c], count);
            }
        }
    return true;
}

class Pool : public OpKernel {
public:
    explicit Pool(const Operator& op)
        : m_kind(op.op == BuiltinOp::MAX_POOL_2D ? PoolKind::Max : op.op == BuiltinOp::L2_POOL_2D ? PoolKind::L2 : PoolKind::Average) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        const auto* o = ctx.options<tflite::Pool2DOptionsT>();
        if (!o) return ctx.error("has no Pool2DOptions");
        if (in.rank() != 4) return ctx.error("input " + tensorName(in) + " has shape " + shapeText(in.shape) + ", expected 4-D NHWC");
        if (Status s = shape::requireSameType(ctx, in, out); !s) return s;
        const TensorType t = in.type;
        const bool supported = m_kind == PoolKind::L2 ? t == TensorType::FLOAT32
                                                       : (t == TensorType::FLOAT32 || t == TensorType::INT8 || t == TensorType::UINT8 ||
                                                          t == TensorType::INT16);
        if (!supported) return ctx.error("input type " + std::string(typeName(t)) + " is not supported");
        if (o->stride_h < 1 || o->stride_w < 1 || o->filter_height < 1 || o->filter_width < 1)
            return ctx.error("strides " + std::to_string(o->stride_h) + "x" + std::to_string(o->stride_w) + " and filter " +
                             std::to_string(o->filter_height) + "x" + std::to_string(o->filter_width) + " must be >= 1");
        if (t != TensorType::FLOAT32) {
            if (!in.isQuantized() || !out.isQuantized()) return ctx.error("quantized pooling needs scale and zero point on input and output");
            if (std::abs(in.scale() - out.scale()) > 1e-6f || in.zeroPoint() != out.zeroPoint())
                return ctx.error("output " + tensorName(out) + " has scale " + std::to_string(out.scale()) + " zero point " +
                                 std::to_string(out.zeroPoint()) + ", expected the input's scale " + std::to_string(in.scale()) +
                                 " zero point " + std::to_string(in.zeroPoint()));
            if (t == TensorType::INT16 && in.zeroPoint() != 0) return ctx.error("int16 input must have zero point 0");
            std::tie(m_qmin, m_qmax) = activationRangeQuantized(o->fused_activation_function, out.scale(), out.zeroPoint(), t);
        } else {
            std::tie(m_fmin, m_fmax) = activationRangeFloat(o->fused_activation_function);
        }
        const int H = in.dim(1), W = in.dim(2);
        if (Status s = checkWindow(ctx, {"height", "stride_h", nullptr, "filter_height", H, o->filter_height, o->stride_h, 1}); !s) return s;
        if (Status s = checkWindow(ctx, {"width", "stride_w", nullptr, "filter_width", W, o->filter_width, o->stride_w, 1}); !s) return s;
        const int oH = outputSize(o->padding, H, o->filter_height, o->stride_h);
        const int oW = outputSize(o->padding, W, o->filter_width, o->stride_w);
        if (oH < 0 || oW < 0)
            return ctx.error("filter " + std::to_string(o->filter_height) + "x" + std::to_string(o->filter_width) + " is larger than the input " +
                             std::to_string(H) + "x" + std::to_string(W) + " with VALID padding");
        m_window = {o->stride_h, o->stride_w, o->filter_height, o->filter_width, paddingFor(H, oH, o->filter_height, o->stride_h),
                    paddingFor(W, oW, o->filter_width, o->stride_w)};
        ctx.setOutputShape(0, {in.dim(0), oH, oW, in.dim(3)});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        RtTensor& out = ctx.output(0);
        // No channels (or no rows): nothing to write, and the window loops would still visit
        // every position of the other dimensions.
        if (out.elementCount() == 0) return {};
        bool done = false;
        switch (in.type) {
        case TensorType::FLOAT32: done = evalFloat(in, out); break;
        case TensorType::INT8: done = evalQuantized<int8_t>(in, out); break;
        case TensorType::UINT8: done = evalQuantized<uint8_t>(in, out); break;
        default: done = evalQuantized<int16_t>(in, out); break;
        }
        if (!done) return ctx.error("interrupted");
        return {};
    }

private:
    bool evalFloat(const RtTensor& in, RtTensor& out) const {
        const float lo = m_fmin, hi = m_fmax;
        switch (m_kind) {
        case PoolKind::Max:
            return poolLoop<float, float>(in, out, m_window, std::numeric_limits<float>::lowest(), m_kind,
                                          [&](float acc, int) { return std::clamp(acc, lo, hi); });
        case PoolKind::L2:
            return poolLoop<float, float>(in, out, m_window, 0.f, m_kind,
                                          [&](float acc, int n) { return std::clamp(std::sqrt(acc / static_cast<float>(n)), lo, hi); });
        case PoolKind::Average:
            return poolLoop<float, float>(in, out, m_window, 0.f, m_kind,
                                          [&](float acc, int n) { return std::clamp(acc / static_cast<float>(n), lo, hi); });
        }
        return true;
    }

    template <class T> bool evalQuantized(const RtTensor& in, RtTensor& out) const {
        const int32_t lo = m_qmin, hi = m_qmax;
        if (m_kind == PoolKind::Max)
            return poolLoop<T, int32_t>(in, out, m_window, std::numeric_limits<T>::lowest(), m_kind,
                                        [&](int32_t acc, int) { return static_cast<T>(std::clamp(acc, lo, hi)); });
        return poolLoop<T, int32_t>(in, out, m_window, 0, m_kind, [&](int32_t acc, int n) {
            const int32_t avg = n == 0 ? 0 : acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
            return static_cast<T>(std::clamp(avg, lo, hi));
        });
    }

    PoolKind m_kind;
    Window m_window;
    float m_fmin = 0, m_fmax = 0;
    int32_t m_qmin = 0, m_qmax = 0;
};

} // namespace

void registerPoolingKernels(KernelRegistry& r) {
    r.add(BuiltinOp::AVERAGE_POOL_2D, 1, kMaxVersion, factoryOf<Pool>());
    r.add(BuiltinOp::MAX_POOL_2D, 1, kMaxVersion, factoryOf<Pool>());
    r.add(BuiltinOp::L2_POOL_2D, 1, kMaxVersion, factoryOf<Pool>());
}

} // namespace ql::rt::poolreduce

#include "runtime/OperatorWork.h"

#include "runtime/kernels/shape/ShapeCommon.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace ql::rt {
namespace {

using shape::shapeText;

// a * b * ..., saturating at UINT64_MAX (which is over every limit).
uint64_t product(std::initializer_list<uint64_t> factors) {
    uint64_t r = 1;
    for (uint64_t f : factors) {
        const auto p = checkedMulU(r, f);
        if (!p) return std::numeric_limits<uint64_t>::max();
        r = *p;
    }
    return r;
}

// Loops visit every index of the dimensions outside the innermost one even when another
// dimension is 0 (a [1, 2^20, 2^20, 0] tensor holds no bytes, yet a loop over its rows and
// columns runs 2^40 times), so sizes count a 0 dimension as 1: an upper bound of the
// iterations, not of the elements.
uint64_t elements(const RtTensor* t) {
    if (!t) return 0;
    uint64_t n = 1;
    for (int32_t d : t->shape) {
        const auto p = checkedMulU(n, uint64_t(std::max(d, 1)));
        if (!p) return std::numeric_limits<uint64_t>::max();
        n = *p;
    }
    return n;
}

uint64_t dimOf(const RtTensor* t, int i) {
    if (!t || i < 0 || i >= t->rank()) return 0;
    return uint64_t(std::max(t->dim(i), 1));
}

} // namespace

OperatorWork estimateOperatorWork(const KernelContext& ctx) {
    const RtTensor* out = ctx.outputCount() ? &ctx.output(0) : nullptr;
    const uint64_t outElements = elements(out);
    const RtTensor* filter = ctx.input(1);
    switch (ctx.op().op) {
    case BuiltinOp::AVERAGE_POOL_2D:
    case BuiltinOp::MAX_POOL_2D:
    case BuiltinOp::L2_POOL_2D: {
        const auto* o = ctx.options<tflite::Pool2DOptionsT>();
        if (!o || !ctx.input(0) || !out) return {};
        return poolingWork(*ctx.input(0), *out, o->filter_height, o->filter_width);
    }
    case BuiltinOp::CONV_2D: // filter [OC, KH, KW, IC / groups]
        if (!filter || filter->rank() != 4) return {};
        return {product({outElements, dimOf(filter, 1), dimOf(filter, 2), dimOf(filter, 3)}),
                "output " + shapeText(out->shape) + " x " + std::to_string(dimOf(filter, 1)) +
                    "x" + std::to_string(dimOf(filter, 2)) + "x" +
                    std::to_string(dimOf(filter, 3)) + " taps"};
    case BuiltinOp::CONV_3D: // filter [KD, KH, KW, IC, OC]
        if (!filter || filter->rank() != 5) return {};
        return {product({outElements, dimOf(filter, 0), dimOf(filter, 1), dimOf(filter, 2), dimOf(filter, 3)}),
                "output " + shapeText(out->shape) + " x " + std::to_string(dimOf(filter, 0)) + "x" + std::to_string(dimOf(filter, 1)) + "x" +
                    std::to_string(dimOf(filter, 2)) + "x" + std::to_string(dimOf(filter, 3)) + " taps"};
    case BuiltinOp::LOCAL_RESPONSE_NORMALIZATION: { // each output sums a window of 2 radius + 1 channels
        const auto* o = ctx.options<tflite::LocalResponseNormalizationOptionsT>();
        const uint64_t window = std::min(o && o->radius > 0 ? 2 * uint64_t(o->radius) + 1 : 1, dimOf(ctx.input(0), 3));
        return {product({outElements, window}), "output " + shapeText(out->shape) + " x a window of " + std::to_string(window) + " channels"};
    }
    case BuiltinOp::DEPTHWISE_CONV_2D: // filter [1, KH, KW, OC]
        if (!filter || filter->rank() != 4) return {};
        return {product({outElements, dimOf(filter, 1), dimOf(filter, 2)}),
                "output " + shapeText(out->shape) + " x " + std::to_string(dimOf(filter, 1)) +
                    "x" + std::to_string(dimOf(filter, 2)) + " taps"};
    case BuiltinOp::TRANSPOSE_CONV: { // inputs: output_shape, filter [OC, KH, KW, IC], input
        const RtTensor* in = ctx.input(2);
        if (!filter || filter->rank() != 4 || !in) return {};
        return {product({elements(in), dimOf(filter, 0), dimOf(filter, 1), dimOf(filter, 2)}),
                "input " + shapeText(in->shape) + " x filter " + shapeText(filter->shape)};
    }
    case BuiltinOp::FULLY_CONNECTED: // weights [O, I]: each output sums I products
        if (!filter || filter->rank() < 1) return {};
        return {product({outElements, dimOf(filter, filter->rank() - 1)}),
                "output " + shapeText(out->shape) + " x " +
                    std::to_string(dimOf(filter, filter->rank() - 1)) + " inputs"};
    case BuiltinOp::BATCH_MATMUL: { // each output sums the lhs's reduction length
        const RtTensor* lhs = ctx.input(0);
        if (!lhs || lhs->rank() < 2) return {};
        const auto* o = ctx.options<tflite::BatchMatMulOptionsT>();
        const uint64_t k = dimOf(lhs, o && o->adj_x ? lhs->rank() - 2 : lhs->rank() - 1);
        return {product({outElements, k}),
                "output " + shapeText(out->shape) + " x " + std::to_string(k) + " products"};
    }
    default:
        return {};
    }
}

OperatorWork poolingWork(const RtTensor& in, const RtTensor& out, int filterH, int filterW) {
    if (in.rank() != 4) return {};
    const uint64_t fh = std::min<uint64_t>(uint64_t(std::max(filterH, 0)), dimOf(&in, 1));
    const uint64_t fw = std::min<uint64_t>(uint64_t(std::max(filterW, 0)), dimOf(&in, 2));
    return {product({elements(&out), fh, fw}), "output " + shapeText(out.shape) + " x window " +
                                                   std::to_string(fh) + "x" + std::to_string(fw)};
}

Status checkOperatorWork(const KernelContext& ctx, const OperatorWork& work) {
    if (work.steps <= maxOperatorWork()) return {};
    return ctx.error(work.how + ": " + stepCountText(work.steps) +
                     " steps, more than the limit of " + stepCountText(maxOperatorWork()) +
                     " for one operator (--max-operator-work)");
}

std::string stepCountText(uint64_t steps) {
    if (steps < 10'000'000) return std::to_string(steps);
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", static_cast<double>(steps));
    return steps == std::numeric_limits<uint64_t>::max() ? "more than " + std::string(text)
                                                         : std::string(text);
}

} // namespace ql::rt

#pragma once
// Checks of operator parameters that come from the file (strides, dilations, filter sizes,
// blocks, paddings, multiples), shared by every kernel's prepare. The arithmetic is
// util/CheckedMath.h's; the messages name the option field and its value, e.g.
// "operator 3 (CONV_2D): dilation_h_factor is 2147483647: a 3-tap filter would span
// 4294967293 rows, more than 2147483647".

#include "runtime/Kernel.h"
#include "util/CheckedMath.h"

#include <limits>
#include <string>

namespace ql::rt {

// lo <= value <= hi, else "NAME is VALUE, expected LO to HI".
inline Status requireParam(const KernelContext& ctx, const std::string& name, int64_t value,
                           int64_t lo, int64_t hi) {
    if (inRange(value, lo, hi)) return {};
    return ctx.error(name + " is " + std::to_string(value) + ", expected " + std::to_string(lo) +
                     " to " + std::to_string(hi));
}

// An output dimension computed from file values (nullopt: the computation overflowed int64):
// 0 .. INT32_MAX, else "WHAT gives an output DIM of VALUE, more than 2147483647".
inline Result<int32_t> outputDim(const KernelContext& ctx, std::optional<int64_t> value,
                                 const std::string& what, const char* dim) {
    if (value && fitsDimension(*value)) return static_cast<int32_t>(*value);
    if (value && *value < 0)
        return ctx.error(what + " gives a negative output " + dim + " " + std::to_string(*value));
    return ctx.error(what + " gives an output " + dim + " of " +
                     (value ? std::to_string(*value) : std::string("more than 2^63")) +
                     ", more than " + std::to_string(std::numeric_limits<int32_t>::max()));
}

// One axis of a sliding window (CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, pooling). TFLite's
// ComputeOutSize and ComputePaddingWithOffset (kernels/padding.h) compute in int:
// effective = (filter - 1) * dilation + 1, in + stride - 1, (out - 1) * stride + effective - in.
// Every term stays in int32 when stride, dilation and filter are positive and both
// in + stride and in + effective fit; beyond that TFLite's arithmetic overflows.
struct WindowAxis {
    const char* extentName;   // "height"
    const char* strideName;   // "stride_h"
    const char* dilationName; // "dilation_h_factor" (nullptr: no dilation, e.g. pooling)
    const char* filterName;   // "filter_height" or "the filter"
    int64_t in = 1, filter = 1, stride = 1, dilation = 1;
};

inline Status checkWindow(const KernelContext& ctx, const WindowAxis& a) {
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    if (Status s = requireParam(ctx, a.strideName, a.stride, 1, kMax); !s) return s;
    if (a.dilationName)
        if (Status s = requireParam(ctx, a.dilationName, a.dilation, 1, kMax); !s) return s;
    if (Status s = requireParam(ctx, a.filterName, a.filter, 1, kMax); !s) return s;
    const auto span = checkedMul(a.filter - 1, a.dilation);
    if (!span || *span + 1 + a.in > kMax)
        return ctx.error(std::string(a.dilationName ? a.dilationName : a.filterName) + " is " +
                         std::to_string(a.dilationName ? a.dilation : a.filter) + ": a " +
                         std::to_string(a.filter) + "-tap window would span " +
                         (span ? std::to_string(*span + 1) : std::string("more than 2^63")) +
                         " elements along the input " + a.extentName + " of " +
                         std::to_string(a.in) + ", more than " + std::to_string(kMax));
    if (a.in + a.stride > kMax)
        return ctx.error(std::string(a.strideName) + " is " + std::to_string(a.stride) +
                         ": with the input " + a.extentName + " of " + std::to_string(a.in) +
                         " the output size computation exceeds " + std::to_string(kMax));
    return {};
}

} // namespace ql::rt

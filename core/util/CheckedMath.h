#pragma once
// Overflow-safe integer arithmetic for sizes that come from untrusted files: shapes, element
// counts, byte counts, strides, paddings, block sizes. Every function returns std::nullopt
// instead of wrapping (signed overflow is undefined behaviour; unsigned wraps silently), so a
// caller refuses the file with the value named rather than allocating or indexing with a
// wrapped number. The loader's validation, the interpreter and every kernel's prepare use
// these, never their own multiplications of file values.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>

namespace ql {

inline std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<int64_t> checkedSub(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<uint64_t> checkedMulU(uint64_t a, uint64_t b) {
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

inline std::optional<uint64_t> checkedAddU(uint64_t a, uint64_t b) {
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

// Product of the dimensions (1 for a scalar); nullopt if a dimension is negative or the
// product exceeds `limit` (default: what fits in int64).
template <class Int>
std::optional<int64_t> checkedElementCount(std::span<const Int> shape,
                                           int64_t limit = std::numeric_limits<int64_t>::max()) {
    int64_t n = 1;
    for (Int d : shape) {
        if (d < 0) return std::nullopt;
        const auto p = checkedMul(n, static_cast<int64_t>(d));
        if (!p || *p > limit) return std::nullopt;
        n = *p;
    }
    return n;
}

// True if v is a valid tensor dimension (0 .. INT32_MAX, what TfLiteIntArray holds).
inline bool fitsDimension(int64_t v) {
    return v >= 0 && v <= std::numeric_limits<int32_t>::max();
}

// True if lo <= v <= hi.
inline bool inRange(int64_t v, int64_t lo, int64_t hi) {
    return v >= lo && v <= hi;
}

} // namespace ql

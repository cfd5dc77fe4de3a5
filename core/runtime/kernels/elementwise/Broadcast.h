#pragma once
// NumPy broadcasting for binary kernels (up to 6 dimensions, as TFLite's BroadcastXXX6DSlow).
//
// planBroadcast() collapses the broadcast into at most 6 "runs": consecutive output dimensions
// in which each input is either fully present or fully broadcast are merged, and dimensions of
// extent 1 disappear. The innermost run is then a plain loop with input strides 0 or 1, which
// the compiler vectorises; the outer runs are an odometer. [1,2,12,64] - [64] becomes one run
// of 24 rows x 64 columns with the second input's row stride 0.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ql::rt {

constexpr int kMaxBroadcastRank = 6;

// The broadcast shape of a and b, or nullopt when a dimension differs and neither is 1.
std::optional<std::vector<int32_t>> broadcastShape(const std::vector<int32_t>& a, const std::vector<int32_t>& b);
std::string shapeString(const std::vector<int32_t>& shape);

struct BroadcastPlan {
    int runs = 0; // number of collapsed dimensions (0 for an empty or scalar output)
    std::array<int64_t, kMaxBroadcastRank> extent{};
    std::array<int64_t, kMaxBroadcastRank> strideA{}; // 0 where a is broadcast
    std::array<int64_t, kMaxBroadcastRank> strideB{};
    int64_t count = 0; // output elements

    bool sameShape() const { return runs <= 1 && strideA[0] == strideB[0]; }
};

// Shapes must be broadcast-compatible with `out` (prepare checks that first).
BroadcastPlan planBroadcast(const std::vector<int32_t>& a, const std::vector<int32_t>& b, const std::vector<int32_t>& out);

// Calls row(offsetA, offsetB, offsetOut, n, innerStrideA, innerStrideB) for every innermost run.
template <class Row> void forEachRow(const BroadcastPlan& p, Row&& row) {
    if (p.count == 0) return;
    if (p.runs == 0) {
        row(int64_t{0}, int64_t{0}, int64_t{0}, int64_t{1}, int64_t{0}, int64_t{0});
        return;
    }
    const int inner = p.runs - 1;
    const int64_t n = p.extent[inner];
    std::array<int64_t, kMaxBroadcastRank> index{};
    int64_t offA = 0, offB = 0, offOut = 0;
    while (true) {
        row(offA, offB, offOut, n, p.strideA[inner], p.strideB[inner]);
        offOut += n;
        int d = inner - 1;
        for (; d >= 0; --d) {
            offA += p.strideA[d];
            offB += p.strideB[d];
            if (++index[d] < p.extent[d]) break;
            offA -= p.strideA[d] * p.extent[d];
            offB -= p.strideB[d] * p.extent[d];
            index[d] = 0;
        }
        if (d < 0) return;
    }
}

// out[i] = f(a[i'], b[i'']) over the broadcast; f is applied per element.
template <class TA, class TB, class TO, class F>
void broadcastBinary(const BroadcastPlan& p, const TA* a, const TB* b, TO* out, F f) {
    forEachRow(p, [&](int64_t ia, int64_t ib, int64_t io, int64_t n, int64_t sa, int64_t sb) {
        const TA* pa = a + ia;
        const TB* pb = b + ib;
        TO* po = out + io;
        if (sa == 1 && sb == 1) {
            for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
        } else if (sa == 0 && sb == 1) {
            const TA x = *pa;
            for (int64_t i = 0; i < n; ++i) po[i] = f(x, pb[i]);
        } else if (sa == 1 && sb == 0) {
            const TB y = *pb;
            for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], y);
        } else {
            const TO v = f(*pa, *pb);
            for (int64_t i = 0; i < n; ++i) po[i] = v;
        }
    });
}

} // namespace ql::rt

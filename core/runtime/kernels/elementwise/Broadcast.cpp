#include "runtime/kernels/elementwise/Broadcast.h"

#include <algorithm>

namespace ql::rt {

std::optional<std::vector<int32_t>> broadcastShape(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    const size_t rank = std::max(a.size(), b.size());
    std::vector<int32_t> out(rank);
    for (size_t i = 0; i < rank; ++i) {
        // Align from the innermost dimension; missing leading dimensions count as 1.
        const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da == db || db == 1) out[i] = da;
        else if (da == 1) out[i] = db;
        else return std::nullopt;
    }
    return out;
}

std::string shapeString(const std::vector<int32_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

BroadcastPlan planBroadcast(const std::vector<int32_t>& a, const std::vector<int32_t>& b, const std::vector<int32_t>& out) {
    BroadcastPlan p;
    p.count = 1;
    for (int32_t d : out) p.count *= d;
    if (p.count == 0) return p;

    // Per output dimension (extent > 1): whether a and b are present (not broadcast) there.
    struct Dim {
        int64_t extent;
        bool hasA, hasB;
    };
    std::vector<Dim> dims;
    const size_t rank = out.size();
    for (size_t i = 0; i < rank; ++i) {
        if (out[i] == 1) continue;
        const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        const Dim d{out[i], da != 1, db != 1};
        if (!dims.empty() && dims.back().hasA == d.hasA && dims.back().hasB == d.hasB)
            dims.back().extent *= d.extent; // contiguous in all three tensors: merge
        else
            dims.push_back(d);
    }
    // After merging, runs alternate patterns; at most 2^2 patterns but they can repeat
    // (e.g. A B A B ...). More than 6 runs needs an output of rank > 6, which prepare refuses.
    p.runs = static_cast<int>(dims.size());
    int64_t sa = 1, sb = 1;
    for (int i = p.runs - 1; i >= 0; --i) {
        p.extent[size_t(i)] = dims[size_t(i)].extent;
        p.strideA[size_t(i)] = dims[size_t(i)].hasA ? sa : 0;
        p.strideB[size_t(i)] = dims[size_t(i)].hasB ? sb : 0;
        if (dims[size_t(i)].hasA) sa *= dims[size_t(i)].extent;
        if (dims[size_t(i)].hasB) sb *= dims[size_t(i)].extent;
    }
    return p;
}

} // namespace ql::rt

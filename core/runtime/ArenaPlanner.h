#pragma once
// Plans where tensors live in one arena so that tensors whose lifetimes do not overlap share
// bytes. Greedy by size (TFLite Micro's GreedyMemoryPlanner idea): the largest buffer is
// placed first; each next buffer goes into the lowest aligned gap left by the already placed
// buffers whose lifetimes overlap its own.
//
// Invariant of a plan: two buffers whose [first, last] step ranges intersect never share a
// byte; every offset is a multiple of the alignment; arenaBytes covers the highest end.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ql::rt {

struct ArenaRequest {
    size_t bytes = 0;
    int first = 0; // first step (operator index) that needs the buffer
    int last = 0;  // last step that needs it, >= first
};

struct ArenaPlan {
    std::vector<size_t> offsets; // per request, in request order
    size_t arenaBytes = 0;       // bytes the arena needs
    size_t naiveBytes = 0;       // bytes without any sharing (sum of aligned sizes)
};

ArenaPlan planArena(const std::vector<ArenaRequest>& requests, size_t alignment = 64);

// True if the plan keeps every pair of overlapping lifetimes apart (tests and assertions).
bool planIsValid(const std::vector<ArenaRequest>& requests, const ArenaPlan& plan, size_t alignment = 64);

} // namespace ql::rt

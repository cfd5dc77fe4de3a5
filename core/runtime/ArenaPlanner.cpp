#include "runtime/ArenaPlanner.h"

#include <algorithm>
#include <numeric>

namespace ql::rt {
namespace {

size_t alignUp(size_t n, size_t a) { return (n + a - 1) / a * a; }
bool overlaps(const ArenaRequest& a, const ArenaRequest& b) { return a.first <= b.last && b.first <= a.last; }

} // namespace

ArenaPlan planArena(const std::vector<ArenaRequest>& requests, size_t alignment) {
    ArenaPlan plan;
    plan.offsets.assign(requests.size(), 0);
    std::vector<size_t> order(requests.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // Largest first; ties by earlier first use, then by index (a deterministic plan).
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
        return requests[a].first < requests[b].first;
    });
    struct Placed {
        size_t offset, end;
    };
    std::vector<size_t> placed; // request indices already placed
    std::vector<Placed> live;
    for (size_t r : order) {
        const size_t size = alignUp(requests[r].bytes, alignment);
        plan.naiveBytes += size;
        live.clear();
        for (size_t p : placed)
            if (overlaps(requests[p], requests[r])) live.push_back({plan.offsets[p], plan.offsets[p] + alignUp(requests[p].bytes, alignment)});
        std::sort(live.begin(), live.end(), [](const Placed& a, const Placed& b) { return a.offset < b.offset; });
        // The lowest gap between live buffers (sorted by offset) that fits `size`.
        size_t candidate = 0;
        for (const Placed& l : live) {
            if (l.offset >= candidate + size) break;
            candidate = std::max(candidate, l.end);
        }
        plan.offsets[r] = candidate;
        plan.arenaBytes = std::max(plan.arenaBytes, candidate + size);
        placed.push_back(r);
    }
    return plan;
}

bool planIsValid(const std::vector<ArenaRequest>& requests, const ArenaPlan& plan, size_t alignment) {
    if (plan.offsets.size() != requests.size()) return false;
    for (size_t i = 0; i < requests.size(); ++i) {
        if (plan.offsets[i] % alignment) return false;
        if (plan.offsets[i] + requests[i].bytes > plan.arenaBytes) return false;
        for (size_t j = i + 1; j < requests.size(); ++j) {
            if (!overlaps(requests[i], requests[j]) || !requests[i].bytes || !requests[j].bytes) continue;
            const size_t ai = plan.offsets[i], bi = ai + requests[i].bytes;
            const size_t aj = plan.offsets[j], bj = aj + requests[j].bytes;
            if (ai < bj && aj < bi) return false;
        }
    }
    return true;
}

} // namespace ql::rt

#pragma once
// QuantLab's own layered (Sugiyama-style) top-to-bottom graph layout. No Qt; runs on any
// thread. Graphviz `dot` needs seconds for a few thousand nodes; this is linear or
// O(E log V) per phase so that 10,000 operators lay out well under a second:
//   1. cycle removal   Kahn's topological order; when it stalls, the lowest-index remaining
//                      node is forced and the edges into it are reversed (TFLite graphs are
//                      DAGs, so this only guards against malformed input).
//   2. layering        longest path from the sources; sources are then pulled down next to
//                      their first consumer so graph inputs do not float at the top.
//   3. dummy nodes     an edge spanning k layers gets k-1 dummies (one per crossed layer).
//   4. ordering        barycentric sweeps down and up; the ordering with the fewest
//                      crossings (Fenwick-tree inversion count) is kept.
//   5. coordinates     per layer, a weighted least-squares placement towards the neighbours'
//                      x subject to the minimum separation, solved exactly by
//                      pool-adjacent-violators (isotonic regression); alternating sweeps.
//                      Separation constraints make overlaps impossible by construction.
//   6. routing         a polyline per edge from the source's bottom through its dummies to
//                      the target's top, ports spread along the node's width.

#include "util/Progress.h"

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace ql::layout {

struct Size {
    float width = 0;
    float height = 0;
};

struct Point {
    float x = 0;
    float y = 0;
};

struct Rect {
    float x = 0; // left
    float y = 0; // top
    float width = 0;
    float height = 0;
    float right() const { return x + width; }
    float bottom() const { return y + height; }
    float centerX() const { return x + width / 2; }
    bool intersects(const Rect& o) const { return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom(); }
};

struct LayoutGraph {
    std::vector<Size> nodes;
    std::vector<std::pair<int, int>> edges; // (from, to): from is upstream
};

struct LayoutOptions {
    float nodeGap = 24;       // minimum horizontal gap between two boxes of one layer
    float dummyGap = 10;      // gap next to an edge passing through a layer
    float dummyWidth = 6;     // width an edge occupies in a layer it crosses
    float layerGap = 44;      // vertical gap between layers (room for edge labels)
    int orderingSweeps = 6;   // down+up pairs of barycentric sweeps
    int placementSweeps = 6;  // down+up pairs of coordinate sweeps
};

struct EdgeRoute {
    std::vector<Point> points; // from the source's bottom to the target's top; empty for self loops
    bool reversed = false;     // the edge was reversed to break a cycle (it points upward)
};

struct LayoutResult {
    std::vector<Rect> nodes;       // same order as LayoutGraph::nodes
    std::vector<int> layer;        // layer of each node, 0 at the top
    std::vector<EdgeRoute> edges;  // same order as LayoutGraph::edges
    float width = 0;
    float height = 0;
    int layerCount = 0;
    size_t dummyCount = 0;
    size_t crossings = 0; // edge crossings between adjacent layers of the kept ordering
};

// Lays out `graph`; nullopt only when `progress.cancelled()` became true.
std::optional<LayoutResult> layoutLayered(const LayoutGraph& graph, const LayoutOptions& options = {},
                                          const Progress& progress = {});

} // namespace ql::layout

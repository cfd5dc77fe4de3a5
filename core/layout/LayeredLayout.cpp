// The layered layout driver: cycle removal, layering, dummy nodes, y coordinates and edge
// routes. Ordering and x placement live in LayerOrdering.cpp and LayerPlacement.cpp.
#include "layout/LayeredGraph.h"

#include <algorithm>
#include <limits>

namespace ql::layout {
namespace {

using detail::LayeredGraph;

// Kahn's order; when no node is free (a cycle), the lowest-index remaining node is forced.
// Returns the rank of each node in that order: an edge (u, v) with rank[u] > rank[v] is reversed.
std::vector<int> topologicalRank(int n, const std::vector<std::pair<int, int>>& edges) {
    std::vector<int> indegree(n, 0);
    std::vector<std::vector<int>> out(n);
    for (auto [u, v] : edges) {
        if (u == v) continue;
        out[u].push_back(v);
        ++indegree[v];
    }
    std::vector<int> rank(n, -1);
    std::vector<int> queue;
    queue.reserve(n);
    for (int i = 0; i < n; ++i)
        if (indegree[i] == 0) queue.push_back(i);
    int next = 0;
    int forced = 0;
    size_t head = 0;
    while (next < n) {
        if (head == queue.size()) { // cycle: force the lowest-index unranked node
            while (rank[forced] >= 0 || indegree[forced] < 0) ++forced;
            queue.push_back(forced);
        }
        const int u = queue[head++];
        if (rank[u] >= 0) continue;
        rank[u] = next++;
        indegree[u] = -1;
        for (int v : out[u])
            if (indegree[v] > 0 && --indegree[v] == 0) queue.push_back(v);
    }
    return rank;
}

} // namespace

std::optional<LayoutResult> layoutLayered(const LayoutGraph& graph, const LayoutOptions& options, const Progress& progress) {
    const int n = static_cast<int>(graph.nodes.size());
    LayoutResult result;
    result.nodes.resize(n);
    result.layer.assign(n, 0);
    result.edges.resize(graph.edges.size());
    if (n == 0) return result;
    progress("layering", 0.0);

    // 1. Orient every edge along the topological rank.
    const std::vector<int> rank = topologicalRank(n, graph.edges);
    std::vector<int> byRank(n);
    for (int i = 0; i < n; ++i) byRank[rank[i]] = i;
    struct Oriented {
        int from, to;
        bool reversed;
    };
    std::vector<Oriented> oriented(graph.edges.size());
    std::vector<std::vector<int>> outEdges(n), inEdges(n);
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        auto [u, v] = graph.edges[e];
        const bool rev = rank[u] > rank[v];
        oriented[e] = rev ? Oriented{v, u, true} : Oriented{u, v, false};
        result.edges[e].reversed = rev;
        if (u == v) continue;
        outEdges[oriented[e].from].push_back(int(e));
        inEdges[oriented[e].to].push_back(int(e));
    }

    // 2. Longest-path layering, then sources pulled down to just above their first consumer.
    std::vector<int> layer(n, 0);
    for (int r = 0; r < n; ++r) {
        const int u = byRank[r];
        for (int e : outEdges[u]) layer[oriented[e].to] = std::max(layer[oriented[e].to], layer[u] + 1);
    }
    for (int u = 0; u < n; ++u) {
        if (!inEdges[u].empty() || outEdges[u].empty()) continue;
        int lowest = std::numeric_limits<int>::max();
        for (int e : outEdges[u]) lowest = std::min(lowest, layer[oriented[e].to]);
        layer[u] = lowest - 1;
    }
    if (progress.cancelled()) return std::nullopt;

    // 3. Dummy nodes: one per layer crossed by a long edge.
    LayeredGraph g;
    g.realCount = n;
    g.width.resize(n);
    for (int i = 0; i < n; ++i) g.width[i] = graph.nodes[i].width;
    g.layer = layer;
    g.up.resize(n);
    g.down.resize(n);
    std::vector<std::vector<int>> chain(graph.edges.size()); // dummies of each edge, top to bottom
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        const auto [u, v, rev] = oriented[e];
        if (u == v) continue;
        int prev = u;
        for (int l = layer[u] + 1; l < layer[v]; ++l) {
            const int d = g.nodeCount();
            g.width.push_back(options.dummyWidth);
            g.layer.push_back(l);
            g.up.push_back({prev});
            g.down.emplace_back();
            g.down[prev].push_back(d);
            chain[e].push_back(d);
            prev = d;
        }
        g.down[prev].push_back(v);
        g.up[v].push_back(prev);
    }
    const int total = g.nodeCount();
    int layerCount = 0;
    for (int l : g.layer) layerCount = std::max(layerCount, l + 1);
    g.layers.resize(layerCount);
    for (int i = 0; i < total; ++i) g.layers[g.layer[i]].push_back(i); // initial: input order
    g.pos.assign(total, 0);
    g.x.assign(total, 0.0);
    result.layerCount = layerCount;
    result.dummyCount = size_t(total - n);

    // 4-5. Ordering and x placement.
    if (!detail::orderLayers(g, options, progress, &result.crossings)) return std::nullopt;
    if (!detail::placeLayers(g, options, progress)) return std::nullopt;

    // y: each layer as tall as its tallest node; nodes centred vertically in their layer.
    std::vector<float> layerTop(layerCount, 0), layerHeight(layerCount, 0);
    for (int i = 0; i < n; ++i) layerHeight[layer[i]] = std::max(layerHeight[layer[i]], graph.nodes[i].height);
    for (int l = 1; l < layerCount; ++l) layerTop[l] = layerTop[l - 1] + layerHeight[l - 1] + options.layerGap;
    double minX = std::numeric_limits<double>::max(), maxX = std::numeric_limits<double>::lowest();
    for (int i = 0; i < total; ++i) {
        minX = std::min(minX, g.x[i] - g.width[i] / 2.0);
        maxX = std::max(maxX, g.x[i] + g.width[i] / 2.0);
    }
    for (int i = 0; i < total; ++i) g.x[i] -= minX;
    for (int i = 0; i < n; ++i) {
        const Size s = graph.nodes[i];
        result.nodes[i] = Rect{float(g.x[i] - s.width / 2.0), layerTop[layer[i]] + (layerHeight[layer[i]] - s.height) / 2,
                               s.width, s.height};
        result.layer[i] = layer[i];
    }
    result.width = float(maxX - minX);
    result.height = layerTop.back() + layerHeight.back();

    // 6. Routes. Ports: the edges leaving (entering) a node are spread over the middle of its
    // bottom (top) side, ordered by the x of the next (previous) point so they do not cross.
    std::vector<float> outPort(graph.edges.size()), inPort(graph.edges.size());
    auto spread = [&](int node, const std::vector<int>& edges, bool outgoing, std::vector<float>& port) {
        const Rect& r = result.nodes[node];
        std::vector<std::pair<double, int>> keyed;
        for (int e : edges) {
            const auto& c = chain[e];
            const int other = outgoing ? (c.empty() ? oriented[e].to : c.front()) : (c.empty() ? oriented[e].from : c.back());
            keyed.emplace_back(g.x[other], e);
        }
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        const float span = r.width * 0.6f;
        for (size_t i = 0; i < keyed.size(); ++i) {
            const float t = keyed.size() == 1 ? 0.5f : float(i) / float(keyed.size() - 1);
            port[keyed[i].second] = keyed.size() == 1 ? r.centerX() : r.centerX() - span / 2 + t * span;
        }
    };
    for (int u = 0; u < n; ++u) {
        spread(u, outEdges[u], true, outPort);
        spread(u, inEdges[u], false, inPort);
    }
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        const auto [u, v, rev] = oriented[e];
        if (u == v) continue;
        auto& pts = result.edges[e].points;
        pts.push_back({outPort[e], result.nodes[u].bottom()});
        for (int d : chain[e]) {
            const int l = g.layer[d];
            pts.push_back({float(g.x[d]), layerTop[l]});
            if (layerHeight[l] > 0) pts.push_back({float(g.x[d]), layerTop[l] + layerHeight[l]});
        }
        pts.push_back({inPort[e], result.nodes[v].y});
        if (rev) std::reverse(pts.begin(), pts.end());
    }
    progress("done", 1.0);
    return result;
}

} // namespace ql::layout

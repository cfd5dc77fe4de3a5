#include "layout/GraphScene.h"

#include <algorithm>
#include <cmath>

namespace ql::layout {
namespace {

Rect boundsOf(const EdgeRoute& e) {
    if (e.points.empty()) return {};
    float x0 = e.points[0].x, x1 = x0, y0 = e.points[0].y, y1 = y0;
    for (const Point& p : e.points) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
    }
    return {x0, y0, x1 - x0, y1 - y0};
}

} // namespace

template <class F> void SpatialGrid::forCells(const Rect& r, F&& f) const {
    if (m_cols == 0) return;
    const int c0 = std::clamp(int(std::floor(r.x / m_cell)), 0, m_cols - 1);
    const int c1 = std::clamp(int(std::floor(r.right() / m_cell)), 0, m_cols - 1);
    const int r0 = std::clamp(int(std::floor(r.y / m_cell)), 0, m_rows - 1);
    const int r1 = std::clamp(int(std::floor(r.bottom() / m_cell)), 0, m_rows - 1);
    for (int row = r0; row <= r1; ++row)
        for (int col = c0; col <= c1; ++col) f(size_t(row) * size_t(m_cols) + size_t(col));
}

SpatialGrid::SpatialGrid(const LayoutResult& layout, float cellSize)
    : m_cell(cellSize), m_nodeCount(layout.nodes.size()), m_edgeCount(layout.edges.size()) {
    m_cols = std::max(1, int(std::ceil(layout.width / cellSize)) + 1);
    m_rows = std::max(1, int(std::ceil(layout.height / cellSize)) + 1);
    m_nodeCells.resize(size_t(m_cols) * size_t(m_rows));
    m_edgeCells.resize(m_nodeCells.size());
    for (size_t i = 0; i < layout.nodes.size(); ++i) forCells(layout.nodes[i], [&](size_t c) { m_nodeCells[c].push_back(int(i)); });
    for (size_t i = 0; i < layout.edges.size(); ++i) {
        const auto& pts = layout.edges[i].points;
        // per segment, so that a long straight edge does not fill the cells beside it
        for (size_t k = 1; k < pts.size(); ++k) {
            const Rect seg = boundsOf(EdgeRoute{{pts[k - 1], pts[k]}, false});
            forCells(seg, [&](size_t c) {
                auto& cell = m_edgeCells[c];
                if (cell.empty() || cell.back() != int(i)) cell.push_back(int(i));
            });
        }
    }
}

std::vector<int> SpatialGrid::collect(const Rect& r, const std::vector<std::vector<int>>& cells, size_t count) const {
    std::vector<int> ids;
    forCells(r, [&](size_t c) { ids.insert(ids.end(), cells[c].begin(), cells[c].end()); });
    if (ids.size() > count / 4) { // dense query: a bitmap is cheaper than sort + unique
        std::vector<char> seen(count, 0);
        for (int id : ids) seen[size_t(id)] = 1;
        ids.clear();
        for (size_t i = 0; i < count; ++i)
            if (seen[i]) ids.push_back(int(i));
        return ids;
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::vector<int> SpatialGrid::nodesIn(const Rect& r) const { return collect(r, m_nodeCells, m_nodeCount); }
std::vector<int> SpatialGrid::edgesIn(const Rect& r) const { return collect(r, m_edgeCells, m_edgeCount); }

int SpatialGrid::nodeAt(const LayoutResult& layout, Point p) const {
    for (int id : nodesIn(Rect{p.x, p.y, 0, 0})) {
        const Rect& n = layout.nodes[size_t(id)];
        if (p.x >= n.x && p.x <= n.right() && p.y >= n.y && p.y <= n.bottom()) return id;
    }
    return -1;
}

std::optional<GraphScene> buildGraphScene(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                          const ModelGraphOptions& graphOptions, const LayoutOptions& layoutOptions,
                                          const Progress& progress) {
    GraphScene scene;
    scene.model = std::move(model);
    scene.options = graphOptions;
    progress("building graph", 0.0);
    scene.graph = buildModelGraph(*scene.model, subgraph, graphOptions);
    if (progress.cancelled()) return std::nullopt;
    auto layout = layoutLayered(toLayoutGraph(scene.graph), layoutOptions, progress);
    if (!layout) return std::nullopt;
    scene.layout = std::move(*layout);
    scene.grid = SpatialGrid(scene.layout, 400.0f);
    return scene;
}

} // namespace ql::layout

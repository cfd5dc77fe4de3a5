#pragma once
// A laid-out model graph, ready to draw: the display graph, its layout and a spatial index
// for culling and hit testing. Built off the GUI thread and shared as an immutable snapshot.

#include "layout/LayeredLayout.h"
#include "layout/ModelGraph.h"

#include <memory>
#include <optional>

namespace ql::layout {

// Uniform grid over the layout: each cell lists the nodes and edges whose bounding box
// touches it. Queries return each id once, in increasing order.
class SpatialGrid {
public:
    SpatialGrid() = default;
    SpatialGrid(const LayoutResult& layout, float cellSize);
    std::vector<int> nodesIn(const Rect& r) const;
    std::vector<int> edgesIn(const Rect& r) const;
    // The node under point p, or -1.
    int nodeAt(const LayoutResult& layout, Point p) const;

private:
    template <class F> void forCells(const Rect& r, F&& f) const;
    std::vector<int> collect(const Rect& r, const std::vector<std::vector<int>>& cells, size_t count) const;
    float m_cell = 1;
    int m_cols = 0, m_rows = 0;
    size_t m_nodeCount = 0, m_edgeCount = 0;
    std::vector<std::vector<int>> m_nodeCells, m_edgeCells;
};

struct GraphScene {
    std::shared_ptr<const Model> model; // keeps the model the graph refers to alive
    ModelGraphOptions options;
    ModelGraph graph;
    LayoutResult layout;
    SpatialGrid grid;
};

// Builds the display graph and lays it out; nullopt when cancelled.
std::optional<GraphScene> buildGraphScene(std::shared_ptr<const Model> model, SubgraphIndex subgraph,
                                          const ModelGraphOptions& graphOptions, const LayoutOptions& layoutOptions = {},
                                          const Progress& progress = {});

} // namespace ql::layout

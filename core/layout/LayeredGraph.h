#pragma once
// Internal to the layered layout: the graph after layering, with dummy nodes. Shared by the
// phases in LayeredLayout.cpp, LayerOrdering.cpp and LayerPlacement.cpp.

#include "layout/LayeredLayout.h"

#include <vector>

namespace ql::layout::detail {

struct LayeredGraph {
    int realCount = 0;               // nodes [0, realCount) are the caller's, the rest dummies
    std::vector<float> width;        // per node (dummies: options.dummyWidth)
    std::vector<int> layer;          // per node
    std::vector<std::vector<int>> up;   // neighbours in layer - 1 (one entry per segment)
    std::vector<std::vector<int>> down; // neighbours in layer + 1
    std::vector<std::vector<int>> layers; // node ids of each layer, left to right
    std::vector<int> pos;            // index of each node inside its layer
    std::vector<double> x;           // centre x of each node

    bool isDummy(int n) const { return n >= realCount; }
    int nodeCount() const { return static_cast<int>(width.size()); }
    void refreshPositions() {
        for (const auto& l : layers)
            for (size_t i = 0; i < l.size(); ++i) pos[l[i]] = static_cast<int>(i);
    }
};

// Phase 4: barycentric sweeps; keeps the best ordering. Returns false when cancelled.
bool orderLayers(LayeredGraph& g, const LayoutOptions& options, const Progress& progress, size_t* crossings);
// Crossings between layer l and l + 1 under the current order.
size_t countCrossings(const LayeredGraph& g, size_t l);
// Phase 5: x coordinates. Returns false when cancelled.
bool placeLayers(LayeredGraph& g, const LayoutOptions& options, const Progress& progress);

} // namespace ql::layout::detail

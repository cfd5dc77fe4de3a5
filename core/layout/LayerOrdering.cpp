// Phase 4 of the layered layout: crossing reduction by barycentric sweeps.
#include "layout/LayeredGraph.h"

#include <algorithm>
#include <numeric>

namespace ql::layout::detail {
namespace {

// Fenwick tree over positions of the lower layer: counts inserted values greater than p.
class Fenwick {
public:
    explicit Fenwick(size_t n) : m_tree(n + 1, 0) {}
    void add(size_t i) {
        for (++i; i < m_tree.size(); i += i & (~i + 1)) ++m_tree[i];
    }
    size_t prefix(size_t i) const { // values in [0, i]
        size_t s = 0;
        for (++i; i > 0; i -= i & (~i + 1)) s += m_tree[i];
        return s;
    }

private:
    std::vector<size_t> m_tree;
};

size_t totalCrossings(const LayeredGraph& g) {
    size_t total = 0;
    for (size_t l = 0; l + 1 < g.layers.size(); ++l) total += countCrossings(g, l);
    return total;
}

// Reorders layer `l` by the mean position of each node's neighbours in the reference layer.
// Nodes without neighbours keep their current slot, scaled to the reference layer's width.
void sortLayer(LayeredGraph& g, size_t l, bool useUp, size_t referenceSize) {
    auto& nodes = g.layers[l];
    const double scale = nodes.size() > 1 && referenceSize > 1 ? double(referenceSize - 1) / double(nodes.size() - 1) : 1.0;
    std::vector<std::pair<double, int>> keyed;
    keyed.reserve(nodes.size());
    for (int n : nodes) {
        const auto& nb = useUp ? g.up[n] : g.down[n];
        double key = g.pos[n] * scale;
        if (!nb.empty()) {
            double sum = 0;
            for (int m : nb) sum += g.pos[m];
            key = sum / double(nb.size());
        }
        keyed.emplace_back(key, n);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < keyed.size(); ++i) {
        nodes[i] = keyed[i].second;
        g.pos[nodes[i]] = static_cast<int>(i);
    }
}

} // namespace

size_t countCrossings(const LayeredGraph& g, size_t l) {
    // Edges sorted by (upper position, lower position); crossings = inversions of the lower
    // positions (Barth, Jünger, Mutzel 2002, with a Fenwick tree instead of the accumulator tree).
    const auto& upper = g.layers[l];
    const size_t lowerSize = g.layers[l + 1].size();
    Fenwick tree(lowerSize);
    size_t inserted = 0;
    size_t crossings = 0;
    std::vector<int> targets;
    for (int u : upper) {
        targets.clear();
        for (int v : g.down[u]) targets.push_back(g.pos[v]);
        std::sort(targets.begin(), targets.end());
        for (int p : targets) {
            crossings += inserted - tree.prefix(size_t(p)); // earlier edges ending right of p
            tree.add(size_t(p));
            ++inserted;
        }
    }
    return crossings;
}

bool orderLayers(LayeredGraph& g, const LayoutOptions& options, const Progress& progress, size_t* crossings) {
    g.refreshPositions();
    size_t best = totalCrossings(g);
    std::vector<std::vector<int>> bestLayers = g.layers;
    const size_t layerCount = g.layers.size();
    for (int sweep = 0; sweep < options.orderingSweeps && best > 0; ++sweep) {
        if (progress.cancelled()) return false;
        for (size_t l = 1; l < layerCount; ++l) sortLayer(g, l, true, g.layers[l - 1].size());
        for (size_t l = layerCount - 1; l-- > 0;) sortLayer(g, l, false, g.layers[l + 1].size());
        const size_t c = totalCrossings(g);
        if (c < best) {
            best = c;
            bestLayers = g.layers;
        } else if (c == best) {
            break; // converged
        }
        progress("ordering", double(sweep + 1) / options.orderingSweeps);
    }
    g.layers = std::move(bestLayers);
    g.refreshPositions();
    *crossings = best;
    return true;
}

} // namespace ql::layout::detail

// Phase 5 of the layered layout: x coordinates.
//
// For one layer with nodes v_1..v_k (left to right) we minimise
//     sum_i w_i (x_i - d_i)^2   subject to   x_{i+1} - x_i >= s_i,
// where d_i is the weighted mean x of v_i's neighbours in the reference layer and s_i the
// half widths plus the gap. With c_1 = 0, c_{i+1} = c_i + s_i and y_i = x_i - c_i the
// constraints become y_1 <= y_2 <= ... <= y_k: an isotonic regression of t_i = d_i - c_i,
// solved exactly in O(k) by pool-adjacent-violators. Overlaps are impossible by construction.
// Edge weights follow Gansner et al. (dot): 1 between two real nodes, 2 for real-dummy, 8
// between two dummies, so long edges become straight vertical lines.
#include "layout/LayeredGraph.h"

#include <algorithm>

namespace ql::layout::detail {
namespace {

double edgeWeight(const LayeredGraph& g, int a, int b) {
    const int dummies = int(g.isDummy(a)) + int(g.isDummy(b));
    return dummies == 2 ? 8.0 : dummies == 1 ? 2.0 : 1.0;
}

double separation(const LayeredGraph& g, int a, int b, const LayoutOptions& o) {
    const float gap = g.isDummy(a) || g.isDummy(b) ? o.dummyGap : o.nodeGap;
    return (g.width[a] + g.width[b]) / 2.0 + gap;
}

struct Block {
    double weight;
    double weightedSum;
    size_t count;
    double mean() const { return weightedSum / weight; }
};

void placeLayer(LayeredGraph& g, const std::vector<int>& nodes, bool useUp, bool useDown, const LayoutOptions& o) {
    const size_t k = nodes.size();
    if (k == 0) return;
    std::vector<double> c(k, 0.0);
    for (size_t i = 1; i < k; ++i) c[i] = c[i - 1] + separation(g, nodes[i - 1], nodes[i], o);
    std::vector<Block> blocks;
    blocks.reserve(k);
    for (size_t i = 0; i < k; ++i) {
        const int n = nodes[i];
        double w = 0, sum = 0;
        auto accumulate = [&](const std::vector<int>& nb) {
            for (int m : nb) {
                const double ew = edgeWeight(g, n, m);
                w += ew;
                sum += ew * g.x[m];
            }
        };
        if (useUp) accumulate(g.up[n]);
        if (useDown) accumulate(g.down[n]);
        double desired = g.x[n];
        double weight = 1e-3; // a node without neighbours goes where its block puts it
        if (w > 0) {
            desired = sum / w;
            weight = w;
        }
        blocks.push_back({weight, weight * (desired - c[i]), 1});
        while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() >= blocks.back().mean()) {
            Block last = blocks.back();
            blocks.pop_back();
            blocks.back().weight += last.weight;
            blocks.back().weightedSum += last.weightedSum;
            blocks.back().count += last.count;
        }
    }
    size_t i = 0;
    for (const Block& b : blocks) {
        const double y = b.mean();
        for (size_t j = 0; j < b.count; ++j, ++i) g.x[nodes[i]] = y + c[i];
    }
}

} // namespace

bool placeLayers(LayeredGraph& g, const LayoutOptions& o, const Progress& progress) {
    // Start: each layer packed tightly and centred on x = 0.
    for (const auto& nodes : g.layers) {
        double cursor = 0;
        for (size_t i = 0; i < nodes.size(); ++i) {
            if (i > 0) cursor += separation(g, nodes[i - 1], nodes[i], o);
            g.x[nodes[i]] = cursor;
        }
        for (int n : nodes) g.x[n] -= cursor / 2;
    }
    const size_t layerCount = g.layers.size();
    for (int sweep = 0; sweep < o.placementSweeps; ++sweep) {
        if (progress.cancelled()) return false;
        const bool balanced = sweep + 2 >= o.placementSweeps; // the last two sweeps look both ways
        for (size_t l = 1; l < layerCount; ++l) placeLayer(g, g.layers[l], true, balanced, o);
        for (size_t l = layerCount - 1; l-- > 0;) placeLayer(g, g.layers[l], balanced, true, o);
        progress("placing", double(sweep + 1) / o.placementSweeps);
    }
    return true;
}

} // namespace ql::layout::detail

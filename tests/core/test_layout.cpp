// The layered graph layout (core/layout): no overlaps, edges point down, determinism,
// constants folded, scopes collapsed, and a 10,000-operator synthetic model.
#include "TestModels.h"
#include "TestSupport.h"

#include "layout/GraphScene.h"
#include "layout/LayeredLayout.h"
#include "layout/ModelGraph.h"
#include "model/SyntheticModel.h"
#include "quantize/Quantizer.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <random>

using namespace ql;
using namespace ql::layout;

namespace {

// Boxes of one layer never overlap; boxes of different layers are separated vertically.
void requireNoOverlap(const LayoutResult& r) {
    std::vector<std::vector<int>> byLayer(size_t(r.layerCount));
    for (size_t i = 0; i < r.nodes.size(); ++i) byLayer[size_t(r.layer[i])].push_back(int(i));
    size_t overlaps = 0;
    for (auto& ids : byLayer) {
        std::sort(ids.begin(), ids.end(), [&](int a, int b) { return r.nodes[a].x < r.nodes[b].x; });
        for (size_t k = 1; k < ids.size(); ++k)
            if (r.nodes[ids[k - 1]].right() > r.nodes[ids[k]].x + 1e-3f) ++overlaps;
    }
    CHECK(overlaps == 0);
    for (size_t i = 0; i < r.nodes.size(); ++i)
        for (size_t j = 0; j < r.nodes.size() && r.nodes.size() <= 400; ++j)
            if (i != j && r.layer[i] != r.layer[j]) REQUIRE_FALSE(r.nodes[i].intersects(r.nodes[j]));
}

// Every non-reversed edge goes from a higher layer to a lower one and its route never climbs.
void requireDownward(const LayoutGraph& g, const LayoutResult& r) {
    size_t bad = 0;
    for (size_t e = 0; e < g.edges.size(); ++e) {
        const auto [u, v] = g.edges[e];
        if (u == v || r.edges[e].reversed) continue;
        if (r.layer[size_t(v)] <= r.layer[size_t(u)]) ++bad;
        const auto& pts = r.edges[e].points;
        if (pts.size() < 2) ++bad;
        for (size_t k = 1; k < pts.size(); ++k)
            if (pts[k].y < pts[k - 1].y - 1e-3f) ++bad;
        if (!pts.empty() && (pts.front().y != r.nodes[size_t(u)].bottom() || pts.back().y != r.nodes[size_t(v)].y)) ++bad;
    }
    CHECK(bad == 0);
}

LayoutGraph randomDag(int n, int edgesPerNode, unsigned seed) {
    std::mt19937 rng(seed);
    LayoutGraph g;
    for (int i = 0; i < n; ++i) g.nodes.push_back({float(40 + rng() % 80), float(20 + rng() % 30)});
    for (int i = 1; i < n; ++i)
        for (int k = 0; k < edgesPerNode; ++k) g.edges.emplace_back(std::max(0, i - 1 - int(rng() % 12)), i);
    return g;
}

} // namespace

TEST_CASE("layered layout: a diamond is layered, ordered and placed without overlap", "[layout]") {
    LayoutGraph g;
    g.nodes = {{60, 30}, {60, 30}, {80, 30}, {60, 30}};
    g.edges = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {0, 3}};
    auto r = layoutLayered(g);
    REQUIRE(r);
    CHECK(r->layer == std::vector<int>{0, 1, 1, 2});
    CHECK(r->layerCount == 3);
    CHECK(r->dummyCount == 1); // the long edge 0 -> 3 crosses layer 1
    CHECK(r->crossings == 0);
    requireNoOverlap(*r);
    requireDownward(g, *r);
    CHECK(r->edges[4].points.size() == 4); // source, two points through the dummy, target
}

TEST_CASE("layered layout: cycles are broken, self loops ignored, sources pulled down", "[layout]") {
    LayoutGraph g;
    g.nodes = {{40, 20}, {40, 20}, {40, 20}, {40, 20}, {40, 20}};
    g.edges = {{0, 1}, {1, 2}, {2, 0}, {2, 2}, {1, 3}, {3, 4}, {2, 4}};
    auto r = layoutLayered(g);
    REQUIRE(r);
    int reversed = 0;
    for (const auto& e : r->edges) reversed += e.reversed;
    CHECK(reversed == 1);
    CHECK(r->edges[3].points.empty());
    requireNoOverlap(*r);
    requireDownward(g, *r);

    LayoutGraph late; // node 3 is a source feeding only the last node: placed just above it
    late.nodes = {{40, 20}, {40, 20}, {40, 20}, {40, 20}};
    late.edges = {{0, 1}, {1, 2}, {3, 2}};
    auto r2 = layoutLayered(late);
    REQUIRE(r2);
    CHECK(r2->layer[3] == 1);
    CHECK(r2->dummyCount == 0);
}

TEST_CASE("layered layout: random DAGs have no overlap, point down and are deterministic", "[layout]") {
    for (unsigned seed : {1u, 2u, 3u}) {
        const LayoutGraph g = randomDag(300, 3, seed);
        auto a = layoutLayered(g);
        auto b = layoutLayered(g);
        REQUIRE(a);
        REQUIRE(b);
        requireNoOverlap(*a);
        requireDownward(g, *a);
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            REQUIRE(a->nodes[i].x == b->nodes[i].x);
            REQUIRE(a->nodes[i].y == b->nodes[i].y);
        }
        CHECK(a->crossings == b->crossings);
    }
}

TEST_CASE("layered layout: crossing reduction untangles a crossed bipartite graph", "[layout]") {
    // 0->5, 1->4, 2->3 in input order crosses three times; sorting makes it zero.
    LayoutGraph g;
    for (int i = 0; i < 6; ++i) g.nodes.push_back({40, 20});
    g.edges = {{0, 5}, {1, 4}, {2, 3}};
    auto r = layoutLayered(g);
    REQUIRE(r);
    CHECK(r->crossings == 0);
    CHECK(r->nodes[5].x < r->nodes[4].x);
    CHECK(r->nodes[4].x < r->nodes[3].x);
}

TEST_CASE("layered layout: cancel returns nothing", "[layout]") {
    std::atomic<bool> cancel{true};
    Progress p;
    p.cancel = &cancel;
    CHECK_FALSE(layoutLayered(randomDag(50, 2, 9), {}, p));
}

TEST_CASE("model graph: constants fold into their consumer, inputs and outputs are nodes", "[layout]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    ModelGraph g = buildModelGraph(*model, SubgraphIndex{0}, {});
    const Subgraph& sg = model->subgraphs[0];
    CHECK(g.nodes.size() == sg.operators.size() + sg.inputs.size() + sg.outputs.size());
    const GraphNode& conv = g.nodes[size_t(g.nodeOfOperator[0])];
    CHECK(conv.title == "CONV_2D");
    REQUIRE(conv.details.size() == 2);
    CHECK(conv.details[0].rfind("filter ⟨4×3×3×3⟩", 0) == 0);
    for (const auto& e : g.edges) CHECK_FALSE(e.label.empty());

    ModelGraphOptions shown;
    shown.showConstants = true;
    ModelGraph g2 = buildModelGraph(*model, SubgraphIndex{0}, shown);
    CHECK(g2.nodes.size() > g.nodes.size());
    CHECK(g2.nodes[size_t(g2.nodeOfOperator[0])].details.empty());

    // search by operator type, by tensor name, case-insensitively
    const auto convs = searchNodes(*model, g, "conv_2d");
    REQUIRE(convs.size() == 2); // CONV_2D and DEPTHWISE_CONV_2D
    CHECK(convs[0] == g.nodeOfOperator[0]);
    CHECK(searchNodes(*model, g, "CONV/OUT").size() >= 1);
    CHECK(searchNodes(*model, g, "no such thing").empty());
}

TEST_CASE("model graph: collapsing a scope merges its operators into one group", "[layout]") {
    auto model = std::make_shared<const Model>(makeSyntheticModel(200));
    const Subgraph& sg = model->subgraphs[0];
    CHECK(operatorScope(sg, sg.operators[57]) == "block1/op57");
    ModelGraphOptions o;
    o.collapsedScopes = {"block1"};
    ModelGraph g = buildModelGraph(*model, SubgraphIndex{0}, o);
    const int group = g.nodeOfOperator[50];
    CHECK(g.nodes[size_t(group)].kind == GraphNode::Kind::Group);
    CHECK(g.nodes[size_t(group)].memberCount == 50);
    for (int i = 50; i < 100; ++i) CHECK(g.nodeOfOperator[size_t(i)] == group);
    CHECK(g.nodes.size() == 200 - 50 + 1 + 2);
    for (const auto& e : g.edges) CHECK(e.from != e.to);

    const auto fit = scopesToFit(*model, SubgraphIndex{0}, 20);
    CHECK(fit == std::set<std::string>{"block0", "block1", "block2", "block3"});
    CHECK(scopesToFit(*model, SubgraphIndex{0}, 1000).empty());
}

TEST_CASE("graph scene: a synthetic 10,000-operator model lays out without overlap", "[layout][scale]") {
    auto model = std::make_shared<const Model>(makeSyntheticModel(10000));
    auto scene = buildGraphScene(model, SubgraphIndex{0}, {});
    REQUIRE(scene);
    const LayoutGraph lg = toLayoutGraph(scene->graph);
    CHECK(scene->graph.nodes.size() == 10002);
    CHECK(scene->graph.edges.size() == 16001); // 10,000 chain edges, 2,000 skips, 4,000 concatenation inputs, output
    requireNoOverlap(scene->layout);
    requireDownward(lg, scene->layout);
    // the spatial grid finds what a linear scan finds
    const Rect window{100, 2000, 900, 700};
    std::vector<int> scan;
    for (size_t i = 0; i < scene->layout.nodes.size(); ++i)
        if (scene->layout.nodes[i].intersects(window)) scan.push_back(int(i));
    std::vector<int> found;
    for (int id : scene->grid.nodesIn(window))
        if (scene->layout.nodes[size_t(id)].intersects(window)) found.push_back(id);
    CHECK(found == scan);
    CHECK_FALSE(scan.empty());
}

TEST_CASE("graph scene: every shared model lays out", "[layout][shared]") {
    const auto models = test::allSharedModels();
    if (models.empty()) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    for (const auto& path : models) {
        auto model = readModelFile(path);
        if (!model) continue;
        for (size_t s = 0; s < (*model)->subgraphs.size(); ++s) {
            auto scene = buildGraphScene(*model, SubgraphIndex{s}, {});
            REQUIRE(scene);
            requireNoOverlap(scene->layout);
            requireDownward(toLayoutGraph(scene->graph), scene->layout);
        }
    }
}

TEST_CASE("model graph: a DEQUANTIZE of stored float16 weights folds into its consumer", "[layout]") {
    auto f16 = quantize::quantizeFloat16(test::makeSmallCnn());
    REQUIRE(f16.ok());
    const Model& model = f16->model;
    const Subgraph& sg = model.subgraphs[0];
    size_t dequantizes = 0;
    for (const auto& op : sg.operators) dequantizes += op.op == BuiltinOp::DEQUANTIZE;
    REQUIRE(dequantizes > 0);
    ModelGraph g = buildModelGraph(model, SubgraphIndex{0}, {});
    size_t opNodes = 0;
    for (const auto& n : g.nodes) {
        if (n.kind != GraphNode::Kind::Operator) continue;
        ++opNodes;
        CHECK(n.title != "DEQUANTIZE");
    }
    CHECK(opNodes == sg.operators.size() - dequantizes);
    for (size_t i = 0; i < sg.operators.size(); ++i) {
        const Operator& op = sg.operators[i];
        REQUIRE(g.nodeOfOperator[i] >= 0);
        if (op.op != BuiltinOp::DEQUANTIZE) continue;
        // selecting the DEQUANTIZE selects its consumer, whose box lists the float16 weight
        const OperatorIndex consumer = sg.consumers[op.outputs[0].index()].front();
        CHECK(g.nodeOfOperator[i] == g.nodeOfOperator[consumer.index()]);
        const auto& details = g.nodes[size_t(g.nodeOfOperator[i])].details;
        bool listed = false;
        for (const auto& d : details) listed |= d.find("float16 → dequantized") != std::string::npos;
        CHECK(listed);
    }
    for (const auto& e : g.edges) CHECK(e.from != e.to);

    ModelGraphOptions shown;
    shown.showConstants = true; // shown on demand: every operator is a node again
    ModelGraph g2 = buildModelGraph(model, SubgraphIndex{0}, shown);
    size_t opNodes2 = 0;
    for (const auto& n : g2.nodes) opNodes2 += n.kind == GraphNode::Kind::Operator;
    CHECK(opNodes2 == sg.operators.size());
}

TEST_CASE("model graph: one root scope never collapses into one box; expanding opens one level", "[layout]") {
    Model m = makeSyntheticModel(200);
    for (Tensor& t : m.subgraphs[0].tensors) t.name = "model/" + t.name; // MediaPipe-style root scope
    auto model = std::make_shared<const Model>(std::move(m));
    // 3 nodes cannot hold 4 blocks; "model" alone (one box) says nothing: the 4 blocks are shown
    const auto fit = scopesToFit(*model, SubgraphIndex{0}, 3);
    CHECK(fit == std::set<std::string>{"model/block0", "model/block1", "model/block2", "model/block3"});
    CHECK(scopesToFit(*model, SubgraphIndex{0}, 20) == fit);
    // expanding "model" by one level collapses its direct children, not everything below
    CHECK(childScopes(*model, SubgraphIndex{0}, "model") == fit);
    const auto inner = childScopes(*model, SubgraphIndex{0}, "model/block1");
    CHECK(inner.empty()); // "model/block1/opN" hold one operator each: nothing to collapse
    CHECK(childScopes(*model, SubgraphIndex{0}, "nothing").empty());
}

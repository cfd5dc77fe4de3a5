#pragma once
// The graph the graph view shows, derived from one subgraph of a model: operators as nodes,
// constant tensors folded into their consumer (listed inside its box) unless asked to show
// them, graph inputs and outputs as small nodes, and whole name scopes collapsed into one
// group node. Labels are plain UTF-8 text; the UI only draws them. Sizes are estimated from
// the caller's font metrics (charWidth, lineHeight) so that layout runs off the GUI thread.
//
// Name scope of an operator: the part of its first output tensor's name before the last '/',
// after cutting the name at the first ';' (the converter joins fused names with ';').
// "model/block_3/conv/Conv2D" is in scope "model/block_3/conv", which is inside "model/block_3"
// and "model". Collapsing a scope merges every operator whose scope is it or inside it.

#include "layout/LayeredLayout.h"
#include "model/Model.h"

#include <set>
#include <string>
#include <vector>

namespace ql::layout {

struct GraphNode {
    enum class Kind { Operator, Input, Output, Constant, Group };
    Kind kind = Kind::Operator;
    OperatorIndex op;       // Operator: the operator; Group: its first member
    TensorIndex tensor;     // Input, Output, Constant: the tensor
    std::string scope;      // Group: the collapsed scope; Operator: its own scope
    int memberCount = 1;    // Group: operators inside
    std::string title;      // "CONV_2D", "input", the scope's last component
    std::string subtitle;   // fused activation ("RELU6"), "custom", "42 operators", a tensor name
    std::vector<std::string> details; // folded constants: "filter ⟨32×3×3×3⟩ int8"
    bool custom = false;
    Activation activation = Activation::NONE;
    Size size;
};

struct GraphEdge {
    int from = 0; // node ids
    int to = 0;
    TensorIndex tensor; // the (first) tensor carried
    int tensorCount = 1; // tensors merged into this edge (between groups)
    std::string label;  // "1×112×112×32 int8"
};

struct ModelGraph {
    SubgraphIndex subgraph{0};
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;
    std::vector<int> nodeOfOperator; // operator index -> node id (its group when collapsed)
    std::vector<int> nodeOfTensor;   // tensor index -> node id for input/output/constant nodes, else -1
};

struct ModelGraphOptions {
    std::set<std::string> collapsedScopes;
    bool showConstants = false; // true: constants become nodes instead of lines in the consumer
    float charWidth = 7.0f;     // average advance of the label font, in layout units
    float lineHeight = 15.0f;
    float padding = 8.0f;
    size_t maxDetailLines = 3;
};

// The name scope of an operator ("" when its output name has no '/').
std::string operatorScope(const Subgraph& sg, const Operator& op);
// "1×112×112×32 int8" (shape, then dtype; "scalar" for rank 0).
std::string tensorLabel(const Tensor& t);

ModelGraph buildModelGraph(const Model& model, SubgraphIndex subgraph, const ModelGraphOptions& options);
// The input of the layout algorithm: node sizes and edges.
LayoutGraph toLayoutGraph(const ModelGraph& graph);

// Nodes whose title, subtitle, scope, operator type, or input/output tensor names contain
// `query` (ASCII case-insensitive), in node order.
std::vector<int> searchNodes(const Model& model, const ModelGraph& graph, const std::string& query);

// Scopes to collapse so that at most `maxNodes` operator nodes remain: the deepest scope
// depth d such that merging every operator at depth >= d into its depth-d prefix fits.
// Empty when the subgraph already fits.
// Depths whose grouping leaves one node only are skipped; when no other depth fits, the one
// with the fewest nodes is used.
std::set<std::string> scopesToFit(const Model& model, SubgraphIndex subgraph, size_t maxNodes);
// The scopes directly inside `scope` ("model/block_3" for "model") that hold more than one
// operator: what expanding `scope` by one level collapses.
std::set<std::string> childScopes(const Model& model, SubgraphIndex subgraph, const std::string& scope);

} // namespace ql::layout

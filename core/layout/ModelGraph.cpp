#include "layout/ModelGraph.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <unordered_map>

namespace ql::layout {
namespace {

size_t codepoints(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::string elide(const std::string& s, size_t maxChars) {
    if (codepoints(s) <= maxChars) return s;
    // keep the tail: the end of a tensor name is the informative part
    size_t keep = 0, i = s.size();
    while (i > 0 && keep < maxChars - 1) {
        --i;
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++keep;
    }
    return "…" + s.substr(i);
}

std::string shapeText(const std::vector<int32_t>& shape) {
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += "×";
        s += std::to_string(shape[i]);
    }
    return s;
}

// Role of input `i` for the operators whose inputs users know by name.
std::string inputRole(BuiltinOp op, size_t i) {
    static const char* conv[] = {"input", "filter", "bias"};
    static const char* fc[] = {"input", "weights", "bias"};
    static const char* tconv[] = {"output_shape", "filter", "input", "bias"};
    switch (op) {
    case BuiltinOp::CONV_2D:
    case BuiltinOp::DEPTHWISE_CONV_2D:
    case BuiltinOp::CONV_3D:
        if (i < 3) return conv[i];
        break;
    case BuiltinOp::FULLY_CONNECTED:
        if (i < 3) return fc[i];
        break;
    case BuiltinOp::TRANSPOSE_CONV:
        if (i < 4) return tconv[i];
        break;
    case BuiltinOp::RESHAPE: if (i == 1) return "shape"; break;
    default: break;
    }
    return "in" + std::to_string(i);
}

Activation fusedActivation(const Operator& op) {
    const auto& o = op.options;
    if (auto* p = o.AsConv2DOptions()) return p->fused_activation_function;
    if (auto* p = o.AsDepthwiseConv2DOptions()) return p->fused_activation_function;
    if (auto* p = o.AsFullyConnectedOptions()) return p->fused_activation_function;
    if (auto* p = o.AsAddOptions()) return p->fused_activation_function;
    if (auto* p = o.AsSubOptions()) return p->fused_activation_function;
    if (auto* p = o.AsMulOptions()) return p->fused_activation_function;
    if (auto* p = o.AsDivOptions()) return p->fused_activation_function;
    if (auto* p = o.AsPool2DOptions()) return p->fused_activation_function;
    if (auto* p = o.AsConcatenationOptions()) return p->fused_activation_function;
    if (auto* p = o.AsTransposeConvOptions()) return p->fused_activation_function;
    if (auto* p = o.AsSVDFOptions()) return p->fused_activation_function;
    if (auto* p = o.AsRNNOptions()) return p->fused_activation_function;
    if (auto* p = o.AsLSTMOptions()) return p->fused_activation_function;
    if (auto* p = o.AsUnidirectionalSequenceLSTMOptions()) return p->fused_activation_function;
    return Activation::NONE;
}

void sizeNode(GraphNode& n, const ModelGraphOptions& o) {
    size_t chars = std::max<size_t>(codepoints(n.title), codepoints(n.subtitle));
    for (const auto& d : n.details) chars = std::max(chars, codepoints(d));
    const size_t lines = 1 + (n.subtitle.empty() ? 0 : 1) + n.details.size();
    n.size.width = std::max(2 * o.padding + o.charWidth * float(chars), 10 * o.charWidth);
    n.size.height = 2 * o.padding + o.lineHeight * float(lines);
}

// The collapsed scope an operator belongs to ("" = none): the outermost collapsed prefix.
std::string collapsedAncestor(const std::string& scope, const std::set<std::string>& collapsed) {
    if (collapsed.empty() || scope.empty()) return {};
    for (size_t pos = scope.find('/');; pos = scope.find('/', pos + 1)) {
        const std::string prefix = scope.substr(0, pos);
        if (collapsed.count(prefix)) return prefix;
        if (pos == std::string::npos) return {};
    }
}

} // namespace

std::string operatorScope(const Subgraph& sg, const Operator& op) {
    if (op.outputs.empty() || !op.outputs[0].valid() || op.outputs[0].index() >= sg.tensors.size()) return {};
    std::string name = sg.tensor(op.outputs[0]).name;
    if (auto semi = name.find(';'); semi != std::string::npos) name.resize(semi);
    const auto slash = name.rfind('/');
    return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

std::string tensorLabel(const Tensor& t) {
    return (t.shape.empty() ? std::string("scalar") : shapeText(t.shape)) + " " + std::string(typeName(t.type));
}

ModelGraph buildModelGraph(const Model& model, SubgraphIndex subgraph, const ModelGraphOptions& options) {
    ModelGraph g;
    g.subgraph = subgraph;
    const Subgraph& sg = model.subgraphs[subgraph.index()];
    g.nodeOfOperator.assign(sg.operators.size(), -1);
    g.nodeOfTensor.assign(sg.tensors.size(), -1);
    auto isStored = [&](TensorIndex t) { return t.valid() && t.index() < sg.tensors.size() && model.isConstant(sg.tensor(t)); };
    // A DEQUANTIZE of a stored constant (float16 or int8 weights in a float graph) is a
    // constant too: with constants folded it gets no node of its own, its output is listed in
    // the consumer like a stored weight, and selecting it selects that consumer.
    std::vector<char> folded(sg.operators.size(), 0);
    std::vector<char> subgraphOutput(sg.tensors.size(), 0);
    for (TensorIndex t : sg.outputs)
        if (t.valid() && t.index() < sg.tensors.size()) subgraphOutput[t.index()] = 1;
    if (!options.showConstants)
        for (size_t i = 0; i < sg.operators.size(); ++i) {
            const Operator& op = sg.operators[i];
            folded[i] = op.op == BuiltinOp::DEQUANTIZE && op.inputs.size() == 1 && isStored(op.inputs[0]) &&
                        op.outputs.size() == 1 && op.outputs[0].valid() && op.outputs[0].index() < sg.tensors.size() &&
                        !subgraphOutput[op.outputs[0].index()];
        }
    auto foldedProducer = [&](TensorIndex t) -> const Operator* {
        if (!t.valid() || t.index() >= sg.producer.size()) return nullptr;
        const OperatorIndex p = sg.producer[t.index()];
        return p.valid() && p.index() < folded.size() && folded[p.index()] ? &sg.operators[p.index()] : nullptr;
    };
    auto isConst = [&](TensorIndex t) { return isStored(t) || foldedProducer(t) != nullptr; };

    for (TensorIndex t : sg.inputs) {
        if (!t.valid() || t.index() >= sg.tensors.size() || g.nodeOfTensor[t.index()] >= 0) continue;
        GraphNode n;
        n.kind = GraphNode::Kind::Input;
        n.tensor = t;
        n.title = "input";
        n.subtitle = elide(sg.tensor(t).name, 28);
        g.nodeOfTensor[t.index()] = int(g.nodes.size());
        g.nodes.push_back(std::move(n));
    }

    // Group membership first, so that singleton groups show as the operator itself.
    std::vector<std::string> scopes(sg.operators.size()), groupOf(sg.operators.size());
    std::map<std::string, int> members;
    for (size_t i = 0; i < sg.operators.size(); ++i) {
        scopes[i] = operatorScope(sg, sg.operators[i]);
        groupOf[i] = collapsedAncestor(scopes[i], options.collapsedScopes);
        if (!groupOf[i].empty()) ++members[groupOf[i]];
    }
    std::map<std::string, int> groupNode;
    for (size_t i = 0; i < sg.operators.size(); ++i) {
        const Operator& op = sg.operators[i];
        if (folded[i]) continue;
        if (!groupOf[i].empty() && members[groupOf[i]] > 1) {
            auto [it, inserted] = groupNode.try_emplace(groupOf[i], int(g.nodes.size()));
            if (inserted) {
                GraphNode n;
                n.kind = GraphNode::Kind::Group;
                n.op = OperatorIndex{i};
                n.scope = groupOf[i];
                n.memberCount = members[groupOf[i]];
                const auto slash = n.scope.rfind('/');
                n.title = elide(slash == std::string::npos ? n.scope : n.scope.substr(slash + 1), 32);
                n.subtitle = "▸ " + std::to_string(n.memberCount) + " operators";
                sizeNode(n, options);
                g.nodes.push_back(std::move(n));
            }
            g.nodeOfOperator[i] = it->second;
            continue;
        }
        GraphNode n;
        n.kind = GraphNode::Kind::Operator;
        n.op = OperatorIndex{i};
        n.scope = scopes[i];
        n.custom = op.op == BuiltinOp::CUSTOM;
        n.title = elide(op.typeName(), 32);
        n.activation = fusedActivation(op);
        if (n.custom) n.subtitle = "custom";
        else if (n.activation != Activation::NONE) n.subtitle = std::string(activationName(n.activation));
        if (!options.showConstants) {
            std::vector<std::string> lines;
            for (size_t k = 0; k < op.inputs.size(); ++k) {
                if (!isConst(op.inputs[k])) continue;
                const Tensor& t = sg.tensor(op.inputs[k]);
                const Operator* deq = foldedProducer(op.inputs[k]);
                const std::string type(typeName(deq ? sg.tensor(deq->inputs[0]).type : t.type));
                lines.push_back(inputRole(op.op, k) + " ⟨" + shapeText(t.shape) + "⟩ " + type + (deq ? " → dequantized" : ""));
            }
            if (lines.size() > options.maxDetailLines) {
                const size_t more = lines.size() - options.maxDetailLines + 1;
                lines.resize(options.maxDetailLines - 1);
                lines.push_back("+" + std::to_string(more) + " constants");
            }
            n.details = std::move(lines);
        }
        sizeNode(n, options);
        g.nodeOfOperator[i] = int(g.nodes.size());
        g.nodes.push_back(std::move(n));
    }
    for (size_t i = 0; i < sg.operators.size(); ++i) {
        if (!folded[i]) continue;
        const TensorIndex out = sg.operators[i].outputs[0];
        if (out.index() < sg.consumers.size() && !sg.consumers[out.index()].empty()) {
            const OperatorIndex c = sg.consumers[out.index()].front();
            if (c.valid() && c.index() < g.nodeOfOperator.size()) g.nodeOfOperator[i] = g.nodeOfOperator[c.index()];
        }
    }
    for (TensorIndex t : sg.outputs) {
        if (!t.valid() || t.index() >= sg.tensors.size()) continue;
        GraphNode n;
        n.kind = GraphNode::Kind::Output;
        n.tensor = t;
        n.title = "output";
        n.subtitle = elide(sg.tensor(t).name, 28);
        g.nodes.push_back(std::move(n));
    }
    for (auto& n : g.nodes)
        if (n.kind == GraphNode::Kind::Input || n.kind == GraphNode::Kind::Output) sizeNode(n, options);

    // Edges, merged per (from, to) pair.
    std::unordered_map<uint64_t, size_t> edgeOf;
    auto addEdge = [&](int from, int to, TensorIndex t) {
        if (from < 0 || to < 0 || from == to) return;
        const uint64_t key = (uint64_t(uint32_t(from)) << 32) | uint32_t(to);
        if (auto it = edgeOf.find(key); it != edgeOf.end()) {
            ++g.edges[it->second].tensorCount;
            return;
        }
        edgeOf.emplace(key, g.edges.size());
        g.edges.push_back({from, to, t, 1, tensorLabel(sg.tensor(t))});
    };
    auto producerNode = [&](TensorIndex t) -> int {
        if (g.nodeOfTensor[t.index()] >= 0) return g.nodeOfTensor[t.index()];
        const OperatorIndex p = t.index() < sg.producer.size() ? sg.producer[t.index()] : OperatorIndex{};
        return p.valid() ? g.nodeOfOperator[p.index()] : -1;
    };
    for (size_t i = 0; i < sg.operators.size(); ++i) {
        const Operator& op = sg.operators[i];
        if (folded[i]) continue;
        for (TensorIndex t : op.inputs) {
            if (!t.valid() || t.index() >= sg.tensors.size()) continue;
            if (isConst(t)) {
                if (!options.showConstants) continue;
                if (g.nodeOfTensor[t.index()] < 0) {
                    GraphNode n;
                    n.kind = GraphNode::Kind::Constant;
                    n.tensor = t;
                    n.title = elide(sg.tensor(t).name, 28);
                    n.subtitle = tensorLabel(sg.tensor(t));
                    sizeNode(n, options);
                    g.nodeOfTensor[t.index()] = int(g.nodes.size());
                    g.nodes.push_back(std::move(n));
                }
            }
            addEdge(producerNode(t), g.nodeOfOperator[i], t);
        }
    }
    for (size_t k = 0; k < g.nodes.size(); ++k) {
        const GraphNode& n = g.nodes[k];
        if (n.kind == GraphNode::Kind::Output) addEdge(producerNode(n.tensor), int(k), n.tensor);
    }
    return g;
}

LayoutGraph toLayoutGraph(const ModelGraph& graph) {
    LayoutGraph l;
    l.nodes.reserve(graph.nodes.size());
    for (const auto& n : graph.nodes) l.nodes.push_back(n.size);
    l.edges.reserve(graph.edges.size());
    for (const auto& e : graph.edges) l.edges.emplace_back(e.from, e.to);
    return l;
}

std::vector<int> searchNodes(const Model& model, const ModelGraph& graph, const std::string& query) {
    std::vector<int> hits;
    if (query.empty()) return hits;
    auto lower = [](std::string s) {
        for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    const std::string q = lower(query);
    auto has = [&](const std::string& s) { return lower(s).find(q) != std::string::npos; };
    const Subgraph& sg = model.subgraphs[graph.subgraph.index()];
    auto tensorsMatch = [&](const std::vector<TensorIndex>& list) {
        for (TensorIndex t : list)
            if (t.valid() && t.index() < sg.tensors.size() && has(sg.tensor(t).name)) return true;
        return false;
    };
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const GraphNode& n = graph.nodes[i];
        bool match = has(n.title) || has(n.subtitle) || has(n.scope);
        if (!match && n.kind == GraphNode::Kind::Operator) {
            const Operator& op = sg.op(n.op);
            match = tensorsMatch(op.inputs) || tensorsMatch(op.outputs);
        }
        if (!match && n.tensor.valid()) match = has(sg.tensor(n.tensor).name);
        if (match) hits.push_back(int(i));
    }
    return hits;
}

std::set<std::string> scopesToFit(const Model& model, SubgraphIndex subgraph, size_t maxNodes) {
    const Subgraph& sg = model.subgraphs[subgraph.index()];
    if (sg.operators.size() <= maxNodes) return {};
    std::vector<std::vector<std::string>> prefixes(sg.operators.size()); // prefixes[i][d-1] = depth-d prefix
    size_t maxDepth = 0;
    for (size_t i = 0; i < sg.operators.size(); ++i) {
        const std::string scope = operatorScope(sg, sg.operators[i]);
        if (scope.empty()) continue;
        for (size_t pos = scope.find('/');; pos = scope.find('/', pos + 1)) {
            prefixes[i].push_back(scope.substr(0, pos));
            if (pos == std::string::npos) break;
        }
        maxDepth = std::max(maxDepth, prefixes[i].size());
    }
    // The deepest depth that fits; a depth whose grouping leaves a single node (every operator
    // under one root scope, as in MediaPipe's "model/...") says nothing and is skipped. When no
    // informative depth fits, the one with the fewest nodes is taken.
    std::map<std::string, int> chosen, fewest;
    size_t fewestNodes = std::numeric_limits<size_t>::max();
    bool fits = false;
    for (size_t d = maxDepth; d >= 1; --d) {
        std::map<std::string, int> groups;
        size_t singles = 0;
        for (const auto& p : prefixes)
            if (p.size() >= d) ++groups[p[d - 1]];
            else ++singles;
        const size_t nodes = singles + groups.size();
        if (nodes <= 1) continue;
        if (nodes < fewestNodes) fewestNodes = nodes, fewest = groups;
        if (nodes <= maxNodes) {
            chosen = std::move(groups);
            fits = true;
            break;
        }
    }
    if (!fits) chosen = std::move(fewest);
    std::set<std::string> result;
    for (const auto& [scope, count] : chosen)
        if (count > 1) result.insert(scope);
    return result;
}

std::set<std::string> childScopes(const Model& model, SubgraphIndex subgraph, const std::string& scope) {
    const Subgraph& sg = model.subgraphs[subgraph.index()];
    std::map<std::string, int> counts;
    const std::string prefix = scope + "/";
    for (const Operator& op : sg.operators) {
        const std::string s = operatorScope(sg, op);
        if (s.size() <= prefix.size() || s.compare(0, prefix.size(), prefix) != 0) continue;
        const size_t end = s.find('/', prefix.size());
        ++counts[s.substr(0, end)];
    }
    std::set<std::string> out;
    for (const auto& [child, n] : counts)
        if (n > 1) out.insert(child);
    return out;
}

} // namespace ql::layout

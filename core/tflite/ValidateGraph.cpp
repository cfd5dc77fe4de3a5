#include "tflite/ValidateGraph.h"

#include "tflite/Validate.h"
#include "util/CheckedMath.h"
#include "util/Limits.h"

#include <algorithm>
#include <functional>

namespace ql {
namespace {

std::string opText(const Model& m, size_t sg, size_t o) {
    return describeOperator(m, sg, OperatorIndex{o});
}
std::string tensorText(const Model& m, size_t sg, TensorIndex t) {
    // describeTensor prefixes the subgraph; inside an operator's message it is said once.
    std::string s = describeTensor(m, sg, t);
    const std::string prefix = "subgraph " + std::to_string(sg) + ", ";
    return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s;
}

// Subgraphs an operator calls (control flow), with the option field naming each.
std::vector<std::pair<const char*, int32_t>> calledSubgraphs(const Operator& op) {
    std::vector<std::pair<const char*, int32_t>> out;
    if (const auto* w = op.options.AsWhileOptions()) {
        out.push_back({"cond_subgraph_index", w->cond_subgraph_index});
        out.push_back({"body_subgraph_index", w->body_subgraph_index});
    } else if (const auto* i = op.options.AsIfOptions()) {
        out.push_back({"then_subgraph_index", i->then_subgraph_index});
        out.push_back({"else_subgraph_index", i->else_subgraph_index});
    } else if (const auto* c = op.options.AsCallOnceOptions()) {
        out.push_back({"init_subgraph_index", c->init_subgraph_index});
    }
    return out;
}

} // namespace

Status checkOperatorGraph(const Model& m, size_t sg) {
    const Subgraph& g = m.subgraphs[sg];
    const size_t nt = g.tensors.size();
    // writer[t]: the operator that writes t, -1 if none.
    std::vector<int64_t> writer(nt, -1);
    for (size_t o = 0; o < g.operators.size(); ++o) {
        const Operator& op = g.operators[o];
        for (size_t k = 0; k < op.outputs.size(); ++k) {
            const TensorIndex t = op.outputs[k];
            if (!t.valid()) continue;
            const Tensor& tensor = g.tensors[t.index()];
            if (std::find(op.inputs.begin(), op.inputs.end(), t) != op.inputs.end())
                return makeError(opText(m, sg, o) + ": " + tensorText(m, sg, t) +
                                 " is both an input and an output of the operator; an operator "
                                 "cannot overwrite its own input");
            if (writer[t.index()] >= 0)
                return makeError(opText(m, sg, o) + ": output " + std::to_string(k) + " is " +
                                 tensorText(m, sg, t) + ", which operator " +
                                 std::to_string(writer[t.index()]) +
                                 " already writes; a tensor has at most one producer");
            if (!tensor.isVariable && !m.buffers[tensor.buffer.index()].empty())
                return makeError(opText(m, sg, o) + ": output " + std::to_string(k) + " is " +
                                 tensorText(m, sg, t) + ", a constant (it has data in buffer " +
                                 std::to_string(tensor.buffer.value) +
                                 "); an operator cannot write a constant");
            writer[t.index()] = int64_t(o);
        }
    }
    for (size_t o = 0; o < g.operators.size(); ++o) {
        const Operator& op = g.operators[o];
        for (size_t k = 0; k < op.inputs.size(); ++k) {
            const TensorIndex t = op.inputs[k];
            if (!t.valid()) continue;
            if (writer[t.index()] > int64_t(o) && !g.tensors[t.index()].isVariable)
                return makeError(
                    opText(m, sg, o) + ": input " + std::to_string(k) + " is " +
                    tensorText(m, sg, t) + ", which " + opText(m, sg, size_t(writer[t.index()])) +
                    " writes later; the operators form a cycle or are not in execution order");
            const Tensor& tensor = g.tensors[t.index()];
            if (tensor.sparsity && op.op != BuiltinOp::DENSIFY)
                return makeError(opText(m, sg, o) + ": input " + std::to_string(k) + " is " +
                                 tensorText(m, sg, t) +
                                 ", a sparse constant; only DENSIFY reads sparse tensors");
        }
    }
    for (TensorIndex t : g.inputs) {
        const Tensor& tensor = g.tensors[t.index()];
        if (!tensor.isVariable && !m.buffers[tensor.buffer.index()].empty())
            return makeError(describeTensor(m, sg, t) +
                             " is a graph input but a constant (it has data in buffer " +
                             std::to_string(tensor.buffer.value) +
                             "); graph inputs are written by the caller");
    }
    return {};
}

Status checkControlFlow(const Model& m) {
    const size_t n = m.subgraphs.size();
    std::vector<std::vector<std::pair<size_t, size_t>>> calls(n); // (callee, operator)
    for (size_t sg = 0; sg < n; ++sg) {
        const Subgraph& g = m.subgraphs[sg];
        for (size_t o = 0; o < g.operators.size(); ++o)
            for (const auto& [field, index] : calledSubgraphs(g.operators[o])) {
                if (index < 0 || size_t(index) >= n)
                    return makeError(opText(m, sg, o) + ": " + field + " is " +
                                     std::to_string(index) + ", but the model has " +
                                     std::to_string(n) + " subgraphs");
                calls[sg].push_back({size_t(index), o});
            }
    }
    // Depth-first search for a cycle in the call graph (iterative: the depth is the file's).
    enum : uint8_t { kNew, kOnStack, kDone };
    std::vector<uint8_t> state(n, kNew);
    for (size_t root = 0; root < n; ++root) {
        if (state[root] != kNew) continue;
        std::vector<std::pair<size_t, size_t>> stack{{root, 0}}; // (subgraph, next call)
        state[root] = kOnStack;
        while (!stack.empty()) {
            auto& [sg, next] = stack.back();
            if (next == calls[sg].size()) {
                state[sg] = kDone;
                stack.pop_back();
                continue;
            }
            const auto [callee, op] = calls[sg][next++];
            if (state[callee] == kOnStack)
                return makeError(opText(m, sg, op) + ": calls subgraph " + std::to_string(callee) +
                                 (callee == sg
                                      ? ", its own subgraph"
                                      : ", which calls back into subgraph " + std::to_string(sg)) +
                                 "; recursive control flow is not supported (it would never end)");
            if (state[callee] == kNew) {
                state[callee] = kOnStack;
                stack.push_back({callee, 0});
            }
        }
    }
    return {};
}

Status checkDeclaredMemory(const Model& m, uint64_t maxMemoryBytes) {
    for (size_t sg = 0; sg < m.subgraphs.size(); ++sg) {
        const Subgraph& g = m.subgraphs[sg];
        uint64_t total = 0;
        for (size_t t = 0; t < g.tensors.size(); ++t) {
            const Tensor& tensor = g.tensors[t];
            if (!tensor.isVariable && !m.buffers[tensor.buffer.index()].empty())
                continue; // in the file already
            if (!subByteBits(tensor.type) && elementSize(tensor.type) == 0)
                continue; // STRING / RESOURCE / VARIANT: sized at run time, bounded by the interpreter
            const auto count = checkedElementCount(std::span<const int32_t>(tensor.shape));
            const auto bytes = count ? byteCount(tensor.type, uint64_t(*count)) : std::nullopt;
            const auto sum = bytes ? checkedAddU(total, *bytes) : std::nullopt;
            if (!sum || *sum > maxMemoryBytes)
                return makeError(describeTensor(m, sg, TensorIndex{t}) +
                                 ": the model's tensors need " +
                                 (sum ? byteSizeText(*sum) : std::string("more than 16 EiB")) +
                                 " up to this one, more than the memory limit of " +
                                 byteSizeText(maxMemoryBytes) + " (--max-memory)");
            total = *sum;
        }
    }
    return {};
}

} // namespace ql

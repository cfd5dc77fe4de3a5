#pragma once
// The float tensor a quantized model's tensor stands for, by name. The quantizer keeps tensor
// names; a graph output keeps its float (or uint8) tensor and the operator writes an integer
// copy named "<name>_int" (IntegerPass.cpp), and a QUANTIZE inserted before an operator writes
// "<name>_int8" (or "_int16"). Names that occur twice in the float subgraph match nothing.

#include "model/Model.h"

#include <string>
#include <string_view>
#include <unordered_map>

namespace ql::quantize {

class FloatCounterpart {
public:
    explicit FloatCounterpart(const Subgraph& floatSubgraph) {
        for (size_t t = 0; t < floatSubgraph.tensors.size(); ++t) {
            auto [it, fresh] = m_byName.emplace(floatSubgraph.tensors[t].name, int(t));
            if (!fresh) it->second = -1;
        }
    }
    // The float tensor's index, or -1.
    int of(const std::string& quantName) const {
        auto f = m_byName.find(quantName);
        for (std::string_view suffix : {"_int", "_int8", "_int16"})
            if (f == m_byName.end() && quantName.size() > suffix.size() &&
                quantName.ends_with(suffix))
                f = m_byName.find(quantName.substr(0, quantName.size() - suffix.size()));
        return f == m_byName.end() ? -1 : f->second;
    }

private:
    std::unordered_map<std::string, int> m_byName; // -1: the name is not unique
};

} // namespace ql::quantize

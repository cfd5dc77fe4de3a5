#pragma once
// Resource variables: the state behind VAR_HANDLE / ASSIGN_VARIABLE / READ_VARIABLE. One
// table per interpreter, shared by all its subgraphs (a CALL_ONCE init subgraph assigns what
// the main subgraph reads) and kept across invocations, as TFLite keeps its resources per
// interpreter. A resource tensor holds the int32 id of its variable; VAR_HANDLE hands out ids
// from 0 in the order (container, shared_name) pairs are first met, as TFLite does.
#include "model/Model.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ql::rt {

struct ResourceVariable {
    bool assigned = false; // read before the first ASSIGN_VARIABLE is an error
    TensorType type = TensorType::FLOAT32;
    std::vector<int32_t> shape;
    std::vector<uint8_t> bytes;
};

class ResourceTable {
public:
    int32_t idFor(const std::string& container, const std::string& name) {
        const auto key = std::make_pair(container, name);
        const auto it = m_ids.find(key);
        if (it != m_ids.end()) return it->second;
        const auto id = static_cast<int32_t>(m_variables.size());
        m_ids.emplace(key, id);
        m_variables.emplace_back();
        return id;
    }
    // Null for an id no VAR_HANDLE handed out.
    ResourceVariable* variable(int32_t id) {
        return id >= 0 && static_cast<size_t>(id) < m_variables.size()
                   ? &m_variables[static_cast<size_t>(id)]
                   : nullptr;
    }

private:
    std::map<std::pair<std::string, std::string>, int32_t> m_ids;
    std::vector<ResourceVariable> m_variables;
};

} // namespace ql::rt

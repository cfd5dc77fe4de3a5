#include "calib/CalibrationStats.h"


#include <algorithm>
#include <cstring>

namespace ql::calib {

const TensorStats* CalibrationStats::find(TensorIndex tensor, size_t subgraph) const {
    if (subgraph >= subgraphs.size() || !tensor.valid() || tensor.index() >= subgraphs[subgraph].size()) return nullptr;
    const TensorStats& s = subgraphs[subgraph][tensor.index()];
    return s.observations ? &s : nullptr;
}

Result<ChannelRanges> constantRanges(const Model& model, const Tensor& tensor, int axis) {
    const std::string who = "tensor '" + tensor.name + "'";
    if (tensor.type != TensorType::FLOAT32)
        return makeError(who + " is " + std::string(typeName(tensor.type)) + ", expected float32 weights");
    const Buffer& buf = model.buffer(tensor.buffer);
    const int64_t n = tensor.elementCount();
    if (buf.empty()) return makeError(who + " has no constant data");
    if (buf.size != static_cast<size_t>(n) * sizeof(float))
        return makeError(who + " has " + std::to_string(buf.size) + " bytes of data, expected " + std::to_string(n * 4));
    const int rank = static_cast<int>(tensor.shape.size());
    if (axis >= rank) return makeError(who + " has rank " + std::to_string(rank) + ", no axis " + std::to_string(axis));

    ChannelRanges r;
    r.axis = axis < 0 ? -1 : axis;
    size_t outer = 1, channels = 1, inner = 1;
    if (axis >= 0) {
        for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(tensor.shape[static_cast<size_t>(d)]);
        channels = static_cast<size_t>(tensor.shape[static_cast<size_t>(axis)]);
        for (int d = axis + 1; d < rank; ++d) inner *= static_cast<size_t>(tensor.shape[static_cast<size_t>(d)]);
    } else {
        inner = static_cast<size_t>(n);
    }
    r.min.assign(channels, 0.0f);
    r.max.assign(channels, 0.0f);
    std::vector<bool> seen(channels, false);
    // The buffer may be unaligned inside the flatbuffer: read through memcpy.
    const uint8_t* data = buf.data;
    for (size_t o = 0; o < outer; ++o)
        for (size_t c = 0; c < channels; ++c)
            for (size_t i = 0; i < inner; ++i) {
                float v;
                std::memcpy(&v, data + ((o * channels + c) * inner + i) * sizeof(float), sizeof(float));
                if (!seen[c]) {
                    r.min[c] = r.max[c] = v;
                    seen[c] = true;
                } else {
                    r.min[c] = std::min(r.min[c], v);
                    r.max[c] = std::max(r.max[c], v);
                }
            }
    return r;
}

} // namespace ql::calib

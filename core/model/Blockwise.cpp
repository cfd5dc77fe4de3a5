#include "model/Blockwise.h"

#include "util/Float16.h"

#include <cstring>

namespace ql {
namespace {

const Tensor* sideTensor(const Subgraph& sg, TensorIndex t) {
    return t.valid() && t.index() < sg.tensors.size() ? &sg.tensors[t.index()] : nullptr;
}

} // namespace

std::optional<BlockScaleTable> blockScaleTable(const Model& model, const Subgraph& sg,
                                               const Tensor& tensor) {
    if (!tensor.quant.blockwise || tensor.shape.empty()) return std::nullopt;
    const BlockwiseParams& b = *tensor.quant.blockwise;
    const int32_t last = tensor.shape.back();
    if (b.blockSize <= 0 || last < 0 || last % b.blockSize != 0) return std::nullopt;
    BlockScaleTable out;
    out.blockSize = b.blockSize;
    out.rows = 1;
    for (size_t d = 0; d + 1 < tensor.shape.size(); ++d)
        out.rows *= size_t(std::max(tensor.shape[d], 0));
    out.blocksPerRow = size_t(last / b.blockSize);
    const size_t n = out.rows * out.blocksPerRow;
    const Tensor* s = sideTensor(sg, b.scales);
    if (!s || !s->buffer.valid() || s->buffer.index() >= model.buffers.size()) return std::nullopt;
    const auto bytes = model.buffer(s->buffer).bytes();
    out.scaleType = s->type;
    out.scales.resize(n);
    if (s->type == TensorType::FLOAT16 && bytes.size() == n * 2) {
        for (size_t i = 0; i < n; ++i) {
            uint16_t h;
            std::memcpy(&h, bytes.data() + 2 * i, 2);
            out.scales[i] = halfToFloat(h);
        }
    } else if (s->type == TensorType::FLOAT32 && bytes.size() == n * 4) {
        if (n) std::memcpy(out.scales.data(), bytes.data(), n * 4);
    } else {
        return std::nullopt;
    }
    if (b.zeroPoints.value == -1) return out;
    const Tensor* z = sideTensor(sg, b.zeroPoints);
    if (!z || !z->buffer.valid() || z->buffer.index() >= model.buffers.size()) return std::nullopt;
    const auto zb = model.buffer(z->buffer).bytes();
    const size_t es = elementSize(z->type);
    if (es == 0 || zb.size() != n * es) return std::nullopt;
    out.zeroPoints.resize(n);
    for (size_t i = 0; i < n; ++i) {
        switch (z->type) {
        case TensorType::INT8:
            out.zeroPoints[i] = int8_t(zb[i]);
            break;
        case TensorType::INT16: {
            int16_t v;
            std::memcpy(&v, zb.data() + 2 * i, 2);
            out.zeroPoints[i] = v;
            break;
        }
        case TensorType::INT32: {
            int32_t v;
            std::memcpy(&v, zb.data() + 4 * i, 4);
            out.zeroPoints[i] = v;
            break;
        }
        case TensorType::INT64: {
            int64_t v;
            std::memcpy(&v, zb.data() + 8 * i, 8);
            out.zeroPoints[i] = v;
            break;
        }
        default:
            return std::nullopt;
        }
    }
    return out;
}

} // namespace ql

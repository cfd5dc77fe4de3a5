#include "model/Model.h"

namespace ql {

Buffer Buffer::owning(std::vector<uint8_t> bytes) {
    auto storage = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    Buffer b;
    b.data = storage->data();
    b.size = storage->size();
    b.owner = std::move(storage);
    return b;
}

int64_t Tensor::elementCount() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d; // the reader guarantees no overflow and no negatives
    return n;
}

std::string Operator::typeName() const {
    if (op == BuiltinOp::CUSTOM) return customCode.empty() ? std::string("CUSTOM") : customCode;
    return std::string(opName(op));
}

bool Model::isConstant(const Tensor& t) const {
    return t.buffer.valid() && t.buffer.index() < buffers.size() && !buffers[t.buffer.index()].empty();
}

std::span<const uint8_t> Model::metadataBytes(std::string_view name) const {
    for (const MetadataEntry& m : metadata)
        if (m.name == name && m.buffer.valid() && m.buffer.index() < buffers.size())
            return buffers[m.buffer.index()].bytes();
    return {};
}

void Model::rebuildIndex() {
    for (Subgraph& sg : subgraphs) {
        sg.producer.assign(sg.tensors.size(), OperatorIndex{});
        sg.consumers.assign(sg.tensors.size(), {});
        for (size_t o = 0; o < sg.operators.size(); ++o) {
            const Operator& op = sg.operators[o];
            for (TensorIndex t : op.inputs)
                if (t.valid() && t.index() < sg.tensors.size()) {
                    auto& c = sg.consumers[t.index()];
                    if (c.empty() || c.back() != OperatorIndex{o}) c.push_back(OperatorIndex{o});
                }
            for (TensorIndex t : op.outputs)
                if (t.valid() && t.index() < sg.tensors.size()) sg.producer[t.index()] = OperatorIndex{o};
        }
    }
}

BufferIndex Model::addBuffer(std::vector<uint8_t> bytes) {
    buffers.push_back(Buffer::owning(std::move(bytes)));
    return BufferIndex{buffers.size() - 1};
}

} // namespace ql

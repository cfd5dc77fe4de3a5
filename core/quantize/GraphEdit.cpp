#include "quantize/GraphEdit.h"

#include "runtime/kernels/quantize/Densify.h"
#include "util/Float16.h"

#include <cstring>

namespace ql::quantize {

std::vector<float> constantFloats(const Model& model, const Tensor& tensor) {
    const Buffer& b = model.buffer(tensor.buffer);
    std::vector<float> v(b.size / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), b.data, v.size() * sizeof(float));
    return v;
}

TensorIndex addTensor(Subgraph& sg, std::string name, TensorType type, std::vector<int32_t> shape, QuantParams quant,
                      BufferIndex buffer) {
    Tensor t;
    t.name = std::move(name);
    t.type = type;
    t.shape = std::move(shape);
    t.hasRank = true;
    t.quant = std::move(quant);
    t.buffer = buffer;
    sg.tensors.push_back(std::move(t));
    return TensorIndex{sg.tensors.size() - 1};
}

namespace {

// DENSIFY of a constant sparse tensor (the converter's sparse weights): its output becomes a
// dense constant of the same type, so a DEQUANTIZE after it folds too and the weights are
// quantized like any other. Same traversal as the runtime's kernel (Densify.h, TFLite's
// FormatConverter::SparseToDense); a malformed sparse tensor leaves the operator in place, for
// the interpreter to report when the model runs.
bool foldConstantDensify(Model& m, Subgraph& sg, const Operator& op) {
    if (op.op != BuiltinOp::DENSIFY || op.inputs.size() != 1 || op.outputs.size() != 1 || !op.inputs[0].valid() ||
        !op.outputs[0].valid())
        return false;
    const Tensor& in = sg.tensor(op.inputs[0]);
    Tensor& out = sg.tensor(op.outputs[0]);
    if (!in.sparsity || !m.isConstant(in) || out.type != in.type || out.isVariable) return false;
    if (in.type != TensorType::FLOAT32 && in.type != TensorType::FLOAT16) return false;
    auto dense = rt::qk::sparseToDense(*in.sparsity, in.shape, m.buffer(in.buffer).bytes(), elementSize(in.type));
    if (!dense) return false;
    out.buffer = m.addBuffer(std::move(dense.value()));
    return true;
}

} // namespace

Model foldConstantDequantize(const Model& source, std::vector<size_t>* origins) {
    Model m = source;
    if (origins) origins->clear();
    for (size_t s = 0; s < m.subgraphs.size(); ++s) {
        Subgraph& sg = m.subgraphs[s];
        std::vector<Operator> kept;
        kept.reserve(sg.operators.size());
        for (size_t index = 0; index < sg.operators.size(); ++index) {
            Operator& op = sg.operators[index];
            if (s == 0 && origins) origins->push_back(index); // popped below when folded
            if (foldConstantDensify(m, sg, op)) {
                if (s == 0 && origins) origins->pop_back();
                continue;
            }
            const bool fold = op.op == BuiltinOp::DEQUANTIZE && op.inputs.size() == 1 && op.outputs.size() == 1 &&
                              op.inputs[0].valid() && m.isConstant(sg.tensor(op.inputs[0])) &&
                              sg.tensor(op.outputs[0]).type == TensorType::FLOAT32;
            if (!fold) {
                kept.push_back(std::move(op));
                continue;
            }
            const bool wasRecorded = s == 0 && origins;
            const Tensor& in = sg.tensor(op.inputs[0]);
            const Buffer& b = m.buffer(in.buffer);
            const int64_t n = in.elementCount();
            std::vector<float> values(static_cast<size_t>(n));
            if (in.type == TensorType::FLOAT16 && b.size >= size_t(n) * 2) {
                std::vector<uint16_t> h(static_cast<size_t>(n));
                std::memcpy(h.data(), b.data, h.size() * 2);
                halfToFloat(h, values);
            } else if (in.type == TensorType::INT8 && b.size >= size_t(n) && in.quant.isQuantized()) {
                // r = s * (q - z), per channel along quantizedDimension when there are several scales.
                const auto* q = reinterpret_cast<const int8_t*>(b.data);
                const size_t channels = in.quant.scale.size();
                size_t inner = 1;
                const int axis = in.quant.quantizedDimension;
                for (size_t d = size_t(axis) + 1; d < in.shape.size(); ++d) inner *= size_t(in.shape[d]);
                for (int64_t i = 0; i < n; ++i) {
                    const size_t c = channels > 1 ? (size_t(i) / inner) % channels : 0;
                    const int64_t z = c < in.quant.zeroPoint.size() ? in.quant.zeroPoint[c] : 0;
                    values[size_t(i)] = in.quant.scale[c] * float(q[i] - z);
                }
            } else {
                kept.push_back(std::move(op));
                continue;
            }
            std::vector<uint8_t> bytes(values.size() * sizeof(float));
            if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
            sg.tensor(op.outputs[0]).buffer = m.addBuffer(std::move(bytes));
            if (wasRecorded) origins->pop_back();
        }
        sg.operators = std::move(kept);
    }
    m.rebuildIndex();
    return m;
}

void removeUnused(Model& m) {
    std::vector<bool> bufferUsed(m.buffers.size(), false);
    if (!bufferUsed.empty()) bufferUsed[0] = true;
    for (size_t s = 0; s < m.subgraphs.size(); ++s) {
        Subgraph& sg = m.subgraphs[s];
        std::vector<bool> used(sg.tensors.size(), false);
        auto mark = [&](TensorIndex t) { if (t.valid() && t.index() < used.size()) used[t.index()] = true; };
        for (const Operator& op : sg.operators) {
            for (TensorIndex t : op.inputs) mark(t);
            for (TensorIndex t : op.outputs) mark(t);
            for (TensorIndex t : op.intermediates) mark(t);
        }
        for (TensorIndex t : sg.inputs) mark(t);
        for (TensorIndex t : sg.outputs) mark(t);
        for (const SignatureDef& sig : m.signatures)
            if (sig.subgraph.index() == s) {
                for (const auto& st : sig.inputs) mark(st.tensor);
                for (const auto& st : sig.outputs) mark(st.tensor);
            }
        // A blockwise tensor's scales and zero points are referenced from its quantization
        // parameters only: they live as long as the tensor does.
        for (size_t i = 0; i < sg.tensors.size(); ++i)
            if (used[i] && sg.tensors[i].quant.blockwise) {
                mark(sg.tensors[i].quant.blockwise->scales);
                mark(sg.tensors[i].quant.blockwise->zeroPoints);
            }
        std::vector<int32_t> remap(sg.tensors.size(), -1);
        std::vector<Tensor> kept;
        for (size_t i = 0; i < sg.tensors.size(); ++i)
            if (used[i]) {
                remap[i] = int32_t(kept.size());
                kept.push_back(std::move(sg.tensors[i]));
            }
        sg.tensors = std::move(kept);
        auto fix = [&](TensorIndex& t) { if (t.valid()) t = TensorIndex{remap[t.index()]}; };
        for (Operator& op : sg.operators) {
            for (TensorIndex& t : op.inputs) fix(t);
            for (TensorIndex& t : op.outputs) fix(t);
            for (TensorIndex& t : op.intermediates) fix(t);
        }
        for (TensorIndex& t : sg.inputs) fix(t);
        for (TensorIndex& t : sg.outputs) fix(t);
        for (Tensor& t : sg.tensors)
            if (t.quant.blockwise) {
                fix(t.quant.blockwise->scales);
                fix(t.quant.blockwise->zeroPoints);
            }
        for (SignatureDef& sig : m.signatures)
            if (sig.subgraph.index() == s) {
                for (auto& st : sig.inputs) fix(st.tensor);
                for (auto& st : sig.outputs) fix(st.tensor);
            }
        for (const Tensor& t : sg.tensors)
            if (t.buffer.valid() && t.buffer.index() < bufferUsed.size()) bufferUsed[t.buffer.index()] = true;
    }
    for (const MetadataEntry& e : m.metadata)
        if (e.buffer.valid() && e.buffer.index() < bufferUsed.size()) bufferUsed[e.buffer.index()] = true;
    for (int32_t b : m.legacyMetadataBuffer)
        if (b >= 0 && size_t(b) < bufferUsed.size()) bufferUsed[size_t(b)] = true;
    std::vector<int32_t> remap(m.buffers.size(), -1);
    std::vector<Buffer> kept;
    for (size_t i = 0; i < m.buffers.size(); ++i)
        if (bufferUsed[i]) {
            remap[i] = int32_t(kept.size());
            kept.push_back(std::move(m.buffers[i]));
        }
    m.buffers = std::move(kept);
    for (Subgraph& sg : m.subgraphs)
        for (Tensor& t : sg.tensors)
            if (t.buffer.valid()) t.buffer = BufferIndex{remap[t.buffer.index()]};
    for (MetadataEntry& e : m.metadata)
        if (e.buffer.valid()) e.buffer = BufferIndex{remap[e.buffer.index()]};
    for (int32_t& b : m.legacyMetadataBuffer)
        if (b >= 0 && size_t(b) < remap.size()) b = remap[size_t(b)];
    m.rebuildIndex();
}

void setMetadata(Model& m, const std::string& name, const std::string& text) {
    const BufferIndex b = m.addBuffer(std::vector<uint8_t>(text.begin(), text.end()));
    for (MetadataEntry& e : m.metadata)
        if (e.name == name) {
            e.buffer = b;
            return;
        }
    m.metadata.push_back({name, b});
}

} // namespace ql::quantize

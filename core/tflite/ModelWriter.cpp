#include "tflite/ModelWriter.h"

#include "io/AtomicFile.h"

#include <flatbuffers/flatbuffers.h>

#include <map>
#include <tuple>

namespace ql {
namespace {

namespace fb = flatbuffers;
constexpr uint64_t kInlineLimit = (uint64_t(1) << 31) - (uint64_t(64) << 20); // leave room for the graph
constexpr size_t kBufferAlign = 16; // Buffer.data is force_align: 16 in the schema

std::vector<int32_t> indices(const std::vector<TensorIndex>& v) {
    std::vector<int32_t> out;
    out.reserve(v.size());
    for (TensorIndex t : v) out.push_back(t.value);
    return out;
}

fb::Offset<tflite::QuantizationParameters> writeQuant(fb::FlatBufferBuilder& b, const QuantParams& q) {
    if (q.empty()) return 0;
    auto min = q.min.empty() ? 0 : b.CreateVector(q.min);
    auto max = q.max.empty() ? 0 : b.CreateVector(q.max);
    auto scale = q.scale.empty() ? 0 : b.CreateVector(q.scale);
    auto zp = q.zeroPoint.empty() ? 0 : b.CreateVector(q.zeroPoint);
    fb::Offset<void> details = 0;
    auto detailsType = tflite::QuantizationDetails::NONE;
    if (q.blockwise) {
        details = tflite::CreateBlockwiseQuantization(b, q.blockwise->scales.value, q.blockwise->zeroPoints.value,
                                                      q.blockwise->blockSize)
                      .Union();
        detailsType = tflite::QuantizationDetails::BlockwiseQuantization;
    } else if (!q.customDetails.empty()) {
        b.ForceVectorAlignment(q.customDetails.size(), 1, 16);
        details = tflite::CreateCustomQuantization(b, b.CreateVector(q.customDetails)).Union();
        detailsType = tflite::QuantizationDetails::CustomQuantization;
    }
    tflite::QuantizationParametersBuilder qb(b);
    if (!q.min.empty()) qb.add_min(min);
    if (!q.max.empty()) qb.add_max(max);
    if (!q.scale.empty()) qb.add_scale(scale);
    if (!q.zeroPoint.empty()) qb.add_zero_point(zp);
    if (!details.IsNull()) {
        qb.add_details_type(detailsType);
        qb.add_details(details);
    }
    qb.add_quantized_dimension(q.quantizedDimension);
    return qb.Finish();
}

class Writer {
public:
    Writer(const Model& model, bool outside) : m(model), m_outside(outside), b(1 << 20) {}
    std::vector<uint8_t> run();

private:
    fb::Offset<tflite::SubGraph> writeSubgraph(const Subgraph& sg);
    uint32_t opcodeIndex(const Operator& op);

    const Model& m;
    bool m_outside;
    fb::FlatBufferBuilder b;
    std::map<std::tuple<int32_t, std::string, int32_t>, uint32_t> m_codeIndex;
    std::vector<fb::Offset<tflite::OperatorCode>> m_codes;
};

uint32_t Writer::opcodeIndex(const Operator& op) {
    const auto key = std::make_tuple(static_cast<int32_t>(op.op), op.customCode, op.version);
    auto it = m_codeIndex.find(key);
    if (it != m_codeIndex.end()) return it->second;
    const int32_t code = static_cast<int32_t>(op.op);
    // The old int8 field saturates at PLACEHOLDER_FOR_GREATER_OP_CODES (127).
    const int8_t deprecated = static_cast<int8_t>(std::min<int32_t>(code, 127));
    auto custom = op.op == BuiltinOp::CUSTOM ? b.CreateString(op.customCode) : 0;
    tflite::OperatorCodeBuilder ob(b);
    ob.add_deprecated_builtin_code(deprecated);
    if (!custom.IsNull()) ob.add_custom_code(custom);
    ob.add_version(op.version);
    ob.add_builtin_code(op.op);
    m_codes.push_back(ob.Finish());
    const auto index = static_cast<uint32_t>(m_codes.size() - 1);
    m_codeIndex.emplace(key, index);
    return index;
}

fb::Offset<tflite::SubGraph> Writer::writeSubgraph(const Subgraph& sg) {
    std::vector<fb::Offset<tflite::Tensor>> tensors;
    tensors.reserve(sg.tensors.size());
    for (const Tensor& t : sg.tensors) {
        auto shape = b.CreateVector(t.shape);
        auto sig = t.shapeSignature.empty() ? 0 : b.CreateVector(t.shapeSignature);
        auto name = b.CreateString(t.name);
        auto quant = writeQuant(b, t.quant);
        auto sparsity = t.sparsity ? tflite::CreateSparsityParameters(b, t.sparsity.get()) : 0;
        tflite::TensorBuilder tb(b);
        tb.add_shape(shape);
        tb.add_type(t.type);
        tb.add_buffer(static_cast<uint32_t>(t.buffer.value));
        tb.add_name(name);
        if (!quant.IsNull()) tb.add_quantization(quant);
        if (t.isVariable) tb.add_is_variable(true);
        if (!sparsity.IsNull()) tb.add_sparsity(sparsity);
        if (!sig.IsNull()) tb.add_shape_signature(sig);
        if (t.hasRank) tb.add_has_rank(true);
        tensors.push_back(tb.Finish());
    }
    std::vector<fb::Offset<tflite::Operator>> ops;
    ops.reserve(sg.operators.size());
    for (const Operator& op : sg.operators) {
        const uint32_t code = opcodeIndex(op);
        auto inputs = b.CreateVector(indices(op.inputs));
        auto outputs = b.CreateVector(indices(op.outputs));
        auto inter = op.intermediates.empty() ? 0 : b.CreateVector(indices(op.intermediates));
        auto options = op.options.Pack(b);
        auto options2 = op.options2.Pack(b);
        auto custom = op.customOptions.empty() ? 0 : b.CreateVector(op.customOptions);
        auto mutating = op.mutatingVariableInputs.empty() ? 0 : b.CreateVector(op.mutatingVariableInputs);
        tflite::OperatorBuilder ob(b);
        ob.add_opcode_index(code);
        ob.add_inputs(inputs);
        ob.add_outputs(outputs);
        if (op.options.type != tflite::BuiltinOptions::NONE) {
            ob.add_builtin_options_type(op.options.type);
            ob.add_builtin_options(options);
        }
        if (!custom.IsNull()) ob.add_custom_options(custom);
        if (!mutating.IsNull()) ob.add_mutating_variable_inputs(mutating);
        if (!inter.IsNull()) ob.add_intermediates(inter);
        if (op.options2.type != tflite::BuiltinOptions2::NONE) {
            ob.add_builtin_options_2_type(op.options2.type);
            ob.add_builtin_options_2(options2);
        }
        ops.push_back(ob.Finish());
    }
    auto tv = b.CreateVector(tensors);
    auto in = b.CreateVector(indices(sg.inputs));
    auto out = b.CreateVector(indices(sg.outputs));
    auto ov = b.CreateVector(ops);
    auto name = sg.name.empty() ? 0 : b.CreateString(sg.name);
    tflite::SubGraphBuilder sb(b);
    sb.add_tensors(tv);
    sb.add_inputs(in);
    sb.add_outputs(out);
    sb.add_operators(ov);
    if (!name.IsNull()) sb.add_name(name);
    return sb.Finish();
}

std::vector<uint8_t> Writer::run() {
    // Buffers: inline (aligned to 16) or, in the outside layout, a placeholder offset that is
    // patched once the flatbuffer's size is known. Offsets relative to the tail start + 2 keep
    // them > 1, which is how TFLite tells "outside" from "inline".
    std::vector<fb::Offset<tflite::Buffer>> buffers;
    std::vector<uint64_t> tailOffset(m.buffers.size(), 0);
    uint64_t tail = 0;
    for (size_t i = 0; i < m.buffers.size(); ++i) {
        const Buffer& buf = m.buffers[i];
        if (buf.empty()) {
            buffers.push_back(tflite::CreateBuffer(b));
        } else if (m_outside) {
            tail = (tail + kBufferAlign - 1) / kBufferAlign * kBufferAlign;
            tailOffset[i] = tail;
            buffers.push_back(tflite::CreateBuffer(b, 0, tail + 2, buf.size));
            tail += buf.size;
        } else {
            b.ForceVectorAlignment(buf.size, 1, kBufferAlign);
            buffers.push_back(tflite::CreateBuffer(b, b.CreateVector(buf.data, buf.size)));
        }
    }
    std::vector<fb::Offset<tflite::SubGraph>> subgraphs;
    for (const Subgraph& sg : m.subgraphs) subgraphs.push_back(writeSubgraph(sg));

    std::vector<fb::Offset<tflite::SignatureDef>> sigs;
    for (const SignatureDef& s : m.signatures) {
        auto maps = [&](const std::vector<SignatureTensor>& list) {
            std::vector<fb::Offset<tflite::TensorMap>> v;
            for (const SignatureTensor& st : list)
                v.push_back(tflite::CreateTensorMap(b, b.CreateString(st.name), static_cast<uint32_t>(st.tensor.value)));
            return b.CreateVector(v);
        };
        auto in = maps(s.inputs);
        auto out = maps(s.outputs);
        sigs.push_back(tflite::CreateSignatureDef(b, in, out, b.CreateString(s.key), static_cast<uint32_t>(s.subgraph.value)));
    }
    std::vector<fb::Offset<tflite::Metadata>> metadata;
    for (const MetadataEntry& md : m.metadata)
        metadata.push_back(tflite::CreateMetadata(b, b.CreateString(md.name), static_cast<uint32_t>(md.buffer.value)));

    auto codes = b.CreateVector(m_codes);
    auto sgv = b.CreateVector(subgraphs);
    auto desc = b.CreateString(m.description);
    auto bufv = b.CreateVector(buffers);
    auto legacy = m.legacyMetadataBuffer.empty() ? 0 : b.CreateVector(m.legacyMetadataBuffer);
    auto mdv = metadata.empty() ? 0 : b.CreateVector(metadata);
    auto sigv = sigs.empty() ? 0 : b.CreateVector(sigs);
    tflite::ModelBuilder mb(b);
    mb.add_version(3);
    mb.add_operator_codes(codes);
    mb.add_subgraphs(sgv);
    mb.add_description(desc);
    mb.add_buffers(bufv);
    if (!legacy.IsNull()) mb.add_metadata_buffer(legacy);
    if (!mdv.IsNull()) mb.add_metadata(mdv);
    if (!sigv.IsNull()) mb.add_signature_defs(sigv);
    tflite::FinishModelBuffer(b, mb.Finish());

    std::vector<uint8_t> out(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    if (!m_outside) return out;
    const uint64_t tailStart = (out.size() + kBufferAlign - 1) / kBufferAlign * kBufferAlign;
    auto* model = tflite::GetMutableModel(out.data());
    for (size_t i = 0; i < m.buffers.size(); ++i)
        if (!m.buffers[i].empty()) model->mutable_buffers()->GetMutableObject(static_cast<fb::uoffset_t>(i))->mutate_offset(tailStart + tailOffset[i]);
    out.resize(tailStart + tail, 0);
    for (size_t i = 0; i < m.buffers.size(); ++i)
        if (!m.buffers[i].empty()) std::copy(m.buffers[i].data, m.buffers[i].data + m.buffers[i].size, out.begin() + static_cast<std::ptrdiff_t>(tailStart + tailOffset[i]));
    return out;
}

bool useOutsideLayout(const Model& model, const WriteOptions& options) {
    if (options.layout == WriteOptions::BufferLayout::Inline) return false;
    if (options.layout == WriteOptions::BufferLayout::AfterFlatbuffer) return true;
    uint64_t total = 0;
    for (const Buffer& buf : model.buffers) total += buf.size + kBufferAlign;
    return total > kInlineLimit;
}

} // namespace

Result<std::vector<uint8_t>> serializeModel(const Model& model, const WriteOptions& options) {
    if (model.subgraphs.empty()) return makeError("cannot write a model without subgraphs");
    if (options.layout == WriteOptions::BufferLayout::Inline) {
        uint64_t total = 0;
        for (const Buffer& buf : model.buffers) total += buf.size;
        if (total > kInlineLimit) return makeError("the buffers hold more than 2 GiB: they must be stored after the flatbuffer");
    }
    return Writer(model, useOutsideLayout(model, options)).run();
}

Status writeModelFile(const Model& model, const std::string& path, const WriteOptions& options,
                      std::vector<std::string> protectedInputs) {
    if (!model.sourcePath.empty()) protectedInputs.push_back(model.sourcePath);
    auto bytes = serializeModel(model, options);
    if (!bytes) return makeError(path + ": " + bytes.message());
    return writeFileAtomically(path, std::span<const uint8_t>(bytes.value()), protectedInputs);
}

} // namespace ql

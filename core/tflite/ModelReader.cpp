#include "tflite/ModelReader.h"

#include "tflite/Validate.h"
#include "util/Limits.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>

namespace ql {
namespace {

// flatbuffers' Verifier refuses buffers of 2 GiB or more; a larger file keeps its big
// buffers after the flatbuffer (Buffer.offset/size), so verifying the first 2 GiB is enough.
constexpr size_t kMaxFlatbufferBytes = FLATBUFFERS_MAX_BUFFER_SIZE - 1;
constexpr flatbuffers::uoffset_t kMaxTables = 50'000'000;
constexpr flatbuffers::uoffset_t kMaxDepth = 64;

template <class T, class V> std::vector<T> toVector(const flatbuffers::Vector<V>* v) {
    std::vector<T> out;
    if (!v) return out;
    out.reserve(v->size());
    for (auto x : *v) out.push_back(static_cast<T>(x));
    return out;
}

std::vector<TensorIndex> toIndices(const flatbuffers::Vector<int32_t>* v) {
    std::vector<TensorIndex> out;
    if (!v) return out;
    out.reserve(v->size());
    for (int32_t x : *v) out.push_back(TensorIndex{x});
    return out;
}

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

QuantParams readQuant(const tflite::QuantizationParameters* q) {
    QuantParams p;
    if (!q) return p;
    p.scale = toVector<float>(q->scale());
    p.zeroPoint = toVector<int64_t>(q->zero_point());
    p.min = toVector<float>(q->min());
    p.max = toVector<float>(q->max());
    p.quantizedDimension = q->quantized_dimension();
    if (const auto* custom = q->details_as_CustomQuantization(); custom && custom->custom())
        p.customDetails.assign(custom->custom()->begin(), custom->custom()->end());
    if (const auto* block = q->details_as_BlockwiseQuantization())
        p.blockwise = BlockwiseParams{TensorIndex{block->scales()}, TensorIndex{block->zero_points()}, block->block_size()};
    return p;
}

// flatbuffers 2.0.8's Verifier checks a vector's length word for 4-byte alignment but not
// its elements, so a damaged file can hold a vector of 64-bit values (zero_point, the
// StableHLO options' index lists) at an address that is 4 mod 8; reading it is a misaligned
// load. This walks every table reachable from the root with the generated type tables and
// reports the first such vector. The Verifier has already bounded offsets, depth and count.
class WideVectorCheck {
public:
    std::string problem;

    bool table(const uint8_t* obj, const flatbuffers::TypeTable* tt, int depth) {
        if (depth > static_cast<int>(kMaxDepth) || tt->st != flatbuffers::ST_TABLE) return true;
        const auto* t = reinterpret_cast<const flatbuffers::Table*>(obj);
        uint8_t unionType = 0;
        for (size_t i = 0; i < tt->num_elems; ++i) {
            const flatbuffers::TypeCode code = tt->type_codes[i];
            const auto type = static_cast<flatbuffers::ElementaryType>(code.base_type);
            const flatbuffers::TypeTable* ref = code.sequence_ref >= 0 ? tt->type_refs[code.sequence_ref]() : nullptr;
            const uint8_t* val = t->GetAddressOf(flatbuffers::FieldIndexToOffset(static_cast<flatbuffers::voffset_t>(i)));
            if (type == flatbuffers::ET_UTYPE && !code.is_repeating) {
                unionType = val ? *val : 0;
                continue;
            }
            // Only vectors, tables and unions hold an offset; scalars (which may be one byte
            // at the end of the table) and strings are left alone.
            if (!val || (!code.is_repeating && type != flatbuffers::ET_SEQUENCE)) continue;
            if (!code.is_repeating && ref && ref->st == flatbuffers::ST_STRUCT) continue; // inline
            const uint8_t* target = val + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(val);
            if (code.is_repeating) {
                const auto n = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(target);
                const uint8_t* elems = target + sizeof(flatbuffers::uoffset_t);
                const bool wide = type == flatbuffers::ET_LONG || type == flatbuffers::ET_ULONG || type == flatbuffers::ET_DOUBLE;
                if (wide && n > 0 && reinterpret_cast<uintptr_t>(elems) % 8 != 0) {
                    problem = std::string("the vector '") + (tt->names ? tt->names[i] : "?") +
                              "' holds 64-bit values but is not 8-byte aligned (the flatbuffer is damaged)";
                    return false;
                }
                if (type == flatbuffers::ET_SEQUENCE && ref && ref->st == flatbuffers::ST_TABLE)
                    for (flatbuffers::uoffset_t j = 0; j < n; ++j) {
                        const uint8_t* e = elems + j * sizeof(flatbuffers::uoffset_t);
                        if (!table(e + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(e), ref, depth + 1)) return false;
                    }
            } else if (type == flatbuffers::ET_SEQUENCE && ref) {
                if (ref->st == flatbuffers::ST_TABLE) {
                    if (!table(target, ref, depth + 1)) return false;
                } else if (ref->st == flatbuffers::ST_UNION && unionType > 0 && unionType < ref->num_elems) {
                    const flatbuffers::TypeCode m = ref->type_codes[unionType];
                    if (m.sequence_ref >= 0 && !table(target, ref->type_refs[m.sequence_ref](), depth + 1)) return false;
                }
            }
        }
        return true;
    }
};

class Reader {
public:
    Reader(std::shared_ptr<const MappedFile> file, std::string name, const ReadOptions& options)
        : m_file(std::move(file)), m_name(std::move(name)), m_options(options) {}

    Result<std::shared_ptr<const Model>> read();

private:
    Status readBuffers(const tflite::Model& fb, Model& model);
    Status readSubgraph(const tflite::Model& fb, size_t index, Model& model);
    Error fail(const std::string& what) const { return makeError(m_name + ": " + what); }

    std::shared_ptr<const MappedFile> m_file;
    std::string m_name;
    ReadOptions m_options;
};

Result<std::shared_ptr<const Model>> Reader::read() {
    const uint8_t* data = m_file->data();
    const size_t size = m_file->size();
    if (size < 8)
        return fail("the file is " + std::to_string(size) + " bytes long, too short to be a TFLite model (at least 8 bytes)");
    if (!tflite::ModelBufferHasIdentifier(data)) {
        std::string id(reinterpret_cast<const char*>(data) + 4, 4);
        for (char& c : id)
            if (c < 32 || c > 126) c = '?';
        return fail("not a TFLite model: the file identifier is '" + id + "', expected 'TFL3'");
    }
    flatbuffers::Verifier verifier(data, std::min(size, kMaxFlatbufferBytes), kMaxDepth, kMaxTables);
    if (!tflite::VerifyModelBuffer(verifier))
        return fail("the flatbuffer is damaged or truncated (the flatbuffers Verifier rejected it; file size " +
                    std::to_string(size) + " bytes)");

    if (std::string problem = misalignedWideVector(data); !problem.empty()) return fail(problem);

    const tflite::Model& fb = *tflite::GetModel(data);
    auto model = std::make_shared<Model>();
    model->version = fb.version();
    model->description = str(fb.description());
    model->sourcePath = m_name;
    model->sourceBytes = size;
    if (model->version != 3)
        model->diagnostics.push_back({Severity::Warning, "schema version is " + std::to_string(model->version) +
                                                             ", TFLite expects 3"});

    if (Status s = readBuffers(fb, *model); !s) return s.error();
    if (!fb.subgraphs() || fb.subgraphs()->size() == 0) return fail("the model has no subgraphs");
    for (size_t i = 0; i < fb.subgraphs()->size(); ++i)
        if (Status s = readSubgraph(fb, i, *model); !s) return s.error();

    if (const auto* sigs = fb.signature_defs()) {
        for (const tflite::SignatureDef* sd : *sigs) {
            SignatureDef sig;
            sig.key = str(sd->signature_key());
            sig.subgraph = SubgraphIndex{static_cast<int32_t>(sd->subgraph_index())};
            auto maps = [](const flatbuffers::Vector<flatbuffers::Offset<tflite::TensorMap>>* v) {
                std::vector<SignatureTensor> out;
                if (v)
                    for (const tflite::TensorMap* m : *v)
                        out.push_back({str(m->name()), TensorIndex{static_cast<int32_t>(m->tensor_index())}});
                return out;
            };
            sig.inputs = maps(sd->inputs());
            sig.outputs = maps(sd->outputs());
            model->signatures.push_back(std::move(sig));
        }
    }
    if (const auto* md = fb.metadata())
        for (const tflite::Metadata* m : *md)
            model->metadata.push_back({str(m->name()), BufferIndex{static_cast<int32_t>(m->buffer())}});
    model->legacyMetadataBuffer = toVector<int32_t>(fb.metadata_buffer());

    if (Status s = validateModel(*model, {m_options.maxTensorBytes, memoryLimitBytes()}); !s) return fail(s.message());
    model->rebuildIndex();
    return std::shared_ptr<const Model>(std::move(model));
}

Status Reader::readBuffers(const tflite::Model& fb, Model& model) {
    const auto* buffers = fb.buffers();
    if (!buffers) {
        model.buffers.emplace_back(); // a model may omit the buffer table entirely
        return {};
    }
    model.buffers.reserve(buffers->size());
    const uint64_t fileSize = m_file->size();
    for (size_t i = 0; i < buffers->size(); ++i) {
        const tflite::Buffer* b = buffers->Get(i);
        Buffer buf;
        buf.owner = m_file;
        const uint64_t offset = b->offset();
        const uint64_t bytes = b->size();
        if (offset > 1) {
            // Data stored after the flatbuffer: offset is from the start of the file.
            if (b->data() && b->data()->size() > 0)
                return fail("buffer " + std::to_string(i) + " has both inline data and an offset");
            if (bytes > fileSize || offset > fileSize - bytes)
                return fail("buffer " + std::to_string(i) + " points outside the file: offset " + std::to_string(offset) +
                            " + size " + std::to_string(bytes) + " > file size " + std::to_string(fileSize));
            buf.data = m_file->data() + offset;
            buf.size = static_cast<size_t>(bytes);
            buf.storedOutsideFlatbuffer = true;
        } else if (b->data()) {
            buf.data = b->data()->data();
            buf.size = b->data()->size();
        }
        model.buffers.push_back(std::move(buf));
    }
    if (model.buffers.empty()) model.buffers.emplace_back();
    return {};
}

Status Reader::readSubgraph(const tflite::Model& fb, size_t index, Model& model) {
    const tflite::SubGraph& sgfb = *fb.subgraphs()->Get(index);
    const std::string where = "subgraph " + std::to_string(index);
    Subgraph sg;
    sg.name = str(sgfb.name());
    if (const auto* tensors = sgfb.tensors()) {
        sg.tensors.reserve(tensors->size());
        for (const tflite::Tensor* t : *tensors) {
            Tensor tensor;
            tensor.name = str(t->name());
            tensor.type = t->type();
            tensor.shape = toVector<int32_t>(t->shape());
            tensor.shapeSignature = toVector<int32_t>(t->shape_signature());
            tensor.hasRank = t->has_rank();
            tensor.buffer = BufferIndex{static_cast<int32_t>(std::min<uint32_t>(t->buffer(), INT32_MAX))};
            tensor.quant = readQuant(t->quantization());
            tensor.isVariable = t->is_variable();
            if (const auto* sp = t->sparsity()) {
                // A verified file may name an index vector's union type and leave its table out
                // (the field is optional); the object API then holds a typed union with a null
                // value that Pack would dereference. It becomes NONE: the vector is absent, which
                // DENSIFY refuses by name.
                std::shared_ptr<tflite::SparsityParametersT> sparsity(sp->UnPack());
                for (auto& dm : sparsity->dim_metadata) {
                    if (!dm) continue;
                    if (dm->array_segments.type != tflite::SparseIndexVector::NONE && !dm->array_segments.value)
                        dm->array_segments.Reset();
                    if (dm->array_indices.type != tflite::SparseIndexVector::NONE && !dm->array_indices.value)
                        dm->array_indices.Reset();
                }
                tensor.sparsity = std::move(sparsity);
            }
            sg.tensors.push_back(std::move(tensor));
        }
    }
    sg.inputs = toIndices(sgfb.inputs());
    sg.outputs = toIndices(sgfb.outputs());

    const auto* codes = fb.operator_codes();
    const size_t codeCount = codes ? codes->size() : 0;
    if (const auto* ops = sgfb.operators()) {
        sg.operators.reserve(ops->size());
        for (size_t o = 0; o < ops->size(); ++o) {
            const tflite::Operator* opfb = ops->Get(o);
            Operator op;
            const uint32_t code = opfb->opcode_index();
            if (code >= codeCount)
                return fail(where + ", operator " + std::to_string(o) + ": opcode_index " + std::to_string(code) +
                            " is out of range (the model has " + std::to_string(codeCount) + " operator codes)");
            const tflite::OperatorCode* oc = codes->Get(code);
            // Files written before builtin_code existed only set deprecated_builtin_code (an
            // int8); newer files set both, with 127 as placeholder in the old field.
            const int32_t resolved = std::max<int32_t>(oc->deprecated_builtin_code(), static_cast<int32_t>(oc->builtin_code()));
            op.op = static_cast<BuiltinOp>(resolved);
            op.customCode = str(oc->custom_code());
            op.version = oc->version();
            op.inputs = toIndices(opfb->inputs());
            op.outputs = toIndices(opfb->outputs());
            op.intermediates = toIndices(opfb->intermediates());
            // A type tag without its table (or a tag newer than the schema) reads as "no options".
            if (opfb->builtin_options()) {
                op.options.type = opfb->builtin_options_type();
                op.options.value = tflite::BuiltinOptionsUnion::UnPack(opfb->builtin_options(), op.options.type, nullptr);
                if (!op.options.value) op.options.type = tflite::BuiltinOptions::NONE;
            }
            if (opfb->builtin_options_2()) {
                op.options2.type = opfb->builtin_options_2_type();
                op.options2.value = tflite::BuiltinOptions2Union::UnPack(opfb->builtin_options_2(), op.options2.type, nullptr);
                if (!op.options2.value) op.options2.type = tflite::BuiltinOptions2::NONE;
            }
            if (const auto* co = opfb->custom_options()) {
                op.customOptions.assign(co->begin(), co->end());
            } else if (opfb->large_custom_options_offset() > 1) {
                const uint64_t off = opfb->large_custom_options_offset();
                const uint64_t len = opfb->large_custom_options_size();
                if (len > m_file->size() || off > m_file->size() - len)
                    return fail(where + ", operator " + std::to_string(o) + " (" + op.typeName() +
                                "): its custom options point outside the file");
                op.customOptions.assign(m_file->data() + off, m_file->data() + off + len);
            }
            if (const auto* mv = opfb->mutating_variable_inputs())
                for (bool b : *mv) op.mutatingVariableInputs.push_back(b);
            sg.operators.push_back(std::move(op));
        }
    }
    model.subgraphs.push_back(std::move(sg));
    return {};
}

} // namespace

std::string misalignedWideVector(const uint8_t* verifiedModel) {
    WideVectorCheck check;
    return check.table(flatbuffers::GetRoot<uint8_t>(verifiedModel), tflite::ModelTypeTable(), 0) ? std::string() : check.problem;
}

Result<std::shared_ptr<const Model>> readModel(std::shared_ptr<const MappedFile> file, const std::string& displayName,
                                               const ReadOptions& options) {
    return Reader(std::move(file), displayName, options).read();
}

Result<std::shared_ptr<const Model>> readModelFile(const std::string& path, const ReadOptions& options) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return readModel(std::move(file.value()), path, options);
}

} // namespace ql

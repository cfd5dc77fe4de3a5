#include "tflite/ModelJson.h"
#include "model/ShapeText.h"

#include "model/Blockwise.h"
#include "model/ModelStats.h"
#include "model/OptionsInfo.h"
#include "tflite/Metadata.h"
#include "util/JsonWriter.h"

#include <algorithm>
#include <cstdio>

namespace ql {
namespace {

void writeQuant(JsonWriter& j, const QuantParams& q) {
    j.key("quantization");
    if (q.empty()) {
        j.null();
        return;
    }
    j.beginObject();
    j.array("scale", q.scale);
    j.array("zero_point", q.zeroPoint);
    j.field("quantized_dimension", q.quantizedDimension);
    j.array("min", q.min);
    j.array("max", q.max);
    if (q.blockwise) {
        j.key("blockwise").beginObject();
        j.field("scales", q.blockwise->scales.value);
        j.field("zero_points", q.blockwise->zeroPoints.value);
        j.field("block_size", q.blockwise->blockSize);
        j.endObject();
    }
    j.endObject();
}

// Blockwise details of a tensor of the tensor list: the side tensors, the block size and the
// range of the block scales (their values are in the scales tensor).
void writeBlockwise(JsonWriter& j, const Model& m, const Subgraph& sg, const Tensor& t) {
    if (!t.quant.blockwise) return;
    const BlockwiseParams& b = *t.quant.blockwise;
    j.key("blockwise").beginObject();
    j.field("scales", b.scales.value);
    j.field("zero_points", b.zeroPoints.value);
    j.field("block_size", b.blockSize);
    if (const auto table = blockScaleTable(m, sg, t)) {
        j.field("rows", static_cast<uint64_t>(table->rows));
        j.field("blocks_per_row", static_cast<uint64_t>(table->blocksPerRow));
        j.field("scale_dtype", typeName(table->scaleType));
        if (!table->scales.empty()) {
            const auto [lo, hi] = std::minmax_element(table->scales.begin(), table->scales.end());
            j.field("scale_min", *lo);
            j.field("scale_max", *hi);
        }
    }
    j.endObject();
}

void writeTensorRef(JsonWriter& j, const Model& m, const Subgraph& sg, TensorIndex t) {
    const Tensor& tensor = sg.tensor(t);
    j.beginObject();
    j.field("tensor", t.value);
    j.field("name", tensor.name);
    j.array("shape", tensor.shape);
    if (!tensor.shapeSignature.empty()) j.array("shape_signature", tensor.shapeSignature);
    j.field("dtype", typeName(tensor.type));
    writeQuant(j, tensor.quant);
    (void)m;
    j.endObject();
}

} // namespace

std::string shapeString(const std::vector<int32_t>& shape) { return shapeText(shape); }

std::string quantSummary(const QuantParams& q) {
    char tmp[160];
    if (q.blockwise) {
        std::snprintf(tmp, sizeof tmp, "blockwise: block_size %d, scales tensor %d, zero points %s", q.blockwise->blockSize,
                      q.blockwise->scales.value,
                      q.blockwise->zeroPoints.value == -1 ? "0" : ("tensor " + std::to_string(q.blockwise->zeroPoints.value)).c_str());
        return tmp;
    }
    if (!q.isQuantized()) return {};
    if (!q.isPerChannel()) {
        std::snprintf(tmp, sizeof tmp, "scale=%.6g zero_point=%lld", q.scale[0],
                      static_cast<long long>(q.zeroPoint.empty() ? 0 : q.zeroPoint[0]));
        return tmp;
    }
    const auto [lo, hi] = std::minmax_element(q.scale.begin(), q.scale.end());
    std::snprintf(tmp, sizeof tmp, "per-channel dim %d: %zu scales %.4g..%.4g", q.quantizedDimension, q.scale.size(), *lo, *hi);
    return tmp;
}

std::string modelToJson(const Model& m) {
    JsonWriter j;
    const ModelStats stats = computeStats(m);
    j.beginObject();
    j.field("path", m.sourcePath);
    j.field("file_bytes", m.sourceBytes);
    j.field("schema_version", m.version);
    j.field("description", m.description);

    j.key("summary").beginObject();
    j.field("subgraphs", static_cast<uint64_t>(m.subgraphs.size()));
    j.field("operators", static_cast<uint64_t>(stats.operatorCount));
    j.field("tensors", static_cast<uint64_t>(stats.tensorCount));
    j.field("parameters", stats.parameterCount);
    j.field("parameter_bytes", stats.parameterBytes);
    j.field("macs", stats.macs);
    j.key("operators_by_type").beginObject();
    for (const auto& [name, count] : stats.operatorsByType) j.field(name, count);
    j.endObject();
    j.key("parameters_by_dtype").beginObject();
    for (const auto& [name, d] : stats.constantsByType)
        j.key(name).beginObject().field("elements", d.elements).field("bytes", d.bytes).endObject();
    j.endObject();
    j.endObject();

    j.key("signatures").beginArray();
    for (const SignatureDef& s : m.signatures) {
        j.beginObject().field("key", s.key).field("subgraph", s.subgraph.value);
        for (auto [label, list] : {std::pair{"inputs", &s.inputs}, std::pair{"outputs", &s.outputs}}) {
            j.key(label).beginArray();
            for (const SignatureTensor& st : *list) j.beginObject().field("name", st.name).field("tensor", st.tensor.value).endObject();
            j.endArray();
        }
        j.endObject();
    }
    j.endArray();

    j.key("metadata").beginArray();
    for (const MetadataEntry& md : m.metadata)
        j.beginObject().field("name", md.name).field("buffer", md.buffer.value).field("bytes", static_cast<uint64_t>(m.buffer(md.buffer).size)).endObject();
    j.endArray();
    const auto minRuntime = m.metadataBytes("min_runtime_version");
    j.field("min_runtime_version", std::string(minRuntime.begin(), std::find(minRuntime.begin(), minRuntime.end(), uint8_t(0))));

    if (auto conv = decodeConversionMetadata(m)) {
        j.key("conversion");
        if (conv->ok()) {
            const ConversionInfo& c = conv->value();
            j.beginObject().field("tensorflow_version", c.tensorflowVersion).field("api_version", c.apiVersion);
            j.field("model_type", c.modelType).field("model_hash", c.modelHash);
            j.array("optimization_modes", c.optimizationModes);
            j.field("allow_custom_ops", c.allowCustomOps).field("enable_select_tf_ops", c.enableSelectTfOps);
            j.endObject();
        } else {
            j.beginObject().field("error", conv->message()).endObject();
        }
    }
    if (auto meta = decodeModelMetadata(m)) {
        j.key("model_metadata");
        if (meta->ok()) {
            const ModelMetadataInfo& x = meta->value();
            j.beginObject().field("name", x.name).field("description", x.description).field("version", x.version);
            j.field("author", x.author).field("license", x.license).field("min_parser_version", x.minParserVersion);
            for (auto [label, list] : {std::pair{"inputs", &x.inputs}, std::pair{"outputs", &x.outputs}}) {
                j.key(label).beginArray();
                for (const TensorMetadataInfo& t : *list) {
                    j.beginObject().field("name", t.name).field("description", t.description);
                    j.array("mean", t.mean).array("std", t.std).array("stats_min", t.statsMin).array("stats_max", t.statsMax);
                    j.array("associated_files", t.associatedFiles).endObject();
                }
                j.endArray();
            }
            j.endObject();
        } else {
            j.beginObject().field("error", meta->message()).endObject();
        }
    }

    j.key("diagnostics").beginArray();
    for (const Diagnostic& d : m.diagnostics)
        j.beginObject()
            .field("severity", d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "info")
            .field("message", d.message)
            .endObject();
    j.endArray();

    j.key("subgraphs").beginArray();
    for (size_t si = 0; si < m.subgraphs.size(); ++si) {
        const Subgraph& sg = m.subgraphs[si];
        j.beginObject().field("index", static_cast<uint64_t>(si)).field("name", sg.name);
        j.key("inputs").beginArray();
        for (TensorIndex t : sg.inputs) writeTensorRef(j, m, sg, t);
        j.endArray();
        j.key("outputs").beginArray();
        for (TensorIndex t : sg.outputs) writeTensorRef(j, m, sg, t);
        j.endArray();

        j.key("operators").beginArray();
        for (size_t oi = 0; oi < sg.operators.size(); ++oi) {
            const Operator& op = sg.operators[oi];
            j.beginObject();
            j.field("index", static_cast<uint64_t>(oi));
            j.field("type", op.typeName());
            j.field("builtin_code", static_cast<int64_t>(op.op));
            if (op.op == BuiltinOp::CUSTOM) j.field("custom_code", op.customCode);
            j.field("version", op.version);
            j.key("options").beginObject();
            for (const OptionField& f : describeOptions(op)) j.key(f.name).raw(f.json);
            j.endObject();
            if (!op.customOptions.empty()) j.field("custom_options_bytes", static_cast<uint64_t>(op.customOptions.size()));
            auto ids = [](const std::vector<TensorIndex>& v) {
                std::vector<int32_t> out;
                for (TensorIndex t : v) out.push_back(t.value);
                return out;
            };
            j.array("inputs", ids(op.inputs));
            j.array("outputs", ids(op.outputs));
            if (!op.intermediates.empty()) j.array("intermediates", ids(op.intermediates));
            if (const uint64_t macs = operatorMacs(sg, op)) j.field("macs", macs);
            j.endObject();
        }
        j.endArray();

        j.key("tensors").beginArray();
        for (size_t ti = 0; ti < sg.tensors.size(); ++ti) {
            const Tensor& t = sg.tensors[ti];
            j.beginObject();
            j.field("index", static_cast<uint64_t>(ti));
            j.field("name", t.name);
            j.array("shape", t.shape);
            if (!t.shapeSignature.empty()) j.array("shape_signature", t.shapeSignature);
            j.field("dtype", typeName(t.type));
            j.field("buffer", t.buffer.value);
            j.field("buffer_bytes", static_cast<uint64_t>(m.buffer(t.buffer).size));
            j.field("constant", m.isConstant(t));
            if (t.isVariable) j.field("variable", true);
            if (t.sparsity) j.field("sparse", true);
            j.key("scale").beginArray();
            for (float s : t.quant.scale) j.value(s);
            j.endArray();
            j.array("zero_point", t.quant.zeroPoint);
            j.field("quantized_dimension", t.quant.quantizedDimension);
            j.array("min", t.quant.min);
            j.array("max", t.quant.max);
            writeBlockwise(j, m, sg, t);
            j.endObject();
        }
        j.endArray();
        j.endObject();
    }
    j.endArray();
    j.endObject();
    return j.str() + "\n";
}

} // namespace ql

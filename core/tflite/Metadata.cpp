#include "tflite/Metadata.h"

#include "conversion_metadata_generated.h"
#include "model_metadata_generated.h"

#include <flatbuffers/flatbuffers.h>

#include <vector>

namespace ql {
namespace {

namespace fb = flatbuffers;
namespace conv = qlmeta::conversion;
namespace sup = qlmeta::support;

std::string str(const fb::String* s) { return s ? s->str() : std::string(); }

template <class T> std::vector<float> floats(const fb::Vector<T>* v) {
    return v ? std::vector<float>(v->begin(), v->end()) : std::vector<float>();
}

std::vector<std::string> fileNames(const fb::Vector<fb::Offset<sup::AssociatedFile>>* files) {
    std::vector<std::string> out;
    if (files)
        for (const sup::AssociatedFile* f : *files) out.push_back(str(f->name()));
    return out;
}

TensorMetadataInfo tensorInfo(const sup::TensorMetadata& t) {
    TensorMetadataInfo info;
    info.name = str(t.name());
    info.description = str(t.description());
    if (const auto* units = t.process_units())
        for (const sup::ProcessUnit* u : *units)
            if (const auto* n = u->options_as_NormalizationOptions()) {
                info.mean = floats(n->mean());
                info.std = floats(n->std());
            }
    if (const auto* s = t.stats()) {
        info.statsMin = floats(s->min());
        info.statsMax = floats(s->max());
    }
    if (const auto* c = t.content())
        if (const auto* img = c->content_properties_as_ImageProperties())
            info.colorSpace = sup::EnumNameColorSpaceType(img->color_space());
    info.associatedFiles = fileNames(t.associated_files());
    return info;
}

} // namespace

std::optional<Result<ConversionInfo>> decodeConversionMetadata(const Model& model) {
    // A buffer's bytes may sit at any 4-byte offset in the file; the nested flatbuffer holds
    // 8-byte scalars (model_hash), so it is read from an aligned copy.
    const auto span = model.metadataBytes("CONVERSION_METADATA");
    if (span.empty()) return std::nullopt;
    const std::vector<uint8_t> bytes(span.begin(), span.end());
    fb::Verifier v(bytes.data(), bytes.size());
    if (!v.VerifyBuffer<conv::ConversionMetadata>(nullptr))
        return Result<ConversionInfo>(makeError("CONVERSION_METADATA is damaged (" + std::to_string(bytes.size()) + " bytes)"));
    const auto* m = fb::GetRoot<conv::ConversionMetadata>(bytes.data());
    ConversionInfo info;
    if (const auto* env = m->environment()) {
        info.tensorflowVersion = str(env->tensorflow_version());
        info.apiVersion = env->api_version();
        const char* type = conv::EnumNameModelType(env->model_type());
        info.modelType = type && *type ? type : std::to_string(static_cast<int>(env->model_type()));
        info.modelHash = env->model_hash();
    }
    if (const auto* opt = m->options()) {
        if (const auto* modes = opt->model_optimization_modes())
            for (auto mode : *modes) {
                const char* name = conv::EnumNameModelOptimizationMode(static_cast<conv::ModelOptimizationMode>(mode));
                info.optimizationModes.push_back(name && *name ? name : std::to_string(static_cast<int>(mode)));
            }
        info.allowCustomOps = opt->allow_custom_ops();
        info.enableSelectTfOps = opt->enable_select_tf_ops();
        info.forceSelectTfOps = opt->force_select_tf_ops();
    }
    return Result<ConversionInfo>(std::move(info));
}

std::optional<Result<ModelMetadataInfo>> decodeModelMetadata(const Model& model) {
    const auto span = model.metadataBytes("TFLITE_METADATA");
    if (span.empty()) return std::nullopt;
    const std::vector<uint8_t> bytes(span.begin(), span.end()); // aligned copy, as above
    fb::Verifier v(bytes.data(), bytes.size());
    if (!sup::VerifyModelMetadataBuffer(v))
        return Result<ModelMetadataInfo>(makeError("TFLITE_METADATA is damaged (" + std::to_string(bytes.size()) + " bytes)"));
    const auto* m = sup::GetModelMetadata(bytes.data());
    ModelMetadataInfo info;
    info.name = str(m->name());
    info.description = str(m->description());
    info.version = str(m->version());
    info.author = str(m->author());
    info.license = str(m->license());
    info.minParserVersion = str(m->min_parser_version());
    info.associatedFiles = fileNames(m->associated_files());
    if (const auto* sgs = m->subgraph_metadata(); sgs && sgs->size() > 0) {
        const sup::SubGraphMetadata* sg = sgs->Get(0);
        if (const auto* ins = sg->input_tensor_metadata())
            for (const sup::TensorMetadata* t : *ins) info.inputs.push_back(tensorInfo(*t));
        if (const auto* outs = sg->output_tensor_metadata())
            for (const sup::TensorMetadata* t : *outs) info.outputs.push_back(tensorInfo(*t));
    }
    return Result<ModelMetadataInfo>(std::move(info));
}

std::vector<uint8_t> encodeModelMetadata(const ModelMetadataInfo& info) {
    sup::ModelMetadataT m;
    m.name = info.name;
    m.description = info.description;
    m.version = info.version;
    m.author = info.author;
    m.license = info.license;
    m.min_parser_version = info.minParserVersion.empty() ? "1.0.0" : info.minParserVersion;
    auto sg = std::make_unique<sup::SubGraphMetadataT>();
    auto tensor = [](const TensorMetadataInfo& t, bool labels) {
        auto tm = std::make_unique<sup::TensorMetadataT>();
        tm->name = t.name;
        tm->description = t.description;
        if (!t.mean.empty() || !t.std.empty()) {
            sup::NormalizationOptionsT n;
            n.mean = t.mean;
            n.std = t.std;
            auto unit = std::make_unique<sup::ProcessUnitT>();
            unit->options.Set(std::move(n));
            tm->process_units.push_back(std::move(unit));
        }
        if (!t.statsMin.empty() || !t.statsMax.empty()) {
            tm->stats = std::make_unique<sup::StatsT>();
            tm->stats->min = t.statsMin;
            tm->stats->max = t.statsMax;
        }
        if (!t.colorSpace.empty()) {
            sup::ImagePropertiesT img;
            img.color_space = t.colorSpace == "GRAYSCALE" ? sup::ColorSpaceType::GRAYSCALE
                              : t.colorSpace == "RGB"     ? sup::ColorSpaceType::RGB
                                                          : sup::ColorSpaceType::UNKNOWN;
            tm->content = std::make_unique<sup::ContentT>();
            tm->content->content_properties.Set(std::move(img));
        }
        for (const std::string& f : t.associatedFiles) {
            auto af = std::make_unique<sup::AssociatedFileT>();
            af->name = f;
            af->type = labels ? sup::AssociatedFileType::TENSOR_AXIS_LABELS : sup::AssociatedFileType::DESCRIPTIONS;
            tm->associated_files.push_back(std::move(af));
        }
        return tm;
    };
    for (const auto& t : info.inputs) sg->input_tensor_metadata.push_back(tensor(t, false));
    for (const auto& t : info.outputs) sg->output_tensor_metadata.push_back(tensor(t, true));
    m.subgraph_metadata.push_back(std::move(sg));
    fb::FlatBufferBuilder b;
    sup::FinishModelMetadataBuffer(b, sup::ModelMetadata::Pack(b, &m));
    return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

Result<std::vector<uint8_t>> encodeConversionMetadata(const ConversionInfo& info) {
    conv::ConversionMetadataT m;
    m.environment = std::make_unique<conv::EnvironmentT>();
    m.environment->tensorflow_version = info.tensorflowVersion;
    m.environment->api_version = info.apiVersion;
    m.environment->model_hash = info.modelHash;
    m.environment->model_type = conv::ModelType::NONE;
    if (!info.modelType.empty() && info.modelType != "NONE") {
        bool found = false;
        for (auto t : conv::EnumValuesModelType())
            if (info.modelType == conv::EnumNameModelType(t)) {
                m.environment->model_type = t;
                found = true;
            }
        if (!found) return makeError("CONVERSION_METADATA: unknown model type '" + info.modelType + "'");
    }
    m.options = std::make_unique<conv::ConversionOptionsT>();
    for (const std::string& name : info.optimizationModes) {
        bool found = false;
        for (auto mode : conv::EnumValuesModelOptimizationMode())
            if (name == conv::EnumNameModelOptimizationMode(mode)) {
                m.options->model_optimization_modes.push_back(mode);
                found = true;
            }
        if (!found) return makeError("CONVERSION_METADATA: unknown optimization mode '" + name + "'");
    }
    m.options->allow_custom_ops = info.allowCustomOps;
    m.options->enable_select_tf_ops = info.enableSelectTfOps;
    m.options->force_select_tf_ops = info.forceSelectTfOps;
    fb::FlatBufferBuilder b;
    b.Finish(conv::ConversionMetadata::Pack(b, &m));
    return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

std::vector<std::string> splitLines(std::span<const uint8_t> text) {
    std::vector<std::string> lines;
    std::string line;
    for (uint8_t c : text) {
        if (c == '\n') {
            lines.push_back(line);
            line.clear();
        } else if (c != '\r') {
            line.push_back(char(c));
        }
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

std::vector<std::string> modelLabels(const Model& model) {
    std::vector<std::string> labels;
    const auto decoded = decodeModelMetadata(model);
    if (!decoded || !decoded->ok() || decoded->value().outputs.empty()) return labels;
    for (const std::string& file : decoded->value().outputs[0].associatedFiles) {
        const auto bytes = model.metadataBytes(file);
        if (bytes.empty()) continue;
        labels = splitLines(bytes);
        break;
    }
    return labels;
}

} // namespace ql

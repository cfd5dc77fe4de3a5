#include "model/OptionsInfo.h"

#include "model/CustomOptions.h"

#include <flatbuffers/minireflect.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace ql {
namespace {

namespace fb = flatbuffers;

std::string jsonQuote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            char tmp[8];
            std::snprintf(tmp, sizeof tmp, "\\u%04x", c);
            out += tmp;
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string formatFloat(double x) {
    if (!std::isfinite(x)) return "null";
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.9g", x);
    return tmp;
}

// Collects top-level scalar, enum, string and vector fields of one table.
class Collector : public fb::IterationVisitor {
public:
    std::vector<OptionField> fields;

    void Field(size_t, size_t, fb::ElementaryType, bool, const fb::TypeTable*, const char* name, const uint8_t* val) override {
        m_current = (m_depth == 1 && val) ? name : nullptr;
        if (m_current) fields.push_back({m_current, {}, {}});
    }
    void StartSequence() override { ++m_depth; }
    void EndSequence() override { --m_depth; }
    void StartVector() override {
        if (isTop()) { m_inVector = true; m_items.clear(); m_jsonItems.clear(); }
    }
    void EndVector() override {
        if (!isTop() || !m_inVector) return;
        m_inVector = false;
        std::string text = "[", json = "[";
        for (size_t i = 0; i < m_items.size(); ++i) {
            text += (i ? ", " : "") + m_items[i];
            json += (i ? "," : "") + m_jsonItems[i];
        }
        fields.back().text = text + "]";
        fields.back().json = json + "]";
    }
    void Bool(bool x) override { emit(x ? "true" : "false", x ? "true" : "false"); }
    void Char(int8_t x, const char* e) override { integer(x, e); }
    void UChar(uint8_t x, const char* e) override { integer(x, e); }
    void Short(int16_t x, const char* e) override { integer(x, e); }
    void UShort(uint16_t x, const char* e) override { integer(x, e); }
    void Int(int32_t x, const char* e) override { integer(x, e); }
    void UInt(uint32_t x, const char* e) override { integer(x, e); }
    void Long(int64_t x) override { integer(x, nullptr); }
    void ULong(uint64_t x) override { emit(std::to_string(x), std::to_string(x)); }
    void Float(float x) override { emit(formatFloat(x), formatFloat(x)); }
    void Double(double x) override { emit(formatFloat(x), formatFloat(x)); }
    void String(const fb::String* s) override {
        const std::string v = s ? s->str() : std::string();
        emit(v, jsonQuote(v));
    }
    void Unknown(const uint8_t*) override { emit("?", "null"); }

private:
    bool isTop() const { return m_depth == 1 && m_current; }
    template <class T> void integer(T x, const char* enumName) {
        if (enumName) emit(enumName, jsonQuote(enumName));
        else emit(std::to_string(x), std::to_string(x));
    }
    void emit(const std::string& text, const std::string& json) {
        if (!isTop()) return;
        if (m_inVector) {
            m_items.push_back(text);
            m_jsonItems.push_back(json);
        } else {
            fields.back().text = text;
            fields.back().json = json;
        }
    }
    const char* m_current = nullptr;
    int m_depth = 0;
    bool m_inVector = false;
    std::vector<std::string> m_items, m_jsonItems;
};

// The type table of a union member, from the union's own type table.
const fb::TypeTable* memberTable(const fb::TypeTable* unionTable, size_t member) {
    if (!unionTable || member == 0 || member >= unionTable->num_elems) return nullptr;
    const fb::TypeCode& tc = unionTable->type_codes[member];
    if (tc.sequence_ref < 0) return nullptr;
    return unionTable->type_refs[tc.sequence_ref]();
}

template <class Union>
void collect(const Union& u, const fb::TypeTable* unionTable, std::vector<OptionField>& out) {
    if (u.type == decltype(u.type)::NONE || !u.value) return;
    const fb::TypeTable* table = memberTable(unionTable, static_cast<size_t>(u.type));
    if (!table) return;
    fb::FlatBufferBuilder b(256);
    b.ForceDefaults(true); // show default values too (e.g. padding SAME is the default 0)
    const auto offset = u.Pack(b);
    b.Finish(offset);
    Collector c;
    fb::IterateFlatBuffer(b.GetBufferPointer(), table, &c);
    for (auto& f : c.fields)
        if (!f.json.empty()) out.push_back(std::move(f));
}

} // namespace

std::vector<OptionField> describeOptions(const Operator& op) {
    std::vector<OptionField> out;
    collect(op.options, tflite::BuiltinOptionsTypeTable(), out);
    collect(op.options2, tflite::BuiltinOptions2TypeTable(), out);
    if (op.op == BuiltinOp::CUSTOM && !op.customOptions.empty())
        for (OptionField& f : describeCustomOptions(op.customCode, op.customOptions)) out.push_back(std::move(f));
    return out;
}

std::string optionsTypeName(const Operator& op) {
    if (op.op == BuiltinOp::CUSTOM) return op.customOptions.empty() ? std::string() : "custom (flexbuffer)";
    if (op.options.type != tflite::BuiltinOptions::NONE) return tflite::EnumNameBuiltinOptions(op.options.type);
    if (op.options2.type != tflite::BuiltinOptions2::NONE) return tflite::EnumNameBuiltinOptions2(op.options2.type);
    return {};
}

} // namespace ql

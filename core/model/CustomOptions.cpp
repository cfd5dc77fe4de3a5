#include "model/CustomOptions.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <flatbuffers/flexbuffers.h>

namespace ql {
namespace {

std::string formatNumber(double x) {
    if (!std::isfinite(x)) return "null";
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.9g", x);
    return tmp;
}

std::string jsonQuote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20) {
            char tmp[8];
            std::snprintf(tmp, sizeof tmp, "\\u%04x", c);
            out += tmp;
            continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

bool isNumber(const flexbuffers::Reference& r) {
    return r.IsNumeric() || r.IsBool();
}

CustomOption decode(std::string key, const flexbuffers::Reference& r) {
    CustomOption o;
    o.key = std::move(key);
    if (r.IsBool()) {
        o.kind = CustomOption::Kind::Bool;
        o.number = r.AsBool() ? 1 : 0;
    } else if (r.IsIntOrUint()) {
        o.kind = CustomOption::Kind::Int;
        o.number =
            r.IsUInt() ? static_cast<double>(r.AsUInt64()) : static_cast<double>(r.AsInt64());
    } else if (r.IsFloat()) {
        o.kind = CustomOption::Kind::Float;
        o.number = r.AsDouble();
    } else if (r.IsString()) {
        o.kind = CustomOption::Kind::String;
        o.text = r.AsString().str();
    } else if (r.IsAnyVector()) {
        // Typed vectors (of ints or floats) and untyped vectors of numbers; anything nested is
        // shown as "Other".
        const flexbuffers::Vector v = r.AsVector();
        o.kind = CustomOption::Kind::Numbers;
        for (size_t i = 0; i < v.size(); ++i) {
            const flexbuffers::Reference e = v[i];
            if (!isNumber(e)) {
                o.kind = CustomOption::Kind::Other;
                o.numbers.clear();
                break;
            }
            o.numbers.push_back(e.IsFloat() ? e.AsDouble() : static_cast<double>(e.AsInt64()));
        }
    }
    return o;
}

} // namespace

Result<CustomOptions> CustomOptions::parse(const std::vector<uint8_t>& bytes) {
    CustomOptions out;
    if (bytes.empty()) return out;
    if (!flexbuffers::VerifyBuffer(bytes.data(), bytes.size()))
        return makeError("custom options (" + std::to_string(bytes.size()) +
                         " bytes) are not a valid flexbuffer");
    const flexbuffers::Reference root = flexbuffers::GetRoot(bytes.data(), bytes.size());
    if (!root.IsMap()) return makeError("custom options are a flexbuffer whose root is not a map");
    const flexbuffers::Map map = root.AsMap();
    const flexbuffers::TypedVector keys = map.Keys();
    const flexbuffers::Vector values = map.Values();
    for (size_t i = 0; i < keys.size() && i < values.size(); ++i)
        out.m_entries.push_back(decode(keys[i].AsKey(), values[i]));
    return out;
}

const CustomOption* CustomOptions::find(const std::string& key) const {
    for (const CustomOption& o : m_entries)
        if (o.key == key) return &o;
    return nullptr;
}

std::optional<double> CustomOptions::number(const std::string& key) const {
    const CustomOption* o = find(key);
    if (!o || (o->kind != CustomOption::Kind::Bool && o->kind != CustomOption::Kind::Int &&
               o->kind != CustomOption::Kind::Float))
        return std::nullopt;
    return o->number;
}

std::optional<std::string> CustomOptions::string(const std::string& key) const {
    const CustomOption* o = find(key);
    if (!o || o->kind != CustomOption::Kind::String) return std::nullopt;
    return o->text;
}

namespace {

// Field names of the raw C structs MediaPipe's operators keep as custom options, or null.
const std::vector<const char*>* rawStructFields(const std::string& customCode) {
    static const std::vector<const char*> transposeConv{"padding", "stride_width", "stride_height"};
    static const std::vector<const char*> pool{"padding",      "stride_width",  "stride_height",
                                               "filter_width", "filter_height", "activation"};
    if (customCode == "Convolution2DTransposeBias") return &transposeConv;
    if (customCode == "MaxPoolingWithArgmax2D" || customCode == "MaxUnpooling2D") return &pool;
    return nullptr;
}

std::string rawFieldText(const std::string& name, int32_t v) {
    if (name == "padding") return v == 1 ? "SAME" : v == 2 ? "VALID" : std::to_string(v);
    if (name == "activation") {
        static const char* names[] = {"NONE", "RELU",     "RELU_N1_TO_1", "RELU6",
                                      "TANH", "SIGN_BIT", "SIGMOID"};
        return v >= 0 && v < 7 ? names[v] : std::to_string(v);
    }
    return std::to_string(v);
}

} // namespace

std::vector<OptionField> describeCustomOptions(const std::string& customCode,
                                               const std::vector<uint8_t>& bytes) {
    std::vector<OptionField> fields;
    if (const auto* names = rawStructFields(customCode)) {
        if (bytes.size() < names->size() * 4) {
            const std::string m = std::to_string(bytes.size()) + " bytes, expected at least " +
                                  std::to_string(names->size() * 4);
            fields.push_back({"custom_options_error", m, jsonQuote(m)});
            return fields;
        }
        for (size_t i = 0; i < names->size(); ++i) {
            int32_t v = 0;
            std::memcpy(&v, bytes.data() + 4 * i, 4);
            const std::string text = rawFieldText((*names)[i], v);
            fields.push_back(
                {(*names)[i], text, text == std::to_string(v) ? text : jsonQuote(text)});
        }
        return fields;
    }
    auto parsed = CustomOptions::parse(bytes);
    if (!parsed) {
        fields.push_back({"custom_options_error", parsed.message(), jsonQuote(parsed.message())});
        return fields;
    }
    for (const CustomOption& o : parsed->entries()) {
        OptionField f{o.key, {}, {}};
        switch (o.kind) {
        case CustomOption::Kind::Bool:
            f.text = f.json = o.number != 0 ? "true" : "false";
            break;
        case CustomOption::Kind::Int:
        case CustomOption::Kind::Float:
            f.text = f.json = formatNumber(o.number);
            break;
        case CustomOption::Kind::String:
            f.text = o.text;
            f.json = jsonQuote(o.text);
            break;
        case CustomOption::Kind::Numbers: {
            std::string text = "[", json = "[";
            for (size_t i = 0; i < o.numbers.size(); ++i) {
                text += (i ? ", " : "") + formatNumber(o.numbers[i]);
                json += (i ? "," : "") + formatNumber(o.numbers[i]);
            }
            f.text = text + "]";
            f.json = json + "]";
            break;
        }
        case CustomOption::Kind::Other:
            f.text = "(nested value)";
            f.json = "null";
            break;
        }
        fields.push_back(std::move(f));
    }
    return fields;
}

} // namespace ql

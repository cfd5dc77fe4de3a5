#pragma once
// A small streaming JSON writer: objects, arrays, strings (escaped), numbers (non-finite as
// null). Enough for the CLI's --json output and report files, no dependency.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

class JsonWriter {
public:
    explicit JsonWriter(bool pretty = true) : m_pretty(pretty) {}

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(double x);
    JsonWriter& value(float x) { return value(static_cast<double>(x)); }
    JsonWriter& value(int64_t x);
    JsonWriter& value(uint64_t x);
    JsonWriter& value(int32_t x) { return value(static_cast<int64_t>(x)); }
    JsonWriter& value(uint32_t x) { return value(static_cast<uint64_t>(x)); }
    JsonWriter& value(bool b);
    JsonWriter& null();
    JsonWriter& raw(std::string_view json); // an already-encoded JSON value

    template <class T> JsonWriter& field(std::string_view k, const T& v) { return key(k).value(v); }
    template <class T> JsonWriter& array(std::string_view k, const std::vector<T>& v) {
        key(k).beginArray();
        for (const auto& x : v) value(x);
        return endArray();
    }

    const std::string& str() const { return m_out; }
    static std::string quote(std::string_view s);

private:
    void beforeValue();
    void newline();
    std::string m_out;
    std::vector<bool> m_first; // per open container: no element written yet
    bool m_afterKey = false;
    bool m_pretty;
};

} // namespace ql

#include "CliCommon.h"

#include <charconv>

namespace ql::cli {

Args::Args(const std::string& command, const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs)
    : m_command(command) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 1 && a[0] == '-' && a != "-") {
            std::string name = a, inlineValue;
            bool hasInline = false;
            if (auto eq = a.find('='); eq != std::string::npos) {
                name = a.substr(0, eq);
                inlineValue = a.substr(eq + 1);
                hasInline = true;
            }
            const OptionSpec* spec = nullptr;
            for (const OptionSpec& s : specs)
                if (s.name == name) spec = &s;
            if (!spec) {
                std::string known;
                for (const OptionSpec& s : specs) known += (known.empty() ? "" : ", ") + s.name;
                throw UsageError(command + ": unknown option '" + name + "'" +
                                 (known.empty() ? std::string(" (this command takes no options)") : " (expected one of: " + known + ")"));
            }
            if (spec->takesValue) {
                if (hasInline) {
                    m_values[name] = inlineValue;
                } else {
                    if (i + 1 >= argv.size()) throw UsageError(command + ": option " + name + " needs a value");
                    m_values[name] = argv[++i];
                }
            } else {
                if (hasInline) throw UsageError(command + ": option " + name + " takes no value");
                m_flags.insert(name);
            }
        } else {
            m_positional.push_back(a);
        }
    }
}

std::string Args::requirePositional(size_t count, size_t index, const char* what) const {
    if (m_positional.size() < count)
        throw UsageError(m_command + ": missing " + what);
    if (m_positional.size() > count)
        throw UsageError(m_command + ": unexpected argument '" + m_positional[count] + "'");
    return m_positional[index];
}

std::string Args::value(const std::string& name, const std::string& fallback) const {
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

std::string Args::require(const std::string& name) const {
    auto it = m_values.find(name);
    if (it == m_values.end()) throw UsageError(m_command + ": option " + name + " is required");
    return it->second;
}

long long Args::integer(const std::string& name, long long fallback, long long lo, long long hi) const {
    auto it = m_values.find(name);
    if (it == m_values.end()) return fallback;
    long long v = 0;
    const std::string& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        throw UsageError(m_command + ": " + name + " '" + s + "' is not a whole number");
    if (v < lo || v > hi)
        throw UsageError(m_command + ": " + name + " is " + s + ", expected " + std::to_string(lo) + " to " + std::to_string(hi));
    return v;
}

std::vector<std::string> splitList(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace ql::cli

#pragma once
// Shared pieces of quantlab-cli: argument parsing per command and the error convention
// (exit 2 with one line "quantlab-cli: error: <what>: <why>" for anything the user gave that
// is wrong, exit 1 for an internal failure).

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ql::cli {

// Something the user gave is wrong: printed as one line, exit status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string name;   // "--json"
    bool takesValue = false;
};

class Args {
public:
    // Parses argv[first..] against the command's options. Throws UsageError.
    Args(const std::string& command, const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs);

    const std::vector<std::string>& positional() const { return m_positional; }
    // The one positional argument `what` (e.g. "MODEL"); throws if missing or extra.
    std::string requirePositional(size_t count, size_t index, const char* what) const;
    bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
    bool has(const std::string& name) const { return m_values.count(name) > 0; }
    std::string value(const std::string& name, const std::string& fallback = {}) const;
    std::string require(const std::string& name) const;
    // Integer option within [lo, hi]; throws a UsageError naming the flag otherwise.
    long long integer(const std::string& name, long long fallback, long long lo, long long hi) const;

private:
    std::string m_command;
    std::vector<std::string> m_positional;
    std::set<std::string> m_flags;
    std::map<std::string, std::string> m_values;
};

// Splits "a,b,c" (empty items dropped).
std::vector<std::string> splitList(const std::string& s, char sep = ',');

} // namespace ql::cli

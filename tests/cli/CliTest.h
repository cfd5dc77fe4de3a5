#pragma once
// Helpers of the quantlab-cli tests (one copy for every tests/cli file): run the built binary
// through the shell, count the lines of its output, read a file it wrote.

#include "TestSupport.h"

#include <algorithm>
#include <string>

namespace ql::test {

// `quantlab-cli ARGS` (ARGS already quoted for the shell): the exit status, and stdout+stderr
// in `out` when given.
inline int cli(const std::string& args, std::string* out = nullptr) { return runCommand(shellQuote(QUANTLAB_CLI) + " " + args, out); }

inline size_t lineCount(const std::string& s) { return size_t(std::count(s.begin(), s.end(), '\n')); }

inline std::string readText(const std::string& path) {
    const auto b = readBytes(path);
    return std::string(b.begin(), b.end());
}

} // namespace ql::test

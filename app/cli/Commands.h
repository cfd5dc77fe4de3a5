#pragma once
// One function per quantlab-cli command; each returns the exit status and throws UsageError
// for bad user input.

#include <string>
#include <vector>

namespace ql::cli {

using Argv = std::vector<std::string>;

int inspectCommand(const Argv& args);

struct Command {
    const char* name;
    const char* synopsis;
    int (*run)(const Argv&);
};

// Every command, in the order `--help` lists them.
const std::vector<Command>& commands();

} // namespace ql::cli

#pragma once
// quantlab-cli commands. Each command lives in its own file and registers itself with a
// static CommandRegistration; it returns the exit status and throws UsageError for bad input.

#include <string>
#include <vector>

namespace ql::cli {

using Argv = std::vector<std::string>;

struct Command {
    const char* name;
    const char* synopsis;
    int (*run)(const Argv&);
    int order; // position in --help (product.md's order)
};

// Every registered command, sorted by `order`.
std::vector<Command>& commands();

struct CommandRegistration {
    explicit CommandRegistration(Command c);
};

} // namespace ql::cli

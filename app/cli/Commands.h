#pragma once
// quantlab-cli commands. Each command lives in its own file and registers itself with a
// static CommandRegistration carrying its option table (CliCommon.h); the dispatcher parses
// the arguments against that table and hands the command its Args. A command returns the
// exit status and throws UsageError for bad input.

#include "CliCommon.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace ql::cli {

using Argv = std::vector<std::string>;

struct Command {
    std::string name;
    std::string synopsis; // "inspect MODEL [--json] ...", after "quantlab-cli "
    std::string summary;  // one line for the command list and the top of --help
    std::vector<PositionalSpec> positionals;
    std::vector<OptionSpec> options;
    int (*run)(const Args&) = nullptr;
    int order = 0; // position in --help (the order of the manual)
};

// Every registered command, sorted by `order`.
std::vector<Command>& commands();
const Command* findCommand(const std::string& name);

struct CommandRegistration {
    explicit CommandRegistration(Command c);
};

// `quantlab-cli CMD --help`: usage, summary, arguments, every option of the table with its
// one-line description, default and allowed values, and the data-source forms when an
// option takes SRC.
void printCommandHelp(const Command& command, std::ostream& os);
// `quantlab-cli --help`: the commands, one line each.
void printCommandList(std::ostream& os);

// The whole command line after the program name: help, version, dispatch, and the error
// convention (UsageError -> one line on stderr, exit 2; other exceptions -> exit 1).
int runCli(const Argv& args);

} // namespace ql::cli

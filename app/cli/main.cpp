// quantlab-cli: the command-line face of QuantLab's engine.
#include "CliCommon.h"
#include "Commands.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>

namespace ql::cli {

std::vector<Command>& commands() {
    static std::vector<Command> list;
    return list;
}

CommandRegistration::CommandRegistration(Command c) {
    auto& list = commands();
    auto at = std::find_if(list.begin(), list.end(), [&](const Command& x) { return x.order > c.order; });
    list.insert(at, c);
}

} // namespace ql::cli

namespace {

void printHelp() {
    std::cout << "usage: quantlab-cli COMMAND [ARGS]\n\nQuantLab " QUANTLAB_VERSION
                 " - inspect, run, quantize and compare TensorFlow Lite models.\n\ncommands:\n";
    for (const auto& c : ql::cli::commands()) std::cout << "  " << c.synopsis << "\n";
    std::cout << "\nErrors in what you give exit with status 2 and one line on stderr.\n";
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printHelp();
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::cout << "quantlab-cli " QUANTLAB_VERSION "\n";
        return 0;
    }
    const std::string name = args[0];
    args.erase(args.begin());
    try {
        for (const auto& c : ql::cli::commands())
            if (name == c.name) return c.run(args);
        throw ql::cli::UsageError("unknown command '" + name + "' (see quantlab-cli --help)");
    } catch (const ql::cli::UsageError& e) {
        std::fflush(stdout);
        std::cerr << "quantlab-cli: error: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "quantlab-cli: internal error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "quantlab-cli: internal error: " << e.what() << "\n";
        return 1;
    }
}

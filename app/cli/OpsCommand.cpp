// quantlab-cli ops [--markdown]
// The operators QuantLab runs, from the kernel registry (runtime/OperatorList.h): versions,
// element types found by running each kernel, and where the two integer arithmetics differ.
// --markdown prints docs/operators.md.
#include "CliCommon.h"
#include "Commands.h"
#include "runtime/OperatorList.h"

#include <iostream>

namespace ql::cli {
namespace {

int opsCommand(const Args& args) {
    if (args.flag("--markdown")) {
        std::cout << rt::operatorListMarkdown();
        return 0;
    }
    for (const rt::OperatorSupport& s : rt::operatorList()) {
        std::cout << (s.custom ? "custom " : "") << s.name << "  v" << s.versions << "  "
                  << (s.types.empty() ? std::string("(types not probed)") : s.types);
        if (!s.arithmeticDiffers.empty())
            std::cout << "  [reference and xnnpack differ: " << s.arithmeticDiffers << "]";
        std::cout << "\n";
    }
    return 0;
}

const CommandRegistration kRegistration{
    {"ops",
     "ops [--markdown]",
     "Lists the operators QuantLab runs: versions, element types, and where the integer "
     "arithmetics differ.",
     {},
     {flagOption("--markdown", "print the list as Markdown (docs/operators.md)")},
     &opsCommand,
     90}};

} // namespace
} // namespace ql::cli

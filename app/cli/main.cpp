// quantlab-cli: the command-line face of QuantLab's engine. The commands register themselves
// (Commands.h); CliCommon.cpp parses, prints help and applies the error convention.
#include "Commands.h"

#include <string>
#include <vector>

int main(int argc, char** argv) { return ql::cli::runCli(std::vector<std::string>(argv + 1, argv + argc)); }

#include "CliCommon.h"
#include "Commands.h"

#include "io/AtomicFile.h"
#include "util/Limits.h"
#include "calib/CalibratorRegistry.h"
#include "util/EditDistance.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <new>
#include <unistd.h>

namespace ql::cli {

// ---- option table ----

OptionSpec flagOption(std::string name, std::string help) {
    OptionSpec s;
    s.name = std::move(name);
    s.help = std::move(help);
    return s;
}

OptionSpec valueOption(std::string name, std::string valueName, std::string help) {
    OptionSpec s = flagOption(std::move(name), std::move(help));
    s.valueName = std::move(valueName);
    return s;
}

OptionSpec integerOption(std::string name, std::string valueName, std::string help, long long fallback, long long lo,
                         long long hi) {
    OptionSpec s = valueOption(std::move(name), std::move(valueName), std::move(help));
    s.isInteger = true;
    s.fallback = fallback;
    s.lo = lo;
    s.hi = hi;
    s.defaultText = std::to_string(fallback);
    return s;
}

OptionSpec modeOption() {
    return valueOption("--mode", "MODE",
                       "none: float baseline; dynamic: int8 weights, float activations; float16: float16 weights; "
                       "int8: full integer with float I/O; int8-only: integer only; int16x8: int16 activations, int8 weights")
        .oneOf({"none", "dynamic", "float16", "int8", "int8-only", "int16x8"});
}

OptionSpec calibratorOption() {
    return valueOption("--calibrator", "C", "activation ranges from " + calib::calibratorHelp())
        .defaultIs(std::string(calib::calibratorRegistry()[0].name));
}

OptionSpec calibratorForOption() {
    return valueOption("--calibrator-for", "TENSOR=C,...",
                       "calibrate these activation tensors with their own calibrator (repeatable), e.g. "
                       "--calibrator-for conv1=percentile:99.9")
        .repeats();
}

// "1%", "1", "0.5 %" -> 0.01, 0.01, 0.005 (percentage points).
double parsePercent(const std::string& text) { return parsePercentOf("--target-drop", text); }

double parsePercentOf(const std::string& flag, const std::string& text) {
    std::string t = text;
    while (!t.empty() && (t.back() == '%' || t.back() == ' ')) t.pop_back();
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !std::isfinite(v) || v < 0 || v > 100)
        throw UsageError(flag + ": '" + text + "' is not a percentage from 0 to 100 (e.g. 1%)");
    return v / 100.0;
}

double parseDb(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v))
        throw UsageError("--target-sqnr: '" + text + "' is not a number of dB (e.g. 30)");
    return v;
}

bool isRandomData(const std::string& spec) { return spec.rfind("random:", 0) == 0 || spec == "random"; }

void warnIfRandomData(const std::string& flag, const std::string& spec) {
    if (!isRandomData(spec)) return;
    std::cout.flush(); // after the command's output, also when stdout and stderr share a pipe
    std::cerr << "quantlab-cli: warning: " << flag << " " << spec
              << " is random noise, not data the model was trained for: ranges, SQNRs and rankings measured on it "
                 "say little about real inputs (give image folders, .npy/.npz or IDX files)\n";
}

void refuseLabelsWithRandom(const std::string& labels, const std::string& dataFlag, const std::string& dataSpec) {
    if (!labels.empty() && isRandomData(dataSpec))
        throw UsageError("--labels: " + dataFlag + " " + dataSpec +
                         " is random noise; accuracy against labels needs the labelled samples themselves");
}

std::vector<std::pair<std::string, calib::Calibrator>> parseCalibratorFor(const std::string& value) {
    std::vector<std::pair<std::string, calib::Calibrator>> out;
    for (const std::string& item : splitList(value)) {
        const size_t eq = item.rfind('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw UsageError("--calibrator-for: '" + item + "': expected TENSOR=C with C one of " + calib::calibratorSyntaxList());
        auto c = calib::Calibrator::parse(item.substr(eq + 1));
        if (!c) throw UsageError("--calibrator-for: '" + item + "': " + c.message());
        out.emplace_back(item.substr(0, eq), *c);
    }
    return out;
}

std::vector<std::pair<std::string, calib::Range>> parseRangeFor(const std::string& value) {
    std::vector<std::pair<std::string, calib::Range>> out;
    for (const std::string& item : splitList(value)) {
        const size_t eq = item.rfind('=');
        const size_t colon = eq == std::string::npos ? std::string::npos : item.find(':', eq);
        if (eq == std::string::npos || eq == 0 || colon == std::string::npos)
            throw UsageError("--range-for: '" + item + "': expected TENSOR=LO:HI (e.g. conv1/out=-4:6)");
        const std::string lo = item.substr(eq + 1, colon - eq - 1), hi = item.substr(colon + 1);
        float v[2] = {0, 0};
        const std::string parts[2] = {lo, hi};
        for (int k = 0; k < 2; ++k) {
            size_t used = 0;
            try {
                v[k] = std::stof(parts[k], &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (parts[k].empty() || used != parts[k].size() || !std::isfinite(v[k]))
                throw UsageError("--range-for: '" + item + "': '" + parts[k] + "' is not a finite number");
        }
        if (!(v[0] < v[1])) throw UsageError("--range-for: '" + item + "': LO must be below HI");
        out.emplace_back(item.substr(0, eq), calib::Range{v[0], v[1]});
    }
    return out;
}

OptionSpec pixelRangeOption() {
    return valueOption("--pixel-range", "LO,HI",
                       "image data: map pixel values 0..255 linearly onto [LO, HI] (e.g. 0,1 or -1,1; overrides the "
                       "model's metadata)")
        .defaultIs("the model's metadata, else 0,1");
}

std::optional<data::Normalization> pixelRangeOf(const Args& args) {
    if (!args.has("--pixel-range")) return std::nullopt;
    const std::string text = args.value("--pixel-range");
    const size_t comma = text.find(',');
    auto number = [&](const std::string& part, double* v) {
        if (part.empty()) return false;
        char* end = nullptr;
        *v = std::strtod(part.c_str(), &end);
        return end && *end == '\0' && std::isfinite(*v) && std::fabs(*v) <= 1e6;
    };
    double lo = 0, hi = 0;
    if (comma == std::string::npos || !number(text.substr(0, comma), &lo) || !number(text.substr(comma + 1), &hi))
        throw UsageError("--pixel-range: '" + text + "' is not LO,HI (two numbers, e.g. -1,1)");
    if (!(lo < hi)) throw UsageError("--pixel-range: '" + text + "': LO must be less than HI");
    return data::Normalization::range(float(lo), float(hi));
}

std::vector<OptionSpec> withTargetOptions(std::vector<OptionSpec> specs) {
    specs.push_back(valueOption("--target", "TARGET",
                        "the runtime whose results are reproduced: tflite-cpu (TFLite/LiteRT on a CPU with its default "
                        "XNNPACK delegate), tflite-reference (TFLite's builtin kernels), tflite-micro (TFLite Micro's kernels)")
                .defaultIs("tflite-cpu")
                .oneOf(targetNames()));
    specs.push_back(valueOption("--arithmetic", "A", "old spelling of --target: reference = tflite-reference, xnnpack = tflite-cpu")
                        .oneOf({"reference", "xnnpack"})
                        .hide());
    return specs;
}

Target targetOf(const Args& args, const std::string& command) {
    if (args.has("--target") && args.has("--arithmetic"))
        throw UsageError(command + ": give --target or its old spelling --arithmetic, not both");
    if (args.has("--arithmetic")) return args.value("--arithmetic") == "reference" ? Target::TfliteReference : Target::TfliteCpu;
    if (!args.has("--target")) return Target::TfliteCpu;
    const std::string name = args.value("--target");
    const auto t = parseTarget(name);
    if (!t) throw UsageError(command + ": unknown target '" + name + "'"); // the table's closed set already refuses it
    return *t;
}

namespace {

std::string joined(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string helpHint(const std::string& command) { return "(quantlab-cli " + command + " --help lists the options)"; }

std::string withoutDashes(const std::string& s) { return s.substr(std::min(s.find_first_not_of('-'), s.size())); }

} // namespace

std::string nearestName(const std::string& typed, const std::vector<std::string>& candidates) {
    const std::string t = withoutDashes(typed);
    if (t.empty()) return {};
    std::string best;
    size_t bestDistance = 0;
    for (const std::string& c : candidates) {
        const size_t d = editDistance(t, withoutDashes(c));
        if (best.empty() || d < bestDistance) best = c, bestDistance = d;
    }
    // A typo: one edit in a word of two letters or more, two in a word of five or more.
    if (!best.empty() && ((bestDistance == 1 && t.size() >= 2) || (bestDistance == 2 && t.size() >= 5))) return best;
    std::string prefixOf;
    for (const std::string& c : candidates)
        if (t.size() >= 2 && withoutDashes(c).rfind(t, 0) == 0) {
            if (!prefixOf.empty()) return {}; // ambiguous prefix
            prefixOf = c;
        }
    return prefixOf;
}

// ---- Args ----

Args::Args(const std::string& command, const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs)
    : m_command(command), m_specs(specs) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() < 2 || a[0] != '-') {
            m_positional.push_back(a);
            continue;
        }
        std::string name = a, inlineValue;
        bool hasInline = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            inlineValue = a.substr(eq + 1);
            hasInline = true;
        }
        const auto found = std::find_if(m_specs.begin(), m_specs.end(), [&](const OptionSpec& s) { return s.name == name; });
        if (found == m_specs.end()) {
            std::vector<std::string> names;
            for (const OptionSpec& s : m_specs)
                if (!s.hidden) names.push_back(s.name);
            const std::string near = nearestName(name, names);
            throw UsageError(command + ": unknown option '" + name + "'" + (near.empty() ? "" : "; did you mean " + near + "?") + " " +
                             helpHint(command));
        }
        const OptionSpec& s = *found;
        if (!s.takesValue()) {
            if (hasInline) throw UsageError(command + ": option " + name + " takes no value");
            m_flags.insert(name);
            continue;
        }
        std::string v;
        if (hasInline) {
            v = inlineValue;
        } else {
            if (i + 1 >= argv.size()) throw UsageError(command + ": option " + name + " needs a value (" + s.valueName + ")");
            v = argv[++i];
        }
        if (!s.choices.empty() && std::find(s.choices.begin(), s.choices.end(), v) == s.choices.end()) {
            const std::string near = nearestName(v, s.choices);
            // "--mode: unknown mode 'int9' (one of: ...; did you mean int8?)"
            throw UsageError(name + ": unknown " + withoutDashes(name) + " '" + v + "' (one of: " + joined(s.choices) +
                             (near.empty() ? "" : "; did you mean " + near + "?") + ")");
        }
        if (s.repeatable && m_values.count(name)) m_values[name] += "," + v;
        else m_values[name] = v;
        if (s.isInteger) (void)integer(name); // reject a bad number before any work starts
    }
}

const OptionSpec& Args::spec(const std::string& name) const {
    for (const OptionSpec& s : m_specs)
        if (s.name == name) return s;
    throw std::logic_error(m_command + ": option " + name + " is used but not declared in the command's table");
}

std::string Args::requirePositional(size_t count, size_t index, const char* what) const {
    if (m_positional.size() < count) throw UsageError(m_command + ": missing " + what);
    if (m_positional.size() > count) throw UsageError(m_command + ": unexpected argument '" + m_positional[count] + "'");
    return m_positional[index];
}

std::string Args::value(const std::string& name, const std::string& fallback) const {
    (void)spec(name);
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

std::string Args::require(const std::string& name) const {
    if (!spec(name).required) throw std::logic_error(m_command + ": option " + name + " is required but not marked so in the table");
    auto it = m_values.find(name);
    if (it == m_values.end()) throw UsageError(m_command + ": option " + name + " is required");
    return it->second;
}

long long Args::integer(const std::string& name) const {
    const OptionSpec& s = spec(name);
    if (!s.isInteger) throw std::logic_error(m_command + ": option " + name + " is not declared as an integer");
    auto it = m_values.find(name);
    if (it == m_values.end()) return s.fallback;
    long long v = 0;
    const std::string& text = it->second;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size())
        throw UsageError(m_command + ": " + name + " '" + text + "' is not a whole number");
    if (v < s.lo || v > s.hi)
        throw UsageError(m_command + ": " + name + " is " + text + ", expected " + std::to_string(s.lo) + " to " + std::to_string(s.hi));
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

// ---- registry and help ----

std::vector<Command>& commands() {
    static std::vector<Command> list;
    return list;
}

const Command* findCommand(const std::string& name) {
    for (const Command& c : commands())
        if (c.name == name) return &c;
    return nullptr;
}

CommandRegistration::CommandRegistration(Command c) {
    auto& list = commands();
    auto at = std::find_if(list.begin(), list.end(), [&](const Command& x) { return x.order > c.order; });
    list.insert(at, std::move(c));
}

namespace {

// "  --runs N            text (default: 20; 1 to 1000000)"
void printEntries(std::ostream& os, const std::vector<std::pair<std::string, std::string>>& rows) {
    size_t width = 0;
    for (const auto& r : rows) width = std::max(width, r.first.size());
    width = std::min<size_t>(width, 28);
    for (const auto& r : rows) {
        std::string left = "  " + r.first;
        left.resize(std::max(left.size() + 2, width + 4), ' ');
        os << left << r.second << "\n";
    }
}

std::string describe(const OptionSpec& s) {
    std::vector<std::string> facts;
    if (s.required) facts.push_back("required");
    if (!s.defaultText.empty()) facts.push_back("default: " + s.defaultText);
    if (!s.choices.empty()) facts.push_back("one of: " + joined(s.choices));
    if (s.isInteger) facts.push_back(s.valueName + " from " + std::to_string(s.lo) + " to " + std::to_string(s.hi));
    return facts.empty() ? s.help : s.help + " (" + joined(facts, "; ") + ")";
}

constexpr const char* kDataSources =
    "SRC (data source): a .npy/.npz file, an IDX file (*-idx3-ubyte[.gz], labels *-idx1-ubyte[.gz]),\n"
    "  a folder of PNG/JPEG images (resized to the model's input), or random:N[:SEED].\n";

} // namespace

void printCommandHelp(const Command& c, std::ostream& os) {
    os << "usage: quantlab-cli " << c.synopsis << "\n\n" << c.summary << "\n";
    if (!c.positionals.empty()) {
        os << "\narguments:\n";
        std::vector<std::pair<std::string, std::string>> rows;
        for (const PositionalSpec& p : c.positionals) rows.emplace_back(p.name, p.help);
        printEntries(os, rows);
    }
    os << "\noptions:\n";
    std::vector<std::pair<std::string, std::string>> rows;
    bool takesSource = false;
    for (const OptionSpec& s : c.options) {
        if (s.hidden) continue;
        rows.emplace_back(s.name + (s.takesValue() ? " " + s.valueName : ""), describe(s));
        takesSource = takesSource || s.valueName == "SRC";
    }
    rows.emplace_back("-h, --help", "print this help and exit");
    printEntries(os, rows);
    if (takesSource) os << "\n" << kDataSources;
}

void printCommandList(std::ostream& os) {
    os << "usage: quantlab-cli COMMAND [ARGS]\n\nQuantLab " QUANTLAB_VERSION
          " - inspect, run, quantize and compare TensorFlow Lite models.\n\ncommands:\n";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const Command& c : commands()) rows.emplace_back(c.name, c.summary);
    printEntries(os, rows);
    os << "\nglobal options (before or after the command):\n";
    printEntries(os, {{"--max-memory SIZE", "refuse models whose tensors need more than SIZE (e.g. 2G, 512M; default: the machine's memory)"},
                      {"--max-while-iterations N", "stop a WHILE loop after N iterations with an error (default 10000000)"},
                      {"--max-operator-work N", "refuse an operator that needs more than N multiply-adds or comparisons (default 1e12)"}});
    os << "\n'quantlab-cli help COMMAND' or 'quantlab-cli COMMAND --help' lists a command's options.\n"
          "Errors in what you give exit with status 2 and one line on stderr.\n";
}

namespace {

std::string unknownCommand(const std::string& name) {
    std::vector<std::string> names;
    for (const Command& c : commands()) names.push_back(c.name);
    const std::string near = nearestName(name, names);
    return "unknown command '" + name + "'" + (near.empty() ? "" : "; did you mean " + near + "?") +
           " (quantlab-cli --help lists the commands)";
}

int dispatch(const Argv& args) {
    if (args.empty()) {
        printCommandList(std::cout);
        return 2;
    }
    const std::string& first = args[0];
    if (first == "--help" || first == "-h") {
        printCommandList(std::cout);
        return 0;
    }
    if (first == "--version") {
        std::cout << "quantlab-cli " QUANTLAB_VERSION "\n";
        return 0;
    }
    if (first == "help") {
        if (args.size() == 1) {
            printCommandList(std::cout);
            return 0;
        }
        if (args.size() > 2) throw UsageError("help: expected one command name, got " + std::to_string(args.size() - 1) + " words");
        const Command* c = findCommand(args[1]);
        if (!c) throw UsageError(unknownCommand(args[1]));
        printCommandHelp(*c, std::cout);
        return 0;
    }
    const Command* c = findCommand(first);
    if (!c) throw UsageError(unknownCommand(first));
    const Argv rest(args.begin() + 1, args.end());
    // -h / --help anywhere wins over everything else on the line, even an unknown option.
    for (const std::string& a : rest)
        if (a == "-h" || a == "--help") {
            printCommandHelp(*c, std::cout);
            return 0;
        }
    const Args parsed(c->name, rest, c->options);
    return c->run(parsed);
}

} // namespace

namespace {

// SIGTERM, SIGHUP and (unless a command installs its own graceful handler) SIGINT: stop long
// loops, delete the temporary files of writes in progress, say so on stderr, then end as the
// signal would (the shell sees 128 + the signal's number: 143 for SIGTERM, 130 for SIGINT).
// Only async-signal-safe calls: atomics, unlink, write, signal, raise.
extern "C" void onTerminatingSignal(int sig) {
    requestInterrupt();
    removeTemporaryFiles();
    static const char kTerm[] = "quantlab-cli: stopped by SIGTERM; unfinished outputs removed\n";
    static const char kInt[] = "quantlab-cli: stopped by SIGINT; unfinished outputs removed\n";
    static const char kHup[] = "quantlab-cli: stopped by SIGHUP; unfinished outputs removed\n";
    const char* msg = sig == SIGTERM ? kTerm : sig == SIGINT ? kInt : kHup;
    const size_t len = sig == SIGTERM ? sizeof kTerm - 1 : sig == SIGINT ? sizeof kInt - 1 : sizeof kHup - 1;
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, len);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// Removes the global limit options from the arguments and applies them (util/Limits.h).
Argv applyGlobalOptions(const Argv& args) {
    Argv rest;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool memory = a == "--max-memory", loops = a == "--max-while-iterations", work = a == "--max-operator-work";
        if (!memory && !loops && !work) {
            rest.push_back(a);
            continue;
        }
        if (i + 1 >= args.size()) throw UsageError(a + ": expected a value");
        const std::string& v = args[++i];
        if (memory) {
            const auto bytes = parseByteSize(v);
            if (!bytes) throw UsageError("--max-memory: '" + v + "' is not a size (e.g. 2G, 512M, 1000000)");
            setMemoryLimitBytes(*bytes);
        } else if (loops) {
            uint64_t n = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || end != v.data() + v.size() || n == 0)
                throw UsageError("--max-while-iterations: '" + v + "' is not a positive integer");
            setMaxWhileIterations(n);
        } else {
            // Integer or scientific notation ("1e12"); what a double holds exactly is plenty.
            char* end = nullptr;
            const double n = v.empty() ? 0 : std::strtod(v.c_str(), &end);
            if (v.empty() || end != v.c_str() + v.size() || !(n >= 1) || n >= 1.8e19 || n != std::floor(n))
                throw UsageError("--max-operator-work: '" + v + "' is not a positive integer (e.g. 1e9, 5000000000)");
            setMaxOperatorWork(static_cast<uint64_t>(n));
        }
    }
    return rest;
}

} // namespace

int runCli(const Argv& args) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, onTerminatingSignal);
    try {
        return dispatch(applyGlobalOptions(args));
    } catch (const UsageError& e) {
        std::fflush(stdout);
        std::cout.flush();
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

// An output path must not name one of the inputs (compared by file identity, and by path
// for files that do not exist yet).
void checkOutput(const std::string& flag, const std::string& out, const std::vector<std::string>& inputs) {
    if (out.empty()) throw UsageError(flag + ": needs a file name");
    for (const auto& in : inputs) {
        std::error_code ec;
        if (sameFile(out, in) || std::filesystem::weakly_canonical(out, ec) == std::filesystem::weakly_canonical(in, ec))
            throw UsageError(flag + ": " + out + " is an input; choose another path");
    }
}

void writeText(const std::string& flag, const std::string& path, const std::string& text, const std::vector<std::string>& inputs) {
    if (path == "-") {
        std::cout << text;
        return;
    }
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    if (Status s = writeFileAtomically(path, std::span<const uint8_t>(p, text.size()), inputs); !s)
        throw UsageError(flag + ": " + s.message());
}

} // namespace ql::cli

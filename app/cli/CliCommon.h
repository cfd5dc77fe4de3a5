#pragma once
// Shared pieces of quantlab-cli: the option table of each command, argument parsing against
// it, the help printed from the same table, and the error convention (exit 2 with one line
// "quantlab-cli: error: <what>: <why>" for anything the user gave that is wrong, exit 1 for an
// internal failure).
//
// A command's options are declared once, in its CommandRegistration (Commands.h). Args parses
// only what the table declares (names, values, closed value sets, integer ranges and
// defaults), and `--help` prints the same entries, so the help cannot drift from the parser.

#include "runtime/Target.h"
#include "calib/Calibrator.h"
#include "data/DataSource.h"

#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ql::cli {

// Something the user gave is wrong: printed as one line, exit status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One option of a command. Build it with flagOption / valueOption / integerOption and refine
// it with the chained setters; the help line is `help` followed by what the table knows:
// "(required; default: X; one of: a, b; N from lo to hi)".
class Args;

struct OptionSpec {
    std::string name;          // "--json"
    std::string valueName;     // "FILE"; empty: a flag that takes no value
    std::string help;          // one line, lower case, no final full stop
    std::string defaultText;   // "20", "all", ...; empty: no default shown
    std::vector<std::string> choices; // a closed set of values, checked by the parser
    bool required = false;
    bool hidden = false; // parsed, but left out of --help (an old spelling kept for a release)
    bool repeatable = false;   // given again, the values join with ',' (Args::value)
    // Integer options: Args::integer returns `fallback` when absent and checks [lo, hi].
    bool isInteger = false;
    long long fallback = 0, lo = 0, hi = 0;

    bool takesValue() const { return !valueName.empty(); }
    OptionSpec& mandatory() { required = true; return *this; }
    OptionSpec& hide() { hidden = true; return *this; }
    OptionSpec& repeats() { repeatable = true; return *this; }
    OptionSpec& defaultIs(std::string text) { defaultText = std::move(text); return *this; }
    OptionSpec& oneOf(std::vector<std::string> values) { choices = std::move(values); return *this; }
};

OptionSpec flagOption(std::string name, std::string help);
OptionSpec valueOption(std::string name, std::string valueName, std::string help);
// The default shown is `fallback` unless defaultIs() says otherwise (e.g. "all" for 0).
OptionSpec integerOption(std::string name, std::string valueName, std::string help, long long fallback, long long lo,
                         long long hi);

// Options several commands share, with one wording: --mode (none ... int16x8, a closed set)
// and --calibrator (minmax, percentile:P, mse, kl; parsed by calib::Calibrator::parse).
OptionSpec modeOption();
OptionSpec calibratorOption();
// --target tflite-cpu|tflite-reference|tflite-micro (runtime/Target.h), and the hidden
// --arithmetic reference|xnnpack it replaces (reference = tflite-reference, xnnpack =
// tflite-cpu), accepted for one release. Commands that run a model append both to their table.
std::vector<OptionSpec> withTargetOptions(std::vector<OptionSpec> specs);
// --calibrator-for TENSOR=C[,TENSOR=C...] (repeatable): per-tensor calibrator choices.
OptionSpec calibratorForOption();
// Parses --calibrator-for's value; a UsageError names the bad item.
std::vector<std::pair<std::string, calib::Calibrator>> parseCalibratorFor(const std::string& value);
// --range-for TENSOR=LO:HI,...: a fixed clip range per activation tensor (finite, LO < HI).
std::vector<std::pair<std::string, calib::Range>> parseRangeFor(const std::string& value);

// --pixel-range LO,HI: image pixels 0..255 map linearly onto [LO, HI] (e.g. -1,1 for models
// trained on [-1, 1] input), overriding the model's metadata. pixelRangeOf returns nullopt
// when the option is absent and throws a UsageError for anything but two finite numbers
// with LO < HI.
OptionSpec pixelRangeOption();
std::optional<data::Normalization> pixelRangeOf(const Args& args);

// Search targets: "1%", "1", "0.5 %" -> 0.01, 0.01, 0.005 (--target-drop, percentage points);
// "30" -> 30 (--target-sqnr, dB). A UsageError names the flag.
double parsePercent(const std::string& text);
// The same for another flag: "10%" or "10" -> 0.1; exit 2 naming `flag` for anything else.
double parsePercentOf(const std::string& flag, const std::string& text);
double parseDb(const std::string& text);

// Real data first: `spec` of option `flag` ("--calib") may be random noise ("random:N[:SEED]"),
// which no model was trained on. warnIfRandomData prints one warning line on stderr for it;
// refuseLabelsWithRandom throws a UsageError when --labels comes with random data (labels of
// noise mean nothing).
bool isRandomData(const std::string& spec);
void warnIfRandomData(const std::string& flag, const std::string& spec);
void refuseLabelsWithRandom(const std::string& labels, const std::string& dataFlag, const std::string& dataSpec);

// A positional argument, for the help ("MODEL", "the .tflite file to inspect").
struct PositionalSpec {
    std::string name;
    std::string help;
};

class Args {
public:
    // Parses argv against the command's option table. Throws UsageError for an option the
    // table lacks (naming the nearest one when it is close), a missing or unexpected value,
    // a value outside a closed set.
    Args(const std::string& command, const std::vector<std::string>& argv, const std::vector<OptionSpec>& specs);

    const std::vector<std::string>& positional() const { return m_positional; }
    // Positional argument `index` of exactly `count`; throws if missing or extra.
    std::string requirePositional(size_t count, size_t index, const char* what) const;
    bool flag(const std::string& name) const { return m_flags.count(name) > 0; }
    bool has(const std::string& name) const { return m_values.count(name) > 0; }
    std::string value(const std::string& name, const std::string& fallback = {}) const;
    // The value of an option the table marks as required; throws a UsageError when absent.
    std::string require(const std::string& name) const;
    // Integer option: the table's fallback when absent; a UsageError naming the flag when it
    // is not a whole number within the table's [lo, hi].
    long long integer(const std::string& name) const;

private:
    const OptionSpec& spec(const std::string& name) const; // std::logic_error if undeclared

    std::string m_command;
    std::vector<OptionSpec> m_specs;
    std::vector<std::string> m_positional;
    std::set<std::string> m_flags;
    std::map<std::string, std::string> m_values;
};

// The target the command line asks for (default tflite-cpu); a UsageError when --target and
// --arithmetic are both given.
Target targetOf(const Args& args, const std::string& command);

// Splits "a,b,c" (empty items dropped).
std::vector<std::string> splitList(const std::string& s, char sep = ',');

// The candidate closest to `typed` (edit distance with transpositions, leading dashes
// ignored, or a unique prefix), or "" when none is close enough to be a likely typo.
std::string nearestName(const std::string& typed, const std::vector<std::string>& candidates);

// An output path given to `flag` must not name one of the inputs (compared by file identity,
// and by path for files that do not exist yet); throws a UsageError naming the flag.
void checkOutput(const std::string& flag, const std::string& out, const std::vector<std::string>& inputs);
// Writes `text` atomically to `path` (never over an input), or to standard output for "-".
void writeText(const std::string& flag, const std::string& path, const std::string& text, const std::vector<std::string>& inputs);

} // namespace ql::cli

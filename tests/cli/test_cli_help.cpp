// quantlab-cli --help: every command's help comes from the option table its parser uses
// (app/cli/CliCommon.h). The tests walk the registered tables (test_cli links the commands'
// object library) and check the binary's output against them, plus typo suggestions.
#include "CliTest.h"
#include "TestSupport.h"

#include "CliCommon.h"
#include "Commands.h"
#include "calib/Calibrator.h"
#include "quantize/QuantizeOptions.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <set>

using namespace ql::test;
using ql::cli::Command;
using ql::cli::OptionSpec;

namespace {

// The words "--xyz" of a synopsis.
std::set<std::string> optionsIn(const std::string& synopsis) {
    std::set<std::string> out;
    const std::regex word("--[a-z0-9-]+");
    for (auto it = std::sregex_iterator(synopsis.begin(), synopsis.end(), word); it != std::sregex_iterator(); ++it)
        out.insert(it->str());
    return out;
}

} // namespace

TEST_CASE("every product.md command is registered, in product.md's order", "[cli][help]") {
    std::vector<std::string> names;
    for (const Command& c : ql::cli::commands()) names.push_back(c.name);
    const std::vector<std::string> expected = {"inspect", "run", "bench", "quantize", "compare", "sensitivity", "eval",
                                               "train-fashion-mnist"};
    for (const std::string& e : expected) CHECK(std::find(names.begin(), names.end(), e) != names.end());
    std::vector<std::string> ordered;
    for (const std::string& n : names)
        if (std::find(expected.begin(), expected.end(), n) != expected.end()) ordered.push_back(n);
    CHECK(ordered == expected);
}

TEST_CASE("each command's table and synopsis name the same options", "[cli][help]") {
    for (const Command& c : ql::cli::commands()) {
        INFO("command " << c.name);
        CHECK(c.synopsis.rfind(c.name, 0) == 0);
        CHECK_FALSE(c.summary.empty());
        std::set<std::string> table;
        for (const OptionSpec& s : c.options) {
            INFO("option " << s.name);
            CHECK(table.insert(s.name).second); // declared once
            CHECK_FALSE(s.help.empty());
            if (s.hidden) table.erase(s.name); // an old spelling: parsed, not advertised
            if (s.isInteger) {
                CHECK(s.takesValue());
                CHECK(s.lo <= s.hi);
            }
        }
        CHECK(optionsIn(c.synopsis) == table);
    }
}

TEST_CASE("COMMAND --help lists every option of the table with its default and values", "[cli][help]") {
    for (const Command& c : ql::cli::commands()) {
        INFO("command " << c.name);
        std::string out;
        REQUIRE(cli(c.name + " --help", &out) == 0);
        CHECK_THAT(out, Catch::StartsWith("usage: quantlab-cli " + c.synopsis + "\n"));
        CHECK_THAT(out, Catch::Contains(c.summary));
        CHECK_THAT(out, Catch::Contains("-h, --help"));
        for (const auto& p : c.positionals) CHECK_THAT(out, Catch::Contains("  " + p.name + " ") && Catch::Contains(p.help));
        bool takesSource = false;
        for (const OptionSpec& s : c.options) {
            INFO("option " << s.name);
            if (s.hidden) { // e.g. --arithmetic, the old spelling of --target
                CHECK(out.find("\n  " + s.name + " ") == std::string::npos);
                continue;
            }
            // "  --name VALUE   help (required; default: X; one of: a, b; N from lo to hi)" on one line
            const auto at = out.find("\n  " + s.name + (s.takesValue() ? " " + s.valueName : "") + " ");
            REQUIRE(at != std::string::npos);
            const std::string line = out.substr(at + 1, out.find('\n', at + 1) - at - 1);
            CHECK_THAT(line, Catch::Contains(s.help));
            if (s.required) CHECK_THAT(line, Catch::Contains("required"));
            if (!s.defaultText.empty()) CHECK_THAT(line, Catch::Contains("default: " + s.defaultText));
            for (const std::string& v : s.choices) CHECK_THAT(line, Catch::Contains(v));
            if (s.isInteger) CHECK_THAT(line, Catch::Contains("from " + std::to_string(s.lo) + " to " + std::to_string(s.hi)));
            takesSource = takesSource || s.valueName == "SRC";
        }
        if (takesSource) CHECK_THAT(out, Catch::Contains("random:N[:SEED]"));

        // -h, anywhere on the line, even after an unknown option or a missing model; help CMD
        std::string other;
        CHECK(cli(c.name + " -h", &other) == 0);
        CHECK(other == out);
        CHECK(cli(c.name + " no-such-model.tflite --no-such-option --help", &other) == 0);
        CHECK(other == out);
        CHECK(cli("help " + c.name, &other) == 0);
        CHECK(other == out);
    }
}

TEST_CASE("a few help lines spelled out", "[cli][help]") {
    std::string out;
    REQUIRE(cli("quantize --help", &out) == 0);
    CHECK_THAT(out, Catch::Contains("  MODEL ") && Catch::Contains("the float .tflite file to quantize"));
    CHECK_THAT(out, Catch::Contains("--mode MODE") && Catch::Contains("one of: none, dynamic, float16, int8, int8-only, int16x8"));
    CHECK_THAT(out, Catch::Contains("--calibrator C") && Catch::Contains("percentile:P") && Catch::Contains("default: minmax"));
    CHECK_THAT(out, Catch::Contains("--io TYPE") && Catch::Contains("one of: int8, uint8, float"));
    CHECK_THAT(out, Catch::Contains("--keep-float OP_OR_TENSOR,..."));
    CHECK_THAT(out, Catch::Contains("--per-tensor") && Catch::Contains("--equalize") && Catch::Contains("--bias-correction"));
    CHECK_THAT(out, Catch::Contains("--out OUT") && Catch::Contains("(required)"));
    CHECK_THAT(out, Catch::Contains("a folder of PNG/JPEG images"));

    REQUIRE(cli("bench --help", &out) == 0);
    CHECK_THAT(out, Catch::Contains("--runs N") && Catch::Contains("default: 20; N from 1 to 1000000"));
    CHECK_THAT(out, Catch::Contains("--threads T") && Catch::Contains("default: 1; T from 1 to 64"));
    CHECK_THAT(out, Catch::Contains("--seed S"));

    REQUIRE(cli("compare --help", &out) == 0);
    CHECK_THAT(out, Catch::Contains("FLOAT_MODEL") && Catch::Contains("QUANT_MODEL"));
    CHECK_THAT(out, Catch::Contains("--per-layer on|off") && Catch::Contains("default: on; one of: on, off"));

    REQUIRE(cli("run --help", &out) == 0);
    CHECK_THAT(out, Catch::Contains("--inputs FILES|DIR") && Catch::Contains("--random SEED") && Catch::Contains("--all-tensors"));
    CHECK_THAT(out, Catch::Contains("--out DIR"));

    REQUIRE(cli("train-fashion-mnist --help", &out) == 0);
    CHECK_THAT(out, Catch::Contains("--epochs N") && Catch::Contains("default: 5"));
    CHECK_THAT(out, Catch::Contains("/usr/share/datasets/fashion-mnist"));
}

TEST_CASE("quantlab-cli --help and help list the commands", "[cli][help]") {
    std::string out, other;
    REQUIRE(cli("--help", &out) == 0);
    CHECK_THAT(out, Catch::StartsWith("usage: quantlab-cli COMMAND"));
    for (const Command& c : ql::cli::commands()) CHECK_THAT(out, Catch::Contains("\n  " + c.name + " ") && Catch::Contains(c.summary));
    CHECK_THAT(out, Catch::Contains("quantlab-cli help COMMAND"));
    CHECK(cli("-h", &other) == 0);
    CHECK(other == out);
    CHECK(cli("help", &other) == 0);
    CHECK(other == out);
    CHECK(cli("", &other) == 2); // nothing to do: the list, and a failing status for scripts
    CHECK(cli("help frobnicate", &other) == 2);
    CHECK_THAT(other, Catch::StartsWith("quantlab-cli: error: unknown command 'frobnicate'"));
    CHECK(cli("help inspect run", &other) == 2);
}

TEST_CASE("a mistyped option or command names the nearest valid one and --help", "[cli][help]") {
    std::string out;
    CHECK(cli("quantize m.tflite --mode int8 --per-tenser --out q.tflite", &out) == 2);
    CHECK_THAT(out, Catch::StartsWith("quantlab-cli: error: quantize: unknown option '--per-tenser'; did you mean --per-tensor?"));
    CHECK_THAT(out, Catch::Contains("quantlab-cli quantize --help"));
    CHECK(lineCount(out) == 1);

    CHECK(cli("compare a.tflite b.tflite --data random:1 --jsno x.json", &out) == 2);
    CHECK_THAT(out, Catch::Contains("did you mean --json?"));
    CHECK(cli("sensitivity m.tflite --calibartor kl", &out) == 2);
    CHECK_THAT(out, Catch::Contains("did you mean --calibrator?"));
    CHECK(cli("run m.tflite --random 1 --out d --all-tensor", &out) == 2);
    CHECK_THAT(out, Catch::Contains("did you mean --all-tensors?"));
    CHECK(cli("inspect m.tflite -json", &out) == 2);
    CHECK_THAT(out, Catch::Contains("did you mean --json?"));
    CHECK(cli("eval m.tflite --data random:1 --frobnicate", &out) == 2);
    CHECK_THAT(out, Catch::Contains("unknown option '--frobnicate'") && !Catch::Contains("did you mean"));
    CHECK_THAT(out, Catch::Contains("quantlab-cli eval --help"));

    CHECK(cli("inspcet m.tflite", &out) == 2);
    CHECK_THAT(out, Catch::Contains("unknown command 'inspcet'; did you mean inspect?"));
    CHECK(cli("quantize m.tflite --mode int9 --out q.tflite", &out) == 2);
    CHECK_THAT(out, Catch::Contains("--mode: unknown mode 'int9' (one of: none, dynamic") && Catch::Contains("did you mean int8?)"));
    CHECK(cli("compare a.tflite b.tflite --data random:1 --per-layer maybe", &out) == 2);
    CHECK_THAT(out, Catch::Contains("--per-layer: unknown per-layer 'maybe' (one of: on, off)"));
    CHECK(cli("bench m.tflite --runs 0", &out) == 2);
    CHECK_THAT(out, Catch::Contains("--runs is 0, expected 1 to 1000000"));
    CHECK(cli("bench m.tflite --runs", &out) == 2);
    CHECK_THAT(out, Catch::Contains("option --runs needs a value (N)"));
}

TEST_CASE("nearestName: typos, transpositions and unique prefixes", "[cli][help]") {
    const std::vector<std::string> opts = {"--json", "--csv", "--calib", "--calibrator", "--calib-samples", "--per-tensor"};
    CHECK(ql::cli::nearestName("--jsno", opts) == "--json");
    CHECK(ql::cli::nearestName("--jsn", opts) == "--json");
    CHECK(ql::cli::nearestName("-json", opts) == "--json");
    CHECK(ql::cli::nearestName("--calibratr", opts) == "--calibrator");
    CHECK(ql::cli::nearestName("--per-tens", opts) == "--per-tensor"); // unique prefix
    CHECK(ql::cli::nearestName("--cal", opts).empty());                // ambiguous prefix
    CHECK(ql::cli::nearestName("--zzzzzz", opts).empty());
    CHECK(ql::cli::nearestName("--", opts).empty());
}

TEST_CASE("the shared --mode and --calibrator entries agree with the engine's parsers", "[cli][help]") {
    const OptionSpec mode = ql::cli::modeOption();
    std::set<std::string> names;
    for (const std::string& m : mode.choices) {
        INFO(m);
        auto parsed = ql::quantize::parseMode(m);
        REQUIRE(parsed.ok());
        CHECK(ql::quantize::modeName(*parsed) == m);
        names.insert(m);
    }
    for (ql::quantize::Mode m : {ql::quantize::Mode::None, ql::quantize::Mode::Float16, ql::quantize::Mode::Dynamic, ql::quantize::Mode::Int8,
                             ql::quantize::Mode::Int8Only, ql::quantize::Mode::Int16x8})
        CHECK(names.count(std::string(ql::quantize::modeName(m))) == 1);
    const OptionSpec calibrator = ql::cli::calibratorOption();
    auto c = ql::calib::Calibrator::parse(calibrator.defaultText);
    REQUIRE(c.ok());
    CHECK(c->name() == ql::calib::Calibrator{}.name());
    for (const char* example : {"minmax", "percentile:99.99", "mse", "kl"}) CHECK(ql::calib::Calibrator::parse(example).ok());
}

TEST_CASE("Args takes only what the table declares", "[cli][help]") {
    const std::vector<OptionSpec> table = {ql::cli::flagOption("--json", "as JSON"),
                                           ql::cli::integerOption("--runs", "N", "runs", 20, 1, 100),
                                           ql::cli::valueOption("--out", "DIR", "where").mandatory()};
    const ql::cli::Args a("t", {"m.tflite", "--runs=7", "--json", "--out", "d"}, table);
    CHECK(a.positional() == std::vector<std::string>{"m.tflite"});
    CHECK(a.integer("--runs") == 7);
    CHECK(a.flag("--json"));
    CHECK(a.require("--out") == "d");
    const ql::cli::Args b("t", {"m.tflite"}, table);
    CHECK(b.integer("--runs") == 20);
    CHECK_THROWS_AS(b.require("--out"), ql::cli::UsageError);
    CHECK_THROWS_AS(b.value("--undeclared"), std::logic_error); // a command reading an option it never declared
    CHECK_THROWS_AS(ql::cli::Args("t", {"--runs", "101"}, table), ql::cli::UsageError);
    CHECK_THROWS_AS(ql::cli::Args("t", {"--json=1"}, table), ql::cli::UsageError);
}

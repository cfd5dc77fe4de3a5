// Crafted hostile model files (tests/support/HostileModels): every one is refused with a
// message naming what is wrong, at load, at prepare, at run or when quantizing; none crashes,
// hangs or silently succeeds.
#include "HostileModels.h"
#include "TestModels.h"
#include "io/MappedFile.h"
#include "quantize/QuantizeJob.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "util/Limits.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>

namespace ql::test {
namespace {

// Sets a process-wide limit (util/Limits.h) for one scope.
struct ScopedLimits {
    explicit ScopedLimits(uint64_t whileIterations, uint64_t memoryBytes = 0) {
        setMaxWhileIterations(whileIterations);
        setMemoryLimitBytes(memoryBytes);
    }
    ~ScopedLimits() {
        setMaxWhileIterations(10'000'000);
        setMemoryLimitBytes(0); // the machine's memory
        clearInterrupt();
    }
};

// The first refusal along load -> prepare -> run -> quantize (dynamic, int8), or "" if the
// file went through all of them.
std::string firstRefusal(const HostileCase& c) {
    auto model = readModel(MappedFile::fromBytes(c.bytes), c.name + ".tflite");
    if (!model) return model.message();
    for (const Diagnostic& d : (*model)->diagnostics)
        if (d.severity == Severity::Error) return "diagnostic: " + d.message;
    auto interp = rt::Interpreter::create(model.value());
    if (!interp) return interp.message();
    if (Status s = (*interp)->invoke(); !s) return s.message();
    for (quantize::Mode mode : {quantize::Mode::Dynamic, quantize::Mode::Int8}) {
        quantize::QuantizeJobOptions options;
        options.quantize.mode = mode;
        options.calibSpec = "random:2:1";
        auto q = quantize::runQuantize(model.value(), options);
        if (!q) return q.message();
    }
    return {};
}

} // namespace

TEST_CASE("hostile models: every crafted file is refused with a message naming what is wrong",
          "[hostile]") {
    const auto cases = hostileModels();
    REQUIRE(cases.size() >= 30);
    ScopedLimits limits(1000); // the constant-true WHILE stops quickly
    for (const HostileCase& c : cases) {
        DYNAMIC_SECTION(c.name) {
            const std::string why = firstRefusal(c);
            INFO(c.name << ": " << why);
            REQUIRE_FALSE(why.empty());
            CHECK(why.find('\n') == std::string::npos);
            for (const std::string& word : c.expect)
                CHECK(why.find(word) != std::string::npos);
        }
    }
}

TEST_CASE(
    "hostile models: files that load are refused by the interpreter only where they are wrong",
    "[hostile]") {
    // The weights files run in float (NaN propagates, as in TFLite) and are refused when quantized.
    for (const HostileCase& c : hostileModels()) {
        if (c.refusedBeforeQuantize) continue;
        INFO(c.name);
        auto model = readModel(MappedFile::fromBytes(c.bytes), c.name + ".tflite");
        REQUIRE(model);
        auto interp = rt::Interpreter::create(model.value());
        REQUIRE(interp);
        CHECK((*interp)->invoke());
    }
}

TEST_CASE("hostile models: the WHILE iteration limit and the memory limit are options",
          "[hostile]") {
    const auto cases = hostileModels();
    auto find = [&](const std::string& name) {
        const auto it = std::find_if(cases.begin(), cases.end(),
                                     [&](const HostileCase& c) { return c.name == name; });
        REQUIRE(it != cases.end());
        return it->bytes;
    };
    SECTION("a WHILE stops at exactly the limit") {
        auto model = readModel(MappedFile::fromBytes(find("while-constant-true")), "while.tflite");
        REQUIRE(model);
        ScopedLimits limits(37);
        auto interp = rt::Interpreter::create(model.value());
        REQUIRE(interp);
        const Status s = (*interp)->invoke();
        REQUIRE_FALSE(s);
        CHECK(s.message().find("ran 37 iterations") != std::string::npos);
    }
    SECTION("an interrupt (SIGINT/SIGTERM in the CLI) stops a run") {
        auto model = readModel(MappedFile::fromBytes(find("while-constant-true")), "while.tflite");
        REQUIRE(model);
        ScopedLimits limits(10'000'000);
        auto interp = rt::Interpreter::create(model.value());
        REQUIRE(interp);
        requestInterrupt();
        const Status s = (*interp)->invoke();
        REQUIRE_FALSE(s);
        CHECK(s.message().find("interrupted") != std::string::npos);
    }
    SECTION("the declared memory is checked against the limit given") {
        // The small CNN's activations fit in 1 MiB but not in 1 KiB.
        const auto bytes = serialize(makeSmallCnn());
        {
            ScopedLimits limits(1000, 1 << 20);
            CHECK(readModel(MappedFile::fromBytes(bytes), "cnn.tflite"));
        }
        ScopedLimits limits(1000, 1 << 10);
        auto refused = readModel(MappedFile::fromBytes(bytes), "cnn.tflite");
        REQUIRE_FALSE(refused);
        CHECK(refused.message().find("more than the memory limit of 1.0 KiB") != std::string::npos);
    }
}

} // namespace ql::test

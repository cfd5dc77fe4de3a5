// quantlab-cli on the crafted hostile model files (tests/support/HostileModels): every command
// exits 0 or 2, never crashes or hangs; quantize (load, calibrate by running, quantize) refuses
// every file with one line naming the file and what is wrong.
#include "CliTest.h"
#include "HostileModels.h"
#include "TestModels.h"
#include "io/Npy.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace ql::test;

namespace {

// The loop case must not run 10 million iterations in a test.
const std::string kLimits = "--max-while-iterations 1000 ";

} // namespace

TEST_CASE("cli hostile: quantize refuses every crafted file with exit 2 and one line",
          "[cli][hostile]") {
    TempDir dir;
    for (const HostileCase& c : hostileModels()) {
        const std::string model = dir.file(c.name + ".tflite");
        writeBytes(model, c.bytes);
        std::string out;
        const int rc = cli(kLimits + "quantize " + shellQuote(model) +
                               " --mode int8 --calib random:2:1 --out " +
                               shellQuote(dir.file(c.name + "-q.tflite")),
                           &out);
        INFO(c.name << ": " << out);
        CHECK(rc == 2);
        CHECK(out.rfind("quantlab-cli: error: ", 0) == 0);
        CHECK(lineCount(out) == 1);
        CHECK(out.find(model) != std::string::npos);
        for (const std::string& word : c.expect)
            CHECK(out.find(word) != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file(c.name + "-q.tflite")));
    }
}

TEST_CASE("cli hostile: inspect, run and compare exit 0 or 2 on every crafted file",
          "[cli][hostile]") {
    TempDir dir;
    for (const HostileCase& c : hostileModels()) {
        const std::string model = dir.file(c.name + ".tflite");
        writeBytes(model, c.bytes);
        const std::string runArgs = kLimits + "run " + shellQuote(model) + " --random 1 --out " +
                                    shellQuote(dir.file(c.name + "-run"));
        const std::string commands[] = {"inspect " + shellQuote(model), runArgs,
                                        kLimits + "compare " + shellQuote(model) + " " +
                                            shellQuote(model) + " --data random:2:1"};
        for (const std::string& args : commands) {
            std::string out;
            const int rc = cli(args, &out);
            INFO(c.name << ": quantlab-cli " << args << "\n" << out);
            CHECK((rc == 0 || rc == 2));
            if (rc == 2) {
                CHECK(out.find("quantlab-cli: error: ") != std::string::npos);
                CHECK(out.find("internal error") == std::string::npos);
            }
        }
        // Running is refused exactly when the file is refused before quantizing.
        std::string out;
        INFO(c.name);
        CHECK(cli(runArgs, &out) == (c.refusedBeforeQuantize ? 2 : 0));
    }
}

TEST_CASE("cli hostile: the global limits are checked at parse time", "[cli][hostile]") {
    std::string out;
    CHECK(cli("--max-memory lots inspect x.tflite", &out) == 2);
    CHECK(out.find("--max-memory: 'lots' is not a size") != std::string::npos);
    CHECK(cli("--max-while-iterations 0 inspect x.tflite", &out) == 2);
    CHECK(out.find("--max-while-iterations: '0'") != std::string::npos);
    for (const char* bad : {"0", "1.5", "-3", "1e30", "many"}) {
        INFO(bad);
        CHECK(cli(std::string("--max-operator-work ") + bad + " inspect x.tflite", &out) == 2);
        CHECK(out.find(std::string("--max-operator-work: '") + bad + "' is not a positive integer") != std::string::npos);
    }
    CHECK(cli("--help", &out) == 0);
    CHECK(out.find("--max-memory SIZE") != std::string::npos);
    CHECK(out.find("--max-operator-work N") != std::string::npos);
}

TEST_CASE("cli hostile: an operator over --max-operator-work is refused before it runs", "[cli][hostile]") {
    // The float FULLY_CONNECTED fixture: output [1,3] x 4 inputs = 12 multiply-adds.
    TempDir dir;
    const std::string model = dir.file("fc.tflite");
    writeBytes(model, serialize(makeFloatFullyConnected()));
    std::string out;
    CHECK(cli("--max-operator-work 11 run " + model + " --random 0 --out " + dir.file("a"), &out) == 2);
    CHECK(out.find("operator 0 (FULLY_CONNECTED): output [1,3] x 4 inputs: 12 steps, more than the limit of 11") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("a")));
    CHECK(cli("--max-operator-work 1e1 --max-operator-work 12 run " + model + " --random 0 --out " + dir.file("b"), &out) == 0);
}

TEST_CASE("cli hostile: quantize --out never replaces the --calib data, a link or a device",
          "[cli][hostile]") {
    TempDir dir;
    const std::string model = dir.file("fc.tflite");
    writeBytes(model, serialize(makeFloatFullyConnected()));
    const std::string calib = dir.file("calib.npy");
    const std::vector<int64_t> shape = {4, 4};
    REQUIRE(ql::writeNpy(calib, ql::TensorType::FLOAT32, shape, std::vector<uint8_t>(4 * 4 * 4, 0))
                .ok());
    const auto before = readBytes(calib);
    const std::string link = dir.file("link.tflite");
    fs::create_symlink(calib, link);
    const std::pair<std::string, std::string> cases[] = {
        {calib, "is the --calib data"},
        {link, "is the --calib data"}, // the link resolves to the data
        {"/dev/null", "is not a regular file"},
        {"''", "the output path is empty"},
    };
    for (const auto& [out, why] : cases) {
        std::string text;
        INFO(out);
        CHECK(cli("quantize " + shellQuote(model) + " --mode int8 --calib " + shellQuote(calib) +
                      " --out " + (out == "''" ? out : shellQuote(out)),
                  &text) == 2);
        INFO(text);
        CHECK(lineCount(text) == 1);
        CHECK(text.find(why) != std::string::npos);
    }
    CHECK(readBytes(calib) == before);
    CHECK(fs::is_symlink(link));
}

// quantlab-cli compare: the table, JSON, CSV and HTML outputs; exit 2 with one line for bad
// input; outputs never written over an input.
#include "TestModels.h"
#include "CliTest.h"
#include "TestSupport.h"

#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

using namespace ql;
using namespace ql::test;

namespace {

// The small CNN and its int8 version by our quantizer, written into `dir`.
std::pair<std::string, std::string> writePair(const TempDir& dir) {
    const std::string f = dir.file("cnn.tflite"), q = dir.file("cnn_int8.tflite");
    auto model = std::make_shared<const Model>(makeSmallCnn());
    REQUIRE(writeModelFile(*model, f).ok());
    quantize::QuantizeJobOptions job;
    job.quantize.mode = quantize::Mode::Int8;
    job.calibSpec = "random:4:1";
    auto r = quantize::runQuantize(model, job);
    REQUIRE(r.ok());
    REQUIRE(writeModelFile(r->result.model, q).ok());
    return {f, q};
}

} // namespace

TEST_CASE("quantlab-cli compare: table with both views, worst layers and the 0.289 note", "[cli][compare]") {
    TempDir dir;
    const auto [f, q] = writePair(dir);
    std::string out;
    REQUIRE(cli("compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:6:2", &out) == 0);
    INFO(out);
    CHECK(out.find("SQNR layer") != std::string::npos);
    CHECK(out.find("SQNR accum") != std::string::npos);
    CHECK(out.find("RMSE/scale") != std::string::npos);
    CHECK(out.find("0.289") != std::string::npos);
    CHECK(out.find("CONV_2D") != std::string::npos);
    CHECK(out.find("SOFTMAX") != std::string::npos);
    CHECK(out.find("6 samples") != std::string::npos);
    CHECK(out.find("\n!") != std::string::npos); // worst layers marked
    CHECK(out.find(" dB") != std::string::npos);
}

TEST_CASE("quantlab-cli compare: --json, --csv and a self-contained --report", "[cli][compare]") {
    TempDir dir;
    const auto [f, q] = writePair(dir);
    const std::string json = dir.file("c.json"), csv = dir.file("c.csv"), html = dir.file("c.html");
    std::string out;
    REQUIRE(cli("compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:3:1 --samples 2 --json " + shellQuote(json) +
                    " --csv " + shellQuote(csv) + " --report " + shellQuote(html),
                &out) == 0);
    const std::string j = readText(json);
    CHECK(j.find("\"samples\": 2") != std::string::npos);
    CHECK(j.find("\"per_layer\"") != std::string::npos);
    CHECK(j.find("\"accumulated\"") != std::string::npos);
    CHECK(j.find("\"sqnr_db\"") != std::string::npos);
    const std::string c = readText(csv);
    CHECK(c.rfind("op_index,op,name,", 0) == 0);
    CHECK(c.find(",per_layer,") != std::string::npos);
    CHECK(c.find(",accumulated,") != std::string::npos);
    // The target is recorded: tflite-cpu by default.
    CHECK(j.find("\"target\": \"tflite-cpu\"") != std::string::npos);
    CHECK(c.find(",clip_rate,target\n") != std::string::npos);
    CHECK(c.find(",tflite-cpu\n") != std::string::npos);
    CHECK(out.find("Target     tflite-cpu") != std::string::npos);
    const std::string h = readText(html);
    CHECK(h.find("tflite-cpu") != std::string::npos);
    CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(h.find("<svg") != std::string::npos);
    CHECK(h.find("SQNR per layer") != std::string::npos);
    CHECK(h.find("http") == std::string::npos);
    CHECK(h.find("src=") == std::string::npos);
    CHECK(h.find("href=") == std::string::npos);
    CHECK(h.find("<script") == std::string::npos);
    // JSON to standard output, nothing else there.
    REQUIRE(cli("compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:2:1 --json -", &out) == 0);
    CHECK(out.find("{") == 0);
    CHECK(out.find("SQNR layer") == std::string::npos);
    REQUIRE(cli("compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:2:1 --target tflite-reference --json -", &out) == 0);
    CHECK(out.find("\"target\": \"tflite-reference\"") != std::string::npos);
}

TEST_CASE("quantlab-cli compare: bad input exits 2 with one line", "[cli][compare]") {
    TempDir dir;
    const auto [f, q] = writePair(dir);
    const std::string other = dir.file("fc.tflite");
    REQUIRE(writeModelFile(makeFloatFullyConnected(), other).ok());
    const std::string garbage = dir.file("garbage.tflite");
    writeBytes(garbage, {1, 2, 3, 4, 5, 6, 7, 8});
    const std::string bad[] = {
        "compare " + shellQuote(f) + " " + shellQuote(other) + " --data random:2:1",         // mismatched models
        "compare " + shellQuote(f) + " " + shellQuote(garbage) + " --data random:2:1",       // not a model
        "compare " + shellQuote(f) + " " + shellQuote(q) + " --data " + shellQuote(dir.file("none.npy")), // bad data
        "compare " + shellQuote(f) + " " + shellQuote(q),                                    // no --data
        "compare " + shellQuote(f) + " --data random:2:1",                                   // one model
        "compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:2:1 --samples 0", // bad count
        "compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:2:1 --json " + shellQuote(q), // over an input
        "compare " + shellQuote(f) + " " + shellQuote(q) + " --data random:2:1 --report " + shellQuote(f),
    };
    const auto before = readBytes(q);
    for (const auto& args : bad) {
        std::string out;
        INFO(args);
        CHECK(cli(args, &out) == 2);
        INFO(out);
        CHECK(lineCount(out) == 1);
        CHECK(out.rfind("quantlab-cli: error: ", 0) == 0);
    }
    CHECK(readBytes(q) == before);
    CHECK(readBytes(f).size() > 100);
    // Nothing left behind by the failed runs.
    size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
    CHECK(files == 4);
}

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
#include <cmath>
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

namespace {

// The worst output's SQNR of a compare log ("Output k '...': SQNR 9.9 dB, ...").
double worstOutputDb(const std::string& log) {
    double worst = 1e9;
    for (size_t at = log.find("\nOutput "); at != std::string::npos; at = log.find("\nOutput ", at + 1)) {
        const size_t s = log.find("SQNR ", at);
        if (s != std::string::npos) worst = std::min(worst, std::stod(log.substr(s + 5)));
    }
    return worst;
}

} // namespace

TEST_CASE("quantlab-cli compare --calib: the advice's changes carry their measured effect, reproducible by quantize",
          "[cli][compare][photos]") {
    const auto model = sharedModel("face_detection_short_range.tflite");
    const auto calib = photosDir("calib");
    const auto eval = photosDir("eval");
    if (!model || !calib || !eval) {
        WARN("skipped: ../shared/models or the real photos absent");
        return;
    }
    TempDir dir;
    const std::string common = " --pixel-range -1,1";
    const std::string calibArgs = " --calib " + shellQuote(calib->string()) + " --max-samples 4";
    const std::string q = dir.file("face_int8.tflite");
    std::string log;
    REQUIRE(cli("quantize " + shellQuote(*model) + " --mode int8" + calibArgs + common + " --out " + shellQuote(q), &log) == 0);
    // compare measures with the calibration data it is given: the same 4 photos.
    const std::string four = dir.file("calib4");
    std::filesystem::create_directories(four);
    std::vector<std::filesystem::path> photos;
    for (const auto& e : std::filesystem::directory_iterator(*calib)) photos.push_back(e.path());
    std::sort(photos.begin(), photos.end());
    for (size_t i = 0; i < 4 && i < photos.size(); ++i)
        std::filesystem::copy_file(photos[i], four + "/" + photos[i].filename().string());
    std::string cmp;
    const std::string json = dir.file("compare.json");
    REQUIRE(cli("compare " + shellQuote(*model) + " " + shellQuote(q) + " --data " + shellQuote(eval->string()) +
                    " --samples 4 --worst 3 --calib " + shellQuote(four) + common + " --json " + shellQuote(json),
                &cmp) == 0);
    INFO(cmp);
    const size_t m = cmp.find("measured (worst output, now ");
    REQUIRE(m != std::string::npos);
    const double baseline = std::stod(cmp.substr(m + std::string("measured (worst output, now ").size()));
    // The layer the measurement belongs to and its int16 effect.
    const size_t layerStart = cmp.rfind("\n  #", m);
    const size_t nameOpen = cmp.find('(', layerStart), nameClose = cmp.find(')', nameOpen);
    const std::string name = cmp.substr(nameOpen + 1, nameClose - nameOpen - 1);
    const size_t i16 = cmp.find("int16 activations ", m);
    REQUIRE(i16 != std::string::npos);
    REQUIRE(i16 < cmp.find('\n', m));
    const double gain = std::stod(cmp.substr(i16 + std::string("int16 activations ").size()));

    // The same change made by hand: quantize --int16 NAME, then compare on the same samples.
    const std::string q16 = dir.file("face_mixed.tflite");
    REQUIRE(cli("quantize " + shellQuote(*model) + " --mode int8 --calib " + shellQuote(four) + common + " --int16 " +
                    shellQuote(name) + " --out " + shellQuote(q16),
                &log) == 0);
    std::string base, mixed;
    const std::string q4 = dir.file("face_int8_4.tflite");
    REQUIRE(cli("quantize " + shellQuote(*model) + " --mode int8 --calib " + shellQuote(four) + common + " --out " +
                    shellQuote(q4),
                &log) == 0);
    REQUIRE(cli("compare " + shellQuote(*model) + " " + shellQuote(q4) + " --data " + shellQuote(eval->string()) +
                    " --samples 4 --per-layer off" + common,
                &base) == 0);
    REQUIRE(cli("compare " + shellQuote(*model) + " " + shellQuote(q16) + " --data " + shellQuote(eval->string()) +
                    " --samples 4 --per-layer off" + common,
                &mixed) == 0);
    CHECK(std::fabs(worstOutputDb(base) - baseline) <= 0.051);
    CHECK(std::fabs(worstOutputDb(mixed) - worstOutputDb(base) - gain) <= 0.11); // each figure rounded to 0.1 dB

    // The JSON carries the same measurement: the baseline, and the layer's int16 effect.
    const std::string js = compactJson(readText(json));
    INFO(js.substr(0, 2000));
    const auto number = [&](size_t at, const std::string& key) {
        const size_t k = js.find("\"" + key + "\":", at);
        REQUIRE(k != std::string::npos);
        return std::stod(js.substr(k + key.size() + 3));
    };
    CHECK(std::fabs(number(0, "advice_baseline_sqnr_db") - baseline) <= 0.051);
    const size_t layer = js.find("\"name\":\"" + name + "\"");
    REQUIRE(layer != std::string::npos);
    const size_t effects = js.find("\"measured_advice\":[", layer);
    REQUIRE(effects != std::string::npos);
    CHECK(effects < js.find("\"op_index\":", layer)); // the same layer's object
    const size_t kind = js.find("\"kind\":\"int16\"", effects);
    REQUIRE(kind != std::string::npos);
    CHECK(std::fabs(number(kind, "gain_db") - gain) <= 0.051);
    CHECK(js.find("\"advice\":\"") != std::string::npos);
}

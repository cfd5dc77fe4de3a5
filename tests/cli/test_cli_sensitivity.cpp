// quantlab-cli sensitivity: ranking table, a --keep-float suggestion that `quantize` accepts,
// --json/--csv/--report files, labels, one-line exit-2 errors, a shared model.
#include "CliTest.h"
#include "TestSupport.h"

#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>

using namespace ql;
using namespace ql::test;

namespace {

// input [1,8] -> fc0 -> fc1 -> fc2 -> fc3 [1,4]. fc1 reads fc0's always-zero channel 0 with
// weight 1000 in every output channel, so int8's per-channel scale (1000 / 127) rounds all its
// signal-carrying weights to 0: fc1 is the layer int8 destroys.
Model outlierChain() {
    ModelBuilder b;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    TensorIndex x = b.addTensor("input", TensorType::FLOAT32, {1, 8});
    const TensorIndex in = x;
    for (int l = 0; l < 4; ++l) {
        const int inW = l == 0 ? 8 : 16, outW = l == 3 ? 4 : 16;
        std::vector<float> w(size_t(outW * inW)), bias(size_t(outW), 0.05f);
        for (float& v : w) v = u(rng);
        if (l == 0) {
            std::fill(w.begin(), w.begin() + inW, 0.0f);
            bias[0] = 0;
        }
        if (l == 1)
            for (int o = 0; o < outW; ++o) w[size_t(o * inW)] = 1000.0f;
        const std::string n = "fc" + std::to_string(l);
        const TensorIndex wt = b.addConstant(n + "/w", TensorType::FLOAT32, {outW, inW}, w);
        const TensorIndex bt = b.addConstant(n + "/b", TensorType::FLOAT32, {outW}, bias);
        const TensorIndex out = b.addTensor(n + "/out", TensorType::FLOAT32, {1, outW});
        b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, wt, bt}, {out}, fullyConnectedOptions());
        x = out;
    }
    b.setInputs({in});
    b.setOutputs({x});
    return b.build();
}

std::string writeChain(const TempDir& dir) {
    const std::string p = dir.file("chain.tflite");
    REQUIRE(writeModelFile(outlierChain(), p).ok());
    return p;
}

} // namespace

TEST_CASE("quantlab-cli sensitivity: ranking and a --keep-float list that quantize accepts", "[cli][sensitivity]") {
    // The calibration data covers the measured samples (the same ones): rounding error, no clipping.
    TempDir dir;
    const std::string in = writeChain(dir);
    std::string log;
    REQUIRE(cli("sensitivity " + shellQuote(in) + " --mode int8 --calib random:24:1 --data random:24:1 --target-sqnr 25",
                &log) == 0);
    INFO(log);
    CHECK(log.find("4 quantizable layers, 24 samples, calibrated on 24 with minmax") != std::string::npos);
    // Rank 1 is fc1 (operator #1).
    const size_t rank1 = log.find("     1     #1  FULLY_CONNECTED");
    CHECK(rank1 != std::string::npos);
    CHECK(log.find("fc1/out", rank1) == log.find('\n', rank1) - std::string("fc1/out").size());
    CHECK(log.find("1. keep float #1 fc1/out") != std::string::npos);
    CHECK(log.find("target met") != std::string::npos);
    CHECK(log.find("Suggested --keep-float fc1/out\n") != std::string::npos);
    const std::string cmdLine = "quantlab-cli quantize " + in + " --mode int8 --calib random:24:1 --calibrator minmax "
                                "--keep-float fc1/out --out OUT.tflite";
    CHECK(log.find(cmdLine) != std::string::npos);

    // The suggestion pasted into quantize keeps exactly that operator float.
    const std::string out = dir.file("chain_int8.tflite");
    std::string qlog;
    REQUIRE(cli("quantize " + shellQuote(in) + " --mode int8 --calib random:24:1 --keep-float fc1/out --out " + shellQuote(out),
                &qlog) == 0);
    INFO(qlog);
    CHECK(qlog.find("1 left float") != std::string::npos);
    CHECK(qlog.find("float: #1 FULLY_CONNECTED (--keep-float)") != std::string::npos);
}

TEST_CASE("quantlab-cli sensitivity: --json, --csv and --report files", "[cli][sensitivity]") {
    TempDir dir;
    const std::string in = writeChain(dir);
    const std::string json = dir.file("s.json"), csv = dir.file("s.csv"), html = dir.file("s.html");
    std::string log;
    REQUIRE(cli("sensitivity " + shellQuote(in) + " --mode int8 --calib random:16:1 --data random:16:1 --json " +
                    shellQuote(json) + " --csv " + shellQuote(csv) + " --report " + shellQuote(html),
                &log) == 0);
    INFO(log);
    const auto jb = readBytes(json);
    const std::string j(jb.begin(), jb.end());
    CHECK(j.find("\"metric\": \"sqnr\"") != std::string::npos);
    CHECK(j.find("\"keepFloat\": [") != std::string::npos);
    CHECK(j.find("\"fc1/out\"") != std::string::npos);
    CHECK(j.find("\"onlyThisQuantized\"") != std::string::npos);
    CHECK(j.find("\"value\": 30") != std::string::npos); // the default target
    const auto cb = readBytes(csv);
    const std::string c(cb.begin(), cb.end());
    CHECK(lineCount(c) == 5);
    CHECK(c.rfind("rank,operator,type,name,", 0) == 0);
    CHECK(c.find("\n1,1,FULLY_CONNECTED,fc1/out,0,") != std::string::npos);
    const auto hb = readBytes(html);
    const std::string h(hb.begin(), hb.end());
    CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(h.find("fc1/out") != std::string::npos);
    CHECK(h.find("<svg") != std::string::npos);

    std::string stdoutJson;
    REQUIRE(cli("sensitivity " + shellQuote(in) + " --mode int8 --calib random:16:1 --data random:16:1 --json - 2>/dev/null",
                &stdoutJson) == 0);
    CHECK(stdoutJson.rfind("{", 0) == 0);
    CHECK(stdoutJson.find("Suggested") == std::string::npos);
}

TEST_CASE("quantlab-cli sensitivity: labels give top-1 accuracy and a drop target", "[cli][sensitivity]") {
    TempDir dir;
    const std::string in = writeChain(dir);
    const size_t n = 32;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> xs(n * 8);
    for (float& v : xs) v = u(rng);
    // Labels: the float model's own top-1, so the float accuracy is 100%.
    auto interp = rt::Interpreter::create(std::make_shared<const Model>(outlierChain()));
    REQUIRE(interp.ok());
    std::vector<int32_t> labels;
    for (size_t i = 0; i < n; ++i) {
        REQUIRE((*interp)->setInput(0, TensorType::FLOAT32, {reinterpret_cast<const uint8_t*>(&xs[i * 8]), 32}).ok());
        REQUIRE((*interp)->invoke().ok());
        auto v = (*interp)->output(0).values<float>();
        labels.push_back(int32_t(std::max_element(v.begin(), v.end()) - v.begin()));
    }
    const std::vector<int64_t> xshape{int64_t(n), 8}, lshape{int64_t(n)};
    REQUIRE(writeNpy(dir.file("x.npy"), TensorType::FLOAT32, xshape, {reinterpret_cast<const uint8_t*>(xs.data()), xs.size() * 4}).ok());
    REQUIRE(writeNpy(dir.file("y.npy"), TensorType::INT32, lshape, {reinterpret_cast<const uint8_t*>(labels.data()), n * 4}).ok());
    std::string log;
    REQUIRE(cli("sensitivity " + shellQuote(in) + " --mode int8 --calib " + shellQuote(dir.file("x.npy")) + " --data " +
                    shellQuote(dir.file("x.npy")) +
                    " --labels " + shellQuote(dir.file("y.npy")) + " --target-drop 5%",
                &log) == 0);
    INFO(log);
    CHECK(log.find("Float model    top-1 100.00%") != std::string::npos);
    CHECK(log.find("target accuracy drop <= 5.00%") != std::string::npos);
    CHECK(log.find("Suggested --keep-float fc1/out\n") != std::string::npos);
}

TEST_CASE("quantlab-cli sensitivity: bad input exits 2 with one line and writes nothing", "[cli][sensitivity]") {
    TempDir dir;
    const std::string in = writeChain(dir);
    const std::string json = dir.file("out.json");
    struct Bad {
        std::string args;
        std::string expect;
    };
    const std::vector<Bad> bad = {
        {shellQuote(in) + " --mode int4 --calib random:2 --data random:2", "unknown mode"},
        {shellQuote(in) + " --mode int8 --data random:2", "needs calibration data"},
        {shellQuote(in) + " --mode int8 --calib random:2", "--data"},
        {shellQuote(in) + " --mode int8-only --calib random:2 --data random:2", "int8-only"},
        {shellQuote(in) + " --mode float16 --data random:2", "no per-layer choice"},
        {shellQuote(in) + " --mode int8 --calib random:2 --data random:2 --target-sqnr 30 --target-drop 1%", "one target"},
        {shellQuote(in) + " --mode int8 --calib random:2 --data random:2 --target-drop abc", "--target-drop"},
        {shellQuote(in) + " --mode int8 --calib random:2 --data random:2 --target-drop 1%", "label"},
        {shellQuote(in) + " --mode int8 --calib random:2 --data " + shellQuote(dir.file("missing.npy")), "missing.npy"},
        {shellQuote(in) + " --mode int8 --calib random:2 --data random:2 --samples 0", "--samples"},
        {shellQuote(in) + " --mode int8 --calib random:2 --data random:2 --csv " + shellQuote(in), "is an input"},
        {shellQuote(dir.file("nope.tflite")) + " --mode int8 --calib random:2 --data random:2", "nope.tflite"},
    };
    for (const Bad& b : bad) {
        std::string log;
        const int rc = cli("sensitivity " + b.args + " --json " + shellQuote(json), &log);
        INFO(b.args << "\n" << log);
        CHECK(rc == 2);
        CHECK(lineCount(log) == 1);
        CHECK(log.rfind("quantlab-cli: error: ", 0) == 0);
        CHECK(log.find(b.expect) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(json));
    }
}

TEST_CASE("quantlab-cli sensitivity: a shared model", "[cli][sensitivity][shared]") {
    auto model = sharedModel("face_detection_short_range.tflite");
    if (!model) {
        WARN("skipped: ../shared/models/face_detection_short_range.tflite is absent");
        return;
    }
    TempDir dir;
    const std::string csv = dir.file("face.csv");
    std::string log;
    REQUIRE(cli("sensitivity " + shellQuote(*model) + " --mode int8 --calib random:4:1 --data random:2:2 --greedy-width 3 "
                "--max-float 2 --csv " + shellQuote(csv),
                &log) == 0);
    INFO(log);
    CHECK(log.find("quantizable layers, 2 samples, calibrated on 4") != std::string::npos);
    CHECK(log.find("CONV_2D") != std::string::npos);
    CHECK(log.find("Greedy search (keep float or int16), target output SQNR >= 30") != std::string::npos);
    std::string bad;
    CHECK(cli("sensitivity " + shellQuote(*model) + " --mode int8 --calib random:2:1 --data random:1:2 --max-mac-share 150%",
              &bad) == 2);
    // The suggested quantize command normalises the pixels as they were measured.
    std::string ranged;
    REQUIRE(cli("sensitivity " + shellQuote(*model) + " --mode int8 --calib random:2:1 --data random:1:2 --greedy-width 1 "
                "--max-float 1 --pixel-range -1,1",
                &ranged) == 0);
    INFO(ranged);
    if (ranged.find("quantlab-cli quantize ") != std::string::npos) CHECK(ranged.find(" --pixel-range -1,1 ") != std::string::npos);
    CHECK(bad.find("--max-mac-share") != std::string::npos);
    const auto cb = readBytes(csv);
    CHECK(lineCount(std::string(cb.begin(), cb.end())) > 20);
}

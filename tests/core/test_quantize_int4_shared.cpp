// A real model with int4 weights against the real runtime: hand_landmark_lite quantized by
// QuantLab with int4 FULLY_CONNECTED weights (calibrated on real photos), run by the LiteRT
// oracle and by QuantLab (tflite-cpu) on the same input. Full integer: outputs equal bit for
// bit. Dynamic range with only the FULLY_CONNECTED layers quantized (per channel and in blocks
// of 32): within float rounding. Skips, saying so, without ../shared, the photos or the oracle.
#include "SingleOp.h"
#include "TestSupport.h"
#include "quantize/QuantizeJob.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::test;

TEST_CASE(
    "hand_landmark_lite with int4 FULLY_CONNECTED weights runs in LiteRT with QuantLab's outputs",
    "[quantize][int4][oracle]") {
    const auto path = sharedModel("hand_landmark_lite.tflite");
    const auto calib = photosDir("calib");
    if (!path || !calib || !litertOracleScript()) {
        WARN("skipped: needs ../shared/models/hand_landmark_lite.tflite, the photos "
             "(scripts/fetch-photos.sh) and the LiteRT oracle");
        return;
    }
    auto model = readModelFile(*path);
    REQUIRE(model.ok());
    struct Case {
        const char* name;
        quantize::Mode mode;
        int blockSize;
    };
    const Case cases[] = {{"int8_int4", quantize::Mode::Int8, 0},
                          {"dynamic_int4", quantize::Mode::Dynamic, 0},
                          {"dynamic_int4_b32", quantize::Mode::Dynamic, 32}};
    TempDir dir;
    for (const Case& c : cases) {
        INFO(c.name);
        quantize::QuantizeJobOptions o;
        o.quantize.mode = c.mode;
        o.quantize.weights = quantize::WeightType::Int4;
        o.quantize.blockSize = c.blockSize;
        // Dynamic range: only the FULLY_CONNECTED layers (the hybrid convolutions are another
        // kernel family); int8: the whole model.
        if (c.mode == quantize::Mode::Dynamic)
            o.quantize.weightsFor = {{"CONV_2D", quantize::WeightType::Float},
                                     {"DEPTHWISE_CONV_2D", quantize::WeightType::Float}};
        o.calibSpec = calib->string();
        o.data.maxSamples = 4;
        o.data.stride = 5;
        o.data.normalization = data::Normalization::range(0.0f, 1.0f);
        auto r = quantize::runQuantize(*model, o);
        REQUIRE(r.ok());
        CHECK(r->result.report.int4Ops >= 2);
        if (c.blockSize) CHECK(r->result.report.int4BlockOps == r->result.report.int4Ops);
        const std::string file = dir.file(std::string(c.name) + ".tflite");
        REQUIRE(writeModelFile(r->result.model, file).ok());
        const std::string out = dir.file(c.name);
        std::string log;
        REQUIRE(runLitertOracle(
                    {file, "--random", "0", "--float-range", "0,1", "--out", out, "--quiet"},
                    &log) == 0);
        const GoldenComparison g = compareWithGoldens(file, out);
        INFO(g.error << " differing " << g.differing << " max diff " << g.maxAbsDiff << " relative "
                     << g.relativeError());
        REQUIRE(g.error.empty());
        if (c.mode == quantize::Mode::Int8)
            CHECK(g.differing == 0);
        else
            CHECK(g.relativeError() <= 1e-5);
    }
}

// float -> int16 QUANTIZE rounds as the TFLite runtime does: the quotient r / s is taken in
// double (the builtin kernel's optimized_ops::AffineQuantize for int16_t holds the scale as a
// double), not in float as reference_ops::AffineQuantize and the int8 paths do. The inputs are
// the values where the two quotients round to different integers.
#include "SingleOp.h"
#include "TestSupport.h"
#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

using namespace ql;
using namespace ql::test;

namespace {

constexpr float kScale = 0.00137f;

// Values near (k + 1/2) * s, a few ULPs either side, whose float and double quotients round
// apart (half away from zero), plus ordinary values.
std::vector<float> disputedValues(size_t wanted) {
    std::vector<float> out;
    for (int k = -23000; k < 23000 && out.size() < wanted; k += 3) {
        float x = static_cast<float>((k + 0.5) * double(kScale));
        for (int step = 0; step < 4; ++step, x = std::nextafter(x, 1e9f)) {
            const float qf = std::round(x / kScale);
            const double qd = std::round(double(x) / double(kScale));
            if (double(qf) != qd) out.push_back(x);
        }
    }
    for (float v : {0.0f, 0.5f, -0.5f, 1.0f, -44.0f, 44.0f, 1e-6f})
        out.push_back(v);
    return out;
}

Model quantizeToInt16(int64_t n) {
    ModelBuilder mb;
    QuantParams q;
    q.scale = {kScale};
    q.zeroPoint = {0};
    auto x = mb.addTensor("x", TensorType::FLOAT32, {int32_t(n)});
    auto y = mb.addTensor("y", TensorType::INT16, {int32_t(n)}, q);
    mb.addOperator(BuiltinOp::QUANTIZE, {x}, {y});
    mb.setInputs({x});
    mb.setOutputs({y});
    return mb.build();
}

} // namespace

TEST_CASE("QUANTIZE float -> int16 divides in double like the runtime",
          "[kernels][quantize][int16][oracle]") {
    const std::vector<float> x = disputedValues(48);
    REQUIRE(x.size() > 20); // the scale does produce disputed values
    const Model m = quantizeToInt16(int64_t(x.size()));
    std::vector<uint8_t> bytes(x.size() * 4);
    std::memcpy(bytes.data(), x.data(), bytes.size());
    const OpRun r = runModel(m, {bytes});
    INFO(r.error);
    REQUIRE(r.ok());
    const std::vector<int16_t> mine = r.output<int16_t>(0);
    for (size_t i = 0; i < x.size(); ++i) {
        INFO("x = " << x[i]);
        CHECK(mine[i] == static_cast<int16_t>(std::clamp(std::round(double(x[i]) / double(kScale)),
                                                         -32768.0, 32767.0)));
    }

    if (!oracleScript()) {
        WARN("skipped the runtime comparison: oracle not installed");
        return;
    }
    TempDir dir;
    REQUIRE(writeModelFile(m, dir.file("q16.tflite")).ok());
    const std::vector<int64_t> shape{int64_t(x.size())};
    REQUIRE(writeNpy(dir.file("x.npy"), TensorType::FLOAT32, shape, bytes).ok());
    std::string log;
    REQUIRE(
        runOracle({dir.file("q16.tflite"), "--inputs", dir.file("x.npy"), "--out", dir.file("out")},
                  &log) == 0);
    auto ref = ql::readNpy(dir.file("out/output_0.npy"));
    REQUIRE(ref.ok());
    REQUIRE(ref->type == TensorType::INT16);
    const auto theirs = ref->values<int16_t>();
    REQUIRE(theirs.size() == mine.size());
    size_t differ = 0;
    for (size_t i = 0; i < mine.size(); ++i)
        differ += mine[i] != theirs[i];
    CHECK(differ == 0);
}

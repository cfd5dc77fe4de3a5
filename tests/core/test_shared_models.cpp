// Every real model in ../shared/models opens, and agrees with facts checked by hand (the
// models' README) and with what the real TFLite runtime reports (the oracle's --info).
#include "TestSupport.h"

#include "model/ModelStats.h"
#include "tflite/Metadata.h"
#include "tflite/ModelReader.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <regex>
#include <sstream>

using namespace ql;
using namespace ql::test;

namespace {

std::shared_ptr<const Model> open(const std::string& name) {
    auto path = sharedModel(name);
    if (!path) return nullptr;
    auto m = readModelFile(*path);
    const std::string why = m.ok() ? std::string() : m.message();
    INFO(why);
    REQUIRE(m.ok());
    return m.value();
}

} // namespace

TEST_CASE("every shared model opens", "[shared]") {
    const auto models = allSharedModels();
    if (models.empty()) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    for (const std::string& path : models) {
        auto m = readModelFile(path);
        INFO(path << ": " << (m.ok() ? std::string("ok") : m.message()));
        CHECK(m.ok());
    }
}

TEST_CASE("shared models agree with hand-checked facts", "[shared]") {
    auto mobilenet = open("mobilenet_v2_quantized_1x3x224x224.tflite");
    if (!mobilenet) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    {
        const ModelStats s = computeStats(*mobilenet);
        CHECK(s.operatorCount == 84); // README: 84 ops
        CHECK(s.operatorsByType.at("TRANSPOSE") == 1);
        // MobileNetV2 1.0/224 is published at about 300 M multiply-adds.
        CHECK(s.macs > 290'000'000);
        CHECK(s.macs < 310'000'000);
        const Subgraph& sg = mobilenet->subgraphs[0];
        CHECK(sg.tensor(sg.inputs[0]).shape == std::vector<int32_t>{1, 3, 224, 224});
        // Per-channel depthwise weights are quantized along dimension 3.
        bool sawDepthwiseAxis3 = false;
        for (const Operator& op : sg.operators)
            if (op.op == BuiltinOp::DEPTHWISE_CONV_2D) {
                const Tensor& w = sg.tensor(op.inputs[1]);
                sawDepthwiseAxis3 |= w.quant.isPerChannel() && w.quant.quantizedDimension == 3;
            }
        CHECK(sawDepthwiseAxis3);
    }
    auto face = open("face_detection_short_range.tflite");
    REQUIRE(face);
    CHECK(computeStats(*face).operatorsByType.at("DEQUANTIZE") == 74); // float16 weights
    CHECK(face->subgraphs[0].outputs.size() == 2);

    auto hand = open("hand_landmark_lite.tflite");
    REQUIRE(hand);
    CHECK(computeStats(*hand).operatorCount == 167);
    CHECK(hand->subgraphs[0].outputs.size() == 4);

    auto speech = open("micro_speech_quantized.tflite");
    REQUIRE(speech);
    // Old op-code encoding: only deprecated_builtin_code is set, resolved by max().
    CHECK(speech->subgraphs[0].operators[1].op == BuiltinOp::DEPTHWISE_CONV_2D);

    auto lstm = open("trained_lstm.tflite");
    REQUIRE(lstm);
    size_t variables = 0;
    for (const Tensor& t : lstm->subgraphs[0].tensors) variables += t.isVariable;
    CHECK(variables == 2); // output state and cell state

    auto hello = open("hello_world_int8.tflite");
    REQUIRE(hello);
    const Tensor& in = hello->subgraphs[0].tensor(hello->subgraphs[0].inputs[0]);
    CHECK(in.type == TensorType::INT8);
    CHECK(in.quant.scale[0] == Approx(0.024480115622282028));
    CHECK(in.quant.zeroPoint[0] == -128);
    auto conv = decodeConversionMetadata(*hello);
    REQUIRE(conv);
    REQUIRE(conv->ok());
    CHECK(conv->value().optimizationModes == std::vector<std::string>{"PTQ_FULL_INTEGER"});
    CHECK(conv->value().modelType == "KERAS_MODEL");
}

TEST_CASE("person_detect opens with the 14 bias diagnostics full TFLite refuses it for", "[shared][diagnostics]") {
    auto m = open("person_detect.tflite");
    if (!m) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    size_t qdim = 0;
    for (const Diagnostic& d : m->diagnostics)
        qdim += d.message.find("quantized_dimension must be in range [0, 1)") != std::string::npos &&
                d.message.find("but is 3") != std::string::npos;
    CHECK(qdim == 14);
    CHECK(m->diagnostics.size() == 14);
}

TEST_CASE("inputs and outputs match the real TFLite runtime's view", "[shared][oracle]") {
    if (!oracleScript() || allSharedModels().empty()) {
        WARN("skipped: the TFLite oracle or ../shared is not installed");
        return;
    }
    // input[0] id=0 name="..." shape=[1,1] dtype=int8 quant: scale=0.02 zero_point=-128
    const std::regex line(R"re((input|output)\[(\d+)\] id=(\d+) name="([^"]*)" shape=\[([0-9,]*)\] dtype=(\w+)( quant: scale=([-0-9.e+]+) zero_point=(-?\d+))?)re");
    size_t compared = 0;
    for (const std::string& path : allSharedModels()) {
        std::string out;
        const int status = runOracle({path, "--info", "--quiet"}, &out);
        if (status != 0) {
            auto m = readModelFile(path);
            REQUIRE(m.ok());
            // The runtime refused it: we open it, and explain why with diagnostics.
            INFO(path << " refused by the runtime: " << out);
            CHECK_FALSE((*m)->diagnostics.empty());
            continue;
        }
        auto m = readModelFile(path);
        REQUIRE(m.ok());
        const Subgraph& sg = (*m)->subgraphs[0];
        std::istringstream lines(out);
        std::string l;
        while (std::getline(lines, l)) {
            std::smatch x;
            if (!std::regex_search(l, x, line)) continue;
            const bool isInput = x[1] == "input";
            const size_t i = std::stoul(x[2]);
            const auto& list = isInput ? sg.inputs : sg.outputs;
            INFO(path << ": " << l);
            REQUIRE(i < list.size());
            const Tensor& t = sg.tensor(list[i]);
            CHECK(list[i].value == std::stoi(x[3]));
            CHECK(t.name == x[4].str());
            std::string shape;
            for (size_t d = 0; d < t.shape.size(); ++d) shape += (d ? "," : "") + std::to_string(t.shape[d]);
            CHECK(shape == x[5].str());
            CHECK(std::string(typeName(t.type)) == x[6].str());
            if (x[7].matched) {
                REQUIRE(t.quant.isQuantized());
                CHECK(t.quant.scale[0] == Approx(std::stod(x[8])).epsilon(1e-6));
                CHECK(t.quant.zeroPoint[0] == std::stoll(x[9]));
            }
            ++compared;
        }
    }
    CHECK(compared >= 20);
}

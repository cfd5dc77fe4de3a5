// Custom operator options: flexbuffer maps decoded for the inspector and for kernels.
#include "InterpreterTest.h"
#include "model/CustomOptions.h"
#include "model/ModelBuilder.h"
#include "tflite/ModelJson.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <flatbuffers/flexbuffers.h>

using namespace ql;
using namespace ql::test;

namespace {

// The options TFLite's SSD exporter writes for TFLite_Detection_PostProcess.
std::vector<uint8_t> detectionOptions() {
    flexbuffers::Builder fbb;
    fbb.Map([&] {
        fbb.Int("max_detections", 10);
        fbb.Int("max_classes_per_detection", 1);
        fbb.Float("nms_score_threshold", 0.3f);
        fbb.Float("nms_iou_threshold", 0.6f);
        fbb.Int("num_classes", 90);
        fbb.Float("y_scale", 10.0f);
        fbb.Bool("use_regular_nms", false);
        fbb.String("name", "post");
        fbb.Vector("sizes", [&] {
            fbb.Int(3);
            fbb.Int(5);
        });
    });
    fbb.Finish();
    return fbb.GetBuffer();
}

} // namespace

TEST_CASE("Custom options decode a flexbuffer map", "[custom-options]") {
    auto parsed = CustomOptions::parse(detectionOptions());
    REQUIRE(parsed);
    CHECK(parsed->number("max_detections") == 10.0);
    CHECK(parsed->number("nms_score_threshold") == Approx(0.3f));
    CHECK(parsed->number("use_regular_nms") == 0.0);
    CHECK(parsed->string("name") == "post");
    CHECK_FALSE(parsed->number("name").has_value());
    CHECK_FALSE(parsed->number("missing").has_value());
    const CustomOption* sizes = parsed->find("sizes");
    REQUIRE(sizes);
    CHECK(sizes->numbers == std::vector<double>{3, 5});
}

TEST_CASE("Custom options reject bytes that are not a flexbuffer map", "[custom-options]") {
    CHECK(CustomOptions::parse({})->entries().empty());
    auto garbage = CustomOptions::parse({0xff, 0xff, 0xff, 0x7f, 0x01});
    REQUIRE_FALSE(garbage);
    CHECK(garbage.message() == "custom options (5 bytes) are not a valid flexbuffer");
    flexbuffers::Builder fbb;
    fbb.Int(7);
    fbb.Finish();
    auto scalar = CustomOptions::parse(fbb.GetBuffer());
    REQUIRE_FALSE(scalar);
    CHECK(scalar.message() == "custom options are a flexbuffer whose root is not a map");
    // Every truncation of a valid buffer is either rejected or decoded without reading past it.
    const auto full = detectionOptions();
    for (size_t n = 0; n < full.size(); ++n) {
        const std::vector<uint8_t> cut(full.begin(), full.begin() + long(n));
        (void)describeCustomOptions("Foo", cut);
    }
}

TEST_CASE("An unknown custom operator opens and shows its options", "[custom-options]") {
    ModelBuilder b;
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 4});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 4});
    b.addCustomOperator("SomethingNew", {x}, {y}, detectionOptions());
    b.setInputs({x});
    b.setOutputs({y});
    const auto model = roundTrip(b.build());
    const Operator& op = model->subgraphs[0].operators[0];
    CHECK(optionsTypeName(op) == "custom (flexbuffer)");
    const auto fields = describeOptions(op);
    REQUIRE(fields.size() == 9);
    auto field = [&](const std::string& name) {
        for (const OptionField& f : fields)
            if (f.name == name) return f;
        return OptionField{};
    };
    CHECK(field("max_detections").json == "10");
    CHECK(field("use_regular_nms").text == "false");
    CHECK(field("name").json == "\"post\"");
    CHECK(field("sizes").text == "[3, 5]");
    const std::string json = modelToJson(*model);
    const size_t at = json.find("\"nms_iou_threshold\"");
    REQUIRE(at != std::string::npos);
    CHECK(json.substr(at, 40).find("0.600000024") != std::string::npos);
}

TEST_CASE("MediaPipe's raw option structs are shown by field", "[custom-options]") {
    // TfLitePoolParams: padding VALID, strides 2x2, filter 3x2, activation RELU6, then the
    // computed padding TFLite fills in (ignored).
    const std::vector<int32_t> pool{2, 2, 2, 3, 2, 3, 0, 0, 0, 0};
    std::vector<uint8_t> bytes(pool.size() * 4);
    std::memcpy(bytes.data(), pool.data(), bytes.size());
    const auto fields = describeCustomOptions("MaxPoolingWithArgmax2D", bytes);
    REQUIRE(fields.size() == 6);
    CHECK(fields[0].name == "padding");
    CHECK(fields[0].text == "VALID");
    CHECK(fields[0].json == "\"VALID\"");
    CHECK(fields[3].name == "filter_width");
    CHECK(fields[3].json == "3");
    CHECK(fields[5].text == "RELU6");
    const auto shortFields = describeCustomOptions("MaxUnpooling2D", std::vector<uint8_t>(8));
    REQUIRE(shortFields.size() == 1);
    CHECK(shortFields[0].name == "custom_options_error");
}

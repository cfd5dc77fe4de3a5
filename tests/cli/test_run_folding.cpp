// quantlab-cli run --all-tensors on a model whose float16 weights the interpreter folds at
// prepare: every tensor file equals the unfolded run of the same input, and the folded weight
// is still listed as an activation with its values.
#include "CliTest.h"
#include "TestSupport.h"

#include "io/Npy.h"
#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "tflite/ModelWriter.h"
#include "util/Float16.h"

#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::test;

namespace {

// x[1,6] -> FULLY_CONNECTED(x, DEQUANTIZE(float16 [3,6]), bias) -> y.
Model fp16FcModel() {
    ModelBuilder b;
    std::vector<float> w(18);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 0.03f * float(int(i) - 9);
    std::vector<uint16_t> h(w.size());
    floatToHalf(w, h);
    const auto x = b.addTensor("x", TensorType::FLOAT32, {1, 6});
    const auto w16 = b.addConstant("w16", TensorType::FLOAT16, {3, 6}, h);
    const auto wf = b.addTensor("w", TensorType::FLOAT32, {3, 6});
    const auto bias = b.addConstant("bias", TensorType::FLOAT32, {3}, std::vector<float>{0.1f, 0.2f, -0.3f});
    const auto y = b.addTensor("y", TensorType::FLOAT32, {1, 3});
    b.setInputs({x});
    b.addOperator(BuiltinOp::DEQUANTIZE, {w16}, {wf});
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {x, wf, bias}, {y}, fullyConnectedOptions());
    b.setOutputs({y});
    return b.build();
}

} // namespace

TEST_CASE("quantlab-cli run --all-tensors: folded float16 weights are written as in the unfolded run", "[cli][run][folding]") {
    TempDir dir;
    const std::string path = dir.file("fp16.tflite");
    const Model model = fp16FcModel();
    REQUIRE(writeModelFile(model, path));
    REQUIRE(cli("run " + shellQuote(path) + " --random 5 --out " + shellQuote(dir.file("a")) + " --all-tensors") == 0);

    rt::InterpreterOptions o;
    o.keepAllTensors = true;
    o.foldConstants = false;
    auto made = rt::Interpreter::create(std::make_shared<const Model>(model), o);
    REQUIRE(made);
    rt::Interpreter& plain = *made.value();
    auto in = readNpy(dir.file("a/input_0.npy"));
    REQUIRE(in);
    REQUIRE(plain.setInput(0, in->type, in->shape, in->data));
    REQUIRE(plain.invoke());
    for (size_t t = 0; t < plain.tensorCount(); ++t) {
        INFO("tensor " << t);
        auto a = readNpy(dir.file("a/tensor_" + std::to_string(t) + ".npy"));
        REQUIRE(a);
        const rt::RtTensor& r = plain.tensor(TensorIndex{t});
        CHECK(a->data == std::vector<uint8_t>(r.data, r.data + r.bytes));
    }
    const auto json = readBytes(dir.file("a/tensors.json"));
    const std::string text(json.begin(), json.end());
    const size_t w = text.find("\"name\": \"w\"");
    REQUIRE(w != std::string::npos);
    CHECK(text.find("\"kind\": \"activation\"", w) < text.find('}', w)); // the folded weight, as before
}

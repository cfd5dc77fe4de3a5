// Crafted hostile model files (tests/support/HostileModels): every one is refused with a
// message naming what is wrong, at load, at prepare, at run or when quantizing; none crashes,
// hangs or silently succeeds.
#include "HostileModels.h"
#include "SingleOp.h"
#include "TestModels.h"
#include "model/ModelBuilder.h"
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

TEST_CASE("hostile models: BOOL bytes other than 0 and 1 read as true, as in TFLite", "[hostile]") {
    // A file (or a data file) may hold any byte in a BOOL tensor; kernels read bool*, for which
    // only 0 and 1 are values (reading 17 is undefined behaviour, and !17 need not be 0).
    using T = TensorType;
    ModelBuilder b;
    const TensorIndex in = b.addTensor("in", T::BOOL, {4});
    const TensorIndex k = b.addConstantBytes("k", T::BOOL, {4}, {17, 0, 1, 255});
    const TensorIndex both = b.addTensor("both", T::BOOL, {4});
    const TensorIndex notIn = b.addTensor("not_in", T::BOOL, {4});
    const TensorIndex notK = b.addTensor("not_k", T::BOOL, {4});
    b.addOperator(BuiltinOp::LOGICAL_AND, {in, k}, {both});
    b.addOperator(BuiltinOp::LOGICAL_NOT, {in}, {notIn});
    b.addOperator(BuiltinOp::LOGICAL_NOT, {k}, {notK});
    b.setInputs({in});
    b.setOutputs({both, notIn, notK});
    const OpRun r = runModel(b.build(), {{2, 1, 0, 64}});
    REQUIRE(r.ok());
    CHECK(r.outputs[0] == std::vector<uint8_t>{1, 0, 0, 1});
    CHECK(r.outputs[1] == std::vector<uint8_t>{0, 0, 1, 0});
    CHECK(r.outputs[2] == std::vector<uint8_t>{0, 1, 0, 0});
}

TEST_CASE("hostile models: a shape computed while running is bounded by the memory limit", "[hostile]") {
    // TILE whose multiples are a graph input: the output size is known only at run time and
    // must be refused before it is allocated, naming the operator and the tensor.
    using T = TensorType;
    ModelBuilder b;
    const TensorIndex k = b.addTensor("k", T::INT32, {2});
    const TensorIndex shape = b.addTensor("multiples", T::INT32, {1});
    const TensorIndex out = b.addTensor("out", T::INT32, {2});
    // 2 elements tiled 2^29 times: 2^30 int32 = 4 GiB, over a 64 MiB limit.
    b.addOperator(BuiltinOp::TILE, {k, shape}, {out});
    b.setInputs({k, shape});
    b.setOutputs({out});
    ScopedLimits limits(1000, uint64_t(64) << 20);
    const OpRun r = runModel(b.build(), {bytesOf(std::vector<int32_t>{1, 2}), bytesOf(std::vector<int32_t>{1 << 29})});
    INFO(r.error);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.find("operator 0 (TILE)") != std::string::npos);
    CHECK(r.error.find("'out'") != std::string::npos);
    CHECK(r.error.find("limit") != std::string::npos);
}

TEST_CASE("hostile models: an operator may not resize a variable tensor", "[hostile]") {
    // A variable keeps the storage of its declared shape; RESHAPE giving it 4 elements where it
    // declares 0 would make the next operator read past that storage.
    using T = TensorType;
    ModelBuilder b;
    const TensorIndex in = b.addTensor("in", T::FLOAT32, {1, 4});
    const TensorIndex state = b.addTensor("state", T::FLOAT32, {4, 0});
    const TensorIndex w = b.addConstant("w", T::FLOAT32, {2, 4}, std::vector<float>(8, 0.5f));
    const TensorIndex out = b.addTensor("out", T::FLOAT32, {1, 2});
    b.model().subgraphs[0].tensors[state.index()].isVariable = true;
    b.addOperator(BuiltinOp::RESHAPE, {in}, {state}, reshapeOptions({1, 4}));
    b.addOperator(BuiltinOp::FULLY_CONNECTED, {state, w}, {out}, fullyConnectedOptions());
    b.setInputs({in});
    b.setOutputs({out});
    const OpRun r = runModel(b.build(), {bytesOf(std::vector<float>{1, 2, 3, 4})});
    INFO(r.error);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.find("operator 0 (RESHAPE)") != std::string::npos);
    CHECK(r.error.find("'state'") != std::string::npos);
}

TEST_CASE("hostile models: the interpreter refuses an integer tensor without a positive finite scale",
          "[hostile]") {
    for (const HostileCase& c : hostileModels()) {
        if (c.name != "int8-nan-scale") continue;
        auto model = readModel(MappedFile::fromBytes(c.bytes), c.name + ".tflite");
        REQUIRE(model); // the loader reports the scale as a diagnostic
        auto interp = rt::Interpreter::create(model.value());
        REQUIRE_FALSE(interp);
        CHECK(interp.message().find("tensor 0 'input': scale[0] is nan") != std::string::npos);
        return;
    }
    FAIL("no int8-nan-scale case");
}

TEST_CASE("hostile models: an output without elements but with huge dimensions is not looped over",
          "[hostile]") {
    // SPACE_TO_BATCH_ND of a [1,2,2,0] input padded by 2^20 rows and columns: the output
    // [1, 2^20+2, 2^20+2, 0] holds no bytes, and visiting its 2^40 pixels would hang.
    using T = TensorType;
    ModelBuilder b;
    const TensorIndex in = b.addTensor("in", T::FLOAT32, {1, 2, 2, 0});
    const TensorIndex block = b.addConstant("block", T::INT32, {2}, std::vector<int32_t>{1, 1});
    const TensorIndex pads = b.addConstant("pads", T::INT32, {2, 2}, std::vector<int32_t>{0, 1 << 20, 0, 1 << 20});
    const TensorIndex out = b.addTensor("out", T::FLOAT32, {1, (1 << 20) + 2, (1 << 20) + 2, 0});
    b.addOperator(BuiltinOp::SPACE_TO_BATCH_ND, {in, block, pads}, {out});
    b.setInputs({in});
    b.setOutputs({out});
    const OpRun r = runModel(b.build(), {{}});
    INFO(r.error);
    REQUIRE(r.ok());
    REQUIRE(r.shapes.size() == 1);
    CHECK(r.shapes[0] == std::vector<int32_t>{1, (1 << 20) + 2, (1 << 20) + 2, 0});
}

} // namespace ql::test

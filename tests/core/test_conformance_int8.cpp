// Real int8 models against the TFLite runtime (the oracle, XNNPACK always on), under two
// targets of the interpreter:
// - Target::TfliteReference (TFLite's builtin reference kernels): end to end the outputs
//   drift by several LSB on deep models (one LSB here and there per layer compounds), so the
//   documented tolerance is per operator: each operator alone, fed the same inputs, differs by
//   at most 1 LSB. The share of differing elements per operator type is printed.
// - Target::TfliteCpu (the default: what the runtime computes with its XNNPACK delegate):
//   bit-exact, end to end and per operator.
// Models: mobilenet_v2_quantized_1x3x224x224 (a real int8 model) and face_detection_short_range
// quantized int8-only by QuantLab. Skipped when ../shared or the oracle is absent.
#include "Layerwise.h"
#include "TestSupport.h"
#include "test_quantize_support.h"

#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace ql;
using namespace ql::test;

namespace {

struct EndToEnd {
    size_t elements = 0, differing = 0;
    int64_t maxLsb = 0;
};

EndToEnd endToEnd(const std::shared_ptr<const Model>& model, const std::string& dir, Target target) {
    rt::InterpreterOptions opt;
    opt.run.target = target;
    auto made = rt::Interpreter::create(model, opt);
    REQUIRE(made);
    rt::Interpreter& it = *made.value();
    for (size_t i = 0; i < it.inputCount(); ++i) {
        auto in = readNpy(dir + "/input_" + std::to_string(i) + ".npy");
        REQUIRE(in);
        REQUIRE(it.setInput(i, in->type, in->shape, in->data));
    }
    REQUIRE(it.invoke());
    EndToEnd e;
    for (size_t o = 0; o < it.outputCount(); ++o) {
        auto ref = readNpy(dir + "/output_" + std::to_string(o) + ".npy");
        REQUIRE(ref);
        const rt::RtTensor& t = it.output(o);
        REQUIRE(ref->type == TensorType::INT8);
        REQUIRE(t.type == TensorType::INT8);
        const auto golden = ref->values<int8_t>();
        REQUIRE(int64_t(golden.size()) == t.elementCount());
        for (size_t k = 0; k < golden.size(); ++k) {
            const int64_t d = std::llabs(int64_t(t.as<int8_t>()[k]) - int64_t(golden[k]));
            e.differing += d ? 1 : 0;
            e.maxLsb = std::max(e.maxLsb, d);
        }
        e.elements += golden.size();
    }
    return e;
}

void printEndToEnd(const std::string& name, Target target, const EndToEnd& e) {
    std::printf("int8 conformance: %-36s %-16s end to end: differing %zu/%zu (%.3f%%), max LSB %lld\n", name.c_str(), std::string(targetName(target)).c_str(),
                e.differing, e.elements, e.elements ? 100.0 * double(e.differing) / double(e.elements) : 0.0,
                static_cast<long long>(e.maxLsb));
}

// The whole check for one int8 model file.
void checkInt8Model(const std::string& name, const std::string& path, const TempDir& tmp) {
    auto model = readModelFile(path);
    REQUIRE(model);
    const std::string dir = tmp.file(name + ".oracle");
    std::string log;
    REQUIRE(runOracle({path, "--random", "3", "--out", dir, "--quiet"}, &log) == 0);

    const EndToEnd ref = endToEnd(model.value(), dir, Target::TfliteReference);
    const EndToEnd cpu = endToEnd(model.value(), dir, Target::TfliteCpu);
    printEndToEnd(name, Target::TfliteReference, ref);
    printEndToEnd(name, Target::TfliteCpu, cpu);
    CHECK(cpu.differing == 0);

    rt::RunOptions reference, cpuTarget;
    reference.target = Target::TfliteReference;
    cpuTarget.target = Target::TfliteCpu;
    const LayerwiseResult layers = layerwise(model.value(), dir, tmp.file(name + ".layers"), {reference, cpuTarget});
    REQUIRE(layers.error.empty());
    for (const std::string& s : layers.skipped) WARN(name << ": does not run alone in TFLite: " << s);
    CHECK(layers.skipped.empty());
    const char* labels[] = {"tflite-reference", "tflite-cpu"};
    for (size_t v = 0; v < 2; ++v) {
        const auto rows = summarizeByType(layers.perVariant[v]);
        std::printf("int8 conformance: %s, each operator alone, target %s:\n%s", name.c_str(), labels[v], typeTable(rows).c_str());
        for (const OperatorDiff& d : layers.perVariant[v]) {
            if (d.isFloat) continue;
            INFO(name << " operator " << d.op << " (" << d.type << ") output " << d.output << ", target " << labels[v]);
            CHECK(d.maxLsb >= 0);
            CHECK(d.maxLsb <= (v == 0 ? 1 : 0));
        }
    }
}

bool haveSharedAndOracle(const std::optional<std::string>& path) {
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return false;
    }
    if (!oracleScript()) {
        WARN("skipped: the TFLite oracle is not installed");
        return false;
    }
    return true;
}

} // namespace

TEST_CASE("int8 conformance: mobilenet_v2_quantized, both targets against the oracle", "[conformance][oracle][int8]") {
    const auto path = sharedModel("mobilenet_v2_quantized_1x3x224x224.tflite");
    if (!haveSharedAndOracle(path)) return;
    TempDir tmp;
    checkInt8Model("mobilenet_v2_quantized", *path, tmp);
}

TEST_CASE("int8 conformance: face_detection_short_range quantized int8-only by QuantLab, both targets", "[conformance][oracle][int8]") {
    const auto path = sharedModel("face_detection_short_range.tflite");
    if (!haveSharedAndOracle(path)) return;
    auto model = readModelFile(*path);
    REQUIRE(model);
    auto quantized = quantizeWith(model.value(), quantize::Mode::Int8Only, "random:8:1");
    REQUIRE(quantized);
    TempDir tmp;
    const std::string file = tmp.file("face_detection_int8_only.tflite");
    REQUIRE(writeModelFile(quantized->result.model, file));
    checkInt8Model("face_detection_int8_only", file, tmp);
}

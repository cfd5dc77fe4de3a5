#include "runtime/OperatorList.h"

#include "model/ModelBuilder.h"
#include "runtime/Interpreter.h"
#include "runtime/RandomInputs.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

namespace ql::rt {
namespace {

// Types of operators the probe cannot build (weights, special inputs, raw options): what
// their kernels implement, kept next to the kernels' own checks.
const std::map<std::string, std::pair<std::string, std::string>>& knownTypes() {
    static const std::map<std::string, std::pair<std::string, std::string>> table = {
        {"TFLite_Detection_PostProcess",
         {"float32, uint8, int8 inputs; float32 outputs",
          "regular and fast NMS (tensorflow/lite/kernels/detection_postprocess.cc)"}},
        {"RFFT2D",
         {"float32 input, complex64 output",
          "fft_length powers of two (tensorflow/lite/kernels/rfft2d.cc)"}},
        {"COMPLEX_ABS", {"complex64 input, float32 output", ""}},
        {"REAL", {"complex64 input, float32 output", ""}},
        {"IMAG", {"complex64 input, float32 output", ""}},
        {"AudioSpectrogram",
         {"float32", "TFLite's audio op (tensorflow/lite/kernels/audio_spectrogram.cc)"}},
        {"Mfcc",
         {"float32 spectrogram, int32 sample rate",
          "TFLite's audio op (tensorflow/lite/kernels/mfcc.cc)"}},
        {"MaxPoolingWithArgmax2D", {"float32", "MediaPipe; options are a raw TfLitePoolParams"}},
        {"MaxUnpooling2D", {"float32", "MediaPipe; options are a raw TfLitePoolParams"}},
        {"Convolution2DTransposeBias",
         {"float32", "MediaPipe; options are a raw TfLiteTransposeConvParams"}},
    };
    return table;
}

// The custom codes QuantLab registers (kernels/custom.cpp, kernels/conv.cpp); the list asks
// the registry about each, and a test checks that every custom operator of the registry's
// families is here.
const std::map<std::string, int>& knownCustom() {
    static const std::map<std::string, int> codes = {{"TFLite_Detection_PostProcess", 0},
                                                     {"AudioSpectrogram", 0},
                                                     {"Mfcc", 0},
                                                     {"MaxPoolingWithArgmax2D", 0},
                                                     {"MaxUnpooling2D", 0},
                                                     {"Convolution2DTransposeBias", 0}};
    return codes;
}

QuantParams quantFor(TensorType t) {
    QuantParams q;
    switch (t) {
    case TensorType::INT8:
        q.scale = {0.05f}, q.zeroPoint = {-3};
        break;
    case TensorType::UINT8:
        q.scale = {0.05f}, q.zeroPoint = {128};
        break;
    case TensorType::INT16:
        q.scale = {0.002f}, q.zeroPoint = {0};
        break;
    default:
        break;
    }
    return q;
}

// One probe model: `inputs` graph inputs of type t and shape [1,3,4,5], one output of type
// `out` (t, or bool for comparisons).
std::shared_ptr<const Model> probeModel(BuiltinOp op, int version, TensorType t, int inputs,
                                        TensorType out) {
    ModelBuilder b;
    std::vector<TensorIndex> ins;
    for (int i = 0; i < inputs; ++i)
        ins.push_back(b.addTensor("x" + std::to_string(i), t, {1, 3, 4, 5}, quantFor(t)));
    const auto y = b.addTensor("y", out, {1, 3, 4, 5}, out == t ? quantFor(t) : QuantParams{});
    b.addOperator(op, ins, {y}, {}, version);
    b.setInputs(ins);
    b.setOutputs({y});
    return std::make_shared<const Model>(b.build());
}

// Runs the model once for the given target on seeded random inputs; the output bytes, or
// nothing when it does not prepare or run.
std::optional<std::vector<uint8_t>> probeRun(const std::shared_ptr<const Model>& model,
                                             Target target) {
    InterpreterOptions options;
    options.run.target = target;
    auto made = Interpreter::create(model, options);
    if (!made) return std::nullopt;
    Interpreter& it = *made.value();
    OracleRng rng(7);
    for (size_t i = 0; i < it.inputCount(); ++i) {
        RtTensor& in = it.input(i);
        if (!fillRandom({in.data, in.bytes}, in.type, in.isQuantized(), rng)) return std::nullopt;
    }
    if (!it.invoke()) return std::nullopt;
    const RtTensor& out = it.output(0);
    return std::vector<uint8_t>(out.data, out.data + out.bytes);
}

// Operators whose second input is a shape, a count or a subgraph: random values there would
// ask for huge outputs or call subgraphs the probe does not have. Not probed.
bool probeable(BuiltinOp op) {
    switch (op) {
    case BuiltinOp::FILL:
    case BuiltinOp::BROADCAST_TO:
    case BuiltinOp::TILE:
    case BuiltinOp::RANGE:
    case BuiltinOp::WHILE:
    case BuiltinOp::IF:
    case BuiltinOp::CALL_ONCE:
        return false;
    default:
        return true;
    }
}

void probeTypes(OperatorSupport& s, BuiltinOp op, int version) {
    if (!probeable(op)) return;
    static const TensorType kTypes[] = {TensorType::FLOAT32, TensorType::INT8,  TensorType::UINT8,
                                        TensorType::INT16,   TensorType::INT32, TensorType::BOOL};
    std::vector<std::string> runs, differs;
    for (TensorType t : kTypes) {
        bool ran = false;
        for (auto [inputs, out] : {std::pair{1, t}, {2, t}, {2, TensorType::BOOL}}) {
            const auto model = probeModel(op, version, t, inputs, out);
            const auto ref = probeRun(model, Target::TfliteReference);
            if (!ref) continue;
            ran = true;
            if (t == TensorType::INT8 || t == TensorType::UINT8 || t == TensorType::INT16) {
                const auto xnn = probeRun(model, Target::TfliteCpu);
                if (xnn && *xnn != *ref) differs.emplace_back(typeName(t));
            }
            break;
        }
        if (ran) runs.emplace_back(typeName(t));
    }
    auto join = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v)
            out += (out.empty() ? "" : ", ") + x;
        return out;
    };
    s.types = join(runs);
    s.probed = !runs.empty();
    s.arithmeticDiffers = join(differs);
}

std::string versionsText(int lo, int hi) {
    return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

} // namespace

std::vector<OperatorSupport> operatorList() {
    const KernelRegistry& registry = KernelRegistry::builtin();
    std::vector<OperatorSupport> builtins, customs;
    // Builtins: every schema operator, versions 1..kMaxVersion asked of the registry.
    constexpr int kMaxVersion = 16;
    for (int code = 0; code <= static_cast<int>(tflite::BuiltinOperator::MAX); ++code) {
        const auto op = static_cast<BuiltinOp>(code);
        if (op == BuiltinOp::CUSTOM || opName(op) == "UNKNOWN_OP") continue;
        Operator probe;
        probe.op = op;
        int lo = 0, hi = 0;
        for (int v = 1; v <= kMaxVersion; ++v) {
            probe.version = v;
            if (!registry.supports(probe)) continue;
            if (lo == 0) lo = v;
            hi = v;
        }
        if (lo == 0) continue;
        OperatorSupport s;
        s.name = std::string(opName(op));
        s.versions = versionsText(lo, hi);
        probeTypes(s, op, hi);
        builtins.push_back(std::move(s));
    }
    // Custom operators: the codes QuantLab implements, each confirmed by the registry.
    for (const auto& [code, info] : knownCustom()) {
        Operator probe;
        probe.op = BuiltinOp::CUSTOM;
        probe.customCode = code;
        if (!registry.supports(probe)) continue;
        OperatorSupport s;
        s.name = code;
        s.custom = true;
        s.versions = "-";
        customs.push_back(std::move(s));
    }
    for (auto* list : {&builtins, &customs})
        for (OperatorSupport& s : *list)
            if (auto k = knownTypes().find(s.name); k != knownTypes().end()) {
                if (!s.probed) s.types = k->second.first;
                s.notes = k->second.second;
            }
    auto byName = [](const OperatorSupport& a, const OperatorSupport& b) {
        return a.name < b.name;
    };
    std::sort(builtins.begin(), builtins.end(), byName);
    std::sort(customs.begin(), customs.end(), byName);
    builtins.insert(builtins.end(), customs.begin(), customs.end());
    return builtins;
}

std::string operatorListMarkdown() {
    const auto list = operatorList();
    size_t builtins = 0;
    for (const auto& s : list)
        builtins += s.custom ? 0 : 1;
    std::string md =
        "# Operators QuantLab runs\n\n"
        "Generated by `quantlab-cli ops --markdown` from the kernel registry; a test fails when "
        "this file is "
        "stale.\n\n" +
        std::to_string(builtins) + " builtin operators and " +
        std::to_string(list.size() - builtins) +
        " custom operators. *Types* were found by running each kernel on small one-operator models "
        "(one input, two inputs, a comparison; float32, int8, uint8, int16, int32, bool); an "
        "operator whose "
        "inputs need weights or options is listed with the types its kernel implements (marked "
        "*table*), "
        "or *not probed*. *Arithmetic differs* lists the integer types whose outputs differ "
        "between TFLite's "
        "reference kernels and XNNPACK's arithmetic on the probe's random inputs.\n\n"
        "| operator | versions | types | arithmetic differs | notes |\n|---|---|---|---|---|\n";
    for (const auto& s : list) {
        std::string types =
            s.types.empty() ? "*not probed*" : s.types + (s.probed ? "" : " (*table*)");
        md += "| " + std::string(s.custom ? "custom `" + s.name + "`" : s.name) + " | " +
              s.versions + " | " + types + " | " +
              (s.arithmeticDiffers.empty() ? "" : s.arithmeticDiffers) + " | " + s.notes + " |\n";
    }
    return md;
}

} // namespace ql::rt

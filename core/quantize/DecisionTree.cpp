#include "quantize/DecisionTree.h"

namespace ql::quantize {
namespace {

const char* kAliasNote =
    "tf.lite.Optimize.OPTIMIZE_FOR_SIZE and OPTIMIZE_FOR_LATENCY are deprecated aliases of Optimize.DEFAULT: "
    "all three select the same post-training quantization; the data and target types decide the mode.";

std::vector<Step> makeSteps() {
    std::vector<Step> s;
    s.push_back({Question::Optimize, "Optimize at all?", "Do you want to make the model smaller or faster?",
                 "Quantization stores weights (and possibly activations) with fewer bits: the file gets about 2x "
                 "(float16) or 4x (int8) smaller and integer kernels run 2-3x faster on CPUs, at some risk to "
                 "accuracy. \"No\" keeps the float32 model as the baseline the others are compared with.\n\n" +
                     std::string(kAliasNote),
                 "A float32 model stores every weight in 4 bytes. Quantization maps real values r to small "
                 "integers q with r = scale * (q - zero_point): int8 needs 1 byte per weight, float16 2 bytes. "
                 "Smaller weights mean a smaller download and less memory traffic; integer arithmetic is faster "
                 "on most CPUs and is the only arithmetic of some accelerators. The price is rounding error. "
                 "The converter's flag for all of this is Optimize.DEFAULT; OPTIMIZE_FOR_SIZE and "
                 "OPTIMIZE_FOR_LATENCY are deprecated aliases of it.",
                 {{"Yes, quantize", "go on to choose the kind of quantization"},
                  {"No, keep float32", "leaf: none (float baseline, 1x size, 1x speed)"}}});
    s.push_back({Question::Float16Hardware, "Float16 hardware", "Will it run on hardware that computes in float16, such as a GPU?",
                 "float16 halves the file (2x smaller) with almost no accuracy loss. GPU delegates compute in float16 "
                 "natively; on a CPU the weights are expanded back to float32 (DEQUANTIZE), so there is no speed-up "
                 "there.",
                 "float16 keeps the floating-point format but with a 10-bit mantissa: about 3 significant digits, "
                 "which is enough for almost every weight. It is the safe choice for GPUs (the TFLite GPU delegate "
                 "runs float16 directly) and needs no data. It does not make CPU inference faster.",
                 {{"Yes (GPU)", "leaf: float16 (2x smaller, GPU speed-up, negligible accuracy risk)"},
                  {"No (CPU, DSP, NPU, microcontroller)", "go on: do you have representative data?"}}});
    s.push_back({Question::RepresentativeData, "Representative data",
                 "Do you have representative input data (about 100-500 samples) to calibrate activations?",
                 "Full integer quantization must know the range of every activation tensor, which only running "
                 "real inputs (calibration) reveals. Without data, dynamic range quantization stores int8 weights "
                 "(4x smaller) and quantizes activations on the fly inside hybrid kernels: 2-3x faster on CPU, "
                 "float inputs and outputs, lower accuracy risk than full integer.",
                 "Weights are known in advance, activations are not: their range depends on the input. A "
                 "representative data set (a few hundred typical inputs, labels not needed) is run through the "
                 "float model and the observed ranges become the activations' scale and zero_point. Without such "
                 "data only the weights can be quantized (dynamic range): the kernels then quantize activations at "
                 "run time, which is slower than full integer and cannot run on integer-only accelerators.",
                 {{"Yes", "go on: integer-only hardware?"},
                  {"No", "leaf: dynamic (int8 weights, 4x smaller, 2-3x faster on CPU)"}}});
    s.push_back({Question::IntegerOnlyHardware, "Integer-only hardware",
                 "Must the model run on integer-only hardware (Edge TPU, a DSP such as Hexagon, a microcontroller)?",
                 "Full integer with float fallback (int8) keeps float inputs/outputs and lets ops without an integer "
                 "kernel stay float: 4x smaller, 3x+ faster on CPU. Integer-only (int8-only) requires every op to "
                 "have an integer kernel and uses int8 or uint8 inputs and outputs; it is what Edge TPU, DSPs and "
                 "TFLite Micro need.",
                 "Accelerators such as the Edge TPU have no floating-point unit: a single float op would send the "
                 "rest of the graph back to the CPU, and microcontrollers often have no float kernels at all. "
                 "Integer-only quantization guarantees an all-integer graph, including the inputs and outputs, "
                 "and fails when an op has no integer kernel. If your target has a CPU, the float fallback variant "
                 "is more forgiving.",
                 {{"Yes, integer only", "go on: int8 or uint8 inputs and outputs"},
                  {"No, a CPU can take float ops", "leaf: int8 (full integer, float fallback, float I/O)"}}});
    s.push_back({Question::IoType, "Input and output type", "Which integer type should the model's inputs and outputs have?",
                 "int8 is TFLite's default for integer-only models. uint8 I/O suits camera pipelines and older "
                 "accelerators that expect 0..255 pixels; inside, the graph is int8 either way.",
                 "TFLite's integer kernels are int8. For int8-only, the graph's inputs and outputs can still be "
                 "uint8: a QUANTIZE op at the input and at the output converts with zero points shifted by 128, so "
                 "the values are the same, only the byte encoding differs.",
                 {{"int8 input and output", "leaf: int8-only with int8 I/O"},
                  {"uint8 input and output", "leaf: int8-only with uint8 I/O"}}});
    s.push_back({Question::AccuracyGood, "Accuracy check",
                 "After quantizing, is the accuracy good enough? (Compare float and quantized side by side.)",
                 "int8 activations carry the highest accuracy risk of the post-training modes: a few layers with "
                 "wide or outlier-heavy ranges usually cause most of the loss. Check the per-layer error before "
                 "accepting the model.",
                 "Quantization adds rounding noise at every layer; usually the end result loses under 1% accuracy, "
                 "but models with wide activation ranges (detection heads, attention, unbounded activations) can "
                 "lose much more. Run the same inputs through both models and look at which layer's error jumps.",
                 {{"Yes", "keep this leaf"}, {"No", "go on: choose how to win the accuracy back"}}});
    s.push_back({Question::AccuracyFix, "Win accuracy back", "Which remedy do you want to try?",
                 "int16 activations (int16x8) cut the activation error by about 256x but the file is only 3-4x "
                 "smaller and the integer kernels are slower and rarer. Keeping the most sensitive ops in float "
                 "keeps most of the speed-up but leaves a mixed graph (not for integer-only hardware). "
                 "Quantization-aware training retrains with simulated quantization: the best accuracy, outside this app.",
                 "Three levers, in order of effort: (1) 16-bit activations with 8-bit weights, the same graph with "
                 "65536 instead of 256 activation levels; (2) keep the few layers that cost most (the sensitivity "
                 "ranking) in float; (3) train with fake quantization in TensorFlow (QAT) so the weights adapt "
                 "to the rounding, then convert again.",
                 {{"int16 activations (int16x8)", "leaf: int16x8"},
                  {"Keep the most sensitive ops in float", "leaf: int8 with keep-float ops"},
                  {"Quantization-aware training", "leaf: outside the app (retrain in TensorFlow)"}}});
    return s;
}

bool integerLeafReached(const TreeAnswers& a) {
    return a.optimize.value_or(false) && a.float16Hardware == false && a.representativeData == true &&
           (a.integerOnlyHardware == false || (a.integerOnlyHardware == true && a.io.has_value()));
}

} // namespace

void TreeAnswers::clearFrom(Question q) {
    switch (q) {
    case Question::Optimize: optimize.reset(); [[fallthrough]];
    case Question::Float16Hardware: float16Hardware.reset(); [[fallthrough]];
    case Question::RepresentativeData: representativeData.reset(); [[fallthrough]];
    case Question::IntegerOnlyHardware: integerOnlyHardware.reset(); [[fallthrough]];
    case Question::IoType: io.reset(); [[fallthrough]];
    case Question::AccuracyGood: accuracyGood.reset(); [[fallthrough]];
    case Question::AccuracyFix: fix.reset();
    }
}

const Step& stepText(Question q) {
    static const std::vector<Step> steps = makeSteps();
    return steps[size_t(q)];
}

std::optional<Question> nextQuestion(const TreeAnswers& a) {
    if (!a.optimize) return Question::Optimize;
    if (!*a.optimize) return std::nullopt;
    if (!a.float16Hardware) return Question::Float16Hardware;
    if (*a.float16Hardware) return std::nullopt;
    if (!a.representativeData) return Question::RepresentativeData;
    if (!*a.representativeData) return std::nullopt;
    if (!a.integerOnlyHardware) return Question::IntegerOnlyHardware;
    if (*a.integerOnlyHardware && !a.io) return Question::IoType;
    if (!a.accuracyGood) return Question::AccuracyGood;
    if (*a.accuracyGood) return std::nullopt;
    if (!a.fix) return Question::AccuracyFix;
    return std::nullopt;
}

std::vector<Question> answeredPath(const TreeAnswers& a) {
    std::vector<Question> path;
    TreeAnswers walk; // replay the answers in order so that only on-path ones count
    for (;;) {
        const auto q = nextQuestion(walk);
        if (!q) break;
        const int idx = answerIndex(a, *q);
        if (idx < 0) break;
        answerStep(walk, *q, size_t(idx));
        path.push_back(*q);
    }
    return path;
}

bool answerStep(TreeAnswers& a, Question q, size_t index) {
    if (index >= stepText(q).choices.size()) return false;
    a.clearFrom(q);
    const bool yes = index == 0;
    switch (q) {
    case Question::Optimize: a.optimize = yes; break;
    case Question::Float16Hardware: a.float16Hardware = yes; break;
    case Question::RepresentativeData: a.representativeData = yes; break;
    case Question::IntegerOnlyHardware: a.integerOnlyHardware = yes; break;
    case Question::IoType: a.io = yes ? IoType::Int8 : IoType::UInt8; break;
    case Question::AccuracyGood: a.accuracyGood = yes; break;
    case Question::AccuracyFix: a.fix = AccuracyFix(index); break;
    }
    return true;
}

int answerIndex(const TreeAnswers& a, Question q) {
    auto yesNo = [](const std::optional<bool>& v) { return v ? (*v ? 0 : 1) : -1; };
    switch (q) {
    case Question::Optimize: return yesNo(a.optimize);
    case Question::Float16Hardware: return yesNo(a.float16Hardware);
    case Question::RepresentativeData: return yesNo(a.representativeData);
    case Question::IntegerOnlyHardware: return yesNo(a.integerOnlyHardware);
    case Question::IoType: return a.io ? (*a.io == IoType::UInt8 ? 1 : 0) : -1;
    case Question::AccuracyGood: return yesNo(a.accuracyGood);
    case Question::AccuracyFix: return a.fix ? int(*a.fix) : -1;
    }
    return -1;
}

std::string modeTradeOff(Mode mode) {
    switch (mode) {
    case Mode::None: return "float32 baseline: 1x size, 1x speed, no accuracy loss; runs everywhere TFLite runs.";
    case Mode::Float16:
        return "float16 weights: about 2x smaller; GPU delegates run it natively (CPU expands to float32, no speed-up); "
               "negligible accuracy risk.";
    case Mode::Dynamic:
        return "dynamic range: int8 weights, float activations: about 4x smaller, 2-3x faster on CPU (hybrid kernels); "
               "low accuracy risk; no data needed; not for integer-only accelerators.";
    case Mode::Int8:
        return "full integer with float fallback: int8 weights and activations, float I/O: about 4x smaller, 3x+ faster "
               "on CPU; moderate accuracy risk (calibration decides); ops without an integer kernel stay float.";
    case Mode::Int8Only:
        return "integer only: every op int8, int8 or uint8 I/O: about 4x smaller, 3x+ faster; required by Edge TPU, "
               "DSPs and microcontrollers; moderate accuracy risk; fails if an op has no integer kernel.";
    case Mode::Int16x8:
        return "int16 activations, int8 weights: about 3-4x smaller, accuracy close to float; integer kernels are "
               "slower than int8 and not every op has one; for accuracy-critical models.";
    }
    return {};
}

Leaf leafFor(const TreeAnswers& a) {
    Leaf leaf;
    if (!a.optimize.value_or(true)) {
        leaf.mode = Mode::None;
        leaf.name = "Float baseline (no quantization)";
    } else if (a.float16Hardware.value_or(false)) {
        leaf.mode = Mode::Float16;
        leaf.name = "Float16 quantization";
    } else if (a.representativeData == false) {
        leaf.mode = Mode::Dynamic;
        leaf.name = "Dynamic range quantization";
    } else if (a.integerOnlyHardware == true) {
        leaf.mode = Mode::Int8Only;
        leaf.io = a.io.value_or(IoType::Int8);
        leaf.name = leaf.io == IoType::UInt8 ? "Integer only (uint8 I/O)" : "Integer only (int8 I/O)";
    } else {
        leaf.mode = Mode::Int8;
        leaf.name = "Full integer (int8, float fallback)";
    }
    if (integerLeafReached(a) && a.accuracyGood == false && a.fix) {
        switch (*a.fix) {
        case AccuracyFix::Int16Activations:
            leaf.mode = Mode::Int16x8;
            leaf.io = IoType::Default;
            leaf.name = "16x8 quantization (int16 activations)";
            break;
        case AccuracyFix::KeepFloat:
            leaf.mode = Mode::Int8;
            leaf.io = IoType::Default;
            leaf.keepSensitiveFloat = true;
            leaf.name = "Full integer with the most sensitive ops in float";
            if (a.integerOnlyHardware == true)
                leaf.notes.push_back("Float ops do not run on integer-only hardware: they fall back to the CPU.");
            break;
        case AccuracyFix::QuantizationAwareTraining:
            leaf.outsideApp = true;
            leaf.name = "Quantization-aware training (outside QuantLab)";
            leaf.notes.push_back("Retrain with tfmot.quantization.keras.quantize_model, convert, then open the result here.");
            break;
        }
    }
    leaf.summary = modeTradeOff(leaf.mode);
    if (leaf.mode != Mode::None) leaf.notes.push_back(kAliasNote);
    return leaf;
}

std::vector<TreeAnswers> allPaths() {
    std::vector<TreeAnswers> done;
    std::vector<TreeAnswers> open{TreeAnswers{}};
    while (!open.empty()) {
        TreeAnswers a = open.back();
        open.pop_back();
        const auto q = nextQuestion(a);
        if (!q) {
            done.push_back(a);
            continue;
        }
        for (size_t i = 0; i < stepText(*q).choices.size(); ++i) {
            TreeAnswers b = a;
            answerStep(b, *q, i);
            open.push_back(b);
        }
    }
    return done;
}

std::vector<Mode> leafModes() { return {Mode::None, Mode::Float16, Mode::Dynamic, Mode::Int8, Mode::Int8Only, Mode::Int16x8}; }

} // namespace ql::quantize

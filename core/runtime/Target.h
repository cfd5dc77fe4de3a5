#pragma once
// What the interpreter computes: a target names a real runtime whose results QuantLab
// reproduces, not an arithmetic knob. Float operators agree with every target within the
// runtime's own spread; the integer operators (int8, uint8, int16x8) differ:
//
// - TfliteCpu (default): the TensorFlow Lite / LiteRT runtime on a CPU with its default
//   XNNPACK delegate. Operators the delegate takes (tensorflow/lite/delegates/xnnpack/
//   xnnpack_delegate.cc, VisitNode and its checks) compute XNNPACK's formulas
//   (quant/XnnpackArithmetic.h); the others TFLite's builtin kernels (the optimized ones, e.g.
//   the hybrid depthwise's scaling order). Float CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
//   and MEAN over H,W follow XNNPACK's portable micro-kernels exactly (every product rounded
//   before it is added, XNNPACK's order of additions; kernels/conv/XnnpackFloat.cpp), so a
//   hybrid layer after them quantizes the runtime's very floats.
// - TfliteReference: TFLite's builtin kernels alone (the interpreter without a delegate;
//   the LiteRT oracle's `--xnnpack off`).
// - TfliteMicro: TFLite Micro's kernels where they differ from the builtin ones (e.g. SVDF
//   with int8 time weights, tensorflow/lite/micro/kernels/svdf_common.cc); elsewhere the
//   builtin kernels, which Micro shares (tensorflow/lite/kernels/internal/reference).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

enum class Target {
    TfliteCpu,
    TfliteReference,
    TfliteMicro,
};

// "tflite-cpu", "tflite-reference", "tflite-micro": the names of the CLI, the reports and the GUI.
std::string_view targetName(Target t);
std::optional<Target> parseTarget(std::string_view name);
std::vector<std::string> targetNames();
// One line for help texts and tooltips.
std::string_view targetDescription(Target t);

// The target that RunOptions and the analysis options start from: tflite-cpu unless the
// application changed it (the GUI's Target menu, one choice for the whole session). The CLI
// and the tests never change it; they pass a target explicitly where they want another.
Target defaultTarget();
void setDefaultTarget(Target t);

// True when integer operators the XNNPACK delegate takes compute XNNPACK's arithmetic.
inline bool usesXnnpack(Target t) {
    return t == Target::TfliteCpu;
}

} // namespace ql

#pragma once
// How an operator is quantized, for the graph's colour overlay and the operator inspector:
//   - its kind: float, int8 (int8/uint8 activations), int16 (int16x8), hybrid (float
//     activations with quantized constant weights: TFLite's dynamic-range kernels);
//   - for quantized operators, the requantization of each output channel: the effective scale
//     M = s_in * s_w / s_out (TFLite's conv/fully-connected prepare, GetQuantizedConvolution-
//     Multipler) decomposed by quantizeMultiplier into (multiplier, shift); for operators
//     without weights, the rescale s_in / s_out of each input.

#include "model/Model.h"
#include "quant/FixedPoint.h"

#include <string>
#include <vector>

namespace ql {

enum class QuantKind { Float, Int8, Int16, Hybrid, Other };
std::string_view quantKindName(QuantKind k); // "float", "int8", "int16", "hybrid", "other"

QuantKind classifyOperator(const Model& model, const Subgraph& sg, const Operator& op);

struct RequantRow {
    std::string label;      // "channel 3" or "input 1"
    double inputScale = 0;
    double weightScale = 0; // 1 for rows without a weight
    double outputScale = 0;
    double effectiveScale = 0; // inputScale * weightScale / outputScale
    QuantizedMultiplier multiplier;
};

struct Requantization {
    std::string formula; // "s_in * s_w[c] / s_out" or "s_in[i] / s_out"; empty when not applicable
    std::vector<RequantRow> rows;
};

Requantization operatorRequantization(const Subgraph& sg, const Operator& op);

} // namespace ql

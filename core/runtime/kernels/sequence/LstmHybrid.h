#pragma once
// The hybrid (dynamic-range) LSTM step: float input, states, biases, layer-norm coefficients
// and output; int8 weights (input, recurrent, peephole, projection) with one scale each.
// TFLite lstm_eval.cc LstmStepHybrid / CalculateLstmGateHybrid / CalculateLstmOutputHybrid:
//   - the input and the output state are quantized per batch row once per step (symmetric, or
//     asymmetric with asymmetric_quantize_inputs), skipped when all zero;
//   - each gate = bias (0 with layer norm) + dot_int(W, x_q) * (sf[b] * s_W)
//     (- rowSum(W) * zp[b] before scaling when asymmetric) for the input and the recurrent
//     weights, + (w_peephole * s_peephole) .* c, layer norm, activation;
//   - the cell update and hidden value are the float step's; the projection quantizes the
//     hidden vector per batch row the same way (skipped when it is all zero), clipping last.

#include "runtime/kernels/sequence/LstmSteps.h"

#include <cstdint>
#include <vector>

namespace ql::rt::lstm {

struct HybridWeights {
    const int8_t* inputToGate[4] = {};
    const int8_t* recurrentToGate[4] = {};
    const int8_t* cellToGate[4] = {}; // peephole (index kCellGate unused)
    const float* layerNorm[4] = {};
    const float* gateBias[4] = {};
    const int8_t* projection = nullptr;
    const float* projectionBias = nullptr;
    float inputScale[4] = {}, recurrentScale[4] = {}, cellScale[4] = {}, projectionScale = 0.0f;
};

struct HybridParams {
    FloatParams base;
    bool asymmetric = false;
};

struct HybridScratchLstm {
    std::vector<float> gate[4], hidden, scalingFactors, peephole;
    std::vector<int8_t> quantized;
    std::vector<int32_t> offsets;
    void resize(const LstmDims& d);
};

void lstmStepHybrid(const float* input, const HybridWeights& w, const HybridParams& p, const LstmDims& d, float* outputState,
                    float* cellState, float* output, HybridScratchLstm& s);

} // namespace ql::rt::lstm

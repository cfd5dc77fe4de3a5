#pragma once
// One time step of UNIDIRECTIONAL_SEQUENCE_LSTM over a batch, as pure functions over raw
// arrays: the float step (TFLite lstm_eval.cc LstmStepFloat) and the fully integer 8x8_16
// step (LstmStepInteger8x8_16: int8 input/output state, int16 cell state, int16 gates in
// Q3.12 before and Q0.15 after their activation).
//
//   i = sigmoid(W_xi x + W_hi h + w_ci .* c + b_i)     (absent with CIFG: i = 1 - f)
//   f = sigmoid(W_xf x + W_hf h + w_cf .* c + b_f)
//   g = act(W_xg x + W_hg h + b_g)                      (act = the op's fused activation)
//   c' = clip(f .* c + i .* g)
//   o = sigmoid(W_xo x + W_ho h + w_co .* c' + b_o)
//   h' = clip(W_proj (o .* act(c')) + b_proj)           (or o .* act(c') without projection)
// With layer norm, each gate's pre-activation is normalized, scaled by its coefficients and
// then the bias is added.

#include "model/TensorTypes.h"
#include "quant/FixedPoint.h"

#include <cstdint>
#include <vector>

namespace ql::rt::lstm {

enum Gate { kInputGate = 0, kForgetGate = 1, kCellGate = 2, kOutputGate = 3 };

struct LstmDims {
    int batch = 0, cell = 0, input = 0, output = 0;
    bool cifg = false, peephole = false, layerNorm = false, projection = false;
};

template <class W, class B, class C> struct LstmWeights {
    const W* inputToGate[4] = {};
    const W* recurrentToGate[4] = {};
    const C* cellToGate[4] = {};  // peephole (index kCellGate unused)
    const C* layerNorm[4] = {};
    const B* gateBias[4] = {};
    const W* projection = nullptr;
    const B* projectionBias = nullptr;
};

// ---- float ----
using FloatWeights = LstmWeights<float, float, float>;
struct FloatParams {
    Activation activation = Activation::TANH;
    float cellClip = 0.0f, projClip = 0.0f;
};
struct FloatScratch {
    std::vector<float> gate[4], acc, hidden;
    // Calibration taps (null: off): where the step writes each gate's value before layer
    // normalization ([batch, cell], layer norm only), TFLite's intermediates 0-3.
    float* preNormTap[4] = {};
    void resize(const LstmDims& d);
};
void lstmStepFloat(const float* input, const FloatWeights& w, const FloatParams& p, const LstmDims& d, float* outputState,
                   float* cellState, float* output, FloatScratch& s);

// TFLite's MeanStddevNormalization of each of `batch` rows of n floats, in place.
void meanStddevNormalize(float* v, int n, int batch);

// ---- integer 8x8_16 ----
using IntegerWeights = LstmWeights<int8_t, int32_t, int16_t>;
struct IntegerParams {
    QuantizedMultiplier inputToGate[4], recurrentToGate[4], cellToGate[4], layerNorm[4];
    QuantizedMultiplier projection, hidden;
    int32_t hiddenZp = 0, outputStateZp = 0;
    int cellScale = 0;      // cell state scale = 2^cellScale
    int16_t cellClip = 0;   // quantized, 0 = none
    int8_t projClip = 0;
    int32_t varianceGuard[4] = {1, 1, 1, 1};
    // bias + z * rowSum(W) folded per gate, so the matmuls use raw int8 inputs
    // (TFLite's PrecomputeZeroPointTimesWeightWithBias). Without layer norm the gate bias is
    // folded into inputEffectiveBias; with it the bias is added after normalization.
    std::vector<int32_t> inputEffectiveBias[4], recurrentEffectiveBias[4], projectionEffectiveBias;
    Rounding rounding = Rounding::Double;
};
struct IntegerScratch {
    std::vector<int16_t> gate[4], tanhCell;
    std::vector<int8_t> hidden;
    void resize(const LstmDims& d);
};
void lstmStepInteger(const int8_t* input, const IntegerWeights& w, const IntegerParams& p, const LstmDims& d,
                     int8_t* outputState, int16_t* cellState, int8_t* output, IntegerScratch& s);

// Exposed for tests: gemmlowp's logistic on Q3.12 and tanh on Q(bits).(15-bits) int16.
int16_t sigmoidQ3_12(int16_t x);
int16_t tanhQ(int integerBits, int16_t x);
// TFLite's GetInvSqrtQuantizedMultiplierExp (1/sqrt(x) as multiplier and shift).
void invSqrtQuantizedMultiplierExp(int32_t input, int reverseShift, int32_t* multiplier, int* shift);

} // namespace ql::rt::lstm

// The integer 8x8_16 LSTM step, following TFLite's lstm_eval.cc (LstmStepInteger8x8_16 and
// its helpers) and the portable tensor_utils it calls, operation by operation.
#include "runtime/kernels/activation/Int16Sigmoid.h"
#include "runtime/kernels/sequence/GemmlowpFixedPoint.h"
#include "runtime/kernels/sequence/LstmSteps.h"

#include <algorithm>
#include <cmath>

namespace ql::rt::lstm {
namespace {

constexpr int32_t kInt16Min = -32768, kInt16Max = 32767;

// out[b, r] = sat(out[b, r] + M * (bias[r] + sum_c x[b, c] * W[r, c]) + zp), T = int16 or int8
// (tensor_utils::MatrixBatchVectorMultiplyAccumulate, integer flavour).
template <class T>
void matmulAccumulate(const int8_t* x, const int32_t* bias, const int8_t* w, QuantizedMultiplier m, int batch, int cols,
                      int rows, int32_t zp, T* out, Rounding rounding) {
    constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    for (int b = 0; b < batch; ++b)
        for (int r = 0; r < rows; ++r) {
            int32_t acc = bias[r];
            const int8_t* wr = w + size_t(r) * cols;
            const int8_t* xb = x + size_t(b) * cols;
            for (int c = 0; c < cols; ++c) acc += int32_t(xb[c]) * int32_t(wr[c]);
            acc = multiplyByQuantizedMultiplier(acc, m, rounding) + zp + out[size_t(b) * rows + r];
            out[size_t(b) * rows + r] = static_cast<T>(std::clamp(acc, lo, hi));
        }
}

// Peephole: result += M * (w .* c), saturated to int16. TFLite passes n_output as the vector
// size here (lstm_eval.cc); it equals n_cell whenever there is no projection.
void peepholeAccumulate(const int16_t* w, int size, const int16_t* cell, int batch, int stride, QuantizedMultiplier m,
                        int16_t* result, Rounding rounding) {
    for (int b = 0; b < batch; ++b)
        for (int v = 0; v < size; ++v) {
            int32_t prod = int32_t(w[v]) * int32_t(cell[size_t(b) * stride + v]);
            prod = multiplyByQuantizedMultiplier(prod, m, rounding);
            int16_t& r = result[size_t(b) * stride + v];
            r = static_cast<int16_t>(std::clamp(prod + int32_t(r), kInt16Min, kInt16Max));
        }
}

// tensor_utils::ApplyLayerNorm: integer mean/variance (x 2^10), 1/stddev by Newton-Raphson,
// then coefficients, bias and the layer-norm scale back to Q3.12.
void layerNorm(int16_t* v, const int16_t* weights, const int32_t* bias, QuantizedMultiplier scale, int32_t varianceLimit,
               int batch, int n, Rounding rounding) {
    constexpr int kTwoToPower20 = 1 << 20;
    for (int i = 0; i < batch; ++i) {
        int16_t* row = v + size_t(i) * n;
        int64_t sum = 0, sumSq = 0;
        for (int j = 0; j < n; ++j) {
            const int32_t x = row[j];
            sum += x;
            sumSq += int64_t(x) * x;
        }
        const int32_t mean = static_cast<int32_t>(sum * 1024 / n);
        const int32_t temp = kTwoToPower20 / n; // exact only for power-of-two n, as in TFLite
        const int64_t variance = sumSq * temp - int64_t(mean) * int64_t(mean);
        int32_t variance2 = static_cast<int32_t>(variance / kTwoToPower20);
        if (variance2 < 1) variance2 = varianceLimit;
        int32_t invA = 0;
        int invB = 0;
        invSqrtQuantizedMultiplierExp(variance2, -1, &invA, &invB);
        for (int j = 0; j < n; ++j) {
            const int32_t shifted = 1024 * int32_t(row[j]) - mean;
            const int32_t rescaled = multiplyByQuantizedMultiplier(shifted, invA, invB, rounding);
            const int64_t val3 = int64_t(rescaled) * weights[j] + bias[j];
            const int32_t val4 = static_cast<int32_t>((val3 > 0 ? val3 + 512 : val3 - 512) / 1024);
            int32_t val5 = multiplyByQuantizedMultiplier(val4, scale.multiplier, scale.shift + 12, rounding);
            row[j] = static_cast<int16_t>(std::clamp(val5, kInt16Min, kInt16Max));
        }
    }
}

template <int Bits> int16_t tanhImpl(int16_t x) { return gfp::tanh(gfp::Fx<int16_t, Bits>::fromRaw(x)).raw; }

void gateInteger(const int8_t* input, const int8_t* outputState, const int16_t* cellState, const IntegerWeights& w,
                 const IntegerParams& p, const LstmDims& d, Gate g, bool sigmoid, int16_t* gate) {
    const int n = d.batch * d.cell;
    std::fill_n(gate, n, int16_t(0));
    matmulAccumulate(input, p.inputEffectiveBias[g].data(), w.inputToGate[g], p.inputToGate[g], d.batch, d.input, d.cell, 0, gate,
                     p.rounding);
    matmulAccumulate(outputState, p.recurrentEffectiveBias[g].data(), w.recurrentToGate[g], p.recurrentToGate[g], d.batch, d.output,
                     d.cell, 0, gate, p.rounding);
    if (w.cellToGate[g])
        peepholeAccumulate(w.cellToGate[g], std::min(d.output, d.cell), cellState, d.batch, d.cell, p.cellToGate[g], gate, p.rounding);
    if (w.layerNorm[g]) layerNorm(gate, w.layerNorm[g], w.gateBias[g], p.layerNorm[g], p.varianceGuard[g], d.batch, d.cell, p.rounding);
    // TFLite's runtime (mid-2023 lstm_eval.cc CalculateLstmGateInteger8x8_16) activates the Q3.12
    // gates with reference_integer_ops::Logistic / Tanh in their power-of-two form (multiplier
    // 0, shift 0: the interpolated sigmoid table), not gemmlowp's fixed-point functions.
    for (int i = 0; i < n; ++i) gate[i] = sigmoid ? act::logisticInt16Table(0, 0, gate[i]) : act::tanhInt16Table(0, 0, gate[i]);
}

inline int16_t mulShift(int16_t a, int16_t b, int shift) {
    return static_cast<int16_t>(gfp::roundingDivideByPOT<int32_t>(int32_t(a) * int32_t(b), shift));
}

} // namespace

int16_t sigmoidQ3_12(int16_t x) { return gfp::logistic(gfp::Fx<int16_t, 3>::fromRaw(x)).raw; }

int16_t tanhQ(int integerBits, int16_t x) {
    switch (integerBits) {
    case 0: return tanhImpl<0>(x);
    case 1: return tanhImpl<1>(x);
    case 2: return tanhImpl<2>(x);
    case 3: return tanhImpl<3>(x);
    case 4: return tanhImpl<4>(x);
    case 5: return tanhImpl<5>(x);
    case 6: return tanhImpl<6>(x);
    default: return 0; // TFLite's ApplyTanh leaves the output untouched; prepare refuses this case
    }
}

void invSqrtQuantizedMultiplierExp(int32_t input, int reverseShift, int32_t* multiplier, int* shift) {
    if (input <= 1) {
        *multiplier = std::numeric_limits<int32_t>::max();
        *shift = 0;
        return;
    }
    *shift = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++*shift;
    }
    const unsigned maxLeftShiftBits = unsigned(__builtin_clz(static_cast<uint32_t>(input))) - 1;
    const unsigned leftShiftBitPairs = maxLeftShiftBits / 2 - 1;
    *shift -= int(leftShiftBitPairs);
    input <<= 2 * leftShiftBitPairs;
    using F3 = gfp::Fx<int32_t, 3>;
    using F0 = gfp::Fx<int32_t, 0>;
    const F3 in = F3::fromRaw(input >> 1);
    const F3 halfInput = gfp::srMulByPot<-1>(in);
    const F3 halfThree = F3::constant((1 << 28) + (1 << 27));
    F3 x = F3::one();
    for (int i = 0; i < 5; ++i) {
        const F3 x3 = gfp::rescale<3>(x * x * x);
        x = gfp::rescale<3>(halfThree * x - halfInput * x3);
    }
    const F0 halfSqrt2 = F0::constant(1518500250);
    x = x * halfSqrt2;
    *multiplier = x.raw;
    if (*shift < 0) {
        *multiplier <<= -*shift;
        *shift = 0;
    }
    *shift *= reverseShift;
}

void IntegerScratch::resize(const LstmDims& d) {
    for (auto& g : gate) g.assign(size_t(d.batch) * d.cell, 0);
    tanhCell.assign(size_t(d.batch) * d.cell, 0);
    hidden.assign(size_t(d.batch) * d.cell, 0);
}

void lstmStepInteger(const int8_t* input, const IntegerWeights& w, const IntegerParams& p, const LstmDims& d,
                     int8_t* outputState, int16_t* cellState, int8_t* output, IntegerScratch& s) {
    const int n = d.batch * d.cell;
    int16_t* ig = s.gate[kInputGate].data();
    int16_t* fg = s.gate[kForgetGate].data();
    int16_t* cg = s.gate[kCellGate].data();
    int16_t* og = s.gate[kOutputGate].data();
    if (!d.cifg) gateInteger(input, outputState, cellState, w, p, d, kInputGate, true, ig);
    gateInteger(input, outputState, cellState, w, p, d, kForgetGate, true, fg);
    gateInteger(input, outputState, cellState, w, p, d, kCellGate, false, cg);

    // UpdateLstmCellInteger: c = f*c >> 15; i*g >> (30 + cellScale) (i = 1 - f with CIFG);
    // saturating add; optional clip.
    for (int k = 0; k < n; ++k) cellState[k] = mulShift(fg[k], cellState[k], 15);
    int16_t* scratch = fg; // TFLite reuses the forget gate as scratch
    for (int k = 0; k < n; ++k) {
        const int16_t in = d.cifg ? static_cast<int16_t>(32767 - fg[k]) : ig[k];
        scratch[k] = mulShift(in, cg[k], 30 + p.cellScale);
    }
    for (int k = 0; k < n; ++k) cellState[k] = static_cast<int16_t>(std::clamp(int32_t(cellState[k]) + scratch[k], kInt16Min, kInt16Max));
    if (p.cellClip > 0)
        for (int k = 0; k < n; ++k) cellState[k] = std::clamp<int16_t>(cellState[k], int16_t(-p.cellClip), p.cellClip);

    gateInteger(input, outputState, cellState, w, p, d, kOutputGate, true, og);

    // CalculateLstmOutputInteger8x8_16: tanh of the cell state (15 + cellScale integer bits),
    // times the output gate, requantized to the hidden intermediate; then projection.
    // TFLite's CalculateLstmOutputInteger8x8_16: tanh of the cell state through the table with
    // input_left_shift = (15 + cellScale) - 3; a negative shift (cell scale below 2^-12) is
    // applied to the cell state itself, in place, so the state loses those bits for the next
    // step too (sic; QuantLab's quantizer keeps the cell scale at 2^-12 or above).
    int tanhShift = 12 + p.cellScale;
    if (tanhShift < 0) {
        for (int k = 0; k < n; ++k) cellState[k] = static_cast<int16_t>(cellState[k] >> -tanhShift);
        tanhShift = 0;
    }
    for (int k = 0; k < n; ++k) s.tanhCell[k] = act::tanhInt16Table(0, tanhShift, cellState[k]);
    for (int k = 0; k < n; ++k) {
        int32_t v = int32_t(og[k]) * int32_t(s.tanhCell[k]);
        v = multiplyByQuantizedMultiplier(v, p.hidden, p.rounding);
        v -= p.hiddenZp; // sic: tensor_utils::CwiseMul subtracts the zero point here
        s.hidden[k] = static_cast<int8_t>(std::clamp(v, -128, 127));
    }
    const int outCount = d.batch * d.output;
    if (d.projection) {
        std::fill_n(outputState, outCount, int8_t(0));
        matmulAccumulate(s.hidden.data(), p.projectionEffectiveBias.data(), w.projection, p.projection, d.batch, d.cell, d.output,
                         p.outputStateZp, outputState, p.rounding);
        if (p.projClip > 0)
            for (int k = 0; k < outCount; ++k) outputState[k] = std::clamp<int8_t>(outputState[k], int8_t(-p.projClip), p.projClip);
    } else {
        std::copy_n(s.hidden.data(), outCount, outputState);
    }
    std::copy_n(outputState, outCount, output);
}

} // namespace ql::rt::lstm

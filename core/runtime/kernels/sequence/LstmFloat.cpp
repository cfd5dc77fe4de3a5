// The float LSTM step, following TFLite's lstm_eval.cc (LstmStepFloat,
// CalculateLstmGateFloat, UpdateLstmCellFloat, CalculateLstmOutputFloat).
#include "runtime/kernels/matmul/FullyConnectedRef.h"
#include "runtime/kernels/sequence/LstmSteps.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>

namespace ql::rt::lstm {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

// out[b, r] += sum_c W[r, c] * x[b, c]
void matmulAccumulate(const float* w, const float* x, int batch, int cols, int rows, float* out) {
    Eigen::Map<ColMajor> y(out, rows, batch);
    y.noalias() += Eigen::Map<const RowMajor>(w, rows, cols) * Eigen::Map<const ColMajor>(x, cols, batch);
}

} // namespace

// TFLite's MeanStddevNormalization: two-pass mean and variance, epsilon 1e-8.
void meanStddevNormalize(float* v, int n, int batch) {
    for (int b = 0; b < batch; ++b) {
        float* row = v + size_t(b) * n;
        float sum = 0.0f;
        for (int i = 0; i < n; ++i) sum += row[i];
        const float mean = sum / float(n);
        float sumDiffSq = 0.0f;
        for (int i = 0; i < n; ++i) sumDiffSq += (row[i] - mean) * (row[i] - mean);
        const float stddevInv = 1.0f / std::sqrt(sumDiffSq / float(n) + 1e-8f);
        for (int i = 0; i < n; ++i) row[i] = (row[i] - mean) * stddevInv;
    }
}

namespace {

void gateFloat(const float* input, const float* outputState, const float* cellState, const FloatWeights& w, const LstmDims& d, Gate g,
               Activation act, float* gate, float* preNormTap) {
    const int n = d.cell;
    for (int b = 0; b < d.batch; ++b)
        for (int i = 0; i < n; ++i) gate[size_t(b) * n + i] = (d.layerNorm || !w.gateBias[g]) ? 0.0f : w.gateBias[g][i];
    // TFLite skips the input product when the input is all zeros; adding zeros is the same.
    matmulAccumulate(w.inputToGate[g], input, d.batch, d.input, n, gate);
    matmulAccumulate(w.recurrentToGate[g], outputState, d.batch, d.output, n, gate);
    if (w.cellToGate[g] && cellState)
        for (int b = 0; b < d.batch; ++b)
            for (int i = 0; i < n; ++i) gate[size_t(b) * n + i] += w.cellToGate[g][i] * cellState[size_t(b) * n + i];
    if (d.layerNorm && w.layerNorm[g]) {
        if (preNormTap) std::copy_n(gate, size_t(d.batch) * n, preNormTap);
        meanStddevNormalize(gate, n, d.batch);
        for (int b = 0; b < d.batch; ++b)
            for (int i = 0; i < n; ++i) {
                float& v = gate[size_t(b) * n + i];
                v = v * w.layerNorm[g][i] + (w.gateBias[g] ? w.gateBias[g][i] : 0.0f);
            }
    }
    fc::applyActivationFloat(gate, size_t(d.batch) * n, act);
}

} // namespace

void FloatScratch::resize(const LstmDims& d) {
    for (auto& g : gate) g.assign(size_t(d.batch) * d.cell, 0.0f);
    acc.assign(size_t(d.batch) * std::max(d.cell, d.output), 0.0f);
    hidden.assign(size_t(d.batch) * d.cell, 0.0f);
}

void lstmStepFloat(const float* input, const FloatWeights& w, const FloatParams& p, const LstmDims& d, float* outputState,
                   float* cellState, float* output, FloatScratch& s) {
    const int n = d.batch * d.cell;
    float* ig = s.gate[kInputGate].data();
    float* fg = s.gate[kForgetGate].data();
    float* cg = s.gate[kCellGate].data();
    float* og = s.gate[kOutputGate].data();
    // SIGN_BIT is the schema's slot for kTfLiteActSigmoid (applyActivationFloat).
    if (!d.cifg) gateFloat(input, outputState, cellState, w, d, kInputGate, Activation::SIGN_BIT, ig, s.preNormTap[kInputGate]);
    gateFloat(input, outputState, cellState, w, d, kForgetGate, Activation::SIGN_BIT, fg, s.preNormTap[kForgetGate]);
    gateFloat(input, outputState, nullptr, w, d, kCellGate, p.activation, cg, s.preNormTap[kCellGate]);
    for (int k = 0; k < n; ++k) {
        const float in = d.cifg ? 1.0f - fg[k] : ig[k];
        cellState[k] = fg[k] * cellState[k];
        cellState[k] += cg[k] * in;
        if (p.cellClip > 0.0f) cellState[k] = std::clamp(cellState[k], -p.cellClip, p.cellClip);
    }
    gateFloat(input, outputState, cellState, w, d, kOutputGate, Activation::SIGN_BIT, og, s.preNormTap[kOutputGate]);

    float* hidden = s.hidden.data();
    std::copy_n(cellState, n, hidden);
    fc::applyActivationFloat(hidden, size_t(n), p.activation);
    for (int k = 0; k < n; ++k) hidden[k] = og[k] * hidden[k];
    const int outCount = d.batch * d.output;
    if (d.projection) {
        for (int b = 0; b < d.batch; ++b)
            for (int i = 0; i < d.output; ++i) outputState[size_t(b) * d.output + i] = w.projectionBias ? w.projectionBias[i] : 0.0f;
        matmulAccumulate(w.projection, hidden, d.batch, d.cell, d.output, outputState);
        if (p.projClip > 0.0f)
            for (int k = 0; k < outCount; ++k) outputState[k] = std::clamp(outputState[k], -p.projClip, p.projClip);
    } else {
        std::copy_n(hidden, outCount, outputState);
    }
    std::copy_n(outputState, outCount, output);
}

} // namespace ql::rt::lstm

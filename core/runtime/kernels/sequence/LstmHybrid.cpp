// The hybrid LSTM step (see LstmHybrid.h), following TFLite's lstm_eval.cc LstmStepHybrid.
#include "runtime/kernels/sequence/LstmHybrid.h"

#include "runtime/kernels/matmul/FullyConnectedRef.h"

#include <algorithm>

namespace ql::rt::lstm {
namespace {

// Rows of `v` ([batch, cols]) quantized on their own, as BatchQuantizeFloats.
struct QuantizedRows {
    const int8_t* q = nullptr;
    const float* scalingFactors = nullptr;
    const int32_t* offsets = nullptr; // asymmetric only
    int cols = 0;
};

QuantizedRows quantizeRows(const float* v, int batch, int cols, bool asymmetric, HybridScratchLstm& s) {
    for (int b = 0; b < batch; ++b) {
        const size_t off = size_t(b) * cols;
        if (asymmetric)
            fc::quantizeAsymmetric(v + off, cols, s.quantized.data() + off, &s.scalingFactors[size_t(b)], &s.offsets[size_t(b)]);
        else
            fc::quantizeSymmetric(v + off, cols, s.quantized.data() + off, &s.scalingFactors[size_t(b)]);
    }
    return {s.quantized.data(), s.scalingFactors.data(), asymmetric ? s.offsets.data() : nullptr, cols};
}

// out[b, r] += dot(W[r], x_q[b]) * (sf[b] * s_W), with tensor_utils' asymmetric correction
// (row sum times the batch offset, subtracted in float) when the rows have offsets.
void hybridAccumulate(const int8_t* w, float weightScale, int rows, const QuantizedRows& x, int batch, float* out) {
    for (int b = 0; b < batch; ++b) {
        const float scale = x.scalingFactors[b] * weightScale;
        const int8_t* xq = x.q + size_t(b) * x.cols;
        for (int r = 0; r < rows; ++r) {
            const int8_t* wr = w + size_t(r) * x.cols;
            int32_t dot = 0;
            for (int c = 0; c < x.cols; ++c) dot += int32_t(wr[c]) * int32_t(xq[c]);
            if (x.offsets) {
                int32_t rowSum = 0;
                for (int c = 0; c < x.cols; ++c) rowSum += wr[c];
                dot = static_cast<int32_t>(float(dot) - float(rowSum) * float(x.offsets[b]));
            }
            out[size_t(b) * rows + r] += float(dot) * scale;
        }
    }
}

bool allZero(const float* v, size_t n) { return std::all_of(v, v + n, [](float f) { return f == 0.0f; }); }

void gateHybrid(const QuantizedRows* input, const QuantizedRows* state, const float* cellState, const HybridWeights& w, const LstmDims& d,
                Gate g, Activation act, float* gate, HybridScratchLstm& s) {
    const int n = d.cell;
    for (int b = 0; b < d.batch; ++b)
        for (int i = 0; i < n; ++i) gate[size_t(b) * n + i] = (d.layerNorm || !w.gateBias[g]) ? 0.0f : w.gateBias[g][i];
    if (input) hybridAccumulate(w.inputToGate[g], w.inputScale[g], n, *input, d.batch, gate);
    if (state) hybridAccumulate(w.recurrentToGate[g], w.recurrentScale[g], n, *state, d.batch, gate);
    if (w.cellToGate[g] && cellState) {
        // VectorScalarMultiply, then VectorBatchVectorCwiseProductAccumulate.
        float* recovered = s.peephole.data();
        for (int i = 0; i < n; ++i) recovered[i] = float(w.cellToGate[g][i]) * w.cellScale[g];
        for (int b = 0; b < d.batch; ++b)
            for (int i = 0; i < n; ++i) gate[size_t(b) * n + i] += recovered[i] * cellState[size_t(b) * n + i];
    }
    if (d.layerNorm && w.layerNorm[g]) {
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

void HybridScratchLstm::resize(const LstmDims& d) {
    for (auto& g : gate) g.assign(size_t(d.batch) * d.cell, 0.0f);
    hidden.assign(size_t(d.batch) * d.cell, 0.0f);
    // One quantized copy per step of the widest of input, output state and hidden vector; the
    // input and the state are needed together, so twice that.
    const size_t widest = size_t(std::max({d.input, d.output, d.cell}));
    quantized.assign(2 * size_t(d.batch) * widest, 0);
    scalingFactors.assign(2 * size_t(d.batch), 0.0f);
    offsets.assign(2 * size_t(d.batch), 0);
    peephole.assign(size_t(d.cell), 0.0f);
}

void lstmStepHybrid(const float* input, const HybridWeights& w, const HybridParams& p, const LstmDims& d, float* outputState,
                    float* cellState, float* output, HybridScratchLstm& s) {
    const int n = d.batch * d.cell;
    // Quantize the input and the output state once for all gates; the state's copy lives in the
    // second half of the scratch (a view of the same buffers, offset).
    const size_t widest = s.quantized.size() / (2 * size_t(d.batch));
    QuantizedRows inQ, stateQ;
    const bool hasInput = !allZero(input, size_t(d.batch) * d.input);
    const bool hasState = !allZero(outputState, size_t(d.batch) * d.output);
    if (hasInput) inQ = quantizeRows(input, d.batch, d.input, p.asymmetric, s);
    if (hasState) {
        for (int b = 0; b < d.batch; ++b) {
            const size_t off = size_t(d.batch) * widest + size_t(b) * d.output;
            float* sf = &s.scalingFactors[size_t(d.batch + b)];
            if (p.asymmetric)
                fc::quantizeAsymmetric(outputState + size_t(b) * d.output, d.output, s.quantized.data() + off, sf, &s.offsets[size_t(d.batch + b)]);
            else
                fc::quantizeSymmetric(outputState + size_t(b) * d.output, d.output, s.quantized.data() + off, sf);
        }
        stateQ = {s.quantized.data() + size_t(d.batch) * widest, s.scalingFactors.data() + d.batch,
                  p.asymmetric ? s.offsets.data() + d.batch : nullptr, d.output};
    }
    const QuantizedRows* in = hasInput ? &inQ : nullptr;
    const QuantizedRows* st = hasState ? &stateQ : nullptr;

    float* ig = s.gate[kInputGate].data();
    float* fg = s.gate[kForgetGate].data();
    float* cg = s.gate[kCellGate].data();
    float* og = s.gate[kOutputGate].data();
    // SIGN_BIT is the schema's slot for kTfLiteActSigmoid (applyActivationFloat).
    if (!d.cifg) gateHybrid(in, st, cellState, w, d, kInputGate, Activation::SIGN_BIT, ig, s);
    gateHybrid(in, st, cellState, w, d, kForgetGate, Activation::SIGN_BIT, fg, s);
    gateHybrid(in, st, nullptr, w, d, kCellGate, p.base.activation, cg, s);
    for (int k = 0; k < n; ++k) { // UpdateLstmCellFloat
        const float inGate = d.cifg ? 1.0f - fg[k] : ig[k];
        cellState[k] = fg[k] * cellState[k];
        cellState[k] += cg[k] * inGate;
        if (p.base.cellClip > 0.0f) cellState[k] = std::clamp(cellState[k], -p.base.cellClip, p.base.cellClip);
    }
    gateHybrid(in, st, cellState, w, d, kOutputGate, Activation::SIGN_BIT, og, s);

    // CalculateLstmOutputHybrid.
    float* hidden = s.hidden.data();
    std::copy_n(cellState, n, hidden);
    fc::applyActivationFloat(hidden, size_t(n), p.base.activation);
    for (int k = 0; k < n; ++k) hidden[k] = og[k] * hidden[k];
    const int outCount = d.batch * d.output;
    if (d.projection) {
        for (int b = 0; b < d.batch; ++b)
            for (int i = 0; i < d.output; ++i) outputState[size_t(b) * d.output + i] = w.projectionBias ? w.projectionBias[i] : 0.0f;
        if (!allZero(hidden, size_t(n))) {
            const QuantizedRows hq = quantizeRows(hidden, d.batch, d.cell, p.asymmetric, s);
            hybridAccumulate(w.projection, w.projectionScale, d.output, hq, d.batch, outputState);
        }
        if (p.base.projClip > 0.0f)
            for (int k = 0; k < outCount; ++k) outputState[k] = std::clamp(outputState[k], -p.base.projClip, p.base.projClip);
    } else {
        std::copy_n(hidden, outCount, outputState);
    }
    std::copy_n(outputState, outCount, output);
}

} // namespace ql::rt::lstm

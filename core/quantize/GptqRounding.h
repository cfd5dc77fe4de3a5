#pragma once
// Data-aware weight rounding (GPTQ: Frantar et al., "GPTQ: Accurate Post-Training Quantization
// for Generative Pre-trained Transformers", 2023; the Optimal Brain Quantizer update of Frantar
// and Alistarh 2022). The grid (scales, zero point 0, the integer range) is the quantizer's own;
// only the choice between the two neighbouring grid points of each weight changes.
//
// For one layer with weights W [rows x depth] (a FULLY_CONNECTED row, or a CONV_2D output
// channel flattened as [kh][kw][cin]) and inputs x (FC input rows, or CONV_2D patches in the
// same order, zero outside the image), the error of the layer's output on the calibration data
// is
//     E(Q) = sum over rows r of (w_r - q_r) H (w_r - q_r)^T,   H = sum over samples of x x^T.
// Rounding each weight to nearest ignores H's off-diagonal terms. GPTQ quantizes the columns one
// at a time and spreads each column's rounding error over the columns not yet quantized so that
// E stays smallest: with U the upper Cholesky factor of H^-1 (H^-1 = U^T U),
//     q_i = round(w_i / s) (clamped),  e = (w_i - s q_i) / U_ii,  w_j -= e U_ij  for j > i.
// Columns go in decreasing order of H_ii (the inputs with most energy first, "act order"). H gets
// a damping of 1 % of its mean diagonal (the paper's default) so that the inverse exists; an
// input that never carries a value (H_ii = 0) cannot matter and its weights round to nearest.
//
// Whether GPTQ helps is measured on data it was not fitted to (two folds): H_even and H_odd come
// from the even and the odd calibration samples; GPTQ fitted to each half is compared with
// nearest rounding on the other half. A layer gets GPTQ's weights (fitted to all samples) only
// when it wins on both halves. Fitted and measured on the same samples, GPTQ nearly always
// "wins": a FULLY_CONNECTED after global pooling sees one input row per sample, far fewer than
// its depth, so its H is singular and GPTQ can put the error in directions those samples never
// used, which other inputs may use. The report gives the held-out figures as the layer's
// output SQNR, 10 log10(sum w H w^T / E), averaged over the two
// halves; with a single sample there is no other half and the figures are in-sample.

#include "data/DataSource.h"
#include "model/Model.h"
#include "quantize/QuantizeOptions.h"
#include "util/Progress.h"
#include "util/Result.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ql::quantize {

// The integer grid of one weight tensor: q in [-qmax, qmax], w ~ scale * q. `scales` holds one
// scale (per tensor), one per row (per channel, axis 0), or rows * (depth / blockSize) (blocks
// of `blockSize` along the depth, row major).
struct WeightGrid {
    std::vector<float> scales;
    size_t blockSize = 0;
    int qmax = 127;
    float scale(size_t row, size_t column, size_t depth) const;
};

// GPTQ's integers for `w` (row major [rows x depth]) given the layer's input second moment
// `hessian` (depth x depth, row major, symmetric). Falls back to nearest rounding when H cannot
// be factored even with damping.
std::vector<int8_t> gptqRound(std::span<const float> w, size_t rows, size_t depth,
                              std::span<const double> hessian, const WeightGrid& grid);
// Nearest rounding on the same grid (what the quantizer writes).
std::vector<int8_t> nearestRound(std::span<const float> w, size_t rows, size_t depth,
                                 const WeightGrid& grid);
// The layer's output SQNR in dB for integers `q`: 10 log10(sum w H w^T / sum (w - sq) H (w -
// sq)^T); +inf when the error is 0.
double layerOutputSqnrDb(std::span<const float> w, std::span<const int8_t> q, size_t rows,
                         size_t depth, std::span<const double> hessian, const WeightGrid& grid);

struct RoundingReport {
    size_t samples = 0;
    std::vector<RoundedLayer> layers; // op: the float model's operator index (subgraph 0)
    std::vector<std::pair<size_t, std::string>>
        skipped; // float operator, "CONV_2D: depth 5120 over 4096"
};

// Re-rounds the int8 and int4 weights of `quantModel`'s CONV_2D and FULLY_CONNECTED operators
// (constant, zero point 0, per tensor, per channel on axis 0, or int4 blocks) with GPTQ, using
// the inputs the float model gives each matching operator (same output tensor name) on
// `floatData`. `floatModel` must be the model that was quantized (after folding and
// equalization). A weight tensor read by several operators is left alone. Errors: data errors,
// "cancelled".
Result<RoundingReport> roundWeightsGptq(std::shared_ptr<const Model> floatModel, Model& quantModel,
                                        const data::DataSource& floatData,
                                        const Progress& progress = {});

} // namespace ql::quantize

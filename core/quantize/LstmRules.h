#pragma once
// UNIDIRECTIONAL_SEQUENCE_LSTM in the quantizer.
//
// Calibration: the float kernel writes the ranges the integer LSTM needs (final cell state,
// hidden value o .* act(c), gates before layer norm) into extra outputs when the operator has
// them (runtime/kernels/sequence/LstmCalibration.h). withLstmCalibrationOutputs adds them to a
// copy of the model used only for calibration; its first tensors are the model's own, so the
// statistics apply to the model, and lstmCalibrationTaps says where the extra ones are.
//
// int8 / int8-only: TFLite's 8x8->16 recipe (tools/optimize/operator_property.cc, LSTM; the
// MLIR converter's prepare_quantize_helper.h applies the same table):
//   input 0, output 0        int8 asymmetric from calibration (without projection with zero
//                            point 0, see lstmHiddenParams); the output state (input 18,
//                            variable) takes the output's parameters (restrict_scale {18, 0})
//   inputs 1-8, 16           int8 symmetric per tensor, [-127, 127]
//   inputs 9-11, 20-23       int16 symmetric, scale max|w| / 32767
//   biases 12-15             int32; without layer norm scale = s_input * s_{input-to-gate
//                            weights}, with layer norm s_{layer-norm coefficients} * 2^-10
//   bias 17                  int32, scale = s_projection * s_{intermediate 4}
//   cell state (input 19)    int16, zero point 0, scale = 2^ceil(log2(max|c|)) / 32768 (at
//                            least 2^-12, see lstmCellStateParams)
//   intermediates 0-3        int16 symmetric from the gate ranges with layer norm; else float32
//                            shape [0] without parameters (TFLite writes them so)
//   intermediate 4           int8 from the hidden range, zero point 0 (lstmHiddenParams;
//                            without projection the kernel copies it into the output state:
//                            the output's parameters)
// The operator stays version 1. int16x8 has no LSTM kernel in TFLite (quantizable_int16 =
// false): the LSTM stays float there.
//
// dynamic: inputs 1-11 and 16 int8 symmetric per tensor, run by the hybrid kernel (version 2,
// 3 with asymmetric_quantize_inputs).

#include "calib/CalibrationStats.h"
#include "calib/Calibrator.h"
#include "model/Model.h"
#include "quantize/QuantizeOptions.h"
#include "util/Result.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ql::quantize {

// ---- calibration ----
struct LstmTaps {
    OperatorIndex op;
    TensorIndex cellState, hidden, gate[4];
};
// A float UNIDIRECTIONAL_SEQUENCE_LSTM (float input and weights, one output).
bool isFloatLstm(const Subgraph& sg, const Operator& op);
// The calibration outputs withLstmCalibrationOutputs adds to `model` (subgraph 0's float
// LSTMs in operator order; tensor indices after the model's own).
std::vector<LstmTaps> lstmCalibrationTaps(const Model& model);
// `model` with calibration outputs on each float LSTM of subgraph 0; the same pointer when it
// has none. For calibration only: never write it.
std::shared_ptr<const Model> withLstmCalibrationOutputs(std::shared_ptr<const Model> model);

// ---- int8 ----
// The calibrated ranges of one LSTM's internal values (chosen by the activation calibrator).
struct LstmRanges {
    calib::Range cellState, hidden;
    std::optional<calib::Range> gate[4];
};
// Reads them from `stats` (gathered on withLstmCalibrationOutputs' model); false with `why`
// when a range is missing. Appends the ranges to `report` under "<output>/cell_state" etc.
bool lstmRanges(const Model& model, const Operator& op, const LstmTaps& taps, const calib::CalibrationStats& stats,
                const calib::Calibrator& calibrator, LstmRanges* out, std::string* why, QuantizeReport* report);
// Whether the operator fits TFLite's integer LSTM (constant float weights, variable float
// states read by this operator only, no diagonal recurrent weights); `why` otherwise.
bool lstmIntegerSupported(const Model& model, const Operator& op, std::string* why);
// The integer operator: weights, biases and layer-norm coefficients added as new constants,
// the state variables converted in place, the five intermediates added. Input 0 becomes
// `quantizedInput` (params `inputParams`); output 0 is left for the caller, who gives it
// `outputParams`.
Operator quantizeLstmInt8(Model& model, const Operator& op, TensorIndex quantizedInput, const QuantParams& inputParams,
                          const QuantParams& outputParams, const LstmRanges& ranges);
// TFLite's cell state parameters for a range: int16, zero point 0, scale 2^k / 32768 with
// 2^k the smallest power of two >= max|c|. Deviation: k is kept in [3, 6]. Above 6 the
// kernels refuse the scale (cell_scale <= -9); below 3 TFLite's runtime (mid-2023
// CalculateLstmOutputInteger8x8_16) shifts the cell state itself right by 3 - k bits before its
// tanh, every step, which wrecks a finer state.
QuantParams lstmCellStateParams(calib::Range range);

// int8 parameters with zero point 0 covering `params`' recorded (widened) min/max:
// scale = max(-min / 128, max / 127). For the hidden value o .* act(c) (intermediate 4, and the
// output without projection, which the kernel copies from it): TFLite's runtime subtracts its
// zero point where it should add it (tensor_utils::CwiseMul with output_zp), so any other zero
// point shifts every hidden value by 2 |zp| LSB, step after step. Deviation from TFLite's
// quantizer, which takes the calibrated zero point (TensorFlow's trained_lstm_int8 happens to
// have 0).
QuantParams lstmHiddenParams(const QuantParams& params);

// ---- dynamic ----
// Quantizes the operator's weights for the hybrid kernel when all of them (inputs 1-11, 16,
// float constants read by this operator only) together have at least `minElements` elements
// (the hybrid kernel needs every weight int8; TFLite's tool checks each tensor on its own
// and leaves the operator float as soon as one is small). Returns whether it did.
bool quantizeLstmHybrid(Model& model, Subgraph& sg, Operator& op, size_t minElements);

} // namespace ql::quantize

#pragma once
// Calibration outputs of the float UNIDIRECTIONAL_SEQUENCE_LSTM (QuantLab only; a model that
// has them is built for calibration and never written). The integer LSTM needs ranges that
// are not outputs of any operator; TFLite's calibrator gets them from a logging LSTM kernel
// (tools/optimize/calibration/builtin_logging_ops/lstm.cc) and by logging the variable inputs
// after each invoke (calibrator.cc LoggingEval). Here the float kernel writes them into extra
// outputs, which the interpreter's observer (and so CalibrationCollector) sees like any other:
//
//   output 0                  the LSTM's output
//   kCellStateTap (1)         the cell state after the sequence, shape of input 19 (TFLite
//                             logs input 19 after invoke: the final state)
//   kHiddenTap (2)            o .* act(c) of every step, [steps * batch, cell] (intermediate 4)
//   kGateTap + g (3..6)       gate g before layer normalization of every step,
//                             [steps * batch, cell] (intermediates 0-3); shape [0] without layer
//                             norm and for the input gate of a CIFG LSTM

#include <cstddef>

namespace ql::rt::lstm {

constexpr size_t kCellStateTap = 1, kHiddenTap = 2, kGateTap = 3;
constexpr size_t kCalibrationOutputCount = 7; // output 0 and six taps

} // namespace ql::rt::lstm

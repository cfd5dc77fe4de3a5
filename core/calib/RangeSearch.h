#pragma once
// The searching calibrators (mse, kl), called by chooseRange.

#include "calib/Calibrator.h"

namespace ql::calib {

Range mseRange(const TensorStats& stats, int bits, bool symmetric);
Range klRange(const TensorStats& stats, int bits, bool symmetric);

} // namespace ql::calib

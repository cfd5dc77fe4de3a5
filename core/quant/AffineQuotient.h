#pragma once
// How the runtime divides when it quantizes a float: see affineQuotient.

#include "model/TensorTypes.h"

namespace ql {

// The quotient r / s of the runtime's float -> integer QUANTIZE with one scale, before rounding
// half away from zero: in double for int16 outputs (the builtin kernel's
// optimized_ops::AffineQuantize for int16_t holds the scale as a double; near k + 1/2 a float
// quotient can round to the other integer), in float for int8 and uint8
// (reference_ops::AffineQuantize divides by static_cast<float>(scale)).
inline double affineQuotient(float r, float scale, TensorType outputType) {
    return outputType == TensorType::INT16 ? double(r) / double(scale) : double(r / scale);
}

} // namespace ql

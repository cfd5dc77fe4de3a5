#pragma once
// The what-if panel's math: quantize a tensor's float values with a chosen clip range and bit
// width, dequantize, and measure what was lost. This is the teaching view of
//   q = clamp(round(r / scale) + zero_point, qmin, qmax),   r' = scale * (q - zero_point).
// Symmetric mode follows TFLite's int8 weights (zero_point 0, narrow range [-(2^(b-1)-1),
// 2^(b-1)-1], scale = max(|lo|, |hi|) / qmax). Asymmetric mode follows TFLite's activations:
// the range is widened to contain 0, scale = (hi - lo) / (qmax - qmin) over [-2^(b-1),
// 2^(b-1)-1], zero_point = round(qmin - lo / scale) clamped into [qmin, qmax].

#include <cstddef>
#include <cstdint>
#include <span>

namespace ql {

struct WhatIfParams {
    double clipMin = 0;
    double clipMax = 0;
    int bits = 8;          // 2..16
    bool symmetric = true;
};

struct WhatIfResult {
    double scale = 0;
    int64_t zeroPoint = 0;
    int64_t qmin = 0;
    int64_t qmax = 0;
    double gridMin = 0;         // scale * (qmin - zero_point): the representable range
    double gridMax = 0;
    double mse = 0;             // mean of (r - r')^2
    double sqnrDb = 0;          // 10 log10(sum r^2 / sum (r - r')^2); +inf when lossless
    double maxAbsError = 0;
    double clippedFraction = 0; // values outside [gridMin, gridMax]
    size_t count = 0;           // finite values used
};

// Quantization parameters only (no data pass).
WhatIfResult quantizationGrid(const WhatIfParams& params);
// Parameters plus the error over `values` (non-finite values are skipped).
WhatIfResult simulateQuantization(std::span<const double> values, const WhatIfParams& params);

} // namespace ql

#pragma once
// From statistics to quantization parameters: a calibrator picks the clip range of a tensor
// from its statistics, paramsFromRange turns a range into TFLite's (scale, zero_point).
//
// Calibrators:
//  - minmax: the absolute running min/max (TFLite's calibrator).
//  - percentile:P: the P-th percentile of |x| (symmetric) or the (100-P)-th and P-th
//    percentiles (asymmetric), interpolated inside histogram bins.
//  - mse: the range minimising the expected squared quantization error of the histogram:
//    values outside the range cost (x - clip)^2, values inside the rounding noise scale^2/12
//    (exact zeros cost nothing: zero is always representable).
//  - kl: TensorRT's entropy calibration: the |x| threshold (on a <= 2048-bin histogram) whose
//    quantized distribution (2^(bits-1) levels, 2^bits for non-negative data) has the least
//    KL divergence from the clipped reference distribution, kept only when the mse cost model
//    rates it no worse than minmax's range (RangeSearch.cpp, klRange).
// The list itself (names, parameters, help) is CalibratorRegistry.h.

#include "calib/CalibrationStats.h"
#include "model/Model.h"
#include "util/Result.h"

#include <string>
#include <string_view>

namespace ql::calib {

struct Range {
    float min = 0.0f, max = 0.0f;
};

struct Calibrator {
    enum class Kind { MinMax, Percentile, Mse, Kl };
    Kind kind = Kind::MinMax;
    double percentile = 99.99; // the parameter of calibrators that take one (Percentile: in (0, 100])

    // "minmax", "percentile:P", "mse", "kl": the names and parameters of CalibratorRegistry.h
    // (the CLI's --calibrator values).
    static Result<Calibrator> parse(std::string_view text);
    std::string name() const;
};

// The clip range for a tensor quantized to `bits` bits. Symmetric ranges are [-a, a]. The
// range is not yet widened to include 0 (paramsFromRange does that). Empty stats give [0, 0].
Range chooseRange(const TensorStats& stats, const Calibrator& calibrator, int bits, bool symmetric);

// Share of the observed values outside `range` widened to include 0 (0 when it covers
// [min, max]), interpolated inside histogram bins.
double clippingRate(const TensorStats& stats, Range range);

// The mse calibrator's cost model for a range, in squared units of the data (per value).
double expectedQuantizationMse(const TensorStats& stats, Range range, int bits, bool symmetric);

// TFLite's parameters for a range (tensorflow/lite/tools/optimize/quantization_utils.cc):
//  asymmetric (int8 [-128, 127], uint8 [0, 255]): min = min(min, 0), max = max(max, 0),
//    scale = (max - min) / (qmax - qmin), zero_point = round(qmin - min / scale) clamped to
//    [qmin, qmax] (all in float, like TFLite's GetAsymmetricQuantizationParams);
//  symmetric: scale = max(|min|, |max|) / (2^(bits-1) - 1), zero_point 0 (int8 weights use
//    [-127, 127]; uint8 symmetric uses zero_point 128);
//  int16 is always symmetric (int16x8 activations: scale = max|x| / 32767, zero_point 0).
// Deviation: a range that is exactly [0, 0] gets scale 1 instead of TFLite's 0, which kernels
// cannot use (zero stays exactly representable either way).
// The result records the widened min/max.
QuantParams paramsFromRange(Range range, TensorType type, bool symmetric);

// Symmetric per-channel parameters for weights (int8: scale_c = max(|min_c|, |max_c|) / 127,
// zero_point 0, quantizedDimension = ranges.axis; a channel of zeros gets scale 1).
QuantParams symmetricChannelParams(const ChannelRanges& ranges, TensorType type = TensorType::INT8);

} // namespace ql::calib

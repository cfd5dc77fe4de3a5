#pragma once
// How far a quantized tensor is from its float reference: the figures of the compare,
// sensitivity and eval views. Values are compared as floats (a quantized tensor is
// dequantized first, r = scale * (q - zero_point)); sums run over every element of every
// sample, so "averaged over samples" means pooled, each element weighing the same.
//
//   SQNR   = 10 log10( sum ref^2 / sum (test - ref)^2 )   dB; +inf when there is no error
//   MSE    = mean (test - ref)^2,  RMSE = sqrt(MSE)
//   RMSE / scale: the error in quantization steps. Pure rounding of a uniform signal gives
//                 1/sqrt(12) ~= 0.289 (the Quantization Debugger's metric); much more means
//                 clipping or propagated error
//   mean error (bias) = mean (test - ref); max |test - ref|
//   cosine = sum ref*test / sqrt(sum ref^2 * sum test^2) (1 when both are zero)
//   clip rate = share of reference values outside the representable float range
//               [scale * (qmin - zp), scale * (qmax - zp)] of the quantized tensor

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace ql::analysis {

inline constexpr double kRoundingNoiseRmseOverScale = 0.28867513459481287; // 1/sqrt(12)

struct ErrorStats {
    size_t count = 0;          // element pairs compared (non-finite pairs are skipped)
    double sqnrDb = std::numeric_limits<double>::infinity();
    double mse = 0;
    double rmse = 0;
    double rmseOverScale = std::numeric_limits<double>::quiet_NaN(); // NaN when no scale is set
    double meanError = 0;
    double maxAbsError = 0;
    double cosine = 1;
    double clipRate = std::numeric_limits<double>::quiet_NaN();      // NaN when no range is set
    size_t skipped = 0;        // pairs with a NaN or infinity on either side
};

// Streams sample after sample; result() at any time. Not thread-safe; merge() combines
// accumulators filled on different threads (sums are merged, so the result does not depend
// on the split).
class ErrorAccumulator {
public:
    // The quantized tensor's step (for RMSE/scale; the first channel's scale or the
    // per-tensor scale) and representable float range (for the clip rate).
    void setGrid(double scale, double gridMin, double gridMax);
    void add(std::span<const float> reference, std::span<const float> test);
    void merge(const ErrorAccumulator& other);
    ErrorStats result() const;
    size_t count() const { return m_count; }

private:
    size_t m_count = 0, m_skipped = 0, m_clipped = 0;
    double m_sumRef2 = 0, m_sumTest2 = 0, m_sumDot = 0, m_sumErr = 0, m_sumErr2 = 0, m_maxAbs = 0;
    double m_scale = 0, m_gridMin = 0, m_gridMax = 0;
    bool m_hasGrid = false;
};

// One-shot form of the accumulator.
ErrorStats compareValues(std::span<const float> reference, std::span<const float> test);

// 10 log10(signal / noise) with the edge cases: no noise → +inf, no signal but noise → -inf.
double sqnrFromPowers(double signalPower, double noisePower);

// Per-channel error of a tensor along `axis` (row-major `shape`), e.g. the weights of a
// per-channel quantized conv against the float weights.
std::vector<ErrorStats> perChannelError(std::span<const float> reference, std::span<const float> test,
                                        const std::vector<int32_t>& shape, int axis);

// "27.4 dB", "inf dB": formatting shared by the CLI, the report and the UI.
std::string formatDb(double db);

} // namespace ql::analysis

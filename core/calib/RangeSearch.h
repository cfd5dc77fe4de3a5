#pragma once
// The searching calibrators (mse, kl), called by chooseRange.

#include "calib/Calibrator.h"

#include <vector>

namespace ql::calib {

Range mseRange(const TensorStats& stats, int bits, bool symmetric);
Range klRange(const TensorStats& stats, int bits, bool symmetric);

// TensorRT's KL(P || Q) for a threshold of `keep` bins of an |x| histogram and `levels`
// quantization levels. Direct form, O(keep): the definition, kept as the oracle for tests.
double klDivergenceDirect(const std::vector<double>& hist, size_t keep, size_t levels);
// The same in O(levels) per threshold from prefix sums (what klRange uses).
class KlDivergence {
public:
    explicit KlDivergence(const std::vector<double>& hist);
    double operator()(size_t keep, size_t levels) const;

private:
    const std::vector<double>& m_hist;
    std::vector<double> m_mass, m_nonzero, m_plogp; // prefix sums of h, [h > 0], h log h
};

} // namespace ql::calib

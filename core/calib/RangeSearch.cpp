// The mse and kl calibrators: searches over clip ranges, on the histogram only (no second pass
// over the data).
#include "calib/RangeSearch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ql::calib {
namespace {

// A bin where P > 0 but Q = 0 (possible only at the outlier bin) gets this probability instead
// of an infinite divergence.
constexpr double kKlEps = 1e-10;

// Expected squared error of quantizing the histogram with a clip range [lo, hi] (lo <= 0 <= hi):
//   values below lo / above hi cost (c - lo)^2 / (c - hi)^2 (c = bin centre),
//   values inside cost the rounding noise s^2 / 12 of a uniform error in [-s/2, s/2],
//   exact zeros cost nothing (0 is always representable after TFLite's nudging).
// Prefix sums of n, n*c and n*c^2 make each evaluation O(1).
class MseModel {
public:
    MseModel(const TensorStats& stats, int bits, bool symmetric)
        : m_symmetric(symmetric), m_total(static_cast<double>(stats.histogram.total())) {
        const Histogram& h = stats.histogram;
        // The histogram may hold a sample of the values: scale the exact zero count to it.
        const double zeros = stats.count ? static_cast<double>(stats.zeros) * m_total / static_cast<double>(stats.count) : 0.0;
        m_bins = h.binCount();
        m_width = h.width();
        m_first = static_cast<double>(h.first());
        m_levels = symmetric ? std::ldexp(1.0, bits - 1) - 1.0 : std::ldexp(1.0, bits) - 1.0;
        m_p0.assign(m_bins + 1, 0.0);
        m_p1.assign(m_bins + 1, 0.0);
        m_p2.assign(m_bins + 1, 0.0);
        // Exact zeros live in the bin holding 0; they are removed from the cost.
        const size_t zeroBin = h.empty() ? 0 : h.binOf(0.0);
        const std::vector<uint64_t> counts = h.counts();
        for (size_t k = 0; k < m_bins; ++k) {
            double n = static_cast<double>(counts[k]);
            if (k == zeroBin) n = std::max(0.0, n - zeros);
            const double c = h.binCenter(k);
            m_p0[k + 1] = m_p0[k] + n;
            m_p1[k + 1] = m_p1[k] + n * c;
            m_p2[k + 1] = m_p2[k] + n * c * c;
        }
    }

    double cost(double lo, double hi) const {
        if (m_total <= 0) return 0.0;
        lo = std::min(lo, 0.0);
        hi = std::max(hi, 0.0);
        // Bins [0, mLo) have centres below lo, bins [mHi, bins) above hi.
        const size_t mLo = clampIndex(std::ceil(lo / m_width - m_first - 0.5));
        const size_t mHi = clampIndex(std::floor(hi / m_width - m_first - 0.5) + 1.0);
        const double tailLo = m_p2[mLo] - 2.0 * lo * m_p1[mLo] + lo * lo * m_p0[mLo];
        const size_t b = m_bins;
        const double tailHi = (m_p2[b] - m_p2[mHi]) - 2.0 * hi * (m_p1[b] - m_p1[mHi]) + hi * hi * (m_p0[b] - m_p0[mHi]);
        const double inside = std::max(0.0, m_p0[std::max(mHi, mLo)] - m_p0[mLo]);
        const double s = m_symmetric ? std::max(-lo, hi) / m_levels : (hi - lo) / m_levels;
        return (std::max(0.0, tailLo) + std::max(0.0, tailHi) + inside * s * s / 12.0) / m_total;
    }

private:
    size_t clampIndex(double k) const { return static_cast<size_t>(std::clamp(k, 0.0, static_cast<double>(m_bins))); }

    bool m_symmetric;
    double m_total;
    size_t m_bins = 0;
    double m_width = 1, m_first = 0, m_levels = 255;
    std::vector<double> m_p0, m_p1, m_p2;
};

// Candidate clip points: bin edges strictly between 0 and `end` (same sign), plus `end`.
std::vector<double> edgeCandidates(const Histogram& h, double end) {
    std::vector<double> c;
    for (size_t k = 0; k <= h.binCount(); ++k) {
        const double e = h.binLow(k);
        if ((end > 0 && e > 0 && e < end) || (end < 0 && e < 0 && e > end)) c.push_back(e);
    }
    c.push_back(end);
    return c;
}

} // namespace

// KL(P || Q) of TensorRT's entropy calibration for a threshold of `keep` bins of `hist` (|x|
// histogram) and `levels` quantization levels. P: the first `keep` bins, outliers added to the
// last kept bin. Q: those bins merged into `levels` groups, each group's mass spread evenly over
// its bins where P is non-zero.
double klDivergenceDirect(const std::vector<double>& hist, size_t keep, size_t levels) {
    double outliers = 0;
    for (size_t k = keep; k < hist.size(); ++k) outliers += hist[k];
    std::vector<double> p(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(keep)), q;
    p[keep - 1] += outliers;
    q.assign(keep, 0.0);
    const size_t group = keep / levels;
    for (size_t g = 0; g < levels; ++g) {
        const size_t start = g * group, stop = g + 1 == levels ? keep : start + group;
        double mass = 0;
        size_t nonzero = 0;
        for (size_t k = start; k < stop; ++k) {
            mass += hist[k];
            nonzero += p[k] > 0;
        }
        if (nonzero)
            for (size_t k = start; k < stop; ++k)
                if (p[k] > 0) q[k] = mass / static_cast<double>(nonzero);
    }
    double sp = 0, sq = 0;
    for (size_t k = 0; k < keep; ++k) {
        sp += p[k];
        sq += q[k];
    }
    if (sp <= 0) return 0.0;
    if (sq <= 0) return std::numeric_limits<double>::infinity();
    // A bin where P > 0 but Q = 0 (possible only at the outlier bin) is smoothed with a tiny
    // probability instead of making the divergence infinite.
    double kl = 0;
    for (size_t k = 0; k < keep; ++k) {
        if (p[k] <= 0) continue;
        const double pk = p[k] / sp;
        const double qk = std::max(q[k] / sq, kKlEps);
        kl += pk * std::log(pk / qk);
    }
    return kl;
}


KlDivergence::KlDivergence(const std::vector<double>& hist) : m_hist(hist) {
    const size_t n = hist.size();
    m_mass.assign(n + 1, 0.0);
    m_nonzero.assign(n + 1, 0.0);
    m_plogp.assign(n + 1, 0.0);
    for (size_t k = 0; k < n; ++k) {
        m_mass[k + 1] = m_mass[k] + hist[k];
        m_nonzero[k + 1] = m_nonzero[k] + (hist[k] > 0 ? 1.0 : 0.0);
        m_plogp[k + 1] = m_plogp[k] + (hist[k] > 0 ? hist[k] * std::log(hist[k]) : 0.0);
    }
}

// The same divergence in O(levels): with sp = sum P (all counts) and q_k = mass_g / nz_g inside
// group g (sq = sum Q = the kept mass),
//   KL = (1/sp) sum_k P_k log P_k - log sp - sum_g (P_g / sp) log(max(mass_g / nz_g / sq, eps)),
// where P_g is the group's P mass; prefix sums give every group term in O(1).
double KlDivergence::operator()(size_t keep, size_t levels) const {
    const double total = m_mass.back();
    const double kept = m_mass[keep];
    const double outliers = total - kept;
    const double sp = total;
    if (sp <= 0) return 0.0;
    if (kept <= 0) return std::numeric_limits<double>::infinity();
    const double lastP = m_hist[keep - 1] + outliers;
    double plogp = m_plogp[keep - 1] + (lastP > 0 ? lastP * std::log(lastP) : 0.0);
    const size_t group = keep / levels;
    double cross = 0; // sum_g P_g log q_g
    for (size_t g = 0; g < levels; ++g) {
        const size_t start = g * group, stop = g + 1 == levels ? keep : start + group;
        const double mass = m_mass[stop] - m_mass[start];
        double nonzero = m_nonzero[stop] - m_nonzero[start];
        double pg = mass;
        if (g + 1 == levels) {
            pg += outliers;
            if (m_hist[keep - 1] <= 0 && outliers > 0) nonzero += 1; // the outlier bin
        }
        if (pg <= 0) continue;
        const double q = nonzero > 0 && mass > 0 ? std::max(mass / nonzero / kept, kKlEps) : kKlEps;
        cross += pg * std::log(q);
    }
    return plogp / sp - std::log(sp) - cross / sp;
}

double expectedQuantizationMse(const TensorStats& stats, Range range, int bits, bool symmetric) {
    if (stats.empty()) return 0.0;
    MseModel model(stats, bits, symmetric);
    if (symmetric) {
        const double a = std::max(std::fabs(range.min), std::fabs(range.max));
        return model.cost(-a, a);
    }
    return model.cost(range.min, range.max);
}

Range mseRange(const TensorStats& stats, int bits, bool symmetric) {
    const Histogram& h = stats.histogram;
    MseModel model(stats, bits, symmetric);
    if (symmetric) {
        const double absMax = std::max(std::fabs(stats.min), std::fabs(stats.max));
        if (absMax == 0) return {};
        double best = absMax, bestCost = model.cost(-absMax, absMax);
        for (double a : edgeCandidates(h, absMax)) {
            const double c = model.cost(-a, a);
            if (c < bestCost) {
                bestCost = c;
                best = a;
            }
        }
        return {static_cast<float>(-best), static_cast<float>(best)};
    }
    // Coordinate descent: the two ends interact only through the scale, so a few alternating
    // exact 1-D searches converge.
    double lo = std::min<double>(stats.min, 0.0), hi = std::max<double>(stats.max, 0.0);
    const std::vector<double> his = hi > 0 ? edgeCandidates(h, hi) : std::vector<double>{0.0};
    const std::vector<double> los = lo < 0 ? edgeCandidates(h, lo) : std::vector<double>{0.0};
    for (int round = 0; round < 8; ++round) {
        const double oldLo = lo, oldHi = hi;
        double bestCost = model.cost(lo, hi);
        for (double c : his)
            if (const double v = model.cost(lo, c); v < bestCost) {
                bestCost = v;
                hi = c;
            }
        for (double c : los)
            if (const double v = model.cost(c, hi); v < bestCost) {
                bestCost = v;
                lo = c;
            }
        if (lo == oldLo && hi == oldHi) break;
    }
    return {static_cast<float>(std::max<double>(lo, stats.min)), static_cast<float>(std::min<double>(hi, stats.max))};
}

Range klRange(const TensorStats& stats, int bits, bool symmetric) {
    const bool nonNegative = stats.min >= 0.0f;
    // TensorRT: 128 levels for int8 (one sign); 256 when all values share a sign and the
    // range need not be symmetric.
    const size_t levels = static_cast<size_t>(std::ldexp(1.0, (!symmetric && nonNegative) ? bits : bits - 1));
    Histogram f = stats.histogram.folded();
    const double absMax = std::max(std::fabs(stats.min), std::fabs(stats.max));
    // TensorRT works on 2048 bins: merge pairs (exactly) until at most 2048 remain.
    while (f.binCount() > 2048) f.coarsen(1);
    const size_t bins = f.binCount();
    double threshold = absMax;
    if (bins > levels && absMax > 0) {
        std::vector<double> hist(bins);
        const std::vector<uint64_t> counts = f.counts();
        for (size_t k = 0; k < bins; ++k) hist[k] = static_cast<double>(counts[k]);
        const KlDivergence divergence(hist);
        double best = std::numeric_limits<double>::infinity();
        size_t bestKeep = bins;
        // Ties (equal up to rounding, e.g. a divergence of 0 for sparse histograms) go to the
        // larger threshold: clip no more than the divergence asks for.
        constexpr double kTie = 1e-12;
        const auto scan = [&](size_t from, size_t to, size_t step) { // increasing thresholds
            for (size_t keep = from; keep <= to; keep += step) {
                const double kl = divergence(keep, levels);
                best = std::min(best, kl);
                if (kl <= best + kTie) bestKeep = keep;
            }
        };
        // Coarse to fine (TensorRT tries every threshold; that costs up to 1920 evaluations of
        // O(levels) per tensor, seconds on a model with hundreds of activations): every
        // stride-th threshold plus the last, then every threshold within one stride of the best
        // of those. The divergence varies slowly with the threshold, so the fine pass finds the
        // exhaustive search's minimum except where two distant thresholds score almost alike.
        const size_t stride = std::max<size_t>(1, (bins - levels) / 256);
        scan(levels, bins, stride);
        if ((bins - levels) % stride != 0) scan(bins, bins, 1);
        const size_t centre = bestKeep;
        scan(std::max(levels, centre > stride ? centre - stride + 1 : levels), std::min(bins, centre + stride - 1), 1);
        threshold = std::min(absMax, f.binLow(bestKeep)); // upper edge of the last kept bin
    }
    const float t = static_cast<float>(threshold);
    const Range kl = symmetric ? Range{-t, t} : Range{std::max(stats.min, -t), std::min(stats.max, t)};
    // The guard. TensorRT's divergence compares the clipped P with a Q built from the kept bins
    // only (the outliers are in P's last bin but not in Q's mass), so a threshold that moves
    // most of the mass into the outlier bin can score a small divergence: on activations far
    // from zero, or with a spike at 0 and a long tail, it then clips most values (TensorRT's
    // calibrator, tensorrt/.../calibrator: entropy, has the same blind spot; TFLite has no
    // entropy calibrator). The threshold is kept only when the mse cost model (clipped values
    // cost their squared distance to the range, kept ones the rounding noise) rates it no
    // worse than minmax's range; otherwise minmax's range is returned.
    const float a = static_cast<float>(absMax);
    const Range minmax = symmetric ? Range{-a, a} : Range{stats.min, stats.max};
    if (expectedQuantizationMse(stats, kl, bits, symmetric) > expectedQuantizationMse(stats, minmax, bits, symmetric))
        return minmax;
    return kl;
}

} // namespace ql::calib

#pragma once
// A histogram whose bins are anchored at zero and whose width is a power of two:
// bin k covers [(first + k) * w, (first + k + 1) * w) with w = 2^exponent. When the observed
// range outgrows the kBins window, the width doubles (as often as needed) and each new bin is
// the sum of the old bins it covers: counts are merged, never recomputed, and the re-binning
// is exact because old bin edges are new bin edges. The window then spans the data with more
// than kBins / 2 = 2048 bins in use.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace ql::calib {

class Histogram {
public:
    static constexpr int64_t kBins = 4096;

    bool empty() const { return m_bins == 0; }
    int exponent() const { return m_exponent; }
    double width() const;
    int64_t first() const { return m_first; }
    size_t binCount() const { return m_bins; }
    uint64_t count(size_t k) const;
    // Every bin's count (a copy: kBins values for a collector's histogram).
    std::vector<uint64_t> counts() const;
    uint64_t total() const;
    // Bytes held by the counts (for tests of the collector's memory).
    size_t storageBytes() const;
    double binLow(size_t k) const;
    double binHigh(size_t k) const { return binLow(k) + width(); }
    double binCenter(size_t k) const { return binLow(k) + 0.5 * width(); }

    // Makes the window cover [lo, hi] (lo <= hi, finite), widening bins as needed. Returns true
    // when the layout (width or first) changed.
    bool cover(double lo, double hi);
    // The bin holding x; x must lie in the covered window (clamped otherwise).
    size_t binOf(double x) const;
    void addToBin(size_t k, uint64_t n);
    // Adds finite values (others are skipped); convenient and exact, not the fast path.
    void add(std::span<const float> values);
    // Adds another histogram's counts (the window grows to cover both).
    void merge(const Histogram& other);

    // Values below x, interpolating linearly inside the bin that holds x.
    double countBelow(double x) const;
    // The value below which a fraction q (0..1) of the counts lie (linear inside a bin).
    double quantile(double q) const;
    // Histogram of |x|: same width, first = 0 (negative bin j folds onto bin -j - 1).
    Histogram folded() const;
    // Merges groups of 2^steps bins (doubles the width `steps` times).
    void coarsen(int steps);

private:
    using Entry = std::pair<uint32_t, uint64_t>; // (bin, count), count > 0
    void rebin(int newExponent, int64_t lo, int64_t hi);
    // Calls f(k, count) for every bin with a non-zero count, in increasing k.
    template <class F> void forEachCount(F&& f) const;
    // Replaces the counts by `entries` (sorted by bin, no duplicates), dense if many.
    void assign(std::vector<Entry> entries);
    void densify();

    int m_exponent = 0;
    int64_t m_first = 0;
    size_t m_bins = 0; // the window's bins; 0: empty
    // The counts: sparse (non-zero bins only, sorted) while at most kSparseEntries bins are in
    // use, then dense (m_bins values). A tensor observed a few times holds a few entries
    // instead of kBins counters: memory follows the values seen, not the tensor count times 32 KiB.
    static constexpr size_t kSparseEntries = kBins / 16;
    std::vector<Entry> m_sparse;
    std::vector<uint64_t> m_dense; // empty while sparse
    double m_lo = 0, m_hi = 0; // covered data range (for placing the window)
};

} // namespace ql::calib

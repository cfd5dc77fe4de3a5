#include "calib/Histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace ql::calib {
namespace {

constexpr int kMinExponent = -126, kMaxExponent = 126;

// floor(v / 2^d) for d >= 0 (C++20 defines >> on negative values as floor division).
int64_t floorShift(int64_t v, int d) {
    if (d <= 0) return v;
    if (d >= 63) return v < 0 ? -1 : 0;
    return v >> d;
}

// floor(x / 2^exponent), saturated to +-2^62 (only reached while searching a wider exponent).
int64_t floorIndex(double x, int exponent) {
    constexpr double kLimit = 4611686018427387904.0; // 2^62
    return static_cast<int64_t>(std::clamp(std::floor(std::ldexp(x, -exponent)), -kLimit, kLimit));
}

int64_t spanAt(double lo, double hi, int exponent) { return floorIndex(hi, exponent) - floorIndex(lo, exponent) + 1; }

} // namespace

double Histogram::width() const { return std::ldexp(1.0, m_exponent); }

template <class F> void Histogram::forEachCount(F&& f) const {
    if (!m_dense.empty()) {
        for (size_t k = 0; k < m_dense.size(); ++k)
            if (m_dense[k]) f(k, m_dense[k]);
    } else {
        for (const Entry& e : m_sparse) f(size_t{e.first}, e.second);
    }
}

uint64_t Histogram::count(size_t k) const {
    if (!m_dense.empty()) return k < m_dense.size() ? m_dense[k] : 0;
    const auto it = std::lower_bound(m_sparse.begin(), m_sparse.end(), Entry{static_cast<uint32_t>(k), 0},
                                     [](const Entry& a, const Entry& b) { return a.first < b.first; });
    return it != m_sparse.end() && it->first == k ? it->second : 0;
}

std::vector<uint64_t> Histogram::counts() const {
    if (!m_dense.empty()) return m_dense;
    std::vector<uint64_t> out(m_bins, 0);
    for (const Entry& e : m_sparse) out[e.first] = e.second;
    return out;
}

uint64_t Histogram::total() const {
    uint64_t n = 0;
    forEachCount([&](size_t, uint64_t c) { n += c; });
    return n;
}

size_t Histogram::storageBytes() const {
    return m_dense.capacity() * sizeof(uint64_t) + m_sparse.capacity() * sizeof(Entry);
}

void Histogram::addToBin(size_t k, uint64_t n) {
    if (n == 0) return;
    if (!m_dense.empty()) {
        m_dense[k] += n;
        return;
    }
    const auto it = std::lower_bound(m_sparse.begin(), m_sparse.end(), Entry{static_cast<uint32_t>(k), 0},
                                     [](const Entry& a, const Entry& b) { return a.first < b.first; });
    if (it != m_sparse.end() && it->first == k) {
        it->second += n;
        return;
    }
    m_sparse.insert(it, Entry{static_cast<uint32_t>(k), n});
    if (m_sparse.size() > kSparseEntries) densify();
}

void Histogram::densify() {
    std::vector<uint64_t> dense(m_bins, 0);
    for (const Entry& e : m_sparse) dense[e.first] = e.second;
    m_dense = std::move(dense);
    m_sparse = {};
}

void Histogram::assign(std::vector<Entry> entries) {
    m_dense.clear();
    m_sparse = std::move(entries);
    if (m_sparse.size() > kSparseEntries) densify();
    else m_sparse.shrink_to_fit();
}

double Histogram::binLow(size_t k) const { return std::ldexp(static_cast<double>(m_first + static_cast<int64_t>(k)), m_exponent); }

bool Histogram::cover(double lo, double hi) {
    if (empty()) {
        const double a = std::max(std::fabs(lo), std::fabs(hi));
        // The width fits the range into kBins - 2 bins, but the index of the largest value
        // stays below 2^41 (a near-constant tensor far from 0). A single value so far gets
        // fine bins around it (2^-20 of its magnitude); all zeros get 2^-60.
        int e;
        if (hi > lo) {
            e = static_cast<int>(std::ceil(std::log2((hi - lo) / static_cast<double>(kBins - 2))));
            if (a > 0) e = std::max(e, std::ilogb(a) - 40);
        } else {
            e = a > 0 ? std::ilogb(a) - 20 : -60;
        }
        e = std::clamp(e, kMinExponent, kMaxExponent);
        while (e < kMaxExponent && spanAt(lo, hi, e) > kBins) ++e;
        m_exponent = e;
        m_lo = lo;
        m_hi = hi;
        const int64_t idxLo = floorIndex(lo, e), idxHi = floorIndex(hi, e);
        m_first = idxLo - (kBins - (idxHi - idxLo + 1)) / 2;
        m_bins = static_cast<size_t>(kBins);
        m_dense.clear();
        m_sparse.clear();
        return true;
    }
    const double newLo = std::min(m_lo, lo), newHi = std::max(m_hi, hi);
    m_lo = newLo;
    m_hi = newHi;
    int64_t idxLo = floorIndex(newLo, m_exponent), idxHi = floorIndex(newHi, m_exponent);
    if (idxLo >= m_first && idxHi < m_first + static_cast<int64_t>(m_bins)) return false;
    int e = m_exponent;
    while (e < kMaxExponent && spanAt(newLo, newHi, e) > kBins) ++e;
    rebin(e, floorIndex(newLo, e), floorIndex(newHi, e));
    return true;
}

void Histogram::rebin(int newExponent, int64_t lo, int64_t hi) {
    const int d = newExponent - m_exponent;
    const int64_t newFirst = lo - (kBins - (hi - lo + 1)) / 2;
    // The mapping is monotonic: entries stay sorted, equal new bins are neighbours.
    std::vector<Entry> entries;
    forEachCount([&](size_t k, uint64_t c) {
        const int64_t nk = floorShift(m_first + static_cast<int64_t>(k), d) - newFirst;
        const auto bin = static_cast<uint32_t>(std::clamp<int64_t>(nk, 0, kBins - 1));
        if (!entries.empty() && entries.back().first == bin) entries.back().second += c;
        else entries.push_back({bin, c});
    });
    m_bins = static_cast<size_t>(kBins);
    m_exponent = newExponent;
    m_first = newFirst;
    assign(std::move(entries));
}

size_t Histogram::binOf(double x) const {
    const int64_t k = floorIndex(x, m_exponent) - m_first;
    return static_cast<size_t>(std::clamp<int64_t>(k, 0, static_cast<int64_t>(m_bins) - 1));
}

void Histogram::add(std::span<const float> values) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (float v : values)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (lo > hi) return;
    cover(lo, hi);
    for (float v : values)
        if (std::isfinite(v)) addToBin(binOf(v), 1);
}

void Histogram::merge(const Histogram& other) {
    if (other.empty()) return;
    if (empty()) {
        *this = other;
        return;
    }
    if (other.m_exponent > m_exponent)
        rebin(other.m_exponent, floorIndex(m_lo, other.m_exponent), floorIndex(m_hi, other.m_exponent));
    cover(other.m_lo, other.m_hi);
    const int d = m_exponent - other.m_exponent;
    other.forEachCount([&](size_t k, uint64_t c) {
        const int64_t nk = floorShift(other.m_first + static_cast<int64_t>(k), d) - m_first;
        addToBin(static_cast<size_t>(std::clamp<int64_t>(nk, 0, static_cast<int64_t>(m_bins) - 1)), c);
    });
}

double Histogram::countBelow(double x) const {
    if (empty()) return 0;
    const double w = width();
    double below = 0;
    bool done = false;
    forEachCount([&](size_t k, uint64_t n) {
        const double low = binLow(k);
        if (done || low >= x) {
            done = true;
            return;
        }
        const double c = static_cast<double>(n);
        below += low + w <= x ? c : c * (x - low) / w;
    });
    return below;
}

double Histogram::quantile(double q) const {
    const uint64_t n = total();
    if (n == 0) return 0;
    const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(n);
    double cum = 0;
    double result = m_hi;
    bool found = false;
    forEachCount([&](size_t k, uint64_t n) {
        const double c = static_cast<double>(n);
        if (found) return;
        if (cum + c >= target) {
            result = binLow(k) + (target - cum) / c * width();
            found = true;
            return;
        }
        cum += c;
    });
    return std::clamp(result, m_lo, m_hi);
}

Histogram Histogram::folded() const {
    Histogram f;
    if (empty()) return f;
    f.m_exponent = m_exponent;
    f.m_first = 0;
    size_t size = 1;
    forEachCount([&](size_t k, uint64_t) {
        const int64_t j = m_first + static_cast<int64_t>(k);
        size = std::max(size, static_cast<size_t>(j >= 0 ? j : -j - 1) + 1);
    });
    f.m_bins = size;
    f.m_dense.assign(size, 0);
    forEachCount([&](size_t k, uint64_t c) {
        const int64_t j = m_first + static_cast<int64_t>(k);
        f.m_dense[static_cast<size_t>(j >= 0 ? j : -j - 1)] += c;
    });
    f.m_hi = std::max(std::fabs(m_lo), std::fabs(m_hi));
    f.m_lo = (m_lo <= 0 && m_hi >= 0) ? 0.0 : std::min(std::fabs(m_lo), std::fabs(m_hi));
    return f;
}

void Histogram::coarsen(int steps) {
    if (steps <= 0 || empty()) return;
    const int64_t newFirst = floorShift(m_first, steps);
    const int64_t newLast = floorShift(m_first + static_cast<int64_t>(m_bins) - 1, steps);
    std::vector<uint64_t> counts(static_cast<size_t>(newLast - newFirst + 1), 0);
    forEachCount([&](size_t k, uint64_t c) {
        counts[static_cast<size_t>(floorShift(m_first + static_cast<int64_t>(k), steps) - newFirst)] += c;
    });
    m_bins = counts.size();
    m_dense = std::move(counts);
    m_sparse = {};
    m_first = newFirst;
    m_exponent += steps;
}

} // namespace ql::calib

#include "calib/CalibrationCollector.h"

#include "calib/ObserverPasses.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql::calib {
namespace {

constexpr size_t kTables = 4;                    // interleaved count tables
constexpr size_t kChunk = 1024;                  // values per pass (indices stay in L1)
// Pending counts are uint16 (four tables of 4096 fit in 32 KB, i.e. L1). A table receives about
// a quarter of the counts (at most 26% with sampling strides restarting per chunk), so keeping
// fewer than 3 * 65535 pending counts keeps every counter below 2^16. A call adds at most
// n / stride + 1 <= 65537 counts; the tables are flushed before a call that could cross it.
constexpr uint64_t kFlushAt = 3 * 65535;
constexpr size_t kStride = static_cast<size_t>(Histogram::kBins);
// The count tables (32 KB) are allocated for tensors of at least this many values (16 KB of
// float32): smaller tensors add straight into their histogram, whose sparse form holds only
// the bins in use. A model of 100,000 tiny tensors then needs a few hundred bytes per tensor,
// not 64 KB.
constexpr size_t kTableMinValues = 4096;

bool isPrime(size_t v) {
    if (v < 2) return false;
    for (size_t d = 2; d * d <= v; ++d)
        if (v % d == 0) return false;
    return true;
}

} // namespace

size_t histogramSamplingStride(size_t count, size_t channels) {
    if (count <= kFullHistogramValues) return 1;
    size_t p = std::max<size_t>(5, (count + kFullHistogramValues - 1) / kFullHistogramValues);
    while (!isPrime(p) || (channels > 0 && channels % p == 0)) ++p;
    return p;
}

struct CalibrationCollector::Accumulator {
    TensorStats stats;             // min/max/counts; histogram holds flushed counts
    std::vector<uint16_t> pending; // kTables x kBins, not yet in stats.histogram
    uint64_t pendingCount = 0;

    void flush() {
        if (!pendingCount) return;
        const size_t bins = stats.histogram.binCount();
        for (size_t t = 0; t < kTables; ++t)
            for (size_t k = 0; k < bins; ++k) {
                uint16_t& c = pending[t * kStride + k];
                if (c) {
                    stats.histogram.addToBin(k, c);
                    c = 0;
                }
            }
        pendingCount = 0;
    }

    // The common case in one pass over the data: statistics and binning under the current
    // layout. When a value fell outside the window (the range grew) or was not finite, the
    // counts of this call are taken back (exactly) and false is returned: the caller then takes
    // the general path (filter, re-bin, add).
    bool tryFast(const float* p, size_t n, size_t stride) {
        if (pending.empty() || stats.histogram.empty() || !fastLayout() || n == 0) return false;
        if (pendingCount + n / stride + 1 > kFlushAt) flush();
        const BinMap map = binMap();
        if (stride > 1) return trySampled(p, n, stride, map);
        int32_t idx[kChunk];
        PassStats all{std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 0, true};
        size_t phase = 0;
        uint64_t binned = 0;
        for (size_t base = 0; base < n; base += kChunk) {
            const size_t m = std::min(kChunk, n - base);
            const PassStats s = scanAndBin(p + base, m, map, idx);
            binned += count(idx, m, stride, phase, 1);
            all = {std::min(all.min, s.min), std::max(all.max, s.max), all.zeros + s.zeros, all.allFinite && s.allFinite};
        }
        if (!all.allFinite || !map.covers(all.min, all.max)) {
            phase = 0;
            for (size_t base = 0; base < n; base += kChunk) {
                const size_t m = std::min(kChunk, n - base);
                scanAndBin(p + base, m, map, idx);
                count(idx, m, stride, phase, uint16_t(0xFFFF)); // + (2^16 - 1) wraps: minus one
            }
            return false;
        }
        stats.histogram.cover(all.min, all.max); // inside the window: only records the range
        record(all, n);
        pendingCount += binned;
        return true;
    }

    // tryFast for a sampled tensor: the statistics read every value (no index stores), and only
    // every stride-th value is binned, with the same float operations as scanAndBin (x * 2^-e,
    // clamp, floor: exact), so the counts equal the one-pass path's. Nothing is counted before
    // the window is known to cover the data, so there is nothing to take back.
    bool trySampled(const float* p, size_t n, size_t stride, const BinMap& map) {
        const PassStats all = scanValues(p, n);
        if (!all.allFinite || !map.covers(all.min, all.max)) return false;
        uint16_t* tables = pending.data();
        size_t counted = 0;
        for (size_t j = 0; j < n; j += stride, ++counted) {
            const float q = std::floor(std::clamp(p[j] * map.invWidth, map.firstF, map.lastF));
            tables[(counted & 3) * kStride + static_cast<size_t>(static_cast<int32_t>(q) - map.first)] += 1;
        }
        stats.histogram.cover(all.min, all.max); // inside the window: only records the range
        record(all, n);
        pendingCount += counted;
        return true;
    }

    // General path: `p` holds finite values only; `pass` are their statistics.
    void add(const float* p, size_t n, const PassStats& pass, size_t stride) {
        if (n == 0) return;
        Histogram& h = stats.histogram;
        if (h.empty() || pass.min < stats.min || pass.max > stats.max) {
            flush(); // the layout may change: pending counts must land in the old layout first
            h.cover(pass.min, pass.max);
            if (pending.empty() && n >= kTableMinValues) pending.assign(kTables * kStride, 0);
        }
        record(pass, n);
        // Small tensors, and a window far from zero: exact double arithmetic, no tables.
        if (pending.empty() || !fastLayout()) {
            for (size_t i = 0; i < n; i += stride) h.addToBin(h.binOf(p[i]), 1);
            return;
        }
        if (pendingCount + n / stride + 1 > kFlushAt) flush();
        const BinMap map = binMap();
        int32_t idx[kChunk];
        size_t phase = 0;
        for (size_t base = 0; base < n; base += kChunk) {
            const size_t m = std::min(kChunk, n - base);
            scanAndBin(p + base, m, map, idx);
            pendingCount += count(idx, m, stride, phase, 1);
        }
    }

private:
    void record(const PassStats& s, size_t n) {
        stats.min = std::min(stats.min, s.min);
        stats.max = std::max(stats.max, s.max);
        stats.count += n;
        stats.zeros += s.zeros;
    }

    // Float bin bounds are exact while |first|, |last| < 2^23.
    bool fastLayout() const {
        return std::fabs(static_cast<double>(stats.histogram.first())) + Histogram::kBins <= 8388608.0;
    }

    BinMap binMap() const {
        const Histogram& h = stats.histogram;
        const int32_t first = static_cast<int32_t>(h.first());
        const int32_t last = first + static_cast<int32_t>(h.binCount()) - 1;
        return {std::ldexp(1.0f, -h.exponent()), static_cast<float>(first), static_cast<float>(last), first};
    }

    // Adds `delta` (1, or 2^16 - 1 to take back) to the bins of every stride-th value of a chunk
    // (starting at `phase`, which carries over to the next chunk). Consecutive counts go to
    // four tables in turn so that a run of one bin (ReLU zeros) does not serialise on a single
    // counter. Returns the number of values counted.
    static size_t countInto(uint16_t* tables, const int32_t* idx, size_t m, size_t stride, size_t& phase, uint16_t delta) {
        size_t counted = 0;
        if (stride == 1) {
            size_t j = 0;
            for (; j + 4 <= m; j += 4) {
                tables[static_cast<size_t>(idx[j])] += delta;
                tables[kStride + static_cast<size_t>(idx[j + 1])] += delta;
                tables[2 * kStride + static_cast<size_t>(idx[j + 2])] += delta;
                tables[3 * kStride + static_cast<size_t>(idx[j + 3])] += delta;
            }
            for (; j < m; ++j) tables[static_cast<size_t>(idx[j])] += delta;
            return m;
        }
        size_t j = phase;
        for (; j < m; j += stride, ++counted) tables[(counted & 3) * kStride + static_cast<size_t>(idx[j])] += delta;
        phase = j - m;
        return counted;
    }
    size_t count(const int32_t* idx, size_t m, size_t stride, size_t& phase, uint16_t delta) {
        return countInto(pending.data(), idx, m, stride, phase, delta);
    }
};

CalibrationCollector::CalibrationCollector(std::shared_ptr<const Model> model) : m_model(std::move(model)) {
    m_acc.resize(m_model ? m_model->subgraphs.size() : 0);
    for (size_t s = 0; s < m_acc.size(); ++s) m_acc[s].resize(m_model->subgraphs[s].tensors.size());
}

CalibrationCollector::~CalibrationCollector() = default;

CalibrationCollector::Accumulator& CalibrationCollector::accumulator(size_t subgraph, size_t tensor) {
    auto& slot = m_acc[subgraph][tensor];
    if (!slot) slot = std::make_unique<Accumulator>();
    return *slot;
}

void CalibrationCollector::observeLocked(size_t subgraph, TensorIndex tensor, std::span<const float> values, size_t channels) {
    if (subgraph >= m_acc.size() || !tensor.valid() || tensor.index() >= m_acc[subgraph].size()) return;
    Accumulator& acc = accumulator(subgraph, tensor.index());
    ++acc.stats.observations;
    const size_t stride = histogramSamplingStride(values.size(), channels);
    if (acc.tryFast(values.data(), values.size(), stride)) return;
    PassStats pass = scanValues(values.data(), values.size());
    const float* p = values.data();
    size_t n = values.size();
    if (!pass.allFinite) {
        m_scratch.clear();
        for (float v : values)
            if (std::isfinite(v)) m_scratch.push_back(v);
        acc.stats.nonFinite += n - m_scratch.size();
        p = m_scratch.data();
        n = m_scratch.size();
        pass = scanValues(p, n); // min/max over the finite values only
    }
    acc.add(p, n, pass, stride);
}

void CalibrationCollector::observeTensor(size_t subgraph, TensorIndex tensor, std::span<const float> values, size_t channels) {
    std::lock_guard lock(m_mutex);
    observeLocked(subgraph, tensor, values, channels);
}

void CalibrationCollector::observe(const rt::NodeEvent& event) {
    if (!m_model || event.subgraph >= m_model->subgraphs.size()) return;
    const std::vector<Tensor>& tensors = m_model->subgraphs[event.subgraph].tensors;
    std::lock_guard lock(m_mutex);
    for (const rt::RtTensor* t : event.outputs) {
        if (!t || t->type != TensorType::FLOAT32 || !t->data || !t->source) continue;
        if (t->source < tensors.data() || t->source >= tensors.data() + tensors.size()) continue;
        const size_t count = std::min(static_cast<size_t>(t->elementCount()), t->bytes / sizeof(float));
        const size_t channels = t->shape.empty() ? 0 : static_cast<size_t>(std::max(t->shape.back(), 0));
        observeLocked(event.subgraph, TensorIndex{static_cast<size_t>(t->source - tensors.data())},
                      std::span<const float>(t->as<float>(), count), channels);
    }
}

void CalibrationCollector::observeInputs(rt::Interpreter& interpreter) {
    std::lock_guard lock(m_mutex);
    const Subgraph& sg = m_model->subgraphs[0];
    for (size_t i = 0; i < interpreter.inputCount(); ++i) {
        const rt::RtTensor& t = interpreter.input(i);
        if (t.type != TensorType::FLOAT32 || !t.data) continue;
        const size_t count = std::min(static_cast<size_t>(t.elementCount()), t.bytes / sizeof(float));
        const size_t channels = t.shape.empty() ? 0 : static_cast<size_t>(std::max(t.shape.back(), 0));
        observeLocked(0, sg.inputs[i], std::span<const float>(t.as<float>(), count), channels);
    }
}

void CalibrationCollector::finishSample() {
    std::lock_guard lock(m_mutex);
    ++m_samples;
}

void CalibrationCollector::skipSample() {
    std::lock_guard lock(m_mutex);
    ++m_skipped;
}

size_t CalibrationCollector::samples() const {
    std::lock_guard lock(m_mutex);
    return m_samples;
}

rt::Observer CalibrationCollector::observer() {
    return [this](const rt::NodeEvent& e) { observe(e); };
}

std::shared_ptr<const CalibrationStats> CalibrationCollector::snapshot() const {
    std::lock_guard lock(m_mutex);
    auto stats = std::make_shared<CalibrationStats>();
    stats->samples = m_samples;
    stats->skippedNonFinite = m_skipped;
    stats->subgraphs.resize(m_acc.size());
    for (size_t s = 0; s < m_acc.size(); ++s) {
        stats->subgraphs[s].resize(m_acc[s].size());
        for (size_t t = 0; t < m_acc[s].size(); ++t) {
            if (!m_acc[s][t]) continue;
            m_acc[s][t]->flush(); // moves pending counts into the histogram; results unchanged
            stats->subgraphs[s][t] = m_acc[s][t]->stats;
        }
    }
    return stats;
}

} // namespace ql::calib

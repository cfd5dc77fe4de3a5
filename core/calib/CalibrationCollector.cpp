#include "calib/CalibrationCollector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ql::calib {
namespace {

constexpr size_t kTables = 4;                     // interleaved count tables
constexpr size_t kChunk = 1024;                   // bin indices computed per batch
constexpr uint64_t kFlushAt = uint64_t(1) << 31;  // pending uint32 counts stay below 2^32

struct PassStats {
    float min, max;
    uint64_t zeros;
    bool allFinite;
};

// Pass 1: min, max, exact zeros and whether any value is NaN or +-Inf.
PassStats scan(const float* p, size_t n) {
    float mn = std::numeric_limits<float>::infinity(), mx = -mn;
    uint64_t zeros = 0;
    bool finite = true;
    size_t i = 0;
#if defined(__SSE2__)
    __m128 vmin = _mm_set1_ps(mn), vmax = _mm_set1_ps(mx), bad = _mm_setzero_ps();
    __m128i vz = _mm_setzero_si128();
    const __m128 zero = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) {
        const __m128 x = _mm_loadu_ps(p + i);
        vmin = _mm_min_ps(x, vmin); // NaN in x leaves vmin unchanged
        vmax = _mm_max_ps(x, vmax);
        vz = _mm_sub_epi32(vz, _mm_castps_si128(_mm_cmpeq_ps(x, zero))); // each match is -1
        const __m128 d = _mm_sub_ps(x, x);                                // NaN for NaN and +-Inf
        bad = _mm_or_ps(bad, _mm_cmpunord_ps(d, d));
    }
    alignas(16) float a[4], b[4];
    alignas(16) int32_t z[4];
    _mm_store_ps(a, vmin);
    _mm_store_ps(b, vmax);
    _mm_store_si128(reinterpret_cast<__m128i*>(z), vz);
    for (int k = 0; k < 4; ++k) {
        mn = std::min(mn, a[k]);
        mx = std::max(mx, b[k]);
        zeros += static_cast<uint32_t>(z[k]);
    }
    finite = _mm_movemask_ps(bad) == 0;
#endif
    for (; i < n; ++i) {
        const float x = p[i];
        if (!std::isfinite(x)) {
            finite = false;
            continue;
        }
        mn = std::min(mn, x);
        mx = std::max(mx, x);
        zeros += x == 0.0f;
    }
    return {mn, mx, zeros, finite};
}

// Pass 2 helper: bin indices k = floor(x / w) - first for a chunk, with x clamped to the
// window [first, last] (in units of w). y = x * 2^-e is exact (power of two); |first| < 2^23
// (checked by the caller) so the clamp bounds and floor(y) are exact in float/int32, and the
// result equals Histogram::binOf bin for bin.
void binIndices(const float* p, size_t n, float invWidth, int32_t first, int32_t last, int32_t* out) {
    size_t i = 0;
    const float firstF = static_cast<float>(first), lastF = static_cast<float>(last);
#if defined(__SSE2__)
    const __m128 vinv = _mm_set1_ps(invWidth), vlo = _mm_set1_ps(firstF), vhi = _mm_set1_ps(lastF);
    const __m128i vfirst = _mm_set1_epi32(first);
    for (; i + 4 <= n; i += 4) {
        const __m128 y = _mm_min_ps(_mm_max_ps(_mm_mul_ps(_mm_loadu_ps(p + i), vinv), vlo), vhi);
        __m128i t = _mm_cvttps_epi32(y); // toward zero
        // floor: one less where truncation rounded up (negative non-integers)
        t = _mm_add_epi32(t, _mm_castps_si128(_mm_cmplt_ps(y, _mm_cvtepi32_ps(t))));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_sub_epi32(t, vfirst));
    }
#endif
    for (; i < n; ++i) {
        const float y = std::clamp(p[i] * invWidth, firstF, lastF);
        out[i] = static_cast<int32_t>(std::floor(y)) - first;
    }
}

} // namespace

struct CalibrationCollector::Accumulator {
    TensorStats stats;                 // min/max/counts; histogram holds flushed counts
    std::vector<uint32_t> pending;     // kTables x kBins
    uint64_t pendingCount = 0;

    void flush() {
        if (!pendingCount) return;
        const size_t bins = stats.histogram.binCount();
        for (size_t t = 0; t < kTables; ++t)
            for (size_t k = 0; k < bins; ++k) {
                uint32_t& c = pending[t * static_cast<size_t>(Histogram::kBins) + k];
                if (c) {
                    stats.histogram.addToBin(k, c);
                    c = 0;
                }
            }
        pendingCount = 0;
    }

    // `p` holds finite values only when `pass.allFinite`; the caller filters otherwise.
    void add(const float* p, size_t n, const PassStats& pass) {
        if (n == 0) return;
        Histogram& h = stats.histogram;
        if (h.empty() || pass.min < stats.min || pass.max > stats.max) {
            flush(); // the layout may change: pending counts must land in the old layout first
            h.cover(pass.min, pass.max);
            if (pending.empty()) pending.assign(kTables * static_cast<size_t>(Histogram::kBins), 0);
        }
        stats.min = std::min(stats.min, pass.min);
        stats.max = std::max(stats.max, pass.max);
        stats.count += n;
        stats.zeros += pass.zeros;

        if (std::fabs(static_cast<double>(h.first())) > 8388608.0) { // 2^23: float bounds inexact
            for (size_t i = 0; i < n; ++i) h.addToBin(h.binOf(p[i]), 1);
            return;
        }
        const float invWidth = std::ldexp(1.0f, -h.exponent());
        const int32_t first = static_cast<int32_t>(h.first());
        const int32_t last = first + static_cast<int32_t>(h.binCount()) - 1;
        int32_t idx[kChunk];
        uint32_t* tables = pending.data();
        constexpr size_t stride = static_cast<size_t>(Histogram::kBins);
        for (size_t base = 0; base < n; base += kChunk) {
            const size_t m = std::min(kChunk, n - base);
            binIndices(p + base, m, invWidth, first, last, idx);
            size_t j = 0;
            for (; j + 4 <= m; j += 4) {
                ++tables[static_cast<size_t>(idx[j])];
                ++tables[stride + static_cast<size_t>(idx[j + 1])];
                ++tables[2 * stride + static_cast<size_t>(idx[j + 2])];
                ++tables[3 * stride + static_cast<size_t>(idx[j + 3])];
            }
            for (; j < m; ++j) ++tables[static_cast<size_t>(idx[j])];
        }
        pendingCount += n;
        if (pendingCount >= kFlushAt) flush();
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

void CalibrationCollector::observeTensor(size_t subgraph, TensorIndex tensor, std::span<const float> values) {
    if (subgraph >= m_acc.size() || !tensor.valid() || tensor.index() >= m_acc[subgraph].size()) return;
    Accumulator& acc = accumulator(subgraph, tensor.index());
    ++acc.stats.observations;
    PassStats pass = scan(values.data(), values.size());
    const float* p = values.data();
    size_t n = values.size();
    if (!pass.allFinite) {
        m_scratch.clear();
        for (float v : values)
            if (std::isfinite(v)) m_scratch.push_back(v);
        acc.stats.nonFinite += n - m_scratch.size();
        p = m_scratch.data();
        n = m_scratch.size();
        pass = scan(p, n); // min/max over the finite values only
    }
    acc.add(p, n, pass);
}

void CalibrationCollector::observe(const rt::NodeEvent& event) {
    if (!m_model || event.subgraph >= m_model->subgraphs.size()) return;
    const std::vector<Tensor>& tensors = m_model->subgraphs[event.subgraph].tensors;
    std::lock_guard lock(m_mutex);
    for (const rt::RtTensor* t : event.outputs) {
        if (!t || t->type != TensorType::FLOAT32 || !t->data || !t->source) continue;
        if (t->source < tensors.data() || t->source >= tensors.data() + tensors.size()) continue;
        const size_t count = std::min(static_cast<size_t>(t->elementCount()), t->bytes / sizeof(float));
        observeTensor(event.subgraph, TensorIndex{static_cast<size_t>(t->source - tensors.data())},
                      std::span<const float>(t->as<float>(), count));
    }
}

void CalibrationCollector::observeInputs(rt::Interpreter& interpreter) {
    std::lock_guard lock(m_mutex);
    const Subgraph& sg = m_model->subgraphs[0];
    for (size_t i = 0; i < interpreter.inputCount(); ++i) {
        const rt::RtTensor& t = interpreter.input(i);
        if (t.type != TensorType::FLOAT32 || !t.data) continue;
        const size_t count = std::min(static_cast<size_t>(t.elementCount()), t.bytes / sizeof(float));
        observeTensor(0, sg.inputs[i], std::span<const float>(t.as<float>(), count));
    }
}

void CalibrationCollector::finishSample() {
    std::lock_guard lock(m_mutex);
    ++m_samples;
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

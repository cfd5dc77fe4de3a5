// `random:N[:SEED]`: N samples of uniform noise over every model input. Float inputs take
// values in [randomLo, randomHi) (default [-1, 1)), integer inputs their type's full range, bool
// 0 or 1. Sample i depends only on (SEED, i): get(i) is reproducible in any order.
#include "data/Convert.h"
#include "data/Sources.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace ql::data {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a fast generator with good statistics, seedable per sample.
struct SplitMix64 {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

template <class T> void fillInts(SplitMix64& rng, uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const T v = static_cast<T>(rng.next()); // the low bits, i.e. uniform over the type's range
        std::memcpy(out + i * sizeof(T), &v, sizeof(T));
    }
}

class RandomSource final : public DataSource {
public:
    RandomSource(size_t count, uint64_t seed, std::vector<InputInfo> inputs, float lo, float hi)
        : m_count(count), m_seed(seed), m_inputs(std::move(inputs)), m_lo(lo), m_hi(hi) {}

    size_t size() const override { return m_count; }

    Result<Sample> get(size_t i) const override {
        if (i >= m_count) return makeError("random: sample " + std::to_string(i) + " is out of range (" + std::to_string(m_count) + ")");
        Sample s;
        SplitMix64 seeder{m_seed * 0x100000001b3ull + i};
        for (const InputInfo& in : m_inputs) {
            SplitMix64 rng{seeder.next()};
            SampleTensor t;
            t.type = in.type;
            t.shape = in.shape;
            const size_t n = static_cast<size_t>(in.elementCount());
            t.bytes.resize(n * elementSize(in.type));
            uint8_t* out = t.bytes.data();
            switch (in.type) {
            case TensorType::FLOAT32: {
                // 24 random bits -> u in [0, 1) -> lo + u * (hi - lo)
                // (clamped below hi: float rounding could otherwise reach it).
                const float span = m_hi - m_lo, below = std::nextafter(m_hi, m_lo);
                float* f = reinterpret_cast<float*>(out);
                for (size_t e = 0; e < n; ++e)
                    f[e] = std::min(below, m_lo + static_cast<float>(rng.next() >> 40) * (1.0f / 16777216.0f) * span);
                break;
            }
            case TensorType::FLOAT64:
                for (size_t e = 0; e < n; ++e) {
                    const double u = static_cast<double>(rng.next() >> 40) * (1.0 / 16777216.0);
                    storeReal(m_lo + u * (m_hi - m_lo), in, out + e * elementSize(in.type));
                }
                break;
            case TensorType::INT8: fillInts<int8_t>(rng, out, n); break;
            case TensorType::UINT8: fillInts<uint8_t>(rng, out, n); break;
            case TensorType::INT16: fillInts<int16_t>(rng, out, n); break;
            case TensorType::UINT16: fillInts<uint16_t>(rng, out, n); break;
            case TensorType::INT32: fillInts<int32_t>(rng, out, n); break;
            case TensorType::UINT32: fillInts<uint32_t>(rng, out, n); break;
            case TensorType::INT64: fillInts<int64_t>(rng, out, n); break;
            case TensorType::UINT64: fillInts<uint64_t>(rng, out, n); break;
            case TensorType::BOOL:
                for (size_t e = 0; e < n; ++e) out[e] = static_cast<uint8_t>(rng.next() >> 63);
                break;
            default: break; // rejected in openRandomSource
            }
            s.tensors.push_back(std::move(t));
        }
        return s;
    }

    std::string describe() const override {
        return "random: " + std::to_string(m_count) + " samples, seed " + std::to_string(m_seed) + ", floats in [" +
               std::to_string(m_lo) + ", " + std::to_string(m_hi) + ")";
    }

private:
    size_t m_count;
    uint64_t m_seed;
    std::vector<InputInfo> m_inputs;
    float m_lo, m_hi;
};

bool parseUnsigned(std::string_view s, uint64_t& out) {
    if (s.empty()) return false;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

} // namespace

Result<std::unique_ptr<DataSource>> openRandomSource(const std::string& spec, const ModelInputInfo& inputs,
                                                     const DataOptions& options) {
    std::string_view rest = std::string_view(spec).substr(std::string_view("random:").size());
    const size_t colon = rest.find(':');
    uint64_t count = 0, seed = 0;
    const bool ok = parseUnsigned(rest.substr(0, colon), count) &&
                    (colon == std::string_view::npos || parseUnsigned(rest.substr(colon + 1), seed));
    if (!ok || count == 0 || count > (uint64_t(1) << 40))
        return makeError(spec + ": expected random:N[:SEED] with N a positive integer and SEED an unsigned integer");
    if (!(options.randomLo < options.randomHi))
        return makeError(spec + ": the random range [" + std::to_string(options.randomLo) + ", " +
                         std::to_string(options.randomHi) + "] is empty");
    for (const InputInfo& in : inputs.inputs)
        if (!isWritableType(in.type))
            return makeError(spec + ": cannot generate data for input '" + in.name + "' of type " + std::string(typeName(in.type)));
    return std::unique_ptr<DataSource>(std::make_unique<RandomSource>(static_cast<size_t>(count), seed, inputs.inputs,
                                                                      options.randomLo, options.randomHi));
}

} // namespace ql::data

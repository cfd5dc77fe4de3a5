// The int8 DEPTHWISE_CONV_2D plan (depth multiplier 1): AVX2 and AVX-512 kernels that keep
// one block of 8 / 16 channels' int32 accumulators in a register across all taps of a pixel,
// bit-exact with reference::depthwiseQuantized<int8_t, ...> (tests/core/test_kernels_int8_opt),
// with TFLite's fixed-point or XNNPACK's fp32 requantization in registers (simd::Epilogue).
//
// Exactness. The reference sums w * (x + inputOffset) over the taps inside the image, plus the
// bias, in int32 (modulo 2^32). Here every pixel sums over ALL taps, and a tap outside the image
// reads a row filled with the input zero point zp = -inputOffset, so
//   sum_taps w * x' + inputOffset * sum_taps w
// equals the reference's sum: in-image taps give w * x + inputOffset * w, outside taps
// w * zp + inputOffset * w = 0. The second term plus the bias is per channel and constant
// (m_biasFold, computed at prepare modulo 2^32). Two taps are interleaved per int16 lane pair
// and multiplied with vpmaddwd: |x * w| <= 128 * 128, so the pair sum 2^15 fits int32 exactly.
// An odd tap count is padded with a zero-weight tap that reads the zero-point row.
#include "runtime/kernels/conv/Optimized.h"

#include "runtime/kernels/conv/Int8Simd.h"

#include <algorithm>
#include <cstring>

namespace ql::rt::optimized {
namespace {

constexpr int kLanes = 16; // channel padding of the packed arrays (the AVX-512 block)

int roundUp(int x, int m) { return (x + m - 1) / m * m; }

// The taps of output pixel (b, oy, ox): pointers to each tap's input pixel (channel 0), or to
// the zero-point row when the tap is outside the image; 2 * pairs of them (the last may be the
// zero-weight padding tap).
inline void gatherTaps(const ConvGeometry& g, const int8_t* input, const int8_t* zpRow, int b, int oy, int ox, int pairs,
                       const int8_t** taps) {
    const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
    int t = 0;
    for (int ky = 0; ky < g.filterH; ++ky) {
        const int iy = y0 + ky * g.dilationH;
        const bool rowIn = iy >= 0 && iy < g.inH;
        for (int kx = 0; kx < g.filterW; ++kx, ++t) {
            const int ix = x0 + kx * g.dilationW;
            taps[t] = rowIn && ix >= 0 && ix < g.inW ? input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC : zpRow;
        }
    }
    for (; t < 2 * pairs; ++t) taps[t] = zpRow;
}

// The output columns [lo, hi] of a row whose taps all lie inside the image (empty: lo > hi).
// Inside that run, moving one output column moves every tap by strideW pixels, so the pointers
// gathered for one column are advanced instead of gathered again: the same pointers as
// gatherTaps, without its bounds checks (which cost about as much as the arithmetic for
// narrow layers).
struct InteriorColumns {
    int lo = 0, hi = -1;
};
inline InteriorColumns interiorColumns(const ConvGeometry& g, int oy) {
    InteriorColumns r;
    const int y0 = oy * g.strideH - g.padTop;
    if (y0 < 0 || y0 + (g.filterH - 1) * g.dilationH >= g.inH) return r;
    const int span = (g.filterW - 1) * g.dilationW;
    // x0 = ox * strideW - padLeft >= 0 and x0 + span < inW.
    r.lo = (g.padLeft + g.strideW - 1) / g.strideW;
    const int last = g.inW - 1 - span + g.padLeft; // ox * strideW <= last
    r.hi = last < 0 ? -1 : std::min(g.outW - 1, last / g.strideW);
    return r;
}

// Fills taps for output pixel (b, oy, ox): advanced from column ox - 1's pointers (`valid`)
// inside the interior run, gathered otherwise. `valid` tracks whether taps hold ox - 1's
// interior pointers.
inline void nextTaps(const ConvGeometry& g, const int8_t* input, const int8_t* zpRow, int b, int oy, int ox, int pairs,
                     const InteriorColumns& in, const int8_t** taps, bool& valid) {
    if (ox >= in.lo && ox <= in.hi) {
        if (valid) {
            const int64_t delta = int64_t(g.strideW) * g.inC;
            const int count = g.filterH * g.filterW; // the padding tap keeps the zero-point row
            for (int t = 0; t < count; ++t) taps[t] += delta;
            return;
        }
        gatherTaps(g, input, zpRow, b, oy, ox, pairs, taps);
        valid = true;
        return;
    }
    gatherTaps(g, input, zpRow, b, oy, ox, pairs, taps);
    valid = false;
}

// ---- AVX2: 8 channels per block ---------------------------------------------------------------

struct PlanView {
    const int16_t* weights; // [pair][cPadded][2]
    const int32_t* biasFold;
    simd::Epilogue e; // arrays padded to cPadded
    int cPadded, pairs, channels;
};

QL_AVX2_TARGET inline __m128i load8(const int8_t* p, int count) {
    if (count >= 8) return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    alignas(16) int8_t tmp[16] = {};
    std::memcpy(tmp, p, size_t(count));
    return _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
}

QL_AVX2_TARGET void pixelAvx2(const PlanView& v, const int8_t* const* taps, int8_t* out, int32_t* rawAcc) {
    for (int c = 0; c < v.channels; c += 8) {
        const int count = std::min(8, v.channels - c);
        __m256i acc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.biasFold + c));
        for (int p = 0; p < v.pairs; ++p) {
            const __m128i xa = load8(taps[2 * p] + c, count), xb = load8(taps[2 * p + 1] + c, count);
            const __m256i x = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(xa, xb));
            const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v.weights + (int64_t(p) * v.cPadded + c) * 2));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
        }
        if (rawAcc) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(rawAcc + c), acc);
            continue;
        }
        const __m256i q = simd::requantizeBlock8(v.e, acc, c);
        if (count == 8) {
            simd::storeInt8x8(q, out + c);
        } else {
            alignas(16) int8_t tmp[8];
            simd::storeInt8x8(q, tmp);
            std::memcpy(out + c, tmp, size_t(count));
        }
    }
}

// ---- AVX-512 VNNI: 16 channels per block (masked loads and stores for the last one) -------------

__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"))) void pixelAvx512(const PlanView& v, const int8_t* const* taps, int8_t* out, int32_t* rawAcc) {
    for (int c = 0; c < v.channels; c += 16) {
        const int count = std::min(16, v.channels - c);
        const __mmask16 k = static_cast<__mmask16>(count == 16 ? 0xFFFFu : (1u << count) - 1u);
        __m512i acc = _mm512_loadu_si512(v.biasFold + c);
        for (int p = 0; p < v.pairs; ++p) {
            const __m128i xa = _mm_maskz_loadu_epi8(k, taps[2 * p] + c), xb = _mm_maskz_loadu_epi8(k, taps[2 * p + 1] + c);
            const __m256i pairsOf = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi8(xa, xb)),
                                                            _mm_unpackhi_epi8(xa, xb), 1);
            const __m512i x = _mm512_cvtepi8_epi16(pairsOf);
            const __m512i w = _mm512_loadu_si512(v.weights + (int64_t(p) * v.cPadded + c) * 2);
            acc = _mm512_dpwssd_epi32(acc, x, w); // acc += x0 * w0 + x1 * w1 per channel
        }
        if (rawAcc) {
            _mm512_storeu_si512(rawAcc + c, acc);
            continue;
        }
        simd::storeInt8x16(simd::requantizeBlock16(v.e, acc, c), out + c, count);
    }
}

} // namespace

bool Int8DepthwisePlan::vectorised(const ConvGeometry& g, const RequantParams& p) {
    // zp must be an int8 value (the zero-point row); 64 taps bound the pointer array.
    return g.depthMultiplier == 1 && g.inC == g.outC && -p.inputOffset >= -128 && -p.inputOffset <= 127 &&
           int64_t(g.filterH) * g.filterW <= 64;
}

Int8DepthwisePlan::Int8DepthwisePlan(const ConvGeometry& g, const RequantParams& p, std::span<const int8_t> filter, const int32_t* bias,
                                     Isa isa)
    : m_g(g), m_p(p) {
    m_isa = Int8ConvPlan::supported(isa) ? isa : Isa::Generic;
    if (isa == Isa::Avx512Vnni && !Int8ConvPlan::supported(isa) && Int8ConvPlan::supported(Isa::Avx2)) m_isa = Isa::Avx2;
    if (!vectorised(g, p)) m_isa = Isa::Generic;
    repack(filter, bias);
}

void Int8DepthwisePlan::repack(std::span<const int8_t> filter, const int32_t* bias) {
    const ConvGeometry& g = m_g;
    const int taps = g.filterH * g.filterW, channels = g.outC;
    if (m_isa == Isa::Generic) {
        m_filter.assign(filter.begin(), filter.begin() + int64_t(taps) * channels);
        m_bias.assign(bias ? bias : nullptr, bias ? bias + channels : nullptr);
        return;
    }
    m_pairs = (taps + 1) / 2;
    m_cPadded = roundUp(channels, kLanes);
    m_weights.assign(size_t(m_pairs) * size_t(m_cPadded) * 2, 0);
    m_biasFold.assign(size_t(m_cPadded), 0);
    m_tapSum.assign(size_t(m_cPadded), 0);
    m_multiplier.assign(size_t(m_cPadded), 0);
    m_shift.assign(size_t(m_cPadded), 0);
    m_fpScale.assign(m_p.fpScale.empty() ? 0 : size_t(m_cPadded), 0.0f);
    for (int c = 0; c < channels; ++c) {
        uint32_t sum = 0;
        for (int t = 0; t < taps; ++t) {
            const int8_t w = filter[size_t(t) * size_t(channels) + size_t(c)];
            m_weights[(size_t(t / 2) * size_t(m_cPadded) + size_t(c)) * 2 + size_t(t % 2)] = w;
            sum += static_cast<uint32_t>(int32_t(w));
        }
        const uint32_t b = bias ? static_cast<uint32_t>(bias[c]) : 0u;
        m_biasFold[size_t(c)] = static_cast<int32_t>(b + static_cast<uint32_t>(m_p.inputOffset) * sum);
        m_tapSum[size_t(c)] = static_cast<int32_t>(sum);
        if (!m_p.fpScale.empty()) {
            m_fpScale[size_t(c)] = m_p.fpScale[size_t(c)];
        } else {
            m_multiplier[size_t(c)] = m_p.multiplier[size_t(c)];
            m_shift[size_t(c)] = m_p.shift[size_t(c)];
        }
    }
    m_zpRow.assign(size_t(m_cPadded) + kLanes, static_cast<int8_t>(-m_p.inputOffset));
}

void Int8DepthwisePlan::run(const int8_t* input, int8_t* output, ThreadPool* pool) const {
    const ConvGeometry& g = m_g;
    if (m_isa == Isa::Generic) {
        depthwiseInt8(g, m_p, input, m_filter.data(), m_bias.empty() ? nullptr : m_bias.data(), output, pool);
        return;
    }
    const simd::Epilogue e{m_multiplier.data(), m_shift.data(), m_fpScale.empty() ? nullptr : m_fpScale.data(), m_p.outputOffset,
                           m_p.actMin, m_p.actMax};
    const PlanView view{m_weights.data(), m_biasFold.data(), e, m_cPadded, m_pairs, g.outC};
    // Fixed point with another rounding than TFLite's double rounding: raw accumulators, then
    // the scalar epilogue.
    const bool rawEpilogue = m_fpScale.empty() && m_p.rounding != Rounding::Double;
    const bool avx512 = m_isa == Isa::Avx512Vnni;
    const int64_t rows = int64_t(g.batches) * g.outH;
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        const int8_t* taps[64];
        thread_local std::vector<int32_t> acc;
        if (rawEpilogue) acc.resize(size_t(m_cPadded));
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            const InteriorColumns interior = interiorColumns(g, oy);
            bool valid = false;
            for (int ox = 0; ox < g.outW; ++ox) {
                nextTaps(g, input, m_zpRow.data(), b, oy, ox, m_pairs, interior, taps, valid);
                int8_t* out = output + (r * g.outW + ox) * g.outC;
                int32_t* raw = rawEpilogue ? acc.data() : nullptr;
                if (avx512) pixelAvx512(view, taps, out, raw);
                else pixelAvx2(view, taps, out, raw);
                if (raw) requantizeRow(raw, g.outC, m_p, out);
            }
        }
    });
}

void Int8DepthwisePlan::runHybrid(const int8_t* input, std::span<const float> inputScale, std::span<const int32_t> zeroPoint,
                                  std::span<const float> filterScale, const float* bias, FloatActivation act, float* output,
                                  ThreadPool* pool, HybridScaleOrder order) const {
    const ConvGeometry& g = m_g;
    // Per batch: fold[c] = -zp * sum_taps w[c] and a row of zp for the taps outside the image,
    // so that acc = sum over in-image taps of w * (x - zp) exactly (see the top of this file).
    std::vector<int32_t> fold(size_t(g.batches) * size_t(m_cPadded));
    std::vector<int8_t> zpRows(size_t(g.batches) * (size_t(m_cPadded) + kLanes));
    for (int b = 0; b < g.batches; ++b) {
        const int32_t zp = zeroPoint[size_t(b)];
        for (int c = 0; c < m_cPadded; ++c)
            fold[size_t(b) * size_t(m_cPadded) + size_t(c)] =
                static_cast<int32_t>(static_cast<uint32_t>(-zp) * static_cast<uint32_t>(m_tapSum[size_t(c)]));
        std::fill_n(zpRows.begin() + ptrdiff_t(size_t(b) * (size_t(m_cPadded) + kLanes)), size_t(m_cPadded) + kLanes,
                    static_cast<int8_t>(zp));
    }
    const bool avx512 = m_isa == Isa::Avx512Vnni;
    const int64_t rows = int64_t(g.batches) * g.outH;
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        const int8_t* taps[64];
        thread_local std::vector<int32_t> acc;
        acc.resize(size_t(m_cPadded));
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            const PlanView view{m_weights.data(), fold.data() + size_t(b) * size_t(m_cPadded), simd::Epilogue{}, m_cPadded, m_pairs,
                                g.outC};
            const int8_t* zpRow = zpRows.data() + size_t(b) * (size_t(m_cPadded) + kLanes);
            const float batchScale = inputScale[size_t(b)];
            const InteriorColumns interior = interiorColumns(g, oy);
            bool valid = false;
            for (int ox = 0; ox < g.outW; ++ox) {
                nextTaps(g, input, zpRow, b, oy, ox, m_pairs, interior, taps, valid);
                if (avx512) pixelAvx512(view, taps, nullptr, acc.data());
                else pixelAvx2(view, taps, nullptr, acc.data());
                // TFLite's hybrid epilogue (reference::depthwiseHybrid), in baseline code (no FMA).
                float* out = output + (r * g.outW + ox) * g.outC;
                for (int c = 0; c < g.outC; ++c) {
                    float value = hybridScaled(acc[size_t(c)], batchScale, filterScale[size_t(c)], order);
                    if (bias) value += bias[c];
                    out[c] = std::min(std::max(value, act.min), act.max);
                }
            }
        }
    });
}

} // namespace ql::rt::optimized

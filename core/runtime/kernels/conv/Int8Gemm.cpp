// The optimised int8 CONV_2D: im2col + int32 GEMM + vectorised requantization (TFLite's fixed
// point or XNNPACK's fp32, simd::Epilogue), bit-exact with reference::convQuantized<int8_t, ...>
// (tested on random shapes in test_kernels_conv_opt).
//
// Exactness: the reference sums filter * (input + inputOffset) over the taps inside the image.
// im2col writes the input zero point (= -inputOffset) for taps outside the image, so those
// terms are 0 here too, and every sum below is taken modulo 2^32 like TFLite's int32
// accumulator: sum_k w * (x + off) = sum_k w * x' + c * rowsum(w) where x' is what im2col
// stored and c the matching constant, folded with the bias at prepare (m_biasFold).
//   - Generic / AVX2: x' = x, c = inputOffset.
//   - AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes; the micro-kernel flips the
//     sign bit of each input byte as it broadcasts it, so x' = x ^ 0x80 = x + 128 read as
//     uint8, and c = inputOffset - 128 (zero bytes padding K to a multiple of 4 meet zero
//     weights). im2col copies bytes unchanged, and a 1x1 stride-1 convolution whose channel
//     count is a multiple of 4 reads the input in place.
#include "runtime/kernels/conv/Optimized.h"
#include "util/Vectorize.h"

#include "runtime/kernels/conv/Int8Simd.h"
#include "runtime/kernels/conv/Reference.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace ql::rt::optimized {
namespace {

constexpr int kMr = 8;             // rows of the VNNI micro-kernel
constexpr int64_t kBlockRows = 64; // output pixels per im2col block (a multiple of kMr)

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// ---- requantization ---------------------------------------------------------------------------

void requantizeScalar(const int32_t* acc, int n, const RequantParams& p, int8_t* out) {
    for (int c = 0; c < n; ++c) out[c] = static_cast<int8_t>(reference::requantize(acc[c], p, c));
}

// simd::Epilogue's choice of p (TFLite's fixed point or XNNPACK's fp32), on unpadded arrays:
// callers read only whole blocks of 8 inside [0, n).
simd::Epilogue epilogueOf(const RequantParams& p) {
    return {p.multiplier.data(), p.shift.data(), p.fpScale.empty() ? nullptr : p.fpScale.data(), p.outputOffset, p.actMin, p.actMax};
}

// multiplyByQuantizedMultiplier with TFLite's double rounding or the fp32 requantization, 8
// lanes at a time (Int8Simd.h).
__attribute__((target("avx2"))) void requantizeAvx2(const int32_t* acc, int n, const RequantParams& p, int8_t* out) {
    const simd::Epilogue e = epilogueOf(p);
    int c = 0;
    for (; c + 8 <= n; c += 8) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + c));
        simd::storeInt8x8(simd::requantizeBlock8(e, x, c), out + c);
    }
    for (; c < n; ++c) out[c] = static_cast<int8_t>(reference::requantize(acc[c], p, c));
}

bool cpuHasAvx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}

// ---- GEMM: C[r][n] = sum_k A[r][k] * W[n][k] + biasFold[n] (mod 2^32) --------------------------

[[gnu::always_inline]] inline void gemmGenericBody(const int8_t* a, int rows, int64_t k, const int8_t* w, int n,
                                                   const int32_t* biasFold, int32_t* c, int64_t ldc) {
    for (int r = 0; r < rows; ++r) {
        const int8_t* __restrict ar = a + r * k;
        for (int j = 0; j < n; ++j) {
            const int8_t* __restrict wj = w + j * k;
            // |sum| < 2^14 * k: no int32 overflow for k < 2^17 taps (im2col rows are far shorter).
            int32_t sum = 0;
            for (int64_t i = 0; i < k; ++i) sum += int32_t(ar[i]) * int32_t(wj[i]);
            c[r * ldc + j] = static_cast<int32_t>(static_cast<uint32_t>(sum) + static_cast<uint32_t>(biasFold[j]));
        }
    }
}

QL_VECTORIZE void gemmGeneric(const int8_t* a, int rows, int64_t k, const int8_t* w, int n, const int32_t* biasFold, int32_t* c, int64_t ldc) {
    gemmGenericBody(a, rows, k, w, n, biasFold, c, ldc);
}

QL_VECTORIZE __attribute__((target("avx2"))) void gemmAvx2(const int8_t* a, int rows, int64_t k, const int8_t* w, int n, const int32_t* biasFold,
                                              int32_t* c, int64_t ldc) {
    gemmGenericBody(a, rows, k, w, n, biasFold, c, ldc);
}

#define QL_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

// The requantization fused into the VNNI micro-kernel (TFLite's double rounding or XNNPACK's
// fp32): the accumulators of a tile go through simd::requantizeBlock16 and are stored as int8,
// never as int32. The epilogue's arrays are padded to nPadded; `channels` is the real count.
struct FusedEpilogue {
    simd::Epilogue e;
    int8_t* out; // row 0, channel 0 of the tile's output rows
    int64_t ldo; // output row stride (channels)
    int channels;
};

// MR rows x (16 or 32) channels; packed B holds, per 16-channel block and per group of 4 k,
// 16 x 4 bytes (channel-major), i.e. one zmm of the vpdpbusd right operand. Channel block
// offset n0 (a multiple of 16) is used for the fused epilogue.
template <int MR, bool Two>
QL_VNNI_TARGET void vnniMicroKernel(const uint8_t* a, int64_t lda, int64_t quads, const int8_t* b0, const int8_t* b1,
                                    const int32_t* biasFold, int32_t* c, int64_t ldc, const FusedEpilogue* fused, int64_t n0) {
    __m512i acc0[MR], acc1[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm512_setzero_si512();
    for (int64_t q = 0; q < quads; ++q) {
        const __m512i w0 = _mm512_loadu_si512(b0 + q * 64);
        const __m512i w1 = Two ? _mm512_loadu_si512(b1 + q * 64) : w0;
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            int32_t four;
            std::memcpy(&four, a + r * lda + q * 4, 4);
            // x + 128 as the unsigned operand of vpdpbusd: the sign bit of each byte flipped.
            const __m512i x = _mm512_set1_epi32(four ^ int32_t(0x80808080u));
            acc0[r] = _mm512_dpbusd_epi32(acc0[r], x, w0);
            if (Two) acc1[r] = _mm512_dpbusd_epi32(acc1[r], x, w1);
        }
    }
    const __m512i bias0 = _mm512_loadu_si512(biasFold);
    const __m512i bias1 = Two ? _mm512_loadu_si512(biasFold + 16) : bias0;
    if (fused) {
        const int count0 = static_cast<int>(std::min<int64_t>(16, fused->channels - n0));
        const int count1 = static_cast<int>(std::min<int64_t>(16, fused->channels - n0 - 16));
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            int8_t* out = fused->out + r * fused->ldo + n0;
            simd::storeInt8x16(simd::requantizeBlock16(fused->e, _mm512_add_epi32(acc0[r], bias0), n0), out, count0);
            if (Two) simd::storeInt8x16(simd::requantizeBlock16(fused->e, _mm512_add_epi32(acc1[r], bias1), n0 + 16), out + 16, count1);
        }
        return;
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
        _mm512_storeu_si512(c + r * ldc, _mm512_add_epi32(acc0[r], bias0));
        if (Two) _mm512_storeu_si512(c + r * ldc + 16, _mm512_add_epi32(acc1[r], bias1));
    }
}

template <bool Two>
QL_VNNI_TARGET void vnniRows(int mr, const uint8_t* a, int64_t lda, int64_t quads, const int8_t* b0, const int8_t* b1,
                             const int32_t* biasFold, int32_t* c, int64_t ldc, const FusedEpilogue* f, int64_t n0) {
    switch (mr) {
    case 8: vnniMicroKernel<8, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    case 7: vnniMicroKernel<7, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    case 6: vnniMicroKernel<6, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    case 5: vnniMicroKernel<5, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    case 4: vnniMicroKernel<4, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    case 3: vnniMicroKernel<3, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    case 2: vnniMicroKernel<2, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    default: vnniMicroKernel<1, Two>(a, lda, quads, b0, b1, biasFold, c, ldc, f, n0); break;
    }
}

// C (or, with `fused`, the int8 output) for `rows` im2col rows.
QL_VNNI_TARGET void gemmVnni(const uint8_t* a, int rows, int64_t kPadded, const int8_t* packed, int64_t nPadded,
                             const int32_t* biasFold, int32_t* c, int64_t ldc, const FusedEpilogue* fused) {
    const int64_t quads = kPadded / 4, blocks = nPadded / 16;
    for (int64_t nb = 0; nb < blocks; nb += 2) {
        const bool two = nb + 1 < blocks;
        const int8_t* b0 = packed + nb * quads * 64;
        const int8_t* b1 = b0 + quads * 64;
        for (int r0 = 0; r0 < rows; r0 += kMr) {
            const int mr = std::min(kMr, rows - r0);
            FusedEpilogue tile;
            if (fused) {
                tile = *fused;
                tile.out += r0 * fused->ldo;
            }
            const FusedEpilogue* f = fused ? &tile : nullptr;
            // With the fused epilogue there is no int32 C (null): no pointer arithmetic on it.
            int32_t* cTile = c ? c + r0 * ldc + nb * 16 : nullptr;
            if (two) vnniRows<true>(mr, a + r0 * kPadded, kPadded, quads, b0, b1, biasFold + nb * 16, cTile, ldc, f, nb * 16);
            else vnniRows<false>(mr, a + r0 * kPadded, kPadded, quads, b0, b1, biasFold + nb * 16, cTile, ldc, f, nb * 16);
        }
    }
}

} // namespace

void requantizeRow(const int32_t* acc, int channels, const RequantParams& p, int8_t* out) {
    if ((p.rounding == Rounding::Double || !p.fpScale.empty()) && cpuHasAvx2()) requantizeAvx2(acc, channels, p, out);
    else requantizeScalar(acc, channels, p, out);
}

// ---- the plan -----------------------------------------------------------------------------------

bool Int8ConvPlan::supported(Isa isa) {
    switch (isa) {
    case Isa::Generic: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2");
    case Isa::Avx512Vnni:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512vnni");
    }
    return false;
}

Int8ConvPlan::Isa Int8ConvPlan::detectIsa() {
    static const Isa best = supported(Isa::Avx512Vnni) ? Isa::Avx512Vnni : supported(Isa::Avx2) ? Isa::Avx2 : Isa::Generic;
    return best;
}

const char* Int8ConvPlan::isaName(Isa isa) {
    switch (isa) {
    case Isa::Generic: return "generic";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512Vnni: return "avx512-vnni";
    }
    return "?";
}

Int8ConvPlan::Int8ConvPlan(const ConvGeometry& g, const RequantParams& p, std::span<const int8_t> filter, const int32_t* bias, Isa isa)
    : m_g(g), m_p(p), m_isa(supported(isa) ? isa : Isa::Generic) {
    repack(filter, bias);
}

void Int8ConvPlan::repack(std::span<const int8_t> filter, const int32_t* bias) {
    const int64_t n = m_g.outC;
    m_k = m_g.patchSize();
    std::vector<int32_t>& rowSum = m_rowSum;
    rowSum.assign(static_cast<size_t>(roundUp(n, 16)), 0);
    for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < m_k; ++i) rowSum[size_t(j)] += filter[size_t(j * m_k + i)];
    int32_t fold = m_p.inputOffset;
    if (m_isa == Isa::Avx512Vnni) {
        fold = m_p.inputOffset - 128;
        m_kPadded = roundUp(m_k, 4);
        m_nPadded = roundUp(n, 16);
        m_packed.assign(static_cast<size_t>(m_nPadded * m_kPadded), 0);
        const int64_t quads = m_kPadded / 4;
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < m_k; ++i) {
                const int64_t block = j / 16, lane = j % 16, q = i / 4, t = i % 4;
                m_packed[size_t(((block * quads + q) * 16 + lane) * 4 + t)] = filter[size_t(j * m_k + i)];
            }
    } else {
        m_kPadded = m_k;
        m_nPadded = n;
        m_packed.assign(filter.begin(), filter.begin() + n * m_k);
    }
    m_multiplier.assign(static_cast<size_t>(m_nPadded), 0);
    m_shift.assign(static_cast<size_t>(m_nPadded), 0);
    m_fpScale.assign(m_p.fpScale.empty() ? 0 : static_cast<size_t>(m_nPadded), 0.0f);
    for (int64_t j = 0; j < n; ++j) {
        if (!m_p.fpScale.empty()) {
            m_fpScale[size_t(j)] = m_p.fpScale[size_t(j)];
            continue;
        }
        m_multiplier[size_t(j)] = m_p.multiplier[size_t(j)];
        m_shift[size_t(j)] = m_p.shift[size_t(j)];
    }
    m_biasFold.assign(static_cast<size_t>(m_nPadded), 0);
    for (int64_t j = 0; j < n; ++j) {
        const uint32_t b = bias ? static_cast<uint32_t>(bias[j]) : 0u;
        m_biasFold[size_t(j)] = static_cast<int32_t>(b + static_cast<uint32_t>(fold) * static_cast<uint32_t>(rowSum[size_t(j)]));
    }
}

namespace {

// im2col of output pixels [m0, m1): one row of K taps (ky, kx, ic) per pixel; taps outside the
// image hold padValue. Rows are kPadded bytes apart (the tail of a row, K..kPadded, stays as the
// caller zeroed it).
void im2colInt8(const ConvGeometry& g, const int8_t* input, int64_t m0, int64_t m1, int64_t kPadded, int8_t padValue,
                int8_t* patches) {
    for (int64_t mi = m0; mi < m1; ++mi) {
        const int ox = static_cast<int>(mi % g.outW);
        const int oy = static_cast<int>((mi / g.outW) % g.outH);
        const int b = static_cast<int>(mi / (int64_t(g.outW) * g.outH));
        int8_t* row = patches + (mi - m0) * kPadded;
        const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
        for (int ky = 0; ky < g.filterH; ++ky) {
            const int iy = y0 + ky * g.dilationH;
            for (int kx = 0; kx < g.filterW; ++kx, row += g.inC) {
                const int ix = x0 + kx * g.dilationW;
                if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) {
                    std::memset(row, static_cast<uint8_t>(padValue), size_t(g.inC));
                } else {
                    const int8_t* src = input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC;
                    if (g.inC < 16) { // e.g. RGB input: a short loop, no library call per tap
                        for (int ic = 0; ic < g.inC; ++ic) row[ic] = src[ic];
                    } else {
                        std::memcpy(row, src, size_t(g.inC));
                    }
                }
            }
        }
    }
}

} // namespace

void Int8ConvPlan::accumulate(const int8_t* patches, int rows, const int32_t* fold, int32_t* acc, void* fusedEpilogue) const {
    const int n = m_g.outC;
    switch (m_isa) {
    case Isa::Avx512Vnni:
        gemmVnni(reinterpret_cast<const uint8_t*>(patches), rows, m_kPadded, m_packed.data(), m_nPadded, fold, acc, m_nPadded,
                 static_cast<const FusedEpilogue*>(fusedEpilogue));
        break;
    case Isa::Avx2: gemmAvx2(patches, rows, m_k, m_packed.data(), n, fold, acc, m_nPadded); break;
    case Isa::Generic: gemmGeneric(patches, rows, m_k, m_packed.data(), n, fold, acc, m_nPadded); break;
    }
}

void Int8ConvPlan::run(const int8_t* input, int8_t* output, ThreadPool* pool) const {
    const ConvGeometry& g = m_g;
    const int64_t m = g.outputPixels(), n = g.outC;
    const int64_t blocks = (m + kBlockRows - 1) / kBlockRows;
    const bool vnni = m_isa == Isa::Avx512Vnni;
    const int8_t padValue = static_cast<int8_t>(-m_p.inputOffset); // the input zero point
    // A 1x1 stride-1 convolution's im2col matrix is the input itself (rows of inC bytes); the
    // VNNI kernel reads it in place when its rows need no padding to a multiple of 4.
    const bool direct = vnni && g.filterH == 1 && g.filterW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 &&
                        g.padLeft == 0 && m_kPadded == m_k && g.outH == g.inH && g.outW == g.inW;
    // The VNNI kernel requantizes in registers (TFLite's double rounding or XNNPACK's fp32).
    const bool fused = vnni && (m_p.rounding == Rounding::Double || !m_fpScale.empty());
    parallelFor(pool, blocks, 1, [&](int64_t b0, int64_t b1) {
        thread_local std::vector<int8_t> patches;
        thread_local std::vector<int32_t> acc;
        patches.assign(static_cast<size_t>(kBlockRows * m_kPadded), 0);
        acc.resize(static_cast<size_t>(kBlockRows * m_nPadded));
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t m0 = blk * kBlockRows, m1 = std::min(m, m0 + kBlockRows);
            const int rows = static_cast<int>(m1 - m0);
            const int8_t* a = input + m0 * m_k;
            if (!direct) {
                im2colInt8(g, input, m0, m1, m_kPadded, padValue, patches.data());
                a = patches.data();
            }
            if (fused) {
                const simd::Epilogue e{m_multiplier.data(), m_shift.data(), m_fpScale.empty() ? nullptr : m_fpScale.data(),
                                       m_p.outputOffset, m_p.actMin, m_p.actMax};
                FusedEpilogue f{e, output + m0 * n, n, static_cast<int>(n)};
                accumulate(a, rows, m_biasFold.data(), nullptr, &f);
                continue;
            }
            accumulate(a, rows, m_biasFold.data(), acc.data(), nullptr);
            for (int r = 0; r < rows; ++r) requantizeRow(acc.data() + r * m_nPadded, static_cast<int>(n), m_p, output + (m0 + r) * n);
        }
    });
}

void Int8ConvPlan::runHybrid(const int8_t* input, std::span<const float> inputScale, std::span<const int32_t> zeroPoint,
                             std::span<const float> filterScale, const float* bias, FloatActivation act, float* output,
                             ThreadPool* pool) const {
    const ConvGeometry& g = m_g;
    const int64_t perBatch = int64_t(g.outH) * g.outW, n = g.outC;
    const int64_t blocksPerBatch = (perBatch + kBlockRows - 1) / kBlockRows;
    const bool vnni = m_isa == Isa::Avx512Vnni;
    parallelFor(pool, int64_t(g.batches) * blocksPerBatch, 1, [&](int64_t b0, int64_t b1) {
        thread_local std::vector<int8_t> patches;
        thread_local std::vector<int32_t> acc, fold;
        patches.assign(static_cast<size_t>(kBlockRows * m_kPadded), 0);
        acc.resize(static_cast<size_t>(kBlockRows * m_nPadded));
        fold.resize(static_cast<size_t>(m_nPadded));
        int64_t foldBatch = -1;
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t b = blk / blocksPerBatch;
            const int64_t m0 = b * perBatch + (blk % blocksPerBatch) * kBlockRows, m1 = std::min((b + 1) * perBatch, m0 + kBlockRows);
            const int32_t zp = zeroPoint[size_t(b)];
            if (foldBatch != b) { // sum w * (x - zp) = sum w * x' + (flip offset - zp) * rowSum (mod 2^32)
                const uint32_t c = static_cast<uint32_t>(-zp - (vnni ? 128 : 0));
                for (int64_t j = 0; j < m_nPadded; ++j) fold[size_t(j)] = static_cast<int32_t>(c * static_cast<uint32_t>(m_rowSum[size_t(j)]));
                foldBatch = b;
            }
            const int rows = static_cast<int>(m1 - m0);
            im2colInt8(g, input, m0, m1, m_kPadded, static_cast<int8_t>(zp), patches.data());
            accumulate(patches.data(), rows, fold.data(), acc.data(), nullptr);
            // TFLite's hybrid epilogue, one float product for the scale, then the bias (never
            // fused into an FMA: this file is built for the baseline ISA).
            const float batchScale = inputScale[size_t(b)];
            for (int r = 0; r < rows; ++r) {
                const int32_t* a = acc.data() + r * m_nPadded;
                float* out = output + (m0 + r) * n;
                for (int64_t j = 0; j < n; ++j) {
                    const float scale = filterScale[size_t(j)] * batchScale;
                    float value = float(a[j]) * scale;
                    if (bias) value += bias[j];
                    out[j] = std::min(std::max(value, act.min), act.max);
                }
            }
        }
    });
}

// ---- depthwise ------------------------------------------------------------------------------------

namespace {

// Accumulates one output pixel: acc[oc] += (x[ic] + inputOffset) * w[oc] over the in-image taps.
QL_VECTORIZE __attribute__((target_clones("arch=x86-64-v3", "default"))) void depthwiseInt8Pixel(const ConvGeometry& g, int32_t inputOffset,
                                                                                   const int8_t* input, const int8_t* filter,
                                                                                   const int32_t* bias, int b, int oy, int ox,
                                                                                   int32_t* acc) {
    const int C = g.outC, dm = g.depthMultiplier;
    for (int c = 0; c < C; ++c) acc[c] = bias ? bias[c] : 0;
    const int y0 = oy * g.strideH - g.padTop, x0 = ox * g.strideW - g.padLeft;
    for (int ky = 0; ky < g.filterH; ++ky) {
        const int iy = y0 + ky * g.dilationH;
        if (iy < 0 || iy >= g.inH) continue;
        for (int kx = 0; kx < g.filterW; ++kx) {
            const int ix = x0 + kx * g.dilationW;
            if (ix < 0 || ix >= g.inW) continue;
            const int8_t* __restrict in = input + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC;
            const int8_t* __restrict w = filter + (int64_t(ky) * g.filterW + kx) * C;
            if (dm == 1) {
                for (int c = 0; c < C; ++c) acc[c] += (int32_t(in[c]) + inputOffset) * int32_t(w[c]);
            } else {
                for (int ic = 0; ic < g.inC; ++ic)
                    for (int j = 0; j < dm; ++j) acc[ic * dm + j] += (int32_t(in[ic]) + inputOffset) * int32_t(w[ic * dm + j]);
            }
        }
    }
}

} // namespace

void depthwiseInt8(const ConvGeometry& g, const RequantParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                   int8_t* output, ThreadPool* pool) {
    // The bias is added before the taps here and after them in the reference: the same
    // int32 sum (no overflow is possible below 2^16 taps of 8-bit products).
    const int64_t rows = int64_t(g.batches) * g.outH;
    parallelFor(pool, rows, 1, [&](int64_t r0, int64_t r1) {
        thread_local std::vector<int32_t> acc;
        acc.resize(static_cast<size_t>(g.outC));
        for (int64_t r = r0; r < r1; ++r) {
            const int b = static_cast<int>(r / g.outH), oy = static_cast<int>(r % g.outH);
            for (int ox = 0; ox < g.outW; ++ox) {
                depthwiseInt8Pixel(g, p.inputOffset, input, filter, bias, b, oy, ox, acc.data());
                requantizeRow(acc.data(), g.outC, p, output + (r * g.outW + ox) * g.outC);
            }
        }
    });
}

} // namespace ql::rt::optimized

#include "calib/ObserverPasses.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define QL_CALIB_X86 1
#endif

namespace ql::calib {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

int32_t binIndex(float x, const BinMap& map) {
    const float y = std::clamp(x * map.invWidth, map.firstF, map.lastF); // NaN stays NaN
    return y == y ? static_cast<int32_t>(std::floor(y)) - map.first : 0;
}

PassStats merge(PassStats a, PassStats b) {
    return {std::min(a.min, b.min), std::max(a.max, b.max), a.zeros + b.zeros, a.allFinite && b.allFinite};
}

PassStats scalarPass(const float* p, size_t n, const BinMap* map, int32_t* out) {
    PassStats s{kInf, -kInf, 0, true};
    for (size_t i = 0; i < n; ++i) {
        const float x = p[i];
        if (map) out[i] = binIndex(x, *map);
        if (!std::isfinite(x)) {
            s.allFinite = false;
            continue;
        }
        s.min = std::min(s.min, x);
        s.max = std::max(s.max, x);
        s.zeros += x == 0.0f;
    }
    return s;
}

#if QL_CALIB_X86
// SSE2: four lanes. min/max take x first so that NaN lanes keep the running value; x - x is
// NaN exactly for NaN and +-Inf; each zero match subtracts -1 from the lane's counter.
PassStats passSse2(const float* p, size_t n, const BinMap* map, int32_t* out) {
    __m128 vmin = _mm_set1_ps(kInf), vmax = _mm_set1_ps(-kInf), bad = _mm_setzero_ps();
    __m128i vz = _mm_setzero_si128();
    const __m128 zero = _mm_setzero_ps();
    const __m128 inv = _mm_set1_ps(map ? map->invWidth : 1.0f), lo = _mm_set1_ps(map ? map->firstF : 0.0f),
                 hi = _mm_set1_ps(map ? map->lastF : 0.0f);
    const __m128i first = _mm_set1_epi32(map ? map->first : 0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128 x = _mm_loadu_ps(p + i);
        vmin = _mm_min_ps(x, vmin);
        vmax = _mm_max_ps(x, vmax);
        vz = _mm_sub_epi32(vz, _mm_castps_si128(_mm_cmpeq_ps(x, zero)));
        const __m128 d = _mm_sub_ps(x, x);
        bad = _mm_or_ps(bad, _mm_cmpunord_ps(d, d));
        if (map) {
            const __m128 y = _mm_min_ps(_mm_max_ps(_mm_mul_ps(x, inv), lo), hi);
            __m128i t = _mm_cvttps_epi32(y);                                           // toward zero
            t = _mm_add_epi32(t, _mm_castps_si128(_mm_cmplt_ps(y, _mm_cvtepi32_ps(t)))); // floor
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_sub_epi32(t, first));
        }
    }
    alignas(16) float a[4], b[4];
    alignas(16) int32_t z[4];
    _mm_store_ps(a, vmin);
    _mm_store_ps(b, vmax);
    _mm_store_si128(reinterpret_cast<__m128i*>(z), vz);
    PassStats s{std::min(std::min(a[0], a[1]), std::min(a[2], a[3])), std::max(std::max(b[0], b[1]), std::max(b[2], b[3])),
                uint64_t(uint32_t(z[0])) + uint32_t(z[1]) + uint32_t(z[2]) + uint32_t(z[3]), _mm_movemask_ps(bad) == 0};
    if (i < n) s = merge(s, scalarPass(p + i, n - i, map, out ? out + i : nullptr));
    return s;
}

// AVX2: the same operations on eight lanes (floor with roundps, exact for the clamped y).
__attribute__((target("avx2"))) PassStats passAvx2(const float* p, size_t n, const BinMap* map, int32_t* out) {
    __m256 vmin = _mm256_set1_ps(kInf), vmax = _mm256_set1_ps(-kInf), bad = _mm256_setzero_ps();
    __m256i vz = _mm256_setzero_si256();
    const __m256 zero = _mm256_setzero_ps();
    const __m256 inv = _mm256_set1_ps(map ? map->invWidth : 1.0f), lo = _mm256_set1_ps(map ? map->firstF : 0.0f),
                 hi = _mm256_set1_ps(map ? map->lastF : 0.0f);
    const __m256i first = _mm256_set1_epi32(map ? map->first : 0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(p + i);
        vmin = _mm256_min_ps(x, vmin);
        vmax = _mm256_max_ps(x, vmax);
        vz = _mm256_sub_epi32(vz, _mm256_castps_si256(_mm256_cmp_ps(x, zero, _CMP_EQ_OQ)));
        const __m256 d = _mm256_sub_ps(x, x);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(d, d, _CMP_UNORD_Q));
        if (map) {
            const __m256 y = _mm256_floor_ps(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(x, inv), lo), hi));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_sub_epi32(_mm256_cvttps_epi32(y), first));
        }
    }
    alignas(32) float a[8], b[8];
    alignas(32) int32_t z[8];
    _mm256_store_ps(a, vmin);
    _mm256_store_ps(b, vmax);
    _mm256_store_si256(reinterpret_cast<__m256i*>(z), vz);
    PassStats s{kInf, -kInf, 0, _mm256_movemask_ps(bad) == 0};
    for (int k = 0; k < 8; ++k) {
        s.min = std::min(s.min, a[k]);
        s.max = std::max(s.max, b[k]);
        s.zeros += uint32_t(z[k]);
    }
    if (i < n) s = merge(s, scalarPass(p + i, n - i, map, out ? out + i : nullptr));
    return s;
}

bool hasAvx2() {
    __builtin_cpu_init(); // may run before other constructors
    return __builtin_cpu_supports("avx2");
}
#endif

using PassFn = PassStats (*)(const float*, size_t, const BinMap*, int32_t*);

PassFn passFor(PassIsa isa) {
    switch (isa) {
#if QL_CALIB_X86
    case PassIsa::Sse2: return passSse2;
    case PassIsa::Avx2: return hasAvx2() ? passAvx2 : nullptr;
#endif
    case PassIsa::Scalar: return scalarPass;
    default: return nullptr;
    }
}

const PassFn kBest = passFor(PassIsa::Avx2) ? passFor(PassIsa::Avx2) : passFor(PassIsa::Sse2) ? passFor(PassIsa::Sse2) : scalarPass;

} // namespace

PassStats scanValues(const float* p, size_t n) { return kBest(p, n, nullptr, nullptr); }

PassStats scanAndBin(const float* p, size_t n, const BinMap& map, int32_t* out) { return kBest(p, n, &map, out); }

bool passIsaAvailable(PassIsa isa) { return passFor(isa) != nullptr; }

PassStats scanAndBinWith(PassIsa isa, const float* p, size_t n, const BinMap* map, int32_t* out) {
    const PassFn fn = passFor(isa);
    return fn ? fn(p, n, map, out) : scalarPass(p, n, map, out);
}

} // namespace ql::calib

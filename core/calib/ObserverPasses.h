#pragma once
// The collector's inner loops over one operator output (internal to core/calib): statistics
// (min, max, exact zeros, any NaN/Inf) and histogram bin indices, in one vectorised pass.
// SSE2 everywhere on x86-64, AVX2 when the CPU has it (chosen once at run time); the
// results are identical (same float operations on each element).

#include <cstddef>
#include <cstdint>

namespace ql::calib {

struct PassStats {
    float min, max; // meaningful only when allFinite (+inf/-inf for no values)
    uint64_t zeros;
    bool allFinite;
};

// k = floor(clamp(x * 2^-e, first, last)) - first: the bin of x in a window of bins
// [first, last] of width 2^e. x * 2^-e is exact (power of two) and |first|, |last| < 2^23 (the
// caller checks), so the bounds and the floor are exact and k equals Histogram::binOf for
// values inside the window; values outside clamp to the edge bins, NaN gives bin 0.
struct BinMap {
    float invWidth;
    float firstF, lastF;
    int32_t first;
    // True when every value in [lo, hi] lies inside the window (no clamping happened).
    bool covers(float lo, float hi) const { return lo * invWidth >= firstF && hi * invWidth < lastF + 1.0f; }
};

// Statistics only (skips non-finite values for min/max).
PassStats scanValues(const float* p, size_t n);
// Statistics and bin indices of every value into out[0..n).
PassStats scanAndBin(const float* p, size_t n, const BinMap& map, int32_t* out);

// For tests: a given instruction set (map may be null: statistics only).
enum class PassIsa { Scalar, Sse2, Avx2 };
bool passIsaAvailable(PassIsa isa);
PassStats scanAndBinWith(PassIsa isa, const float* p, size_t n, const BinMap* map, int32_t* out);

} // namespace ql::calib

#include "analysis/WhatIf.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql {

WhatIfResult quantizationGrid(const WhatIfParams& p) {
    WhatIfResult r;
    const int bits = std::clamp(p.bits, 2, 16);
    const int64_t half = int64_t(1) << (bits - 1);
    double lo = std::min(p.clipMin, p.clipMax), hi = std::max(p.clipMin, p.clipMax);
    if (p.symmetric) {
        r.qmin = -(half - 1);
        r.qmax = half - 1;
        const double absMax = std::max(std::abs(lo), std::abs(hi));
        r.scale = absMax > 0 ? absMax / double(r.qmax) : 1.0;
        r.zeroPoint = 0;
    } else {
        r.qmin = -half;
        r.qmax = half - 1;
        lo = std::min(lo, 0.0); // TFLite: the range always contains 0 so that 0 is exact
        hi = std::max(hi, 0.0);
        r.scale = hi > lo ? (hi - lo) / double(r.qmax - r.qmin) : 1.0;
        const double zp = std::round(double(r.qmin) - lo / r.scale);
        r.zeroPoint = int64_t(std::clamp(zp, double(r.qmin), double(r.qmax)));
    }
    r.gridMin = r.scale * double(r.qmin - r.zeroPoint);
    r.gridMax = r.scale * double(r.qmax - r.zeroPoint);
    return r;
}

WhatIfResult simulateQuantization(std::span<const double> values, const WhatIfParams& p) {
    WhatIfResult r = quantizationGrid(p);
    double signal = 0, noise = 0;
    size_t clipped = 0;
    const double inv = 1.0 / r.scale;
    for (double v : values) {
        if (!std::isfinite(v)) continue;
        ++r.count;
        const double q = std::clamp(std::round(v * inv) + double(r.zeroPoint), double(r.qmin), double(r.qmax));
        const double back = r.scale * (q - double(r.zeroPoint));
        const double err = v - back;
        signal += v * v;
        noise += err * err;
        r.maxAbsError = std::max(r.maxAbsError, std::abs(err));
        if (v < r.gridMin - r.scale / 2 || v > r.gridMax + r.scale / 2) ++clipped;
    }
    if (r.count == 0) return r;
    r.mse = noise / double(r.count);
    r.clippedFraction = double(clipped) / double(r.count);
    r.sqnrDb = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
    return r;
}

} // namespace ql

#include "quant/XnnpackDynamic.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::xnn {

DynamicQuant dynamicQuantParams(float min, float max) {
    const float qmin = -128.0f, qmax = 127.0f;
    const float rmin = std::min(0.0f, min);
    const float rmax = std::max(0.0f, max);
    const float m = rmin == rmax ? 1.0f : (qmax - qmin) / (rmax - rmin);
    const float descaledMin = rmin * m;
    const float descaledMax = rmax * m;
    const float errorFromMin = qmin + descaledMin;
    const float errorFromMax = qmax + descaledMax;
    float zp = errorFromMin + errorFromMax > 0 ? qmin - descaledMin : qmax - descaledMax;
    zp = std::min(std::max(zp, qmin), qmax);
    DynamicQuant p;
    p.multiplier = m;
    p.scale = 1.0f / m;
    p.zeroPoint = static_cast<int32_t>(std::nearbyint(zp));
    return p;
}

DynamicQuant quantizeRowQd8(const float* x, size_t n, int8_t* out) {
    float lo = n ? x[0] : 0.0f, hi = lo;
    for (size_t i = 1; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    const DynamicQuant p = dynamicQuantParams(lo, hi);
    const float low = float(-128 - p.zeroPoint), high = float(127 - p.zeroPoint);
    for (size_t i = 0; i < n; ++i) {
        float v = x[i] * p.multiplier;
        v = std::min(std::max(v, low), high);
        out[i] = static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(v)) + p.zeroPoint);
    }
    return p;
}

float roundToBfloat16(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    if (std::isnan(v)) return v;
    bits += 0x7FFFu + ((bits >> 16) & 1u); // round to nearest, ties to even
    bits &= 0xFFFF0000u;
    float out;
    std::memcpy(&out, &bits, 4);
    return out;
}

} // namespace ql::xnn

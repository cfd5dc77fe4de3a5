#include "runtime/kernels/conv/HybridQuantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql::rt::conv {

float symmetricQuantize(std::span<const float> values, std::span<int8_t> quantized) {
    constexpr int32_t kScale = 127;
    float lo = 0.0f, hi = 0.0f;
    if (!values.empty()) {
        const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
        lo = *mn;
        hi = *mx;
    }
    const float range = std::max(std::abs(lo), std::abs(hi));
    if (range == 0.0f) {
        std::memset(quantized.data(), 0, quantized.size());
        return 1.0f;
    }
    const float inverse = kScale / range;
    for (size_t i = 0; i < values.size(); ++i) {
        const int32_t q = static_cast<int32_t>(std::round(values[i] * inverse));
        quantized[i] = static_cast<int8_t>(std::min(kScale, std::max(-kScale, q)));
    }
    return range / kScale;
}

AsymmetricParams asymmetricQuantize(std::span<const float> values, std::span<int8_t> quantized) {
    constexpr int32_t kMin = -128, kMax = 127;
    const double qmin = kMin, qmax = kMax;
    float lo = 0.0f, hi = 0.0f;
    if (!values.empty()) {
        const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
        lo = *mn;
        hi = *mx;
    }
    const double rmin = std::min(0.0f, lo), rmax = std::max(0.0f, hi);
    AsymmetricParams p;
    if (rmin == rmax) {
        std::memset(quantized.data(), 0, quantized.size());
        return p;
    }
    const double scale = (rmax - rmin) / (qmax - qmin);
    const double zpFromMin = qmin - rmin / scale;
    const double zpFromMax = qmax - rmax / scale;
    const double errorFromMin = std::abs(qmin) + std::abs(rmin / scale);
    const double errorFromMax = std::abs(qmax) + std::abs(rmax / scale);
    const double zp = errorFromMin < errorFromMax ? zpFromMin : zpFromMax;
    if (zp <= qmin) p.zeroPoint = kMin;
    else if (zp >= qmax) p.zeroPoint = kMax;
    else p.zeroPoint = static_cast<int32_t>(std::round(zp));
    p.scale = static_cast<float>(scale);
    const float inverse = 1.0f / p.scale;
    for (size_t i = 0; i < values.size(); ++i) {
        const int32_t q = static_cast<int32_t>(std::round(float(p.zeroPoint) + values[i] * inverse));
        quantized[i] = static_cast<int8_t>(std::min(kMax, std::max(kMin, q)));
    }
    return p;
}

} // namespace ql::rt::conv

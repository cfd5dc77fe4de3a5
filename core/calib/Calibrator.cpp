#include "calib/Calibrator.h"

#include "calib/CalibratorRegistry.h"
#include "quant/FixedPoint.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace ql::calib {

Result<Calibrator> Calibrator::parse(std::string_view text) {
    const size_t colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const CalibratorInfo* info = findCalibrator(name);
    if (!info) return makeError("unknown calibrator '" + std::string(text) + "': expected " + calibratorSyntaxList());
    if (colon == std::string_view::npos) return info->make();
    if (!info->parameter)
        return makeError("calibrator '" + std::string(text) + "': " + std::string(info->name) + " takes no parameter");
    const CalibratorParameter& p = *info->parameter;
    const std::string number(text.substr(colon + 1));
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (number.empty() || !end || *end != '\0' || !std::isfinite(v) || v <= p.low || v > p.high) {
        char example[32];
        std::snprintf(example, sizeof example, "%g", p.defaultValue);
        return makeError("calibrator '" + std::string(text) + "': expected " + info->syntax() + " with " +
                         std::string(p.symbol) + " " + std::string(p.meaning) + ", e.g. " + std::string(info->name) +
                         ":" + example);
    }
    return info->make(v);
}

std::string Calibrator::name() const {
    const CalibratorInfo& info = calibratorInfo(kind);
    std::string s(info.name);
    if (info.parameter) {
        char buf[48];
        std::snprintf(buf, sizeof buf, ":%g", percentile);
        s += buf;
    }
    return s;
}

Range chooseRange(const TensorStats& stats, const Calibrator& calibrator, int bits, bool symmetric) {
    if (stats.empty()) return {};
    const float absMax = std::max(std::fabs(stats.min), std::fabs(stats.max));
    Range r = calibratorInfo(calibrator.kind).range(stats, calibrator, bits, symmetric);
    // Never wider than what was observed.
    if (!symmetric) {
        r.min = std::max(r.min, stats.min);
        r.max = std::min(r.max, stats.max);
        if (r.min > r.max) r = {stats.min, stats.max};
    } else {
        const float a = std::min(std::max(std::fabs(r.min), std::fabs(r.max)), absMax);
        r = {-a, a};
    }
    return r;
}

double clippingRate(const TensorStats& stats, Range range) {
    if (stats.empty()) return 0.0;
    // The range in effect: widened to include 0 like paramsFromRange.
    range.min = std::min(range.min, 0.0f);
    range.max = std::max(range.max, 0.0f);
    if (range.min <= stats.min && range.max >= stats.max) return 0.0;
    // Fractions of the histogram (which may hold a sample of the values).
    const Histogram& h = stats.histogram;
    const double total = static_cast<double>(h.total());
    if (total <= 0) return 0.0;
    const double below = range.min > stats.min ? h.countBelow(range.min) : 0.0;
    const double above = range.max < stats.max ? total - h.countBelow(range.max) : 0.0;
    return std::clamp((below + above) / total, 0.0, 1.0);
}

QuantParams paramsFromRange(Range range, TensorType type, bool symmetric) {
    // Widen to include 0, in float like TFLite.
    const float mn = std::min(range.min, 0.0f);
    const float mx = std::max(range.max, 0.0f);
    QuantParams q;
    q.min = {mn};
    q.max = {mx};
    if (type == TensorType::INT16) symmetric = true; // int16x8: symmetric activations, zero point 0
    float scale;
    int64_t zeroPoint;
    if (symmetric) {
        const auto [qmin, qmax] = quantizedRange(type);
        // int8 [-127, 127], int16 [-32767, 32767], int4 [-7, 7]; uint8 [1, 255] around 128.
        const float half = type == TensorType::UINT8 ? 127.0f : static_cast<float>(qmax);
        scale = std::max(std::fabs(mn), std::fabs(mx)) / half;
        zeroPoint = type == TensorType::UINT8 ? 128 : 0;
        (void)qmin;
    } else {
        const auto [qmin, qmax] = quantizedRange(type);
        const float qminF = static_cast<float>(qmin), qmaxF = static_cast<float>(qmax);
        scale = (mx - mn) / (qmaxF - qminF);
        float zeroPointFromMin = qminF;
        if (scale != 0.0f) zeroPointFromMin = qminF - mn / scale;
        if (zeroPointFromMin < qminF) zeroPoint = qmin;
        else if (zeroPointFromMin > qmaxF) zeroPoint = qmax;
        else zeroPoint = static_cast<int64_t>(std::round(zeroPointFromMin));
    }
    if (scale == 0.0f) scale = 1.0f; // deviation from TFLite (scale 0), see the header
    q.scale = {scale};
    q.zeroPoint = {zeroPoint};
    return q;
}

QuantParams symmetricChannelParams(const ChannelRanges& ranges, TensorType type) {
    QuantParams q;
    const auto [qmin, qmax] = quantizedRange(type);
    (void)qmin;
    const float half = static_cast<float>(qmax);
    for (size_t c = 0; c < ranges.min.size(); ++c) {
        const float a = std::max(std::fabs(ranges.min[c]), std::fabs(ranges.max[c]));
        q.scale.push_back(a > 0.0f ? a / half : 1.0f);
        q.zeroPoint.push_back(0);
    }
    q.min = ranges.min;
    q.max = ranges.max;
    q.quantizedDimension = std::max(ranges.axis, 0);
    return q;
}

} // namespace ql::calib

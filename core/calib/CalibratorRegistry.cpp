#include "calib/CalibratorRegistry.h"

#include "calib/RangeSearch.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ql::calib {
namespace {

Range minMaxRange(const TensorStats& stats, const Calibrator&, int, bool symmetric) {
    const float absMax = std::max(std::fabs(stats.min), std::fabs(stats.max));
    return symmetric ? Range{-absMax, absMax} : Range{stats.min, stats.max};
}

Range percentileRange(const TensorStats& stats, const Calibrator& c, int, bool symmetric) {
    const double p = c.percentile / 100.0;
    if (symmetric) {
        const float a = static_cast<float>(stats.histogram.folded().quantile(p));
        return {-a, a};
    }
    return {static_cast<float>(stats.histogram.quantile(1.0 - p)),
            static_cast<float>(stats.histogram.quantile(p))};
}

Range mseSearch(const TensorStats& stats, const Calibrator&, int bits, bool symmetric) {
    return mseRange(stats, bits, symmetric);
}

Range klSearch(const TensorStats& stats, const Calibrator&, int bits, bool symmetric) {
    return klRange(stats, bits, symmetric);
}

const std::array<CalibratorInfo, 4> kRegistry{{
    {Calibrator::Kind::MinMax, "minmax", "running min/max of every value, TFLite's calibrator",
     std::nullopt, &minMaxRange},
    {Calibrator::Kind::Percentile, "percentile",
     "clip at the P-th percentile of the values (e.g. percentile:99.99)",
     CalibratorParameter{"P", 99.99, 0.0, 100.0, "a percentile in (0, 100]"}, &percentileRange},
    {Calibrator::Kind::Mse, "mse", "the range with the least expected squared quantization error",
     std::nullopt, &mseSearch},
    {Calibrator::Kind::Kl, "kl",
     "TensorRT's entropy calibration, kept only where its expected error is no worse than minmax's",
     std::nullopt, &klSearch},
}};

} // namespace

std::string CalibratorInfo::syntax() const {
    std::string s(name);
    if (parameter) s += ":" + std::string(parameter->symbol);
    return s;
}

Calibrator CalibratorInfo::make(std::optional<double> value) const {
    Calibrator c;
    c.kind = kind;
    if (parameter) c.percentile = value.value_or(parameter->defaultValue);
    return c;
}

std::span<const CalibratorInfo> calibratorRegistry() {
    return kRegistry;
}

const CalibratorInfo& calibratorInfo(Calibrator::Kind kind) {
    for (const CalibratorInfo& i : kRegistry)
        if (i.kind == kind) return i;
    return kRegistry[0];
}

const CalibratorInfo* findCalibrator(std::string_view name) {
    for (const CalibratorInfo& i : kRegistry)
        if (i.name == name) return &i;
    return nullptr;
}

std::string calibratorSyntaxList() {
    std::string s;
    for (size_t i = 0; i < kRegistry.size(); ++i) {
        if (i) s += i + 1 == kRegistry.size() ? " or " : ", ";
        s += kRegistry[i].syntax();
    }
    return s;
}

std::string calibratorHelp() {
    std::string s;
    for (size_t i = 0; i < kRegistry.size(); ++i) {
        if (i) s += i + 1 == kRegistry.size() ? " or " : ", ";
        s += kRegistry[i].syntax() + " (" + std::string(kRegistry[i].help) + ")";
    }
    return s;
}

} // namespace ql::calib

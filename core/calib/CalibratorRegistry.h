#pragma once
// Every calibrator in one table: name, parameter, help text, factory and range function. The
// CLI's --calibrator help and parsing (Calibrator::parse), the GUI's choices, the activation
// histograms' "every calibrator" overlay and the tests all read it. Adding a calibrator takes a
// Kind, an entry in CalibratorRegistry.cpp and its range function (e.g. in RangeSearch.cpp).

#include "calib/Calibrator.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ql::calib {

// A calibrator's one numeric parameter, written after a colon ("percentile:99.9").
struct CalibratorParameter {
    std::string_view symbol;  // "P" in the syntax "percentile:P"
    double defaultValue = 0;  // used when the name comes without ":value"
    double low = 0, high = 0; // accepted values: (low, high]
    std::string_view meaning; // "a percentile in (0, 100]"
};

struct CalibratorInfo {
    Calibrator::Kind kind;
    std::string_view name; // "percentile"
    std::string_view help; // one line, for CLI help and GUI tooltips
    std::optional<CalibratorParameter> parameter;
    // The clip range before chooseRange bounds it by the observed range.
    Range (*range)(const TensorStats& stats, const Calibrator& calibrator, int bits,
                   bool symmetric);

    std::string syntax() const; // "percentile:P" or "mse"
    Calibrator make(std::optional<double> value = std::nullopt) const;
};

// In the order shown to users; the first is the default (minmax).
std::span<const CalibratorInfo> calibratorRegistry();
const CalibratorInfo& calibratorInfo(Calibrator::Kind kind);
const CalibratorInfo* findCalibrator(std::string_view name); // by name, without ":value"
// "minmax, percentile:P, mse or kl"
std::string calibratorSyntaxList();
// "minmax (...), percentile:P (...), ..." : the syntaxes with their help, for --calibrator.
std::string calibratorHelp();

} // namespace ql::calib

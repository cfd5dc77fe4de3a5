#pragma once
// quantize --auto: the sensitivity search (analysis/Sensitivity.h) picks the operators kept in
// float or (mode int8) given int16 activations so that the written model meets --target-sqnr DB (default 30) or --target-drop P%
// (with --labels), measured on --data (default: the calibration data itself).

#include "CliCommon.h"
#include "model/Model.h"
#include "quantize/QuantizeJob.h"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace ql::cli {

// The --auto options for quantize's table.
std::vector<OptionSpec> autoQuantizeOptions();
// Refuses --target-*, --data, --labels without --auto and other contradictions (UsageError).
void checkAutoQuantizeArgs(const Args& args);
// The search's choice: operators kept float and (mode int8) operators given int16 activations.
struct AutoChoice {
    std::vector<std::string> keepFloat, int16;
};
// Runs the search for `job` (mode, calibrator, per-tensor, calibration data) and returns its
// choice; prints the search's outcome (target, figure reached, layers, MACs outside int8) on `log`.
AutoChoice autoChoose(const Args& args, std::shared_ptr<const Model> model,
                      const quantize::QuantizeJobOptions& job, std::ostream& log);

} // namespace ql::cli

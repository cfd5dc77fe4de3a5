#include "quantize/OptionChecks.h"

#include "quantize/LowBitWeights.h"
#include "util/EditDistance.h"

#include <cmath>
#include <cstdio>
#include <set>

namespace ql::quantize {
namespace {

std::string nearestList(const std::string& typed, const std::vector<std::string>& valid) {
    std::string out;
    for (const std::string& n : nearestNames(typed, valid))
        out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "" : "; nearest: " + out;
}

} // namespace

Status checkOptions(const Model& model, const QuantizeOptions& options) {
    if (options.mode == Mode::Int8Only && options.io == IoType::Float)
        return makeError("int8-only with float inputs and outputs is mode int8 (float I/O around "
                         "integer operators); "
                         "use --mode int8, or --io int8|uint8");
    if (!needsCalibration(options.mode) && !options.calibratorFor.empty())
        return makeError("calibrator-for: mode " + std::string(modeName(options.mode)) +
                         " calibrates no activation; it needs int8, int8-only or int16x8");
    if (!needsCalibration(options.mode) && !options.rangeFor.empty())
        return makeError("range-for: mode " + std::string(modeName(options.mode)) +
                         " quantizes no activation; it needs int8, int8-only or int16x8");
    for (const auto& [name, r] : options.rangeFor)
        if (!std::isfinite(r.min) || !std::isfinite(r.max) || !(r.min < r.max))
            return makeError("range-for '" + name + "': the clip range needs finite min < max");
    if (!options.int16.empty() && (options.mode != Mode::Int8 || (options.io != IoType::Default && options.io != IoType::Float)))
        return makeError("int16: mixed int8 / int16x8 operators need --mode int8 with float inputs and outputs (mode " +
                         std::string(modeName(options.mode)) + ")");
    if (!options.keepFloat.empty() || !options.int16.empty()) {
        // Valid names: operator types present and names of operator outputs (IntegerPass and
        // WeightPasses match exactly these).
        std::set<std::string> valid;
        std::vector<std::string> ordered;
        auto add = [&](const std::string& n) {
            if (!n.empty() && valid.insert(n).second) ordered.push_back(n);
        };
        for (const Subgraph& sg : model.subgraphs)
            for (const Operator& op : sg.operators) {
                add(std::string(op.typeName()));
                for (TensorIndex t : op.outputs)
                    if (t.valid() && t.index() < sg.tensors.size()) add(sg.tensor(t).name);
            }
        for (const auto* list : {&options.keepFloat, &options.int16})
            for (const std::string& k : *list)
                if (!valid.count(k))
                    return makeError(std::string(list == &options.int16 ? "int16 '" : "keep-float '") + k +
                                     "': no operator type or operator output tensor of that name" +
                                     nearestList(k, ordered));
    }
    if (!options.calibratorFor.empty()) {
        std::set<std::string> valid;
        std::vector<std::string> ordered;
        for (const Subgraph& sg : model.subgraphs)
            for (const Tensor& t : sg.tensors)
                if (!t.name.empty() && valid.insert(t.name).second) ordered.push_back(t.name);
        for (const auto& [name, c] : options.calibratorFor)
            if (!valid.count(name))
                return makeError("calibrator-for '" + name + "=" + c.name() +
                                 "': no tensor of that name" + nearestList(name, ordered));
    }
    if (!options.rangeFor.empty()) {
        std::set<std::string> valid;
        std::vector<std::string> ordered;
        for (const Subgraph& sg : model.subgraphs)
            for (const Tensor& t : sg.tensors)
                if (!t.name.empty() && valid.insert(t.name).second) ordered.push_back(t.name);
        for (const auto& [name, r] : options.rangeFor)
            if (!valid.count(name))
                return makeError("range-for '" + name + "': no tensor of that name" + nearestList(name, ordered));
    }
    return checkWeightOptions(model, options);
}

std::vector<std::string> clippingWarnings(const QuantizeReport& report) {
    std::vector<std::string> out;
    for (const TensorRangeReport& t : report.tensors) {
        if (!(t.clipped > kClipWarningRate)) continue;
        char line[160];
        std::snprintf(
            line, sizeof line, "%.1f %% of calibration values clipped by %s (range [%.5g, %.5g])",
            t.clipped * 100.0, t.calibrator.empty() ? "the calibrator" : t.calibrator.c_str(),
            double(t.min), double(t.max));
        out.push_back("tensor '" + t.name + "': " + line);
    }
    return out;
}

} // namespace ql::quantize

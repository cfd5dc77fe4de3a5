#include "AutoQuantize.h"

#include "analysis/ErrorMetrics.h"
#include "analysis/Sensitivity.h"
#include "data/DataSource.h"

#include <cstdio>

namespace ql::cli {
namespace {

std::string percentText(double share) {
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.1f %%", share * 100.0);
    return tmp;
}

} // namespace

std::vector<OptionSpec> autoQuantizeOptions() {
    return {
        flagOption("--auto", "keep float, or with --mode int8 move to int16 activations, the operators "
                             "that meet the target with the fewest MACs outside int8 (the sensitivity search)"),
        valueOption("--target-sqnr", "DB", "with --auto: worst-output SQNR to reach")
            .defaultIs("30"),
        valueOption("--target-drop", "P%",
                    "with --auto and --labels: largest top-1 accuracy drop, e.g. 1%"),
        valueOption("--data", "SRC", "with --auto: the samples the target is measured on")
            .defaultIs("--calib"),
        valueOption("--labels", "SRC", "with --auto: class labels for --data (rank by accuracy)"),
        valueOption("--max-mac-share", "P%",
                    "with --auto: the largest share of multiply-accumulates left out of int8 (float or int16)")
            .defaultIs("100%")};
}

void checkAutoQuantizeArgs(const Args& args) {
    const bool autoOn = args.flag("--auto");
    for (const char* flag : {"--target-sqnr", "--target-drop", "--data", "--labels", "--max-mac-share"})
        if (!autoOn && args.has(flag)) throw UsageError(std::string(flag) + ": only with --auto");
    if (!autoOn) return;
    if (args.has("--target-sqnr") && args.has("--target-drop"))
        throw UsageError("--target-drop and --target-sqnr: give one target");
    if (args.has("--target-drop") && !args.has("--labels"))
        throw UsageError("--target-drop: an accuracy target needs --labels for the --data samples");
    if (args.has("--keep-float"))
        throw UsageError("--keep-float: --auto chooses the operators kept in float");
    if (args.has("--int16"))
        throw UsageError("--int16: --auto chooses the operators given int16 activations");
    const std::string data = args.value("--data", args.value("--calib"));
    refuseLabelsWithRandom(args.value("--labels"), args.has("--data") ? "--data" : "--calib", data);
}

AutoChoice autoChoose(const Args& args, std::shared_ptr<const Model> model,
                      const quantize::QuantizeJobOptions& job, std::ostream& log) {
    analysis::SensitivityOptions o;
    o.quantize = job.quantize;
    o.quantize.keepFloat.clear();
    o.quantize.int16.clear();
    const bool accuracy = args.has("--target-drop");
    if (args.has("--max-mac-share")) o.maxMacShare = parsePercentOf("--max-mac-share", args.value("--max-mac-share"));
    o.metric = accuracy ? analysis::SensitivityMetric::Accuracy : analysis::SensitivityMetric::Sqnr;
    if (accuracy)
        o.targetDrop = parsePercent(args.value("--target-drop"));
    else
        o.targetSqnrDb = args.has("--target-sqnr") ? parseDb(args.value("--target-sqnr")) : 30.0;
    const auto info = data::ModelInputInfo::fromModel(*model);
    auto calib = data::openDataSource(job.calibSpec, info, job.data);
    if (!calib) throw UsageError("--calib: " + job.calibSpec + ": " + calib.message());
    const std::string dataSpec = args.value("--data", job.calibSpec);
    data::DataOptions dataOptions;
    dataOptions.labels = args.value("--labels");
    dataOptions.normalization = job.data.normalization;
    auto data = data::openDataSource(dataSpec, info, dataOptions);
    if (!data)
        throw UsageError((args.has("--data") ? "--data: " : "--calib: ") + dataSpec + ": " +
                         data.message());
    auto r = analysis::runSensitivity(model, **calib, **data, o);
    if (!r) throw UsageError("--auto: " + r.message());
    const std::string target = accuracy ? "accuracy drop <= " + args.value("--target-drop")
                                        : "output SQNR >= " + analysis::formatDb(*o.targetSqnrDb);
    log << "Auto       target " << target << " on " << (*data)->describe() << ": "
        << (r->targetMet ? "met" : "NOT met (best measured list kept)") << ", all quantized "
        << analysis::formatDb(r->allQuantized.sqnrDb) << " -> "
        << analysis::formatDb(r->suggested.sqnrDb) << " with " << r->keepFloat.size()
        << " operator(s) float and " << r->int16.size() << " int16, "
        << percentText(r->macShareOutsideInt8) << " of MACs outside int8 ("
        << r->measurements << " models measured)\n";
    return {r->keepFloat, r->int16};
}

} // namespace ql::cli

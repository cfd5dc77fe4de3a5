// quantlab-cli compare FLOAT_MODEL QUANT_MODEL --data SRC [--samples N] [--json FILE|-]
//     [--csv FILE|-] [--report FILE.html] [--per-layer off] [--threads T] [--target TARGET]
//     [--calib SRC]
#include "CliCommon.h"
#include "Commands.h"

#include "analysis/Compare.h"
#include "analysis/CompareReport.h"
#include "io/AtomicFile.h"
#include "tflite/ModelReader.h"
#include "util/Limits.h"

#include <atomic>
#include <optional>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace ql::cli {
namespace {

std::atomic<bool> g_cancel{false};
// Ctrl-C: the job stops at its next cancel check; interpreter loops stop too (util/Limits.h).
extern "C" void onCompareInterrupt(int) {
    g_cancel.store(true);
    ql::requestInterrupt();
}

int compareCommand(const Args& args) {
    const std::string floatPath = args.requirePositional(2, 0, "FLOAT_MODEL");
    const std::string quantPath = args.requirePositional(2, 1, "QUANT_MODEL");
    const std::string data = args.require("--data");
    analysis::CompareOptions opts;
    opts.data.maxSamples = size_t(args.integer("--samples"));
    opts.data.normalization = pixelRangeOf(args);
    opts.threads = int(args.integer("--threads"));
    opts.target = targetOf(args, "compare");
    const size_t worst = size_t(args.integer("--worst"));
    opts.perLayer = args.value("--per-layer", "on") == "on"; // the table admits on and off only

    std::vector<std::string> inputs = {floatPath, quantPath};
    if (std::filesystem::exists(data)) inputs.push_back(data);
    const std::string jsonOut = args.value("--json"), csvOut = args.value("--csv"), htmlOut = args.value("--report");
    if (args.has("--json") && jsonOut != "-") checkOutput("--json", jsonOut, inputs);
    if (args.has("--csv") && csvOut != "-") checkOutput("--csv", csvOut, inputs);
    if (args.has("--report")) checkOutput("--report", htmlOut, inputs);
    if (jsonOut == "-" && csvOut == "-") throw UsageError("--json and --csv cannot both write to standard output");

    auto floatModel = readModelFile(floatPath);
    if (!floatModel) throw UsageError(floatModel.message());
    auto quantModel = readModelFile(quantPath);
    if (!quantModel) throw UsageError(quantModel.message());

    std::signal(SIGINT, onCompareInterrupt);
    Progress progress;
    progress.cancel = &g_cancel;
    const bool tty = isatty(STDERR_FILENO);
    if (tty)
        progress.report = [](std::string_view stage, double f) {
            std::cerr << "\r" << stage << " " << int(f * 100) << "%   " << std::flush;
        };
    auto r = analysis::compareModels(*floatModel, *quantModel, data, opts, progress);
    if (tty) std::cerr << "\r                    \r";
    if (!r) {
        if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
        throw UsageError(floatPath + " vs " + quantPath + ": " + r.message());
    }

    // --calib: the changes the worst layers' advice names, each measured by quantizing the float
    // model again with it (calibrated on --calib, evaluated on the same --data samples).
    std::optional<analysis::MeasuredAdvice> measured;
    if (args.has("--calib")) {
        auto m = analysis::measureWorstLayerAdvice(*r, *floatModel, **quantModel, worst, args.value("--calib"), data, opts.data,
                                                   opts.target, progress);
        if (tty) std::cerr << "\r                    \r";
        if (!m) {
            if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
            throw UsageError("--calib: " + m.message());
        }
        measured = std::move(*m);
    }
    const analysis::MeasuredAdvice* advice = measured ? &*measured : nullptr;

    const analysis::CompareLabels labels{floatPath, quantPath};
    const bool stdoutTaken = jsonOut == "-" || csvOut == "-";
    if (args.has("--json")) writeText("--json", jsonOut, analysis::compareToJson(*r, labels, advice), inputs);
    if (args.has("--csv")) writeText("--csv", csvOut, analysis::compareToCsv(*r), inputs);
    if (args.has("--report"))
        if (Status s = analysis::compareToHtml(*r, labels, worst, advice).write(htmlOut, inputs); !s)
            throw UsageError("--report: " + s.message());
    if (stdoutTaken) {
        warnIfRandomData("--data", data); // on stderr, after the output: an error stays one line
        if (args.has("--calib")) warnIfRandomData("--calib", args.value("--calib"));
        return 0;
    }

    std::cout << "Compare    " << floatPath << " (float) vs " << quantPath << "\n";
    std::cout << "Target     " << targetName(r->target) << "\n";
    std::cout << "Data       " << r->dataDescription << ", " << r->samples << " samples\n";
    std::cout << "Matched    " << r->matching.operators.size() << " operators, " << r->tensors.size() << " tensors";
    const size_t unmatched = r->matching.unmatchedQuant.size() + r->matching.unmatchedFloat.size();
    std::cout << (unmatched ? ", " + std::to_string(unmatched) + " unmatched (listed below)" : "") << "\n\n";
    std::cout << analysis::compareToText(*r, worst, isatty(STDOUT_FILENO), advice);
    for (size_t k = 0; k < r->outputs.size(); ++k) {
        if (r->outputs[k] < 0) continue;
        const auto& o = r->tensors[size_t(r->outputs[k])];
        std::cout << (k ? "" : "\n") << "Output " << k << " '" << o.name << "': SQNR " << analysis::formatDb(o.accumulated.sqnrDb)
                  << ", cosine " << o.accumulated.cosine << ", max |err| " << o.accumulated.maxAbsError << "\n";
    }
    for (const auto& w : r->warnings) std::cout << "warning: " << w << "\n";
    std::cout << "\nTime       " << r->seconds << " s (float runs " << r->floatSeconds << " s, quantized runs " << r->quantSeconds
              << " s)\n";
    warnIfRandomData("--data", data);
    if (args.has("--calib")) warnIfRandomData("--calib", args.value("--calib"));
    return 0;
}

const CommandRegistration registration({
    "compare",
    "compare FLOAT_MODEL QUANT_MODEL --data SRC [--pixel-range LO,HI] [--samples N] [--json FILE|-] [--csv FILE|-] [--report FILE.html] "
    "[--per-layer on|off] [--threads T] [--worst K] [--target TARGET] [--calib SRC]",
    "Per-layer error of a quantized model against its float model on the same samples (SQNR, cosine, MSE, max error), "
    "with the layers matched by tensor name.",
    {{"FLOAT_MODEL", "the float reference .tflite"}, {"QUANT_MODEL", "the quantized .tflite made from it"}},
    withTargetOptions({valueOption("--data", "SRC", "the samples both models run on").mandatory(),
     pixelRangeOption(),
     integerOption("--samples", "N", "use the first N samples of --data", 0, 1, 1'000'000'000).defaultIs("all"),
     valueOption("--json", "FILE|-", "also write the result as JSON to FILE, or to standard output with -"),
     valueOption("--csv", "FILE|-", "also write one CSV row per tensor to FILE, or to standard output with -"),
     valueOption("--report", "FILE.html", "also write a self-contained HTML report"),
     valueOption("--per-layer", "on|off",
                 "on: also the error each operator adds on its own (fed the float model's inputs, quantized; one more "
                 "run per sample); off: the accumulated error only")
         .defaultIs("on")
         .oneOf({"on", "off"}),
     integerOption("--threads", "T", "threads of each interpreter", 1, 1, 64),
     integerOption("--worst", "K", "layers marked as the worst in the text summary and the report", 5, 0, 1000),
     valueOption("--calib", "SRC",
                 "the calibration data: each change the worst layers' advice names (int16 activations, keep float, "
                 "per-channel, an mse input range) is measured by quantizing FLOAT_MODEL again with it "
                 "(QUANT_MODEL's recipe from its metadata) and evaluating on --data; the effects go to the summary, --json and "
                 "--report")}),
    &compareCommand,
    50});

} // namespace
} // namespace ql::cli

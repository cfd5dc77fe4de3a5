// quantlab-cli sensitivity MODEL --mode MODE --calib SRC --data SRC [--labels SRC]
//     [--target-drop P% | --target-sqnr DB] [--samples N] [--calibrator C] [--per-tensor]
//     [--greedy-width N] [--max-float N] [--max-mac-share P%] [--no-int16] [--threads T] [--target TARGET] [--json FILE|-] [--csv FILE]
//     [--report FILE.html]
// Ranks the quantizable layers (analysis/Sensitivity.h) and prints the smallest greedy
// --keep-float list that meets the target, ready to paste into `quantlab-cli quantize`.
// Without a target: 1% accuracy drop with labels, else 30 dB output SQNR. The greedy search
// re-measures the 8 best remaining candidates per step (--greedy-width, 0: all) and keeps at
// most 10 layers float (--max-float, 0: no limit).
#include "CliCommon.h"
#include "Commands.h"

#include "analysis/ErrorMetrics.h"
#include "analysis/HtmlReport.h"
#include "analysis/Sensitivity.h"
#include "io/AtomicFile.h"
#include "tflite/ModelReader.h"
#include "util/JsonWriter.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace ql::cli {
namespace {

using analysis::Measurement;
using analysis::SensitivityMetric;
using analysis::SensitivityResult;

std::atomic<bool> g_cancel{false};
extern "C" void onSensitivityInterrupt(int) { g_cancel.store(true); }

std::string percent(double x) {
    if (std::isnan(x)) return "n/a";
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.2f%%", x * 100.0);
    return tmp;
}

bool keptAt(const analysis::GreedyStep& s, OperatorIndex op) {
    return std::find(s.ops.begin(), s.ops.end(), op) != s.ops.end();
}

std::string figure(const Measurement& m, bool accuracy) {
    return analysis::formatDb(m.sqnrDb) + (accuracy ? "  " + percent(m.accuracy) : std::string());
}

// Single-quoted for a POSIX shell when it holds anything but [A-Za-z0-9_./:@%+=,-].
std::string shellWord(const std::string& s) {
    bool plain = !s.empty();
    for (char c : s)
        plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./:@%+=,-").find(c) != std::string_view::npos);
    if (plain) return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

void measurementJson(JsonWriter& j, const Measurement& m) {
    j.beginObject().field("sqnrDb", m.sqnrDb).array("outputSqnrDb", m.outputSqnrDb).field("cosine", m.cosine);
    j.field("accuracy", m.accuracy).endObject();
}

std::string toJson(const SensitivityResult& r, const std::string& model, const std::string& mode,
                   const analysis::SensitivityOptions& o) {
    JsonWriter j;
    const bool acc = r.metric == SensitivityMetric::Accuracy;
    j.beginObject().field("model", model).field("mode", mode).field("calibrator", o.quantize.calibrator.name());
    j.field("runtimeTarget", std::string(targetName(o.runtimeTarget)));
    j.field("metric", acc ? "accuracy" : "sqnr").field("samples", uint64_t(r.samples));
    j.field("calibrationSamples", uint64_t(r.calibrationSamples)).field("floatAccuracy", r.floatAccuracy);
    j.key("allQuantized");
    measurementJson(j, r.allQuantized);
    j.key("target").beginObject().field("kind", acc ? "drop" : "sqnrDb");
    j.field("value", acc ? o.targetDrop.value_or(NAN) : o.targetSqnrDb.value_or(NAN)).field("met", r.targetMet).endObject();
    j.key("layers").beginArray();
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        j.beginObject().field("rank", uint64_t(i + 1)).field("operator", int64_t(l.op.index())).field("type", l.type);
        j.field("name", l.name).field("nameAmbiguous", l.nameAmbiguous).key("onlyThisQuantized");
        measurementJson(j, l.onlyThis);
        j.key("allButThisQuantized");
        measurementJson(j, l.allButThis);
        j.field("macs", uint64_t(l.macs));
        if (l.int16Capable) {
            j.key("thisInt16");
            measurementJson(j, l.int16This);
        }
        j.endObject();
    }
    j.endArray().key("greedy").beginArray();
    for (const auto& s : r.steps) {
        j.beginObject().key("operators").beginArray();
        for (OperatorIndex op : s.ops) j.value(int64_t(op.index()));
        j.endArray().array("names", s.names).field("move", s.int16 ? "int16" : "float");
        j.field("candidatesMeasured", uint64_t(s.candidatesMeasured)).field("targetMet", s.targetMet).key("after");
        measurementJson(j, s.after);
        j.endObject();
    }
    j.endArray().array("keepFloat", r.keepFloat).array("int16", r.int16);
    j.field("macShareOutsideInt8", r.macShareOutsideInt8).field("measurements", uint64_t(r.measurements));
    j.key("seconds").beginObject().field("calibration", r.calibrationSeconds).field("reference", r.referenceSeconds);
    j.field("total", r.seconds).endObject().endObject();
    return j.str() + "\n";
}

std::string csvCell(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string num(double v) {
    char tmp[40];
    std::snprintf(tmp, sizeof tmp, "%.6g", v);
    return std::isnan(v) ? "" : tmp;
}

std::string toCsv(const SensitivityResult& r) {
    std::string s = "rank,operator,type,name,name_ambiguous,only_this_sqnr_db,only_this_accuracy,"
                    "all_but_this_sqnr_db,all_but_this_accuracy,greedy_step\n";
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        std::string step;
        for (size_t k = 0; k < r.steps.size(); ++k)
            if (keptAt(r.steps[k], l.op)) step = std::to_string(k + 1);
        s += std::to_string(i + 1) + "," + std::to_string(l.op.index()) + "," + l.type + "," + csvCell(l.name) + "," +
             (l.nameAmbiguous ? "1" : "0") + "," + num(l.onlyThis.sqnrDb) + "," + num(l.onlyThis.accuracy) + "," +
             num(l.allButThis.sqnrDb) + "," + num(l.allButThis.accuracy) + "," + step + "\n";
    }
    return s;
}

std::string htmlReport(const SensitivityResult& r, const std::string& model, const std::string& mode,
                       const std::string& target) {
    const bool acc = r.metric == SensitivityMetric::Accuracy;
    report::HtmlReport h("Sensitivity: " + std::filesystem::path(model).filename().string());
    h.keyValues({{"Model", model}, {"Mode", mode}, {"Samples", std::to_string(r.samples)},
                 {"Calibration samples", std::to_string(r.calibrationSamples)},
                 {"All quantized", figure(r.allQuantized, acc)}, {"Target", target + (r.targetMet ? " (met)" : " (not met)")},
                 {"Suggested --keep-float", r.keepFloat.empty() ? "(none)" : joined(r.keepFloat)}});
    h.note("(a) only this layer quantized, every other quantizable layer float: the error this layer adds on its "
           "own. (b) all but this layer quantized: what keeping it float wins back. SQNR is the worst graph output's, "
           "10 log10(signal / noise) against the float model, pooled over the samples.");
    report::BarChart chart;
    chart.title = "(a) output SQNR with only this layer quantized, most sensitive first";
    chart.yLabel = "dB";
    report::Table t;
    t.header = {"Rank", "Op", "Type", "Name", "(a) only this", "(b) all but this"};
    t.numeric = {true, true, false, false, true, true};
    for (size_t i = 0; i < r.layers.size(); ++i) {
        const auto& l = r.layers[i];
        bool kept = false;
        for (const auto& s : r.steps) kept = kept || keptAt(s, l.op);
        chart.labels.push_back("#" + std::to_string(l.op.index()));
        chart.values.push_back(l.onlyThis.sqnrDb);
        chart.highlight.push_back(kept);
        t.rows.push_back({std::to_string(i + 1), "#" + std::to_string(l.op.index()), l.type, l.name,
                          figure(l.onlyThis, acc), figure(l.allButThis, acc)});
        t.highlight.push_back(kept);
    }
    h.heading("Ranking");
    h.svg(report::barChartSvg(chart), "Highlighted: the layers of the suggested keep-float list.");
    h.table(t);
    if (!r.steps.empty()) {
        report::LineChart line;
        line.title = "Greedy search: output SQNR vs layers kept float";
        line.xLabel = "layers kept float";
        line.yLabel = "dB";
        report::LineSeries s{"SQNR", {0}, {r.allQuantized.sqnrDb}};
        size_t count = 0;
        for (size_t k = 0; k < r.steps.size(); ++k) {
            count += r.steps[k].ops.size();
            s.x.push_back(double(count));
            s.y.push_back(r.steps[k].after.sqnrDb);
        }
        line.series.push_back(std::move(s));
        h.heading("Greedy keep-float search");
        h.svg(report::lineChartSvg(line));
    }
    return h.html();
}

Status writeText(const std::string& path, const std::string& text, const std::vector<std::string>& inputs) {
    return writeFileAtomically(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, inputs);
}

int sensitivityCommand(const Args& args) {
    const std::string path = args.requirePositional(1, 0, "MODEL (the float .tflite file)");
    analysis::SensitivityOptions o;
    auto mode = quantize::parseMode(args.require("--mode"));
    if (!mode) throw UsageError("--mode: " + mode.message());
    o.quantize.mode = *mode;
    if (args.has("--calibrator")) {
        auto c = calib::Calibrator::parse(args.value("--calibrator"));
        if (!c) throw UsageError("--calibrator: " + c.message());
        o.quantize.calibrator = *c;
    }
    o.quantize.perTensor = args.flag("--per-tensor");
    const std::string dataSpec = args.require("--data");
    const std::string calibSpec = args.value("--calib");
    if (quantize::needsCalibration(o.quantize.mode) && calibSpec.empty())
        throw UsageError("--calib: mode " + std::string(quantize::modeName(o.quantize.mode)) +
                         " needs calibration data (a .npy/.npz file, IDX file, image folder or random:N[:SEED])");
    if (args.has("--target-drop") && args.has("--target-sqnr"))
        throw UsageError("--target-drop and --target-sqnr: give one target");
    const bool accuracy = args.has("--target-drop") || (args.has("--labels") && !args.has("--target-sqnr"));
    o.metric = accuracy ? SensitivityMetric::Accuracy : SensitivityMetric::Sqnr;
    if (accuracy) o.targetDrop = args.has("--target-drop") ? parsePercent(args.value("--target-drop")) : 0.01;
    else o.targetSqnrDb = args.has("--target-sqnr") ? parseDb(args.value("--target-sqnr")) : 30.0;
    o.greedyWidth = size_t(args.integer("--greedy-width"));
    o.maxFloatLayers = size_t(args.integer("--max-float"));
    if (args.has("--max-mac-share")) o.maxMacShare = parsePercentOf("--max-mac-share", args.value("--max-mac-share"));
    o.int16Moves = !args.flag("--no-int16");
    o.threads = int(args.integer("--threads"));
    o.runtimeTarget = targetOf(args, "sensitivity");
    data::DataOptions dataOptions;
    dataOptions.maxSamples = size_t(args.integer("--samples"));
    dataOptions.labels = args.value("--labels");
    dataOptions.normalization = pixelRangeOf(args);
    refuseLabelsWithRandom(dataOptions.labels, "--data", dataSpec);

    std::vector<std::string> inputs{path};
    for (const std::string& s : {calibSpec, dataSpec, dataOptions.labels})
        if (!s.empty() && std::filesystem::exists(s)) inputs.push_back(s);
    for (const char* flag : {"--json", "--csv", "--report"}) {
        const std::string out = args.value(flag);
        if (out.empty() || out == "-") continue;
        for (const std::string& in : inputs)
            if (sameFile(out, in)) throw UsageError(std::string(flag) + ": " + out + " is an input; choose another path");
    }

    auto model = readModelFile(path);
    if (!model) throw UsageError(model.message());
    const auto info = data::ModelInputInfo::fromModel(**model);
    std::unique_ptr<data::DataSource> calibSource;
    if (!calibSpec.empty()) {
        data::DataOptions calibOptions;
        calibOptions.normalization = dataOptions.normalization;
        auto c = data::openDataSource(calibSpec, info, calibOptions);
        if (!c) throw UsageError("--calib: " + calibSpec + ": " + c.message());
        calibSource = std::move(*c);
    }
    auto dataSource = data::openDataSource(dataSpec, info, dataOptions);
    if (!dataSource) throw UsageError("--data: " + dataSpec + ": " + dataSource.message());
    if (!calibSource) { // dynamic: no calibration; the data source stands in (unused)
        auto c = data::openDataSource(dataSpec, info, dataOptions);
        if (!c) throw UsageError("--data: " + dataSpec + ": " + c.message());
        calibSource = std::move(*c);
    }

    std::signal(SIGINT, onSensitivityInterrupt);
    Progress progress;
    progress.cancel = &g_cancel;
    if (isatty(2))
        progress.report = [](std::string_view stage, double f) {
            std::fprintf(stderr, "\r%-40.*s %5.1f%%", int(stage.size()), stage.data(), f * 100.0);
            if (f >= 1.0) std::fprintf(stderr, "\n");
        };
    auto r = analysis::runSensitivity(*model, *calibSource, **dataSource, o, progress);
    if (!r) {
        if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
        throw UsageError(path + ": " + r.message());
    }
    const std::string modeName(quantize::modeName(o.quantize.mode));
    const std::string target = accuracy ? "accuracy drop <= " + percent(*o.targetDrop)
                                        : "output SQNR >= " + analysis::formatDb(*o.targetSqnrDb);
    const std::string json = args.value("--json");
    if (!json.empty() && json != "-")
        if (Status s = writeText(json, toJson(*r, path, modeName, o), inputs); !s) throw UsageError("--json: " + s.message());
    if (args.has("--csv"))
        if (Status s = writeText(args.value("--csv"), toCsv(*r), inputs); !s) throw UsageError("--csv: " + s.message());
    if (args.has("--report"))
        if (Status s = writeText(args.value("--report"), htmlReport(*r, path, modeName, target), inputs); !s)
            throw UsageError("--report: " + s.message());
    if (json == "-") {
        std::cout << toJson(*r, path, modeName, o);
        warnIfRandomData("--calib", calibSpec); // on stderr, after the output: an error stays one line
        warnIfRandomData("--data", dataSpec);
        return 0;
    }

    std::cout << "Sensitivity " << path << " (mode " << modeName << ", " << r->layers.size() << " quantizable layers, "
              << r->samples << " samples";
    if (r->calibrationSamples) std::cout << ", calibrated on " << r->calibrationSamples << " with " << o.quantize.calibrator.name();
    std::cout << ")\n";
    std::cout << "Target         " << targetName(o.runtimeTarget) << "\n";
    if (accuracy) std::cout << "Float model    top-1 " << percent(r->floatAccuracy) << "\n";
    std::cout << "All quantized  " << figure(r->allQuantized, accuracy) << "\n\n";
    std::cout << "Rank by (a) only this layer quantized; (b) all but this layer quantized ("
              << (accuracy ? "output SQNR, top-1" : "worst output SQNR") << ")\n";
    char line[512];
    std::snprintf(line, sizeof line, "  %4s  %5s  %-22s %-22s %-22s %s\n", "rank", "op", "type", "(a) only this",
                  "(b) all but this", "name");
    std::cout << line;
    for (size_t i = 0; i < r->layers.size(); ++i) {
        const auto& l = r->layers[i];
        std::snprintf(line, sizeof line, "  %4zu  %5s  %-22s %-22s %-22s ", i + 1, ("#" + std::to_string(l.op.index())).c_str(),
                      l.type.c_str(), figure(l.onlyThis, accuracy).c_str(), figure(l.allButThis, accuracy).c_str());
        std::cout << line << l.name << (l.nameAmbiguous ? "  (name not unique in the model)" : "") << "\n";
    }
    std::cout << "\nGreedy search (keep float" << (o.int16Moves && o.quantize.mode == quantize::Mode::Int8 ? " or int16" : "")
              << "), target " << target << "\n";
    for (size_t k = 0; k < r->steps.size(); ++k) {
        const auto& s = r->steps[k];
        std::string what;
        for (size_t i = 0; i < s.ops.size(); ++i)
            what += (i ? ", #" : "#") + std::to_string(s.ops[i].index()) + " " + s.names[i];
        std::cout << "  " << k + 1 << (s.int16 ? ". int16 " : ". keep float ") << what << " -> " << figure(s.after, accuracy)
                  << " (" << s.candidatesMeasured << " candidates measured)" << (s.targetMet ? "  target met" : "") << "\n";
    }
    if (r->steps.empty() && r->targetMet) std::cout << "  the fully quantized model meets the target: no layer needs to stay float\n";
    if (!r->targetMet)
        std::cout << "  target not met with " << r->keepFloat.size() << " layers kept float and " << r->int16.size() << " int16"
                  << (o.maxFloatLayers && r->keepFloat.size() + r->int16.size() >= o.maxFloatLayers ? " (--max-float " + std::to_string(o.maxFloatLayers) + ")" : "")
                  << ": try int16x8, another --calibrator, or more calibration data\n";
    std::cout << "Measured " << r->measurements << " quantized models in " << num(r->seconds) << " s\n";
    if (!r->keepFloat.empty() || !r->int16.empty()) {
        std::cout << "\n" << (r->targetMet ? "Suggested" : "Best measured (target not met)");
        if (!r->keepFloat.empty()) std::cout << " --keep-float " << shellWord(joined(r->keepFloat));
        if (!r->int16.empty()) std::cout << " --int16 " << shellWord(joined(r->int16));
        std::cout << "\n  measured: " << figure(r->suggested, accuracy) << ", " << num(r->macShareOutsideInt8 * 100.0)
                  << " % of MACs outside int8\n";
        std::cout << "  quantlab-cli quantize " << shellWord(path) << " --mode " << modeName;
        if (!calibSpec.empty()) std::cout << " --calib " << shellWord(calibSpec);
        // The pixels as measured: without it quantize would normalise them otherwise.
        if (args.has("--pixel-range")) std::cout << " --pixel-range " << shellWord(args.value("--pixel-range"));
        if (o.quantize.perTensor) std::cout << " --per-tensor";
        std::cout << " --calibrator " << o.quantize.calibrator.name();
        if (!r->keepFloat.empty()) std::cout << " --keep-float " << shellWord(joined(r->keepFloat));
        if (!r->int16.empty()) std::cout << " --int16 " << shellWord(joined(r->int16));
        std::cout << " --out OUT.tflite\n";
        for (const auto& l : r->layers)
            for (const auto& s : r->steps)
                if (keptAt(s, l.op) && (l.nameAmbiguous || l.name.find(',') != std::string::npos))
                    std::cout << "  note: '" << l.name << "' (#" << l.op.index() << ") does not select that operator alone\n";
    }
    warnIfRandomData("--calib", calibSpec);
    warnIfRandomData("--data", dataSpec);
    return 0;
}

const analysis::SensitivityOptions kDefaults{};

const CommandRegistration registration({
    "sensitivity",
    "sensitivity MODEL --mode MODE --calib SRC --data SRC [--pixel-range LO,HI] [--labels SRC] [--target-drop P% | --target-sqnr DB] "
    "[--samples N] [--calibrator C] [--per-tensor] [--greedy-width N] [--max-float N] [--max-mac-share P%] [--no-int16] [--threads T] [--target TARGET] "
    "[--json FILE|-] [--csv FILE] [--report FILE.html]",
    "Ranks the quantizable layers by the error each costs and suggests the smallest --keep-float list that meets the "
    "target, ready for quantize.",
    {{"MODEL", "the float .tflite file"}},
    withTargetOptions({modeOption().mandatory(),
     valueOption("--calib", "SRC", "calibration data; needed by int8, int8-only and int16x8"),
     pixelRangeOption(),
     valueOption("--data", "SRC", "the samples the error is measured on").mandatory(),
     valueOption("--labels", "SRC", "class labels for --data (IDX1 or 1-D integer .npy): rank by accuracy"),
     valueOption("--target-drop", "P%", "accuracy target: at most this top-1 drop from the float model")
         .defaultIs("1% when labelled"),
     valueOption("--target-sqnr", "DB", "SQNR target: worst output SQNR at least this many dB").defaultIs("30 without labels"),
     integerOption("--samples", "N", "use the first N samples of --data", 200, 1, 1'000'000'000),
     calibratorOption(),
     flagOption("--per-tensor", "one weight scale per tensor instead of per channel"),
     integerOption("--greedy-width", "N", "candidates re-measured per greedy step (0: all)",
                   static_cast<long long>(kDefaults.greedyWidth), 0, 1'000'000),
     integerOption("--max-float", "N", "stop after keeping this many layers float (0: no limit)",
                   static_cast<long long>(kDefaults.maxFloatLayers), 0, 1'000'000),
     valueOption("--max-mac-share", "P%", "the largest share of the model's multiply-accumulates the list may leave out of "
                                          "int8 (float or int16 operators)")
         .defaultIs("100%"),
     flagOption("--no-int16", "mode int8: keep-float moves only (no operator moved to int16 activations)"),
     integerOption("--threads", "T", "measurements run in parallel (one single-threaded interpreter each)", kDefaults.threads, 1, 256),
     valueOption("--json", "FILE|-", "also write the ranking and the search as JSON to FILE, or to standard output with -"),
     valueOption("--csv", "FILE", "also write the ranking as CSV"),
     valueOption("--report", "FILE.html", "also write a self-contained HTML report")}),
    &sensitivityCommand,
    60});

} // namespace
} // namespace ql::cli

// quantlab-cli eval MODEL --data SRC [--labels SRC] [--float FLOAT_MODEL] [--all-modes --calib SRC]
//     [--calibrator C] [--per-tensor] [--calib-samples N] [--samples N] [--threads T]
//     [--json FILE|-] [--csv FILE] [--report FILE.html]
// Accuracy (labels) or output SQNR / cosine against a float model, latency and size; with
// --all-modes the float MODEL quantized with every mode, one row each.
#include "CliCommon.h"
#include "Commands.h"

#include "analysis/Evaluate.h"
#include "analysis/HtmlReport.h"
#include "io/AtomicFile.h"
#include "tflite/ModelReader.h"
#include "util/Limits.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace ql::cli {
namespace {

using namespace ql::analysis;

std::atomic<bool> g_cancel{false};
// Ctrl-C: the job stops at its next cancel check; interpreter loops stop too (util/Limits.h).
extern "C" void onEvalInterrupt(int) {
    g_cancel.store(true);
    ql::requestInterrupt();
}

std::string num(double x, const char* f = "%.4g") {
    if (std::isnan(x)) return "-";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char tmp[48];
    std::snprintf(tmp, sizeof tmp, f, x);
    return tmp;
}

std::string kib(uint64_t b) { return num(double(b) / 1024.0, "%.1f") + " KiB"; }

void printTable(std::ostream& os, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> w;
    for (const auto& r : rows)
        for (size_t c = 0; c < r.size(); ++c) {
            if (w.size() <= c) w.push_back(0);
            w[c] = std::max(w[c], r[c].size());
        }
    for (size_t i = 0; i < rows.size(); ++i) {
        std::string line = "  ";
        for (size_t c = 0; c < rows[i].size(); ++c)
            line += rows[i][c] + (c + 1 < rows[i].size() ? std::string(w[c] - rows[i][c].size() + 2, ' ') : "");
        os << line << "\n";
        if (i == 0) {
            size_t total = 0;
            for (size_t c = 0; c < w.size(); ++c) total += w[c] + (c + 1 < w.size() ? 2 : 0);
            os << "  " << std::string(total, '-') << "\n";
        }
    }
}

// The single-model summary as label/value lines (printed, and the report's key values).
std::vector<std::pair<std::string, std::string>> summary(const std::string& path, const EvalResult& r, int threads) {
    std::vector<std::pair<std::string, std::string>> kv;
    kv.push_back({"Model", path + " (" + kib(r.fileBytes) + ")"});
    kv.push_back({"Target", std::string(targetName(r.target))});
    kv.push_back({"Data", r.dataDescription + " (" + std::to_string(r.samples) + " evaluated)"});
    if (r.labelled) {
        std::string a = "top-1 " + formatPercent(r.top1) + ", top-5 " + formatPercent(r.top5) + " (" +
                        std::to_string(r.labelled) + " labelled samples, " + std::to_string(r.classes) + " classes)";
        if (!std::isnan(r.referenceTop1))
            a += "; float model top-1 " + formatPercent(r.referenceTop1) + ", top-5 " + formatPercent(r.referenceTop5);
        kv.push_back({"Accuracy", a});
    }
    if (r.hasReference) {
        kv.push_back({"vs float", "SQNR " + formatDb(r.pooled.sqnrDb) + ", cosine " + num(r.pooled.cosine, "%.6f") +
                                      ", max |error| " + num(r.pooled.maxAbsError) + " (all outputs)"});
        if (r.outputs.size() > 1)
            for (const OutputError& o : r.outputs)
                kv.push_back({"", "output '" + o.name + "': SQNR " + formatDb(o.stats.sqnrDb) + ", cosine " +
                                      num(o.stats.cosine, "%.6f")});
    }
    if (!r.labelled && !r.hasReference)
        kv.push_back({"Note", "no labels and no --float model: only latency and size are measured"});
    kv.push_back({"Latency", num(r.latencyMedianMs, "%.3g") + " ms median per sample (min " + num(r.latencyMinMs, "%.3g") +
                                 " ms), " + std::to_string(threads) + " thread" + (threads == 1 ? "" : "s") +
                                 ", our interpreter"});
    return kv;
}

void printSingle(std::ostream& os, const std::vector<std::pair<std::string, std::string>>& kv) {
    for (const auto& [k, v] : kv) os << k << std::string(k.size() < 11 ? 11 - k.size() : 1, ' ') << v << "\n";
}

std::vector<std::vector<std::string>> modesTable(const AllModesResult& r) {
    bool labels = false;
    for (const ModeRow& row : r.rows) labels = labels || (row.ok && row.eval.labelled);
    std::vector<std::vector<std::string>> t;
    if (labels) t.push_back({"mode", "size", "top-1", "top-5", "SQNR", "cosine", "latency ms", "note"});
    else t.push_back({"mode", "size", "SQNR", "cosine", "max |err|", "latency ms", "note"});
    for (const ModeRow& row : r.rows) {
        const std::string mode(quantize::modeName(row.mode));
        if (!row.ok) {
            t.push_back(labels ? std::vector<std::string>{mode, "-", "-", "-", "-", "-", "-", "failed: " + row.error}
                               : std::vector<std::string>{mode, "-", "-", "-", "-", "-", "failed: " + row.error});
            continue;
        }
        const EvalResult& e = row.eval;
        const std::string note = row.floatOps ? std::to_string(row.floatOps) + " ops left float" : "";
        if (labels)
            t.push_back({mode, kib(e.fileBytes), formatPercent(e.top1), formatPercent(e.top5), formatDb(e.pooled.sqnrDb),
                         num(e.pooled.cosine, "%.6f"), num(e.latencyMedianMs, "%.3g"), note});
        else
            t.push_back({mode, kib(e.fileBytes), formatDb(e.pooled.sqnrDb), num(e.pooled.cosine, "%.6f"),
                         num(e.pooled.maxAbsError), num(e.latencyMedianMs, "%.3g"), note});
    }
    return t;
}

report::Table reportTable(const std::vector<std::vector<std::string>>& rows) {
    report::Table t;
    t.header = rows.front();
    for (size_t i = 1; i < rows.size(); ++i) t.rows.push_back(rows[i]);
    for (size_t c = 0; c < t.header.size(); ++c) t.numeric.push_back(c > 0 && t.header[c] != "note");
    return t;
}

void writeOut(const std::string& path, const std::string& text, const std::vector<std::string>& inputs, const char* flag) {
    if (path == "-") {
        std::cout << text;
        return;
    }
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    Status st = writeFileAtomically(path, bytes, inputs);
    if (!st) throw UsageError(std::string(flag) + ": " + path + ": " + st.message());
}

bool isQuantized(const Model& m) {
    for (const Subgraph& sg : m.subgraphs)
        for (const Tensor& t : sg.tensors)
            if (!m.isConstant(t) && t.quant.isQuantized() &&
                (t.type == TensorType::INT8 || t.type == TensorType::UINT8 || t.type == TensorType::INT16))
                return true;
    return false;
}

int evalCommand(const Args& args) {
    const std::string path = args.requirePositional(1, 0, "MODEL (the .tflite file to evaluate)");
    const std::string dataSpec = args.require("--data");
    const bool allModes = args.flag("--all-modes");
    if (allModes && args.has("--float"))
        throw UsageError("--float: not with --all-modes (MODEL itself is the float reference)");
    if (allModes && !args.has("--calib"))
        throw UsageError("--calib: --all-modes needs calibration data for the integer modes (a .npy/.npz file, IDX file, "
                         "image folder or random:N[:SEED])");
    if (!allModes && (args.has("--calib") || args.has("--calibrator") || args.flag("--per-tensor") || args.has("--calib-samples")))
        throw UsageError("--calib: only with --all-modes");
    const std::string jsonPath = args.value("--json"), csvPath = args.value("--csv"), reportPath = args.value("--report");
    if (csvPath == "-" && jsonPath == "-") throw UsageError("--csv: --json already writes to standard output");

    EvalOptions eo;
    eo.dataSpec = dataSpec;
    eo.data.labels = args.value("--labels");
    refuseLabelsWithRandom(eo.data.labels, "--data", dataSpec);
    eo.data.maxSamples = size_t(args.integer("--samples"));
    eo.data.normalization = pixelRangeOf(args);
    eo.threads = int(args.integer("--threads"));
    eo.target = targetOf(args, "eval");

    std::vector<std::string> inputs = {path};
    if (!eo.data.labels.empty()) inputs.push_back(eo.data.labels);
    if (dataSpec.rfind("random:", 0) != 0) inputs.push_back(dataSpec);
    if (args.has("--float")) inputs.push_back(args.value("--float"));
    if (args.has("--calib") && args.value("--calib").rfind("random:", 0) != 0) inputs.push_back(args.value("--calib"));
    for (const std::string* out : {&jsonPath, &csvPath, &reportPath})
        for (const std::string& in : inputs)
            if (!out->empty() && *out != "-" && sameFile(*out, in)) throw UsageError(*out + ": is an input; choose another path");

    auto model = readModelFile(path);
    if (!model) throw UsageError(model.message());
    if (args.has("--float")) {
        auto ref = readModelFile(args.value("--float"));
        if (!ref) throw UsageError("--float: " + ref.message());
        eo.reference = *ref;
    }

    std::signal(SIGINT, onEvalInterrupt);
    Progress progress;
    progress.cancel = &g_cancel;
    std::ostream& human = jsonPath == "-" || csvPath == "-" ? std::cerr : std::cout;
    std::string json, csv;
    report::HtmlReport html("Evaluation: " + path);
    if (!allModes) {
        auto r = evaluateModel(*model, eo, progress);
        if (!r) {
            if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
            throw UsageError(path + ": " + r.message());
        }
        const auto kv = summary(path, *r, eo.threads);
        printSingle(human, kv);
        json = evalToJson(*r, path);
        csv = evalToCsv(*r, path);
        if (!reportPath.empty()) {
            html.keyValues(kv);
            if (r->hasReference) {
                report::Table t;
                t.caption = "Outputs against the float model";
                t.header = {"output", "SQNR dB", "cosine", "MSE", "mean error", "max |error|"};
                t.numeric = {false, true, true, true, true, true};
                for (const OutputError& o : r->outputs)
                    t.rows.push_back({o.name, num(o.stats.sqnrDb, "%.2f"), num(o.stats.cosine, "%.6f"), num(o.stats.mse),
                                      num(o.stats.meanError), num(o.stats.maxAbsError)});
                html.table(t);
            }
        }
    } else {
        if (isQuantized(**model))
            throw UsageError(path + ": --all-modes needs a float model (this one has quantized activations)");
        AllModesOptions ao;
        ao.eval = eo;
        ao.calibSpec = args.value("--calib");
        ao.calibData.maxSamples = size_t(args.integer("--calib-samples"));
        ao.calibData.normalization = pixelRangeOf(args);
        ao.base.perTensor = args.flag("--per-tensor");
        if (args.has("--calibrator")) {
            auto c = calib::Calibrator::parse(args.value("--calibrator"));
            if (!c) throw UsageError("--calibrator: " + c.message());
            ao.base.calibrator = *c;
        }
        auto r = evaluateAllModes(*model, ao, progress);
        if (!r) {
            if (g_cancel.load()) { std::cerr << "quantlab-cli: cancelled\n"; return 130; }
            throw UsageError(path + ": " + r.message());
        }
        human << "Model      " << path << " (" << kib((*model)->sourceBytes) << ")\n";
        human << "Target     " << targetName(r->target) << "\n";
        if (!r->rows.empty() && r->rows.front().ok) human << "Data       " << r->rows.front().eval.dataDescription << "\n";
        human << "Calibrated " << r->calibrationSamples << " samples once for all integer modes ("
              << num(r->calibrationSeconds, "%.2f") << " s)" << (r->calibrationError.empty() ? "" : ": " + r->calibrationError)
              << "\n\n";
        const auto table = modesTable(*r);
        printTable(human, table);
        human << "\nSQNR and cosine: outputs against the float model on the same samples; latency: median of one "
                 "invocation on our interpreter, "
              << eo.threads << " thread" << (eo.threads == 1 ? "" : "s") << "\n";
        json = allModesToJson(*r, path);
        csv = allModesToCsv(*r, path);
        if (!reportPath.empty()) {
            html.keyValues({{"Float model", path},
                            {"Target", std::string(targetName(r->target))},
                            {"Calibration", ao.calibSpec + ", " + std::to_string(r->calibrationSamples) + " samples"},
                            {"Evaluation data", dataSpec}});
            html.heading("All modes side by side");
            html.table(reportTable(table));
            report::BarChart chart;
            chart.title = "Output SQNR per mode";
            chart.yLabel = "dB";
            for (const ModeRow& row : r->rows)
                if (row.ok) {
                    chart.labels.push_back(std::string(quantize::modeName(row.mode)));
                    chart.values.push_back(row.eval.pooled.sqnrDb);
                }
            html.svg(report::barChartSvg(chart), "SQNR of the outputs against the float model (higher is better)");
            report::BarChart acc;
            acc.title = "Top-1 accuracy per mode";
            acc.yLabel = "%";
            for (const ModeRow& row : r->rows)
                if (row.ok && row.eval.labelled) {
                    acc.labels.push_back(std::string(quantize::modeName(row.mode)));
                    acc.values.push_back(100.0 * row.eval.top1);
                }
            if (!acc.values.empty()) html.svg(report::barChartSvg(acc), "Top-1 accuracy on the labelled samples");
        }
    }
    if (!jsonPath.empty()) writeOut(jsonPath, json, inputs, "--json");
    if (!csvPath.empty()) writeOut(csvPath, csv, inputs, "--csv");
    if (!reportPath.empty()) {
        Status st = html.write(reportPath, inputs);
        if (!st) throw UsageError("--report: " + reportPath + ": " + st.message());
    }
    warnIfRandomData("--data", dataSpec); // on stderr, after the output: an error stays one line
    if (args.has("--calib")) warnIfRandomData("--calib", args.value("--calib"));
    return 0;
}

const CommandRegistration registration({
    "eval",
    "eval MODEL --data SRC [--pixel-range LO,HI] [--labels SRC] [--float FLOAT_MODEL] [--all-modes --calib SRC [--calibrator C] [--per-tensor] "
    "[--calib-samples N]] [--samples N] [--threads T] [--target TARGET] [--json FILE|-] [--csv FILE|-] [--report FILE.html]",
    "Accuracy (with labels) or output SQNR and cosine against a float model, latency and size; with --all-modes the "
    "float MODEL quantized with every mode, one row each.",
    {{"MODEL", "the .tflite file to evaluate (with --all-modes: a float model)"}},
    withTargetOptions({valueOption("--data", "SRC", "the evaluation samples").mandatory(),
     pixelRangeOption(),
     valueOption("--labels", "SRC", "class labels for --data, an IDX1 file or a 1-D integer .npy: top-1 and top-5 accuracy")
         .defaultIs("the IDX images' sibling labels file, or an image folder's class subfolders"),
     valueOption("--float", "FLOAT_MODEL", "float reference: SQNR and cosine of MODEL's outputs against it"),
     flagOption("--all-modes", "quantize MODEL with every mode and evaluate each (needs --calib)"),
     valueOption("--calib", "SRC", "with --all-modes: calibration data for the integer modes"),
     calibratorOption(),
     flagOption("--per-tensor", "with --all-modes: per-tensor weights instead of per-channel"),
     integerOption("--calib-samples", "N", "with --all-modes: calibrate on the first N samples of --calib", 0, 0,
                   1'000'000'000)
         .defaultIs("0: all"),
     integerOption("--samples", "N", "evaluate the first N samples of --data", 0, 0, 1'000'000'000).defaultIs("0: all"),
     integerOption("--threads", "T", "threads of the interpreter", 1, 1, 64),
     valueOption("--json", "FILE|-", "also write the result as JSON to FILE, or to standard output with -"),
     valueOption("--csv", "FILE|-", "also write the result as CSV to FILE, or to standard output with -"),
     valueOption("--report", "FILE.html", "also write a self-contained HTML report")}),
    &evalCommand,
    70});

} // namespace
} // namespace ql::cli

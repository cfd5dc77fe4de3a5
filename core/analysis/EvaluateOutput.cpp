// JSON and CSV forms of the evaluation results (Evaluate.h). Non-finite figures: SQNR +inf
// (no error) is written as the string "inf" in JSON and "inf" in CSV; unmeasured figures
// (NaN) as null / an empty cell.
#include "analysis/Evaluate.h"

#include "util/JsonWriter.h"

#include <cmath>
#include <cstdio>

namespace ql::analysis {

namespace {

void number(JsonWriter& w, std::string_view key, double x) {
    w.key(key);
    if (std::isnan(x)) w.null();
    else if (std::isinf(x)) w.value(x > 0 ? "inf" : "-inf");
    else w.value(x);
}

void errorStats(JsonWriter& w, const ErrorStats& s) {
    w.beginObject();
    number(w, "sqnr_db", s.sqnrDb);
    number(w, "cosine", s.cosine);
    number(w, "mse", s.mse);
    number(w, "rmse", s.rmse);
    number(w, "mean_error", s.meanError);
    number(w, "max_abs_error", s.maxAbsError);
    w.field("count", uint64_t(s.count));
    w.field("skipped", uint64_t(s.skipped));
    w.endObject();
}

void evalBody(JsonWriter& w, const EvalResult& r) {
    w.field("target", std::string(targetName(r.target)));
    w.field("samples", uint64_t(r.samples));
    w.field("data", r.dataDescription);
    w.field("file_bytes", r.fileBytes);
    number(w, "latency_median_ms", r.latencyMedianMs);
    number(w, "latency_min_ms", r.latencyMinMs);
    w.key("accuracy");
    if (r.labelled == 0) {
        w.null();
    } else {
        w.beginObject();
        w.field("labelled", uint64_t(r.labelled));
        w.field("classes", uint64_t(r.classes));
        number(w, "top1", r.top1);
        number(w, "top5", r.top5);
        number(w, "reference_top1", r.referenceTop1);
        number(w, "reference_top5", r.referenceTop5);
        w.endObject();
    }
    w.key("against_reference");
    if (!r.hasReference) {
        w.null();
    } else {
        w.beginObject();
        w.key("pooled");
        errorStats(w, r.pooled);
        w.key("outputs").beginArray();
        for (const OutputError& o : r.outputs) {
            w.beginObject();
            w.field("name", o.name);
            w.key("error");
            errorStats(w, o.stats);
            w.endObject();
        }
        w.endArray();
        w.endObject();
    }
}

std::string csvNumber(double x, const char* fmt = "%.6g") {
    if (std::isnan(x)) return "";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char tmp[48];
    std::snprintf(tmp, sizeof tmp, fmt, x);
    return tmp;
}

std::string csvQuote(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

const char* kCsvHeader = "model,mode,ok,file_bytes,samples,labelled,top1,top5,reference_top1,sqnr_db,cosine,"
                         "latency_median_ms,error,target\n";

std::string csvRow(const std::string& model, const std::string& mode, bool ok, const EvalResult& r, const std::string& error,
                   Target target) {
    std::string s = csvQuote(model) + "," + mode + "," + (ok ? "1" : "0") + ",";
    if (ok) {
        s += std::to_string(r.fileBytes) + "," + std::to_string(r.samples) + "," + std::to_string(r.labelled) + "," +
             csvNumber(r.top1) + "," + csvNumber(r.top5) + "," + csvNumber(r.referenceTop1) + "," +
             (r.hasReference ? csvNumber(r.pooled.sqnrDb) : "") + "," + (r.hasReference ? csvNumber(r.pooled.cosine, "%.8f") : "") +
             "," + csvNumber(r.latencyMedianMs, "%.4f") + ",";
    } else {
        s += ",,,,,,,,,";
    }
    return s + csvQuote(error) + "," + std::string(targetName(target)) + "\n";
}

} // namespace

std::string formatPercent(double share) {
    if (std::isnan(share)) return "-";
    char tmp[32];
    std::snprintf(tmp, sizeof tmp, "%.2f%%", share * 100.0);
    return tmp;
}

std::string evalToJson(const EvalResult& r, const std::string& modelPath) {
    JsonWriter w;
    w.beginObject();
    w.field("model", modelPath);
    evalBody(w, r);
    w.endObject();
    return w.str() + "\n";
}

std::string allModesToJson(const AllModesResult& r, const std::string& modelPath) {
    JsonWriter w;
    w.beginObject();
    w.field("model", modelPath);
    w.field("target", std::string(targetName(r.target)));
    w.field("calibration_samples", uint64_t(r.calibrationSamples));
    number(w, "calibration_seconds", r.calibrationSeconds);
    if (!r.calibrationError.empty()) w.field("calibration_error", r.calibrationError);
    w.key("modes").beginArray();
    for (const ModeRow& row : r.rows) {
        w.beginObject();
        w.field("mode", std::string(quantize::modeName(row.mode)));
        w.field("ok", row.ok);
        if (!row.ok) {
            w.field("error", row.error);
        } else {
            number(w, "quantize_seconds", row.quantizeSeconds);
            w.field("float_ops", uint64_t(row.floatOps));
            evalBody(w, row.eval);
        }
        w.endObject();
    }
    w.endArray();
    w.endObject();
    return w.str() + "\n";
}

std::string evalToCsv(const EvalResult& r, const std::string& modelPath) {
    return std::string(kCsvHeader) + csvRow(modelPath, "", true, r, "", r.target);
}

std::string allModesToCsv(const AllModesResult& r, const std::string& modelPath) {
    std::string s = kCsvHeader;
    for (const ModeRow& row : r.rows) s += csvRow(modelPath, std::string(quantize::modeName(row.mode)), row.ok, row.eval, row.error, r.target);
    return s;
}

} // namespace ql::analysis

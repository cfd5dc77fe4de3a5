#pragma once
// A self-contained HTML report of an experiment (compare, sensitivity, eval): one file with
// inline CSS and inline SVG charts, no script, no external reference (no http:, no src=), so
// it can be mailed or archived as is. The engine builds the charts as SVG text; the report
// only assembles blocks in order.
//
// Usage:
//   report::HtmlReport r("Compare: model.tflite vs model_int8.tflite");
//   r.heading("Per-layer SQNR");
//   r.paragraph("Each quantized operator fed the quantized float input ...");
//   r.svg(report::barChartSvg(chart), "caption");
//   r.table(table);
//   Status s = r.write("out.html", {inputPath1, inputPath2}); // atomic, never over an input
//
// Text given to heading/paragraph/table/captions is escaped; only rawHtml() and svg() take
// markup as is (the caller vouches for it; the chart functions here escape their labels).

#include "analysis/TensorStats.h"
#include "util/Result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ql::report {

// &, <, >, " and ' as entities.
std::string escapeHtml(std::string_view text);

struct Table {
    std::string caption;                        // optional, above the table
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows; // cells as text (escaped on output)
    std::vector<bool> numeric;                  // per column: right-aligned, tabular figures
    std::vector<bool> highlight;                // per row: shown as a warning row
};

class HtmlReport {
public:
    explicit HtmlReport(std::string title);

    void heading(std::string_view text, int level = 2); // level 2..4 (the title is level 1)
    void paragraph(std::string_view text);
    void note(std::string_view text);                   // a muted explanatory paragraph
    // Label/value lines ("Float model", "a.tflite") shown as a compact definition list.
    void keyValues(const std::vector<std::pair<std::string, std::string>>& items);
    void table(const Table& table);
    // An inline SVG element (from the chart functions below) with an optional caption.
    void svg(std::string svgMarkup, std::string_view caption = {});
    // Markup inserted verbatim (trusted; must not reference external files).
    void rawHtml(std::string html);

    // The complete document (<!DOCTYPE html> ... </html>).
    std::string html() const;
    // Writes html() atomically; refuses to write over any of `protectedInputs`.
    Status write(const std::string& path, const std::vector<std::string>& protectedInputs = {}) const;

private:
    std::string m_title;
    std::string m_body;
};

// ---- Charts (SVG text; width/height in CSS pixels) ----

// Vertical bars, one per label, e.g. per-layer SQNR. Bars with highlight set are drawn in the
// warning colour. An optional horizontal reference line (e.g. a target SQNR).
struct BarChart {
    std::string title;
    std::string yLabel;
    std::vector<std::string> labels;
    std::vector<double> values;      // non-finite values are drawn as a capped bar marked "inf"/"n/a"
    std::vector<bool> highlight;     // optional, per bar
    std::optional<double> reference; // horizontal line
    std::string referenceLabel;
    int width = 900, height = 280;
};
std::string barChartSvg(const BarChart& chart);

// A vertical marker on a histogram: clip limits, quantization grid points, zero.
struct Marker {
    enum class Kind { Clip, Grid, Zero };
    double x = 0;
    Kind kind = Kind::Grid;
    std::string label; // shown for Clip and Zero markers
};

// Histogram bars (counts over [hist.lo, hist.hi]) with markers; logY draws counts on a log
// scale (1 + count), which keeps rare tails visible.
struct HistogramChart {
    std::string title;
    std::string xLabel;
    Histogram hist;
    std::vector<Marker> markers; // markers outside [lo, hi] are not drawn
    bool logY = false;
    int width = 440, height = 220;
};
std::string histogramSvg(const HistogramChart& chart);

// Lines through (x, y) points sharing axes, e.g. SQNR vs number of float layers.
struct LineSeries {
    std::string name;
    std::vector<double> x, y;
};
struct LineChart {
    std::string title, xLabel, yLabel;
    std::vector<LineSeries> series;
    int width = 600, height = 260;
};
std::string lineChartSvg(const LineChart& chart);

// "1.23e-04"-style compact number for tables and axis ticks (NaN → "n/a", inf → "inf").
std::string formatNumber(double v, int significant = 4);

} // namespace ql::report

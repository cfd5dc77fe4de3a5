// HtmlReport: a self-contained document (no external references), escaped text, charts.
#include "TestSupport.h"

#include "analysis/HtmlReport.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

using namespace ql;
using namespace ql::report;

namespace {

size_t countOf(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

// No reference to anything outside the file: no URL scheme, no src=/href= attribute, no
// @import or url( in the CSS, no script.
void requireSelfContained(const std::string& html) {
    CHECK(html.find("http:") == std::string::npos);
    CHECK(html.find("https:") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("href=") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
}

} // namespace

TEST_CASE("HtmlReport: a complete, self-contained document with escaped text", "[report]") {
    HtmlReport r("Compare <a> & b");
    r.heading("Per-layer SQNR");
    r.paragraph("x < y & \"z\"");
    r.note("RMSE/scale 0.289 is pure rounding");
    r.keyValues({{"Float model", "a.tflite"}});
    Table t;
    t.header = {"layer", "SQNR"};
    t.rows = {{"conv<1>", "30.1 dB"}, {"fc", "12.0 dB"}};
    t.numeric = {false, true};
    t.highlight = {false, true};
    r.table(t);
    BarChart bc;
    bc.title = "SQNR";
    bc.labels = {"a", "b", "c"};
    bc.values = {10, std::numeric_limits<double>::infinity(), 25};
    bc.highlight = {true, false, false};
    bc.reference = 20;
    r.svg(barChartSvg(bc), "per layer");
    const std::string html = r.html();
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("</html>") != std::string::npos);
    CHECK(html.find("<title>Compare &lt;a&gt; &amp; b</title>") != std::string::npos);
    CHECK(html.find("x &lt; y &amp; &quot;z&quot;") != std::string::npos);
    CHECK(html.find("conv&lt;1&gt;") != std::string::npos);
    CHECK(html.find("<tr class=\"warn\">") != std::string::npos);
    CHECK(countOf(html, "<svg") == 1);
    CHECK(countOf(html, "<svg") == countOf(html, "</svg>"));
    CHECK(countOf(html, "<table>") == countOf(html, "</table>"));
    // One bar per value; the highlighted one in the warning colour.
    CHECK(countOf(html, "<rect") == 3);
    CHECK(countOf(html, "#e45756") >= 1);
    requireSelfContained(html);
}

TEST_CASE("HtmlReport: histogram with clip and grid markers; line chart", "[report]") {
    HistogramChart h;
    h.title = "values";
    h.hist = makeHistogram(std::vector<double>{-1, -0.5, 0, 0.5, 1, 1, 1}, 8);
    h.markers = {{-0.8, Marker::Kind::Clip, "clip min"}, {0.8, Marker::Kind::Clip, "clip max"}, {0.25, Marker::Kind::Grid, ""},
                 {5.0, Marker::Kind::Clip, "outside"}};
    const std::string svg = histogramSvg(h);
    CHECK(countOf(svg, "clip min") == 1);
    CHECK(countOf(svg, "clip max") == 1);
    CHECK(countOf(svg, "outside") == 0); // beyond the histogram's range: not drawn
    CHECK(countOf(svg, "stroke-dasharray") == 2);
    LineChart lc;
    lc.series = {{"sqnr", {0, 1, 2}, {10, 20, 25}}};
    const std::string l = lineChartSvg(lc);
    CHECK(countOf(l, "<circle") == 3);
    CHECK(countOf(l, "<polyline") == 1);
}

TEST_CASE("HtmlReport: written atomically, never over an input", "[report]") {
    test::TempDir dir;
    HtmlReport r("t");
    const std::string out = dir.file("r.html");
    REQUIRE(r.write(out).ok());
    CHECK(std::filesystem::file_size(out) > 100);
    const std::string in = dir.file("model.tflite");
    test::writeBytes(in, {1, 2, 3});
    CHECK_FALSE(r.write(in, {in}).ok());
    CHECK(test::readBytes(in).size() == 3);
}

TEST_CASE("formatNumber: compact and explicit about non-finite values", "[report]") {
    CHECK(formatNumber(std::nan("")) == "n/a");
    CHECK(formatNumber(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(formatNumber(0.5) == "0.5");
    CHECK(formatNumber(1.5e-5) == "1.500e-05");
}

#include "analysis/HtmlReport.h"

#include "io/AtomicFile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>

namespace ql::report {
namespace {

// Colours shared by the CSS and the charts (readable in print and on screen).
constexpr const char* kBarColour = "#4c78a8";
constexpr const char* kWarnColour = "#e45756";
constexpr const char* kClipColour = "#d62728";
constexpr const char* kGridColour = "#9ca3af";
constexpr const char* kZeroColour = "#111827";
constexpr const char* kSeriesColours[] = {"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"};

constexpr const char* kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#1f2937;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #e5e7eb;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:1.6em}h3{font-size:1.05em}
p.note{color:#6b7280;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #e5e7eb;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f4f6}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.warn td{background:#fde8e8}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:.15em 1em;font-size:.92em}
dl.kv dt{font-weight:600}dl.kv dd{margin:0}
figure{margin:.8em 0 1.2em}figcaption{color:#6b7280;font-size:.85em}
figure.inline{display:inline-block;vertical-align:top;margin-right:1em}
svg text{font-family:inherit}
)";

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

std::string text(double x, double y, std::string_view s, const char* extra = "") {
    const bool sized = std::string_view(extra).find("font-size") != std::string_view::npos;
    return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + (sized ? "" : "font-size=\"11\" ") + extra + ">" +
           escapeHtml(s) + "</text>";
}

std::string line(double x1, double y1, double x2, double y2, const char* colour, const char* extra = "") {
    return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" stroke=\"" +
           colour + "\" " + extra + "/>";
}

std::string rect(double x, double y, double w, double h, const char* colour, std::string_view title = {}) {
    std::string r = "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) + "\" height=\"" +
                    num(std::max(h, 0.0)) + "\" fill=\"" + colour + "\"";
    if (title.empty()) return r + "/>";
    return r + "><title>" + escapeHtml(title) + "</title></rect>";
}

std::string svgOpen(int w, int h) {
    return "<svg width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) +
           "\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) + "\" role=\"img\">";
}

// "Nice" tick values covering [lo, hi] (about `count` of them).
std::vector<double> ticks(double lo, double hi, int count) {
    std::vector<double> out;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
    const double raw = (hi - lo) / std::max(count, 1);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) { step = m * mag; break; }
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
    return out;
}

// Plot frame: left/right/top/bottom margins and the y mapping.
struct Frame {
    double left = 52, right = 12, top = 26, bottom = 40;
    double w = 0, h = 0, lo = 0, hi = 1;
    double plotW() const { return w - left - right; }
    double plotH() const { return h - top - bottom; }
    double y(double v) const { return top + plotH() * (1.0 - (v - lo) / (hi - lo)); }
};

std::string yAxis(const Frame& f, std::string_view label, bool logTicks = false) {
    std::string s = line(f.left, f.top, f.left, f.top + f.plotH(), "#6b7280");
    for (double t : ticks(f.lo, f.hi, 5)) {
        const double y = f.y(t);
        s += line(f.left, y, f.w - f.right, y, "#eef0f3");
        s += text(f.left - 4, y + 4, logTicks ? formatNumber(std::expm1(t), 2) : formatNumber(t, 3), "text-anchor=\"end\"");
    }
    if (!label.empty())
        s += text(12, f.top + f.plotH() / 2, label,
                  ("text-anchor=\"middle\" transform=\"rotate(-90 12 " + num(f.top + f.plotH() / 2) + ")\"").c_str());
    return s;
}

} // namespace

std::string escapeHtml(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string formatNumber(double v, int significant) {
    if (std::isnan(v)) return "n/a";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char b[48];
    const double a = std::abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e6)) std::snprintf(b, sizeof b, "%.*e", std::max(significant - 1, 0), v);
    else std::snprintf(b, sizeof b, "%.*g", std::max(significant, 1), v);
    return b;
}

HtmlReport::HtmlReport(std::string title) : m_title(std::move(title)) {}

void HtmlReport::heading(std::string_view t, int level) {
    const std::string h = std::to_string(std::clamp(level, 2, 4));
    m_body += "<h" + h + ">" + escapeHtml(t) + "</h" + h + ">\n";
}

void HtmlReport::paragraph(std::string_view t) { m_body += "<p>" + escapeHtml(t) + "</p>\n"; }
void HtmlReport::note(std::string_view t) { m_body += "<p class=\"note\">" + escapeHtml(t) + "</p>\n"; }

void HtmlReport::keyValues(const std::vector<std::pair<std::string, std::string>>& items) {
    m_body += "<dl class=\"kv\">";
    for (const auto& [k, v] : items) m_body += "<dt>" + escapeHtml(k) + "</dt><dd>" + escapeHtml(v) + "</dd>";
    m_body += "</dl>\n";
}

void HtmlReport::table(const Table& t) {
    std::string s = "<table>";
    if (!t.caption.empty()) s += "<caption>" + escapeHtml(t.caption) + "</caption>";
    if (!t.header.empty()) {
        s += "<thead><tr>";
        for (const auto& h : t.header) s += "<th>" + escapeHtml(h) + "</th>";
        s += "</tr></thead>";
    }
    s += "<tbody>\n";
    for (size_t r = 0; r < t.rows.size(); ++r) {
        const bool warn = r < t.highlight.size() && t.highlight[r];
        s += warn ? "<tr class=\"warn\">" : "<tr>";
        for (size_t c = 0; c < t.rows[r].size(); ++c) {
            const bool isNum = c < t.numeric.size() && t.numeric[c];
            s += (isNum ? "<td class=\"num\">" : "<td>") + escapeHtml(t.rows[r][c]) + "</td>";
        }
        s += "</tr>\n";
    }
    m_body += s + "</tbody></table>\n";
}

void HtmlReport::svg(std::string markup, std::string_view caption) {
    m_body += "<figure>" + markup;
    if (!caption.empty()) m_body += "<figcaption>" + escapeHtml(caption) + "</figcaption>";
    m_body += "</figure>\n";
}

void HtmlReport::rawHtml(std::string html) { m_body += std::move(html) + "\n"; }

std::string HtmlReport::html() const {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escapeHtml(m_title) +
           "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<h1>" + escapeHtml(m_title) + "</h1>\n" + m_body +
           "<p class=\"note\">Generated by QuantLab " QUANTLAB_VERSION ".</p>\n</body>\n</html>\n";
}

Status HtmlReport::write(const std::string& path, const std::vector<std::string>& protectedInputs) const {
    const std::string doc = html();
    const auto* p = reinterpret_cast<const uint8_t*>(doc.data());
    return writeFileAtomically(path, std::span<const uint8_t>(p, doc.size()), protectedInputs);
}

std::string barChartSvg(const BarChart& c) {
    Frame f;
    f.w = c.width;
    f.h = c.height;
    f.bottom = c.labels.size() > 40 ? 16 : 70;
    double lo = 0, hi = 0;
    for (double v : c.values)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (c.reference) lo = std::min(lo, *c.reference), hi = std::max(hi, *c.reference);
    if (hi <= lo) hi = lo + 1;
    hi += (hi - lo) * 0.08; // head room; also where non-finite values are capped
    f.lo = lo;
    f.hi = hi;
    std::string s = svgOpen(c.width, c.height) + text(f.left, 16, c.title, "font-weight=\"600\" font-size=\"13\"");
    s += yAxis(f, c.yLabel);
    const size_t n = c.values.size();
    const double slot = n ? f.plotW() / double(n) : 0;
    const double zeroY = f.y(0);
    for (size_t i = 0; i < n; ++i) {
        const double v = c.values[i];
        const bool finite = std::isfinite(v);
        const double shown = finite ? v : (std::isnan(v) ? 0 : (v > 0 ? hi : lo));
        const double x = f.left + slot * double(i) + slot * 0.12;
        const double y = f.y(shown);
        const bool warn = i < c.highlight.size() && c.highlight[i];
        const std::string label = i < c.labels.size() ? c.labels[i] : std::to_string(i);
        s += rect(x, std::min(y, zeroY), slot * 0.76, std::abs(zeroY - y), warn ? kWarnColour : kBarColour,
                  label + ": " + formatNumber(v, 4));
        if (!finite && slot >= 10) s += text(x + slot * 0.38, f.top - 2, formatNumber(v), "text-anchor=\"middle\" font-size=\"9\"");
        if (n <= 40) {
            const double lx = x + slot * 0.38, ly = f.top + f.plotH() + 10;
            std::string shortLabel = label.size() > 14 ? label.substr(0, 13) + "…" : label;
            s += text(lx, ly, shortLabel, ("text-anchor=\"end\" transform=\"rotate(-45 " + num(lx) + " " + num(ly) + ")\"").c_str());
        }
    }
    s += line(f.left, zeroY, f.w - f.right, zeroY, "#6b7280");
    if (c.reference) {
        const double y = f.y(*c.reference);
        s += line(f.left, y, f.w - f.right, y, kClipColour, "stroke-dasharray=\"5,3\"");
        s += text(f.w - f.right, y - 3, c.referenceLabel, "text-anchor=\"end\" fill=\"#d62728\"");
    }
    return s + "</svg>";
}

std::string histogramSvg(const HistogramChart& c) {
    Frame f;
    f.w = c.width;
    f.h = c.height;
    f.bottom = 34;
    const Histogram& h = c.hist;
    double maxCount = 0;
    for (uint64_t k : h.counts) maxCount = std::max(maxCount, c.logY ? std::log1p(double(k)) : double(k));
    f.lo = 0;
    f.hi = maxCount > 0 ? maxCount * 1.05 : 1;
    std::string s = svgOpen(c.width, c.height) + text(f.left, 16, c.title, "font-weight=\"600\" font-size=\"12\"");
    s += yAxis(f, c.logY ? "count (log)" : "count", c.logY);
    const double span = h.hi - h.lo;
    auto xOf = [&](double v) { return f.left + (span > 0 ? (v - h.lo) / span : 0.5) * f.plotW(); };
    const size_t n = h.counts.size();
    const double bw = n ? f.plotW() / double(n) : 0;
    for (size_t i = 0; i < n; ++i) {
        if (!h.counts[i]) continue;
        const double v = c.logY ? std::log1p(double(h.counts[i])) : double(h.counts[i]);
        const double y = f.y(v);
        s += rect(f.left + bw * double(i), y, std::max(bw - 0.5, 0.5), f.y(0) - y, kBarColour,
                  formatNumber(h.lo + bw * 0 + h.binWidth() * double(i)) + " .. " + formatNumber(h.lo + h.binWidth() * double(i + 1)) +
                      ": " + std::to_string(h.counts[i]));
    }
    // Grid markers thin and light; clip and zero markers on top with labels.
    for (int pass = 0; pass < 2; ++pass) {
        for (const Marker& m : c.markers) {
            const bool grid = m.kind == Marker::Kind::Grid;
            if ((pass == 0) != grid || !(m.x >= h.lo && m.x <= h.hi)) continue;
            const double x = xOf(m.x);
            if (grid) {
                s += line(x, f.top, x, f.y(0), kGridColour, "stroke-width=\"0.5\" stroke-opacity=\"0.7\"");
                continue;
            }
            const char* col = m.kind == Marker::Kind::Clip ? kClipColour : kZeroColour;
            s += line(x, f.top - 4, x, f.y(0), col, "stroke-width=\"1.5\" stroke-dasharray=\"4,2\"");
            if (!m.label.empty())
                s += text(x + 2, f.top + 8, m.label, (std::string("fill=\"") + col + "\" font-size=\"10\"").c_str());
        }
    }
    s += line(f.left, f.y(0), f.w - f.right, f.y(0), "#6b7280");
    for (double t : ticks(h.lo, h.hi, 5)) s += text(xOf(t), f.y(0) + 14, formatNumber(t, 3), "text-anchor=\"middle\"");
    if (!c.xLabel.empty()) s += text(f.left + f.plotW() / 2, f.h - 4, c.xLabel, "text-anchor=\"middle\"");
    return s + "</svg>";
}

std::string lineChartSvg(const LineChart& c) {
    Frame f;
    f.w = c.width;
    f.h = c.height;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (const auto& sr : c.series)
        for (size_t i = 0; i < std::min(sr.x.size(), sr.y.size()); ++i) {
            if (!std::isfinite(sr.x[i]) || !std::isfinite(sr.y[i])) continue;
            xlo = std::min(xlo, sr.x[i]), xhi = std::max(xhi, sr.x[i]);
            ylo = std::min(ylo, sr.y[i]), yhi = std::max(yhi, sr.y[i]);
        }
    if (!(xhi >= xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (xhi == xlo) xhi = xlo + 1;
    if (yhi == ylo) yhi = ylo + 1;
    const double pad = (yhi - ylo) * 0.06;
    f.lo = ylo - pad;
    f.hi = yhi + pad;
    auto xOf = [&](double v) { return f.left + (v - xlo) / (xhi - xlo) * f.plotW(); };
    std::string s = svgOpen(c.width, c.height) + text(f.left, 16, c.title, "font-weight=\"600\" font-size=\"13\"");
    s += yAxis(f, c.yLabel);
    s += line(f.left, f.top + f.plotH(), f.w - f.right, f.top + f.plotH(), "#6b7280");
    for (double t : ticks(xlo, xhi, 6)) s += text(xOf(t), f.top + f.plotH() + 14, formatNumber(t, 3), "text-anchor=\"middle\"");
    if (!c.xLabel.empty()) s += text(f.left + f.plotW() / 2, f.h - 6, c.xLabel, "text-anchor=\"middle\"");
    for (size_t k = 0; k < c.series.size(); ++k) {
        const auto& sr = c.series[k];
        const char* col = kSeriesColours[k % std::size(kSeriesColours)];
        std::string pts;
        for (size_t i = 0; i < std::min(sr.x.size(), sr.y.size()); ++i) {
            if (!std::isfinite(sr.x[i]) || !std::isfinite(sr.y[i])) continue;
            pts += num(xOf(sr.x[i])) + "," + num(f.y(sr.y[i])) + " ";
            s += "<circle cx=\"" + num(xOf(sr.x[i])) + "\" cy=\"" + num(f.y(sr.y[i])) + "\" r=\"2.5\" fill=\"" + col + "\"/>";
        }
        s += "<polyline fill=\"none\" stroke=\"" + std::string(col) + "\" stroke-width=\"1.5\" points=\"" + pts + "\"/>";
        s += text(f.w - f.right - 4, f.top + 12 + 13 * double(k), sr.name, (std::string("text-anchor=\"end\" fill=\"") + col + "\"").c_str());
    }
    return s + "</svg>";
}

} // namespace ql::report

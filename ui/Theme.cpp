#include "Theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

#include <algorithm>
#include <cmath>

namespace ql::ui {
namespace {

ThemeKind g_kind = ThemeKind::Light;

GraphColors lightGraph() {
    GraphColors c;
    c.background = QColor(250, 250, 251);
    c.grid = QColor(236, 238, 242);
    c.nodeFill = QColor(232, 240, 254);
    c.nodeBorder = QColor(96, 116, 150);
    c.nodeText = QColor(25, 30, 40);
    c.subtleText = QColor(95, 100, 112);
    c.edge = QColor(120, 128, 140);
    c.edgeLabel = QColor(90, 96, 108);
    c.inputFill = QColor(222, 245, 227);
    c.outputFill = QColor(252, 232, 220);
    c.groupFill = QColor(240, 234, 250);
    c.constantFill = QColor(240, 240, 240);
    c.customMark = QColor(200, 60, 40);
    c.activationText = QColor(20, 120, 70);
    c.selection = QColor(255, 150, 0);
    c.searchHit = QColor(255, 214, 0);
    return c;
}

GraphColors darkGraph() {
    GraphColors c;
    c.background = QColor(30, 32, 36);
    c.grid = QColor(40, 43, 48);
    c.nodeFill = QColor(46, 62, 88);
    c.nodeBorder = QColor(120, 145, 185);
    c.nodeText = QColor(232, 236, 242);
    c.subtleText = QColor(170, 176, 188);
    c.edge = QColor(140, 148, 160);
    c.edgeLabel = QColor(165, 172, 184);
    c.inputFill = QColor(40, 80, 56);
    c.outputFill = QColor(92, 58, 40);
    c.groupFill = QColor(70, 56, 96);
    c.constantFill = QColor(60, 60, 60);
    c.customMark = QColor(255, 110, 90);
    c.activationText = QColor(110, 220, 150);
    c.selection = QColor(255, 170, 40);
    c.searchHit = QColor(230, 190, 0);
    return c;
}

} // namespace

void Theme::apply(ThemeKind kind) {
    g_kind = kind;
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    if (kind == ThemeKind::Light) {
        QApplication::setPalette(QApplication::style()->standardPalette());
        return;
    }
    QPalette p;
    const QColor window(45, 47, 52), base(32, 34, 38), text(230, 232, 236), highlight(62, 130, 220);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(140, 140, 140));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
    QApplication::setPalette(p);
}

ThemeKind Theme::current() { return g_kind; }

const GraphColors& Theme::graph() {
    static const GraphColors light = lightGraph(), dark = darkGraph();
    return g_kind == ThemeKind::Dark ? dark : light;
}

QColor Theme::forQuantKind(QuantKind k) {
    const bool dark = g_kind == ThemeKind::Dark;
    switch (k) {
    case QuantKind::Float: return dark ? QColor(52, 86, 140) : QColor(198, 219, 250);
    case QuantKind::Int8: return dark ? QColor(40, 110, 70) : QColor(190, 236, 200);
    case QuantKind::Int16: return dark ? QColor(30, 110, 120) : QColor(180, 232, 236);
    case QuantKind::Hybrid: return dark ? QColor(130, 90, 30) : QColor(255, 222, 170);
    default: return dark ? QColor(70, 70, 70) : QColor(225, 225, 225);
    }
}

QColor Theme::forDtype(TensorType t) {
    const bool dark = g_kind == ThemeKind::Dark;
    auto pick = [dark](QColor l, QColor d) { return dark ? d : l; };
    switch (t) {
    case TensorType::FLOAT32: return pick(QColor(198, 219, 250), QColor(52, 86, 140));
    case TensorType::FLOAT16: return pick(QColor(214, 200, 250), QColor(86, 66, 140));
    case TensorType::INT8: return pick(QColor(190, 236, 200), QColor(40, 110, 70));
    case TensorType::UINT8: return pick(QColor(220, 240, 170), QColor(90, 110, 40));
    case TensorType::INT16: return pick(QColor(180, 232, 236), QColor(30, 110, 120));
    case TensorType::INT32: return pick(QColor(255, 222, 170), QColor(130, 90, 30));
    case TensorType::INT64: return pick(QColor(250, 200, 200), QColor(130, 50, 50));
    case TensorType::BOOL: return pick(QColor(235, 235, 200), QColor(100, 100, 60));
    default: return pick(QColor(225, 225, 225), QColor(70, 70, 70));
    }
}

QColor Theme::ramp(double t) {
    t = std::clamp(std::isfinite(t) ? t : 0.5, 0.0, 1.0);
    // blue (0) -> white (0.5) -> red (1)
    if (t < 0.5) {
        const double u = t / 0.5;
        return QColor::fromRgbF(float(0.16 + 0.84 * u), float(0.36 + 0.64 * u), float(0.78 + 0.22 * u));
    }
    const double u = (t - 0.5) / 0.5;
    return QColor::fromRgbF(1.0f, float(1.0 - 0.72 * u), float(1.0 - 0.78 * u));
}

QColor Theme::textOn(const QColor& fill) {
    // WCAG relative luminance; the darker ink is chosen when it gives the larger contrast ratio
    // (L1 + 0.05) / (L2 + 0.05).
    auto lin = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    const double l = 0.2126 * lin(fill.redF()) + 0.7152 * lin(fill.greenF()) + 0.0722 * lin(fill.blueF());
    const QColor dark(20, 20, 20), light(250, 250, 250);
    const double withDark = (l + 0.05) / (0.0070 + 0.05);   // luminance of (20, 20, 20) is about 0.0070
    const double withLight = (0.9560 + 0.05) / (l + 0.05);  // luminance of (250, 250, 250) is about 0.9560
    return withDark >= withLight ? dark : light;
}

} // namespace ql::ui

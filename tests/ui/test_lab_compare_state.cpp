// The side-by-side view's state between runs and what makes it readable: the heat map's colour
// key, node text that reads on every heat colour, table headers in full, and a histogram title
// that does not outlive its run.
#include "TestModels.h"
#include "TestSupport.h"
#include "Theme.h"
#include "UiTest.h"
#include "lab/CompareView.h"
#include "lab/TensorHistogramView.h"
#include "quantize/QuantizeJob.h"

#include <QFontMetrics>
#include <QHeaderView>
#include <QTableView>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {

double luminance(const QColor& c) {
    auto lin = [](double v) {
        return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
}
double contrast(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

} // namespace

TEST_CASE("heat-map node text reads on every colour of the ramp", "[ui][lab]") {
    for (int i = 0; i <= 20; ++i) {
        const QColor fill = Theme::ramp(i / 20.0);
        INFO("t = " << i / 20.0 << " fill " << fill.name().toStdString());
        CHECK(contrast(Theme::textOn(fill), fill) >= 4.5); // WCAG AA for normal text
    }
    CHECK(Theme::textOn(QColor(20, 40, 120)).lightness() > 200);  // dark blue: light text
    CHECK(Theme::textOn(QColor(250, 250, 250)).lightness() < 60); // white: dark text
}

TEST_CASE("side by side: heat legend, full headers, histogram title reset between runs",
          "[ui][lab]") {
    test::TempDir dir;
    auto model = writeAndRead(test::makeSmallCnn(), dir.file("cnn.tflite"));
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.calibSpec = "random:4:1";
    auto q = quantize::runQuantize(model, o);
    REQUIRE(q.ok());
    auto quant = writeAndRead(q->result.model, dir.file("cnn_int8.tflite"));

    CompareView view;
    view.resize(1400, 900);
    view.show();
    view.setDataSource(QStringLiteral("random:4:3"));
    view.setModels(model, QStringLiteral("cnn.tflite"), quant, QStringLiteral("cnn_int8.tflite"));
    REQUIRE(waitFor([&] { return view.isFilled(); }, 60000));
    view.selectFloatOperator(OperatorIndex(0));
    REQUIRE(waitFor([&] { return view.isLayerErrorsFilled(); }, 120000));
    REQUIRE(view.layerErrorText().isEmpty());

    // the colour key names both ends of the ramp and the grey of layers not compared
    const QString legend = view.heatLegendText();
    INFO(legend.toStdString());
    CHECK(legend.contains(Theme::ramp(0).name()));
    CHECK(legend.contains(Theme::ramp(1).name()));
    CHECK(legend.contains(QStringLiteral("SQNR")));
    CHECK(legend.contains(QStringLiteral("not compared")));

    // every header of the per-layer table is as wide as its text
    QTableView* table = view.layerTable();
    const QHeaderView* header = table->horizontalHeader();
    const QFontMetrics fm(header->font());
    for (int c = 0; c + 1 < header->count(); ++c) { // the last one stretches
        const QString text = table->model()->headerData(c, Qt::Horizontal).toString();
        INFO("column " << c << " " << text.toStdString());
        CHECK(header->sectionSize(c) >= fm.horizontalAdvance(text));
    }

    // a new run clears the previous run's tensor from the histogram title
    TensorHistogramView* hist = view.histograms();
    REQUIRE(hist->titleText().contains(QStringLiteral("scale")));
    hist->resetData(nullptr);
    CHECK(hist->titleText() == TensorHistogramView::placeholder());
}

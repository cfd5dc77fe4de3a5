#include "lab/TensorHistogramView.h"

#include "inspect/Format.h"
#include "plots/PlotStyle.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace ql::ui {

namespace {

const QColor kFloatColour(0x2e, 0x86, 0xc1);
const QColor kQuantColour(0xe6, 0x7e, 0x22);
const QColor kClipColour(0xc0, 0x39, 0x2b);
const QColor kLayerColour(0x8e, 0x44, 0xad);

// TFLite's fused tensor names run to hundreds of characters: keep both ends.
QString shortName(const std::string& name) {
    const QString n = QString::fromStdString(name);
    return n.size() <= 90 ? n : n.left(56) + QStringLiteral(" … ") + n.right(30);
}

QString dB(double v) { return QString::fromStdString(analysis::formatDb(v)); }

void fitCounts(QCustomPlot* p) {
    double top = 1;
    for (int g = 0; g < p->graphCount(); ++g) {
        bool found = false;
        const QCPRange r = p->graph(g)->getValueRange(found);
        if (found) top = std::max(top, r.upper);
    }
    p->yAxis->setRange(0, top * 1.08);
}

} // namespace

TensorHistogramView::TensorHistogramView(QWidget* parent) : QWidget(parent) {
    auto* box = new QVBoxLayout(this);
    box->setContentsMargins(2, 2, 2, 2);
    box->setSpacing(2);
    auto* bar = new QHBoxLayout;
    m_title = new QLabel(placeholder(), this);
    m_title->setObjectName(QStringLiteral("histogramTitle"));
    m_title->setWordWrap(true);
    m_title->setTextFormat(Qt::RichText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_title->setFixedHeight(3 * fontMetrics().lineSpacing() + 4); // a selection does not lay out the view again
    bar->addWidget(m_title, 1);
    m_chooser = new QComboBox(this);
    m_chooser->setObjectName(QStringLiteral("histogramTensor"));
    m_chooser->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_chooser->setMinimumContentsLength(14);
    m_chooser->setToolTip(tr("The layer's output or one of its weights"));
    m_chooser->setEnabled(false);
    bar->addWidget(m_chooser, 0, Qt::AlignTop);
    box->addLayout(bar);
    m_values = makeStyledPlot(this, 110);
    m_values->setObjectName(QStringLiteral("valueHistogram"));
    m_values->xAxis->setLabel(tr("value"));
    m_values->yAxis->setLabel(tr("count"));
    m_errors = makeStyledPlot(this, 90);
    m_errors->setObjectName(QStringLiteral("errorHistogram"));
    m_errors->xAxis->setLabel(tr("error = quantized − float"));
    m_errors->yAxis->setLabel(tr("count"));
    for (QCustomPlot* p : {m_values, m_errors}) {
        QFont small = p->font();
        small.setPointSizeF(small.pointSizeF() * 0.85);
        p->legend->setFont(small);
        p->xAxis->setLabelFont(small);
        p->yAxis->setLabelFont(small);
        p->xAxis->setTickLabelFont(small);
        p->yAxis->setTickLabelFont(small);
        p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        QColor legendFill = palette().color(QPalette::Base);
        legendFill.setAlpha(190); // the curves stay visible under the legend
        p->legend->setBrush(legendFill);
    }
    box->addWidget(m_values, 3);
    box->addWidget(m_errors, 2);
    connect(m_chooser, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (m_filling || i < 0 || size_t(i) >= m_choices.size()) return;
        m_tensor = m_choices[size_t(i)];
        rebuild();
    });
    // the grid levels are drawn only when few enough are in view: redraw when the range moves
    connect(m_values->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] { drawGrid(); });
}

void TensorHistogramView::resetData(std::shared_ptr<const analysis::CompareResult> result) {
    m_result = std::move(result);
    const int layer = m_layer;
    m_layer = -1;
    m_tensor = -1;
    if (m_result && layer >= 0 && size_t(layer) < m_result->layers.size()) showLayer(layer);
    else showTensor(-1);
}

void TensorHistogramView::showLayer(int layer) {
    m_layer = layer;
    m_choices.clear();
    m_filling = true;
    m_chooser->clear();
    if (m_result && layer >= 0 && size_t(layer) < m_result->layers.size()) {
        const auto& l = m_result->layers[size_t(layer)];
        if (l.output >= 0) m_choices.push_back(l.output);
        for (int w : l.weights) m_choices.push_back(w);
        for (int t : m_choices) {
            const auto& tc = m_result->tensors[size_t(t)];
            m_chooser->addItem(t == l.output ? tr("output") : tr("weights: %1").arg(shortName(tc.name).right(40)));
        }
    }
    m_chooser->setEnabled(m_choices.size() > 1);
    m_filling = false;
    m_tensor = m_choices.empty() ? -1 : m_choices.front();
    rebuild();
}

void TensorHistogramView::showTensor(int tensor) {
    if (!m_result || tensor < 0 || size_t(tensor) >= m_result->tensors.size()) tensor = -1;
    m_tensor = tensor;
    const auto it = std::find(m_choices.begin(), m_choices.end(), tensor);
    if (it != m_choices.end()) {
        m_filling = true;
        m_chooser->setCurrentIndex(int(it - m_choices.begin()));
        m_filling = false;
    }
    rebuild();
}

QString TensorHistogramView::titleText() const { return m_title->text(); }

QString TensorHistogramView::placeholder() {
    return tr("Select a layer in either graph or in the per-layer table: its float and quantized values appear here "
              "when the per-layer error has arrived.");
}

void TensorHistogramView::rebuild() {
    for (QCustomPlot* p : {m_values, m_errors}) {
        p->clearGraphs();
        p->clearItems();
        p->legend->setVisible(false);
    }
    m_gridLines.clear();
    if (!m_result || m_tensor < 0) {
        if (m_result && m_layer >= 0)
            m_title->setText(tr("Layer #%1 %2: its output has no float counterpart to compare with.")
                                 .arg(m_result->layers[size_t(m_layer)].quantOp.index())
                                 .arg(QString::fromStdString(m_result->layers[size_t(m_layer)].opType)));
        else m_title->setText(placeholder()); // nothing of an earlier run's tensor stays
        m_title->setToolTip(QString());
        m_chooser->setEnabled(false);
        m_values->replot();
        m_errors->replot();
        return;
    }
    const auto& tc = m_result->tensors[size_t(m_tensor)];
    QString title = tr("<b>%1</b> %2 %3").arg(shortName(tc.name).toHtmlEscaped(), formatShape(tc.shape), QString::fromUtf8(typeName(tc.type).data(), qsizetype(typeName(tc.type).size())));
    if (tc.quantized) {
        title += tr(" · scale %1, zero_point %2, q ∈ [%3, %4] → clip [%5, %6]")
                     .arg(formatNumber(tc.scale))
                     .arg(tc.zeroPoint)
                     .arg(tc.qmin)
                     .arg(tc.qmax)
                     .arg(formatNumber(tc.clipMin), formatNumber(tc.clipMax));
        if (tc.channels > 1) title += tr(" (channel 0 of %1)").arg(tc.channels);
    } else {
        title += tr(" · not quantized");
    }
    title += tr(" · SQNR %1").arg(dB(tc.accumulated.sqnrDb));
    if (tc.perLayer) title += tr(", per layer %1").arg(dB(tc.perLayer->sqnrDb));
    title += tr(" · clipped %1 %").arg(std::isnan(tc.accumulated.clipRate) ? QStringLiteral("–") : QString::number(tc.accumulated.clipRate * 100, 'g', 3));
    m_title->setText(title);
    m_title->setToolTip(QString::fromStdString(tc.name));

    // Values: float (filled) and quantized (line) over the same bins.
    addHistogramCurve(m_values, tc.values, tr("float"), kFloatColour, true);
    if (!tc.quantizedValues.counts.empty()) addHistogramCurve(m_values, tc.quantizedValues, tr("quantized (dequantized)"), kQuantColour, false);
    double lo = tc.values.lo, hi = tc.values.hi;
    if (tc.quantized) {
        const QPen clip(kClipColour, 1.5, Qt::DashLine);
        addVerticalLine(m_values, tc.clipMin, clip);
        addVerticalLine(m_values, tc.clipMax, clip);
        // the clip limits stay in view when they are near the data
        const double span = hi - lo;
        if (tc.clipMin < lo && tc.clipMin >= lo - span) lo = tc.clipMin;
        if (tc.clipMax > hi && tc.clipMax <= hi + span) hi = tc.clipMax;
        auto* clipKey = m_values->addGraph(); // legend entry for the dashed lines
        clipKey->setName(tr("clip limits"));
        clipKey->setPen(clip);
    }
    const double pad = (hi - lo) * 0.02;
    m_values->xAxis->setRange(lo - pad, hi + pad);
    fitCounts(m_values);
    m_values->legend->setVisible(true);
    drawGrid();

    // Errors: accumulated (end to end) and per layer (this operator on its own).
    if (!tc.accumulatedError.counts.empty()) addHistogramCurve(m_errors, tc.accumulatedError, tr("accumulated"), kQuantColour, true);
    if (tc.perLayer && !tc.perLayerError.counts.empty()) addHistogramCurve(m_errors, tc.perLayerError, tr("per layer"), kLayerColour, false);
    double m = 0;
    for (const Histogram* h : {&tc.accumulatedError, &tc.perLayerError})
        if (!h->counts.empty()) m = std::max({m, std::abs(h->lo), std::abs(h->hi)});
    if (tc.quantized && tc.scale > 0) {
        const QPen bound(kClipColour, 1, Qt::DotLine);
        addVerticalLine(m_errors, -tc.scale / 2, bound);
        addVerticalLine(m_errors, tc.scale / 2, bound);
        auto* boundKey = m_errors->addGraph();
        boundKey->setName(tr("± scale / 2"));
        boundKey->setPen(bound);
        m = std::max(m, tc.scale);
    }
    m_errors->xAxis->setRange(-(m > 0 ? m : 1) * 1.05, (m > 0 ? m : 1) * 1.05);
    fitCounts(m_errors);
    m_errors->legend->setVisible(m_errors->graphCount() > 0);
    m_values->replot();
    m_errors->replot();
}

void TensorHistogramView::drawGrid() {
    for (auto* l : m_gridLines) m_values->removeItem(l);
    m_gridLines.clear();
    if (!m_result || m_tensor < 0) return;
    const auto& tc = m_result->tensors[size_t(m_tensor)];
    if (!tc.quantized || !(tc.scale > 0)) return;
    // The levels r = scale * (q - zp), q in [qmin, qmax], drawn when at most 64 are in view.
    const QCPRange r = m_values->xAxis->range();
    const double qLo = std::max(std::ceil(r.lower / tc.scale) + double(tc.zeroPoint), double(tc.qmin));
    const double qHi = std::min(std::floor(r.upper / tc.scale) + double(tc.zeroPoint), double(tc.qmax));
    if (!(qHi - qLo <= 64)) return;
    QColor c = kQuantColour;
    c.setAlpha(110);
    const QPen pen(c, 0, Qt::DotLine);
    for (double q = qLo; q <= qHi; q += 1) m_gridLines.push_back(addVerticalLine(m_values, tc.scale * (q - double(tc.zeroPoint)), pen));
}

} // namespace ql::ui

#include "lab/SensitivityChart.h"

#include "analysis/ErrorMetrics.h"

#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace ql::ui {

namespace {
const QColor kOnlyColor(0xd6, 0x27, 0x28);   // (a): the damage one layer does alone
const QColor kAllButColor(0x1f, 0x77, 0xb4); // (b): what keeping it float leaves
} // namespace

SensitivityChart::SensitivityChart(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
    auto* l = new QVBoxLayout(this);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(m_plot);
    m_plot->setObjectName(QStringLiteral("sensitivityPlot"));
    m_plot->setMinimumHeight(200);
    m_plot->yAxis->setLabel(tr("output SQNR (dB)"));
    m_plot->legend->setVisible(true);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_plot->legend->setFont(small);
    m_plot->legend->setBrush(QColor(255, 255, 255, 220));
    // Top left: the most sensitive layers come first and have the shortest bars.
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    m_plot->xAxis->setTickLabelFont(small);
    m_plot->xAxis->setTickLabelRotation(60);
    m_plot->xAxis->grid()->setVisible(false);
    connect(m_plot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable* p, int dataIndex, QMouseEvent*) {
        if ((p == m_only || p == m_allBut) && dataIndex >= 0 && dataIndex < m_shown) emit barClicked(dataIndex);
    });
    setRun(nullptr);
}

double SensitivityChart::shownValue(double db) const {
    if (std::isnan(db)) return 0;
    return std::isinf(db) ? (db > 0 ? m_top : 0) : db;
}

void SensitivityChart::setRun(std::shared_ptr<const SensitivityRun> run, int maxLayers) {
    m_run = run && run->ok() ? std::move(run) : nullptr;
    m_plot->clearPlottables();
    m_plot->clearItems();
    m_only = m_allBut = nullptr;
    m_kept = nullptr;
    m_shown = 0;
    if (!m_run || m_run->result.layers.empty()) {
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_plot->xAxis->setLabel(QString());
        m_plot->legend->setVisible(false);
        m_plot->replot();
        return;
    }
    const auto& r = m_run->result;
    m_shown = std::min<int>(maxLayers, int(r.layers.size()));
    // The axis top: the largest finite figure shown (with the reference lines), plus room.
    double hi = 0, lo = 0;
    auto widen = [&](double v) {
        if (std::isfinite(v)) hi = std::max(hi, v), lo = std::min(lo, v);
    };
    for (int i = 0; i < m_shown; ++i) widen(r.layers[size_t(i)].onlyThis.sqnrDb), widen(r.layers[size_t(i)].allButThis.sqnrDb);
    widen(r.allQuantized.sqnrDb);
    if (m_run->request.options.targetSqnrDb) widen(*m_run->request.options.targetSqnrDb);
    m_top = std::max(10.0, hi * 1.15 + 2);

    auto* group = new QCPBarsGroup(m_plot);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    auto makeBars = [&](const QString& name, const QColor& color) {
        auto* b = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        b->setName(name);
        b->setPen(Qt::NoPen);
        b->setBrush(color);
        b->setWidth(0.4);
        b->setBarsGroup(group);
        b->setSelectable(QCP::stSingleData);
        b->selectionDecorator()->setBrush(color.darker(170));
        b->selectionDecorator()->setPen(QPen(Qt::black, 1.5));
        return b;
    };
    m_only = makeBars(tr("(a) only this layer quantized"), kOnlyColor);
    m_allBut = makeBars(tr("(b) all but this layer quantized"), kAllButColor);
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    bool infinite = false;
    for (int i = 0; i < m_shown; ++i) {
        const auto& l = r.layers[size_t(i)];
        const OperatorIndex op = size_t(i) < m_run->floatOps.size() && m_run->floatOps[size_t(i)].valid() ? m_run->floatOps[size_t(i)] : l.op;
        ticker->addTick(double(i), QStringLiteral("#%1 %2").arg(op.index()).arg(QString::fromStdString(l.type)));
        m_only->addData(double(i), shownValue(l.onlyThis.sqnrDb));
        m_allBut->addData(double(i), shownValue(l.allButThis.sqnrDb));
        infinite = infinite || std::isinf(l.onlyThis.sqnrDb) || std::isinf(l.allButThis.sqnrDb);
    }
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, double(m_shown) - 0.4);
    m_plot->xAxis->setLabel(m_shown < int(r.layers.size())
                                ? tr("the %1 most sensitive of %2 layers, most sensitive first").arg(m_shown).arg(r.layers.size())
                                : tr("%1 layers, most sensitive first").arg(r.layers.size()));
    m_plot->yAxis->setRange(std::min(0.0, lo * 1.1), m_top);
    m_plot->yAxis->setLabel(infinite ? tr("output SQNR (dB; ∞ drawn at the top)") : tr("output SQNR (dB)"));

    // Reference lines: everything quantized, and the greedy search's target.
    auto line = [&](double y, const QColor& color, const QString& label) {
        if (!std::isfinite(y)) return;
        auto* l = new QCPItemStraightLine(m_plot);
        l->point1->setCoords(0, y);
        l->point2->setCoords(1, y);
        l->setPen(QPen(color, 1.2, Qt::DashLine));
        auto* t = new QCPItemText(m_plot);
        t->position->setType(QCPItemPosition::ptPlotCoords);
        t->position->setCoords(double(m_shown) - 0.5, y);
        t->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        t->setText(label);
        t->setColor(color);
        t->setBrush(QColor(255, 255, 255, 210));
        t->setLayer(QStringLiteral("legend")); // above the bars
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.85);
        t->setFont(f);
    };
    line(r.allQuantized.sqnrDb, QColor(0x55, 0x55, 0x55),
         tr("all quantized %1").arg(QString::fromStdString(analysis::formatDb(r.allQuantized.sqnrDb))));
    if (m_run->request.options.targetSqnrDb)
        line(*m_run->request.options.targetSqnrDb, QColor(0x2c, 0xa0, 0x2c),
             tr("target %1").arg(QString::fromStdString(analysis::formatDb(*m_run->request.options.targetSqnrDb))));

    m_kept = m_plot->addGraph();
    m_kept->setName(tr("kept float"));
    m_kept->setLineStyle(QCPGraph::lsNone);
    m_kept->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(QColor(0x2c, 0xa0, 0x2c), 2), Qt::NoBrush, 11));
    m_kept->setSelectable(QCP::stNone);
    m_plot->legend->setVisible(true);
    m_plot->replot();
}

void SensitivityChart::setKept(const std::vector<int>& layers) {
    if (!m_kept || !m_run) return;
    QVector<double> x, y;
    for (int li : layers) {
        if (li < 0 || li >= m_shown) continue;
        const auto& l = m_run->result.layers[size_t(li)];
        x << double(li);
        y << std::max(shownValue(l.onlyThis.sqnrDb), shownValue(l.allButThis.sqnrDb)) + m_top * 0.04;
    }
    m_kept->setData(x, y);
    m_plot->replot();
}

void SensitivityChart::setSelectedLayer(int layer) {
    if (!m_only || !m_allBut) return;
    const QCPDataSelection sel = layer >= 0 && layer < m_shown ? QCPDataSelection(QCPDataRange(layer, layer + 1)) : QCPDataSelection();
    m_only->setSelection(sel);
    m_allBut->setSelection(sel);
    m_plot->replot();
}

} // namespace ql::ui

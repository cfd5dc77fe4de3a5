#include "plots/PlotStyle.h"

#include <qcustomplot.h>

namespace ql::ui {

void stylePlot(QCustomPlot* p, const QPalette& pal) {
    p->setBackground(pal.base());
    for (QCPAxis* a : {p->xAxis, p->yAxis}) {
        a->setBasePen(QPen(pal.color(QPalette::Text)));
        a->setTickPen(QPen(pal.color(QPalette::Text)));
        a->setSubTickPen(QPen(pal.color(QPalette::Text)));
        a->setTickLabelColor(pal.color(QPalette::Text));
        a->setLabelColor(pal.color(QPalette::Text));
        a->grid()->setPen(QPen(pal.color(QPalette::Mid), 0, Qt::DotLine));
    }
    p->legend->setBrush(pal.base());
    p->legend->setTextColor(pal.color(QPalette::Text));
    p->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
}

QCustomPlot* makeStyledPlot(QWidget* parent, int minimumHeight) {
    auto* p = new QCustomPlot(parent);
    p->setMinimumHeight(minimumHeight);
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    p->axisRect()->setRangeDrag(Qt::Horizontal);
    p->axisRect()->setRangeZoom(Qt::Horizontal);
    stylePlot(p, parent->palette());
    return p;
}

QCPItemStraightLine* addVerticalLine(QCustomPlot* plot, double x, const QPen& pen) {
    auto* line = new QCPItemStraightLine(plot);
    line->point1->setCoords(x, 0);
    line->point2->setCoords(x, 1);
    line->setPen(pen);
    line->setSelectable(false);
    return line;
}

QCPGraph* addHistogramCurve(QCustomPlot* plot, const Histogram& h, const QString& name, const QColor& colour, bool filled) {
    QCPGraph* g = plot->addGraph();
    g->setName(name);
    g->setPen(QPen(colour, 1.5));
    if (filled) {
        QColor fill = colour;
        fill.setAlpha(70);
        g->setBrush(fill);
    }
    g->setLineStyle(QCPGraph::lsStepLeft);
    // Left edges of the bins plus the right edge of the last, so the last bin has its width.
    const size_t n = h.counts.size();
    QVector<double> x, y;
    x.reserve(int(n) + 1);
    y.reserve(int(n) + 1);
    for (size_t i = 0; i < n; ++i) {
        x.push_back(h.lo + double(i) * h.binWidth());
        y.push_back(double(h.counts[i]));
    }
    if (n > 0) {
        x.push_back(h.hi);
        y.push_back(double(h.counts[n - 1]));
    }
    g->setData(x, y, true);
    return g;
}

} // namespace ql::ui

#pragma once
// Small QCustomPlot helpers shared by every plot (the inspector's histogram panel and the lab): axis
// colours from the palette, a plot with horizontal drag/zoom, vertical marker lines, and a step
// curve of a core Histogram (counts only; the bins come from core, the UI never re-bins).

#include "analysis/TensorStats.h"

#include <QColor>
#include <QPalette>
#include <QPen>
#include <QString>

class QCPGraph;
class QCPItemStraightLine;
class QCustomPlot;
class QWidget;

namespace ql::ui {

// Axis, tick, label and grid colours from the palette (light or dark).
void stylePlot(QCustomPlot* plot, const QPalette& palette);
// A plot styled from `parent`'s palette, dragged and zoomed along x only.
QCustomPlot* makeStyledPlot(QWidget* parent, int minimumHeight = 120);
// A vertical line at x over the whole plot height.
QCPItemStraightLine* addVerticalLine(QCustomPlot* plot, double x, const QPen& pen);
// The histogram as a step curve (one step per bin, drawn from lo to hi), optionally filled.
QCPGraph* addHistogramCurve(QCustomPlot* plot, const Histogram& h, const QString& name, const QColor& colour, bool filled);

} // namespace ql::ui

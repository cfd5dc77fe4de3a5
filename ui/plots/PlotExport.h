#pragma once
// Exports a QCustomPlot to PNG, SVG or PDF (by the file's suffix), written atomically.

#include <QString>

class QCustomPlot;

namespace ql::ui {

// Returns an empty string on success, else the reason.
QString exportPlot(QCustomPlot* plot, const QString& path);
// Asks for a file name and exports; reports errors in a message box.
void exportPlotInteractively(QCustomPlot* plot, const QString& suggestedName);

} // namespace ql::ui

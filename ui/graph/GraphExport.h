#pragma once
// Writes a graph snapshot to PNG (full detail; scaled down so no side exceeds 16,384 pixels)
// or SVG (vector, QSvgGenerator). Files are written atomically (writeFileAtomically).

#include "graph/GraphPainter.h"

#include <QString>

namespace ql::ui {

// Returns an empty string on success, else the reason.
QString exportGraphPng(const GraphPainter& painter, const PaintState& state, const QString& path);
QString exportGraphSvg(const GraphPainter& painter, const PaintState& state, const QString& path);

} // namespace ql::ui

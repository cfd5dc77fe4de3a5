#pragma once
// Light and dark palettes for the application and the colours the graph uses with them.

#include "analysis/OperatorQuant.h"
#include "model/TensorTypes.h"

#include <QColor>
#include <QPalette>

namespace ql::ui {

enum class ThemeKind { Light, Dark };

struct GraphColors {
    QColor background, grid, nodeFill, nodeBorder, nodeText, subtleText, edge, edgeLabel;
    QColor inputFill, outputFill, groupFill, constantFill, customMark, activationText;
    QColor selection, searchHit;
};

class Theme {
public:
    static void apply(ThemeKind kind); // sets the application style and palette
    static ThemeKind current();
    static const GraphColors& graph();
    static QColor forQuantKind(QuantKind k);
    static QColor forDtype(TensorType t);
    // A blue-white-red ramp for t in [0, 1] (per-node values, heat maps).
    static QColor ramp(double t);
    // Text colour readable on `fill` (near-black on light fills, near-white on dark ones):
    // node titles on heat-map and dtype colours.
    static QColor textOn(const QColor& fill);
};

} // namespace ql::ui

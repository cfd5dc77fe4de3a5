#pragma once
// Draws a laid-out graph snapshot with a QPainter whose transform maps scene units to the
// device. Shared by the view, the minimap and the PNG/SVG export. Level of detail: titles are
// never drawn smaller than kMinLabelPx on screen: when the zoomed title would be, the name is
// drawn at kMinLabelPx in screen space where it fits the node's box (elided, or left out when
// not even a few characters fit); below kDetailScale no details or edge labels.
// Text layouts are cached per node (QStaticText), built on first use.

#include "Snapshots.h"

#include <QFont>
#include <QPainter>
#include <QStaticText>

#include <memory>
#include <vector>

namespace ql::ui {

enum class Overlay { OperatorKind, Dtype, Quantization, Value };

struct PaintState {
    Overlay overlay = Overlay::Quantization;
    std::shared_ptr<const std::vector<double>> operatorValues; // per operator; NaN = none
    double valueMin = 0, valueMax = 1;
    int selectedNode = -1;
    int selectedEdge = -1;
    std::vector<char> searchHits; // per node
};

class GraphPainter {
public:
    static constexpr double kTextScale = 0.28;
    static constexpr double kDetailScale = 0.6;
    static constexpr int kMinLabelPx = 10;

    // The name as drawn in a node box of w x h screen pixels at kMinLabelPx: whole, elided, or
    // empty when the box cannot hold a line or three characters.
    static QString fittedTitle(const QString& name, double w, double h);

    explicit GraphPainter(std::shared_ptr<const GraphSnapshot> snapshot);
    const GraphSnapshot& snapshot() const { return *m_snapshot; }

    // Paints what intersects `visible` (scene units). `scale` is device pixels per scene unit.
    void paint(QPainter& p, const QRectF& visible, double scale, const PaintState& state) const;
    // Boxes only, no text: for the minimap and the far zoom levels.
    void paintCoarse(QPainter& p, const PaintState& state, bool withEdges) const;
    QColor nodeFill(int node, const PaintState& state) const;

    static QFont titleFont();
    static QFont detailFont();

private:
    void paintEdges(QPainter& p, const std::vector<int>& edges, double scale, const PaintState& state) const;
    void paintNode(QPainter& p, int node, double scale, const PaintState& state) const;
    const QStaticText& text(std::vector<QStaticText>& cache, std::vector<char>& built, int node, const std::string& s) const;

    std::shared_ptr<const GraphSnapshot> m_snapshot;
    QFont m_title, m_detail, m_label;
    mutable std::vector<float> m_titleWidth; // advance of each node's title, -1 until painted
    mutable std::vector<QStaticText> m_titleCache, m_subtitleCache, m_labelCache;
    mutable std::vector<char> m_titleBuilt, m_subtitleBuilt, m_labelBuilt;
    std::vector<char> m_labelShown; // per edge: first edge of its (source, tensor) pair
};

} // namespace ql::ui

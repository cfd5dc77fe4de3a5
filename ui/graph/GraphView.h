#pragma once
// The graph canvas: a QWidget that paints only what is visible (spatial grid), with level of
// detail by zoom. Pan with the mouse (drag), arrow keys; zoom with the wheel (around the
// cursor), +/-; fit to window. Click selects a node or an edge; double-click on a group
// expands it. A minimap sits in the bottom-right corner.

#include "graph/GraphPainter.h"

#include <QElapsedTimer>
#include <QWidget>

#include <memory>

namespace ql::ui {

class Minimap;

class GraphView : public QWidget {
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);

    void setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot);
    std::shared_ptr<const GraphSnapshot> snapshot() const { return m_snapshot; }
    const GraphPainter* graphPainter() const { return m_painter.get(); }

    PaintState& state() { return m_state; }
    void setOverlay(Overlay overlay);
    // The minimap can be hidden (it covers a corner of the graph); sized for the graph's shape.
    void setMinimapShown(bool on);
    bool minimapShown() const { return m_minimapShown; }
    bool isMinimapVisible() const;
    QSize minimapSize() const;
    void setOperatorValues(std::shared_ptr<const std::vector<double>> values);
    void setSearchHits(const std::vector<int>& nodes);
    void selectNode(int node, bool center);
    int selectedNode() const { return m_state.selectedNode; }

    double scale() const { return m_scale; }
    QRectF visibleSceneRect() const;
    void fitToWindow();
    void zoomBy(double factor, QPointF anchor);
    void zoomIn() { zoomBy(1.25, rect().center()); }
    void zoomOut() { zoomBy(0.8, rect().center()); }
    void resetZoom(); // 100 %
    void centerOn(QPointF scenePoint);
    void panBy(QPointF pixels);

    // Frames painted and the time spent in paintEvent (for the benchmark).
    int framesPainted() const { return m_frames; }
    double lastPaintMs() const { return m_lastPaintMs; }

signals:
    void nodeClicked(int node);
    void edgeClicked(int edge);
    void groupActivated(const QString& scope);
    void nodeContextMenu(int node, QPoint globalPos);
    void viewChanged();
    void graphPainted(); // the first paint after a new snapshot

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void keyPressEvent(QKeyEvent*) override;
    void contextMenuEvent(QContextMenuEvent*) override;

private:
    QPointF toScene(QPointF widgetPoint) const { return m_origin + widgetPoint / m_scale; }
    int nodeAt(QPointF widgetPoint) const;
    int edgeAt(QPointF widgetPoint) const;
    void changed();

    std::shared_ptr<const GraphSnapshot> m_snapshot;
    std::unique_ptr<GraphPainter> m_painter;
    PaintState m_state;
    double m_scale = 1.0;
    QPointF m_origin; // scene point at the widget's top-left corner
    QPoint m_pressPos, m_lastPos;
    bool m_dragging = false;
    bool m_announcePaint = false;
    int m_frames = 0;
    double m_lastPaintMs = 0;
    Minimap* m_minimap = nullptr;
    bool m_minimapShown = true;
};

} // namespace ql::ui

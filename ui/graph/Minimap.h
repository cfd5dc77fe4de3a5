#pragma once
// The whole graph in a corner, with the visible part outlined. Click or drag to move there.
// The graph is rendered once per snapshot/overlay into a cached image.

#include <QImage>
#include <QWidget>

namespace ql::ui {

class GraphView;

class Minimap : public QWidget {
    Q_OBJECT
public:
    explicit Minimap(GraphView* view);
    void invalidate(); // the snapshot or the colours changed
    // Sizes the map for the current graph's shape inside a view of `viewSize`.
    void fitTo(QSize viewSize);

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    QRectF graphRect() const; // where the graph is drawn inside the widget (may extend past it)
    double scale() const;     // widget pixels per scene unit
    void moveViewTo(QPointF widgetPoint);

    GraphView* m_view;
    QImage m_cache;
    bool m_dirty = true;
};

} // namespace ql::ui

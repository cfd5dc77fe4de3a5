#include "graph/GraphView.h"

#include "Theme.h"
#include "graph/Minimap.h"

#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace ql::ui {

namespace {
constexpr double kMinScale = 0.005;
constexpr double kMaxScale = 4.0;

double segmentDistance(QPointF p, QPointF a, QPointF b) {
    const QPointF ab = b - a;
    const double len2 = QPointF::dotProduct(ab, ab);
    const double t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0.0;
    const QPointF d = p - (a + t * ab);
    return std::hypot(d.x(), d.y());
}
} // namespace

GraphView::GraphView(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(false);
    setMinimumSize(200, 200);
    m_minimap = new Minimap(this);
    m_minimap->hide();
}

void GraphView::setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot) {
    m_snapshot = std::move(snapshot);
    m_painter = m_snapshot ? std::make_unique<GraphPainter>(m_snapshot) : nullptr;
    m_state.selectedNode = -1;
    m_state.selectedEdge = -1;
    m_state.searchHits.clear();
    m_minimap->fitTo(size());
    m_minimap->move(width() - m_minimap->width() - 10, height() - m_minimap->height() - 10);
    m_minimap->setVisible(m_snapshot != nullptr && m_minimapShown);
    m_announcePaint = m_snapshot != nullptr;
    fitToWindow();
}

void GraphView::setOverlay(Overlay overlay) {
    m_state.overlay = overlay;
    m_minimap->invalidate();
    update();
}

void GraphView::setOperatorValues(std::shared_ptr<const std::vector<double>> values) {
    m_state.operatorValues = std::move(values);
    m_state.valueMin = 0;
    m_state.valueMax = 1;
    if (m_state.operatorValues) {
        bool any = false;
        for (double v : *m_state.operatorValues) {
            if (std::isnan(v)) continue;
            m_state.valueMin = any ? std::min(m_state.valueMin, v) : v;
            m_state.valueMax = any ? std::max(m_state.valueMax, v) : v;
            any = true;
        }
    }
    m_minimap->invalidate();
    update();
}

void GraphView::setSearchHits(const std::vector<int>& nodes) {
    m_state.searchHits.clear();
    if (m_snapshot && !nodes.empty()) {
        m_state.searchHits.assign(m_snapshot->scene->graph.nodes.size(), 0);
        for (int n : nodes) m_state.searchHits[size_t(n)] = 1;
    }
    update();
}

void GraphView::selectNode(int node, bool center) {
    m_state.selectedNode = node;
    m_state.selectedEdge = -1;
    if (center && m_snapshot && node >= 0) {
        const auto& r = m_snapshot->scene->layout.nodes[size_t(node)];
        if (m_scale < GraphPainter::kDetailScale) {
            const QPointF c(r.centerX(), r.y + r.height / 2);
            m_scale = 1.0;
            centerOn(c);
        } else {
            centerOn(QPointF(r.centerX(), r.y + r.height / 2));
        }
    }
    update();
}

QRectF GraphView::visibleSceneRect() const { return QRectF(m_origin, QSizeF(width(), height()) / m_scale); }

void GraphView::fitToWindow() {
    if (!m_snapshot) {
        update();
        return;
    }
    const auto& l = m_snapshot->scene->layout;
    const double margin = 24;
    const double sx = (width() - 2 * margin) / std::max(1.0f, l.width);
    const double sy = (height() - 2 * margin) / std::max(1.0f, l.height);
    m_scale = std::clamp(std::min({sx, sy, 1.0}), kMinScale, kMaxScale);
    // Tall graphs (the usual case) would become unreadable specks: keep titles legible and
    // show the top of the graph instead; the minimap gives the overview.
    if (m_scale < GraphPainter::kTextScale && sx >= GraphPainter::kTextScale * 0.5) {
        m_scale = std::min(1.0, std::max(sx, GraphPainter::kDetailScale));
        m_origin = QPointF(l.width / 2 - width() / (2 * m_scale), -margin / m_scale);
    } else {
        centerOn(QPointF(l.width / 2, l.height / 2));
    }
    changed();
}

void GraphView::resetZoom() {
    const QPointF c = toScene(rect().center());
    m_scale = 1.0;
    centerOn(c);
}

void GraphView::zoomBy(double factor, QPointF anchor) {
    const QPointF before = toScene(anchor);
    m_scale = std::clamp(m_scale * factor, kMinScale, kMaxScale);
    m_origin = before - anchor / m_scale;
    changed();
}

void GraphView::centerOn(QPointF scenePoint) {
    m_origin = scenePoint - QPointF(width(), height()) / (2 * m_scale);
    changed();
}

void GraphView::panBy(QPointF pixels) {
    m_origin -= pixels / m_scale;
    changed();
}

void GraphView::changed() {
    update();
    m_minimap->update();
    emit viewChanged();
}

void GraphView::paintEvent(QPaintEvent*) {
    QElapsedTimer clock;
    clock.start();
    QPainter p(this);
    const auto& c = Theme::graph();
    p.fillRect(rect(), c.background);
    if (m_painter) {
        p.save();
        p.scale(m_scale, m_scale);
        p.translate(-m_origin);
        m_painter->paint(p, visibleSceneRect(), m_scale, m_state);
        p.restore();
    } else {
        p.setPen(c.subtleText);
        p.drawText(rect(), Qt::AlignCenter, tr("Open a .tflite model: File > Open (Ctrl+O), or drop a file here."));
    }
    ++m_frames;
    m_lastPaintMs = double(clock.nsecsElapsed()) / 1e6;
    if (m_announcePaint && m_painter) {
        m_announcePaint = false;
        emit graphPainted();
    }
}

void GraphView::resizeEvent(QResizeEvent*) {
    m_minimap->fitTo(size());
    m_minimap->move(width() - m_minimap->width() - 10, height() - m_minimap->height() - 10);
}

void GraphView::setMinimapShown(bool on) {
    m_minimapShown = on;
    m_minimap->setVisible(on && m_snapshot != nullptr);
}

QSize GraphView::minimapSize() const { return m_minimap->size(); }
bool GraphView::isMinimapVisible() const { return m_minimap->isVisibleTo(this); }

void GraphView::wheelEvent(QWheelEvent* e) {
    if (e->modifiers() & Qt::ShiftModifier) { // shift + wheel pans sideways
        panBy(QPointF(e->angleDelta().y(), 0));
        return;
    }
    zoomBy(std::pow(1.0015, e->angleDelta().y()), e->position());
}

void GraphView::mousePressEvent(QMouseEvent* e) {
    m_pressPos = m_lastPos = e->position().toPoint();
    m_dragging = false;
    if (e->button() == Qt::LeftButton) setCursor(Qt::ClosedHandCursor);
}

void GraphView::mouseMoveEvent(QMouseEvent* e) {
    if (!(e->buttons() & Qt::LeftButton)) return;
    const QPoint pos = e->position().toPoint();
    if ((pos - m_pressPos).manhattanLength() > 3) m_dragging = true;
    if (m_dragging) panBy(pos - m_lastPos);
    m_lastPos = pos;
}

void GraphView::mouseReleaseEvent(QMouseEvent* e) {
    unsetCursor();
    if (e->button() != Qt::LeftButton || m_dragging || !m_snapshot) return;
    const int node = nodeAt(e->position());
    if (node >= 0) {
        selectNode(node, false);
        emit nodeClicked(node);
        return;
    }
    const int edge = edgeAt(e->position());
    m_state.selectedNode = -1;
    m_state.selectedEdge = edge;
    update();
    if (edge >= 0) emit edgeClicked(edge);
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* e) {
    const int node = nodeAt(e->position());
    if (node < 0) return;
    const auto& n = m_snapshot->scene->graph.nodes[size_t(node)];
    if (n.kind == layout::GraphNode::Kind::Group) emit groupActivated(QString::fromStdString(n.scope));
}

void GraphView::contextMenuEvent(QContextMenuEvent* e) {
    const int node = nodeAt(e->pos());
    if (node >= 0) emit nodeContextMenu(node, e->globalPos());
}

void GraphView::keyPressEvent(QKeyEvent* e) {
    const double step = 80;
    switch (e->key()) {
    case Qt::Key_Left: panBy(QPointF(step, 0)); break;
    case Qt::Key_Right: panBy(QPointF(-step, 0)); break;
    case Qt::Key_Up: panBy(QPointF(0, step)); break;
    case Qt::Key_Down: panBy(QPointF(0, -step)); break;
    case Qt::Key_PageUp: panBy(QPointF(0, height() * 0.9)); break;
    case Qt::Key_PageDown: panBy(QPointF(0, -height() * 0.9)); break;
    case Qt::Key_Plus: zoomIn(); break;
    case Qt::Key_Minus: zoomOut(); break;
    case Qt::Key_Home: fitToWindow(); break;
    default: QWidget::keyPressEvent(e);
    }
}

int GraphView::nodeAt(QPointF w) const {
    if (!m_snapshot) return -1;
    const QPointF s = toScene(w);
    return m_snapshot->scene->grid.nodeAt(m_snapshot->scene->layout, {float(s.x()), float(s.y())});
}

int GraphView::edgeAt(QPointF w) const {
    if (!m_snapshot) return -1;
    const QPointF s = toScene(w);
    const double tolerance = 5.0 / m_scale;
    const layout::Rect probe{float(s.x() - tolerance), float(s.y() - tolerance), float(2 * tolerance), float(2 * tolerance)};
    int best = -1;
    double bestDist = tolerance;
    for (int e : m_snapshot->scene->grid.edgesIn(probe)) {
        const auto& pts = m_snapshot->scene->layout.edges[size_t(e)].points;
        for (size_t k = 1; k < pts.size(); ++k) {
            const double d = segmentDistance(s, QPointF(pts[k - 1].x, pts[k - 1].y), QPointF(pts[k].x, pts[k].y));
            if (d < bestDist) {
                bestDist = d;
                best = e;
            }
        }
    }
    return best;
}

} // namespace ql::ui

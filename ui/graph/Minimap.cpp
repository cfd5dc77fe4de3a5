#include "graph/Minimap.h"

#include "Theme.h"
#include "graph/GraphView.h"

#include <QMouseEvent>
#include <QPainter>

namespace ql::ui {

Minimap::Minimap(GraphView* view) : QWidget(view), m_view(view) {
    setFixedSize(150, 190);
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Minimap: click or drag to move the view"));
}

void Minimap::invalidate() {
    m_dirty = true;
    update();
}

QRectF Minimap::graphRect() const {
    const auto snap = m_view->snapshot();
    if (!snap) return {};
    const auto& l = snap->scene->layout;
    const QRectF area = QRectF(rect()).adjusted(6, 6, -6, -6);
    const double s = std::min(area.width() / std::max(1.0f, l.width), area.height() / std::max(1.0f, l.height));
    const QSizeF size(l.width * s, l.height * s);
    return QRectF(area.center() - QPointF(size.width() / 2, size.height() / 2), size);
}

void Minimap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const auto& c = Theme::graph();
    QColor fill = c.background.darker(106);
    fill.setAlpha(225); // the graph stays faintly visible underneath
    p.fillRect(rect(), fill);
    p.setPen(c.nodeBorder);
    p.drawRect(rect().adjusted(0, 0, -1, -1));
    const auto snap = m_view->snapshot();
    if (!snap || !m_view->graphPainter()) return;
    const QRectF g = graphRect();
    const auto& l = snap->scene->layout;
    const double s = g.width() / std::max(1.0f, l.width);
    if (m_dirty || m_cache.size() != size() * devicePixelRatioF()) {
        m_cache = QImage(size() * devicePixelRatioF(), QImage::Format_ARGB32_Premultiplied);
        m_cache.setDevicePixelRatio(devicePixelRatioF());
        m_cache.fill(Qt::transparent);
        QPainter ip(&m_cache);
        ip.translate(g.topLeft());
        ip.scale(s, s);
        m_view->graphPainter()->paintCoarse(ip, m_view->state(), l.edges.size() < 20000);
        m_dirty = false;
    }
    p.drawImage(QPointF(0, 0), m_cache);
    const QRectF v = m_view->visibleSceneRect();
    const QRectF box(g.topLeft() + v.topLeft() * s, v.size() * s);
    p.setPen(QPen(c.selection, 1.5));
    p.setBrush(QColor(c.selection.red(), c.selection.green(), c.selection.blue(), 40));
    p.drawRect(box.intersected(QRectF(rect()).adjusted(1, 1, -1, -1)));
}

void Minimap::moveViewTo(QPointF w) {
    const auto snap = m_view->snapshot();
    if (!snap) return;
    const QRectF g = graphRect();
    const double s = g.width() / std::max(1.0f, snap->scene->layout.width);
    m_view->centerOn((w - g.topLeft()) / s);
}

void Minimap::mousePressEvent(QMouseEvent* e) { moveViewTo(e->position()); }
void Minimap::mouseMoveEvent(QMouseEvent* e) {
    if (e->buttons() & Qt::LeftButton) moveViewTo(e->position());
}

} // namespace ql::ui

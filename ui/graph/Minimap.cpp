#include "graph/Minimap.h"

#include "Theme.h"
#include "graph/GraphView.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

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

void Minimap::fitTo(QSize viewSize) {
    // Sized for the graph's shape: a tall graph gets a tall, narrow map (up to 70 % of the view's
    // height), a wide one a wide map; never more than a fifth of the view's width.
    const auto snap = m_view->snapshot();
    const int maxH = std::max(120, int(viewSize.height() * 0.7)),
              maxW = std::clamp(viewSize.width() / 5, 90, 220);
    if (!snap) {
        setFixedSize(150, 190);
        return;
    }
    const auto& l = snap->scene->layout;
    const double aspect = double(std::max(1.0f, l.width)) / double(std::max(1.0f, l.height));
    int h = maxH, w = int(h * aspect) + 12;
    if (w > maxW) {
        w = maxW;
        h = std::clamp(int((w - 12) / aspect) + 12, 80, maxH);
    }
    setFixedSize(std::max(w, 70), h);
    invalidate();
}

double Minimap::scale() const {
    const auto snap = m_view->snapshot();
    if (!snap) return 1;
    const auto& l = snap->scene->layout;
    const QRectF area = QRectF(rect()).adjusted(6, 6, -6, -6);
    const double fit =
        std::min(area.width() / std::max(1.0f, l.width), area.height() / std::max(1.0f, l.height));
    // A very tall graph fitted whole would be a hairline: it then fills the width (at most 8x
    // the fitted size) and the map scrolls with the view.
    if (l.width * fit < 0.5 * area.width())
        return std::min(area.width() / std::max(1.0f, l.width), 8 * fit);
    return fit;
}

QRectF Minimap::graphRect() const {
    const auto snap = m_view->snapshot();
    if (!snap) return {};
    const auto& l = snap->scene->layout;
    const QRectF area = QRectF(rect()).adjusted(6, 6, -6, -6);
    const double s = scale();
    const QSizeF size(l.width * s, l.height * s);
    QPointF topLeft = area.center() - QPointF(size.width() / 2, size.height() / 2);
    if (size.height() > area.height()) { // scrolling map: the view's centre in the middle
        const double centre = m_view->visibleSceneRect().center().y() * s;
        topLeft.setY(area.top() -
                     std::clamp(centre - area.height() / 2, 0.0, size.height() - area.height()));
    }
    return QRectF(topLeft, size);
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
    const double s = scale();
    const QSize cacheSize(int(std::ceil(g.width())) + 2, int(std::ceil(g.height())) + 2);
    if (m_dirty || m_cache.size() != cacheSize * devicePixelRatioF()) {
        m_cache = QImage(cacheSize * devicePixelRatioF(), QImage::Format_ARGB32_Premultiplied);
        m_cache.setDevicePixelRatio(devicePixelRatioF());
        m_cache.fill(Qt::transparent);
        QPainter ip(&m_cache);
        ip.scale(s, s);
        m_view->graphPainter()->paintCoarse(ip, m_view->state(), l.edges.size() < 20000);
        m_dirty = false;
    }
    p.setClipRect(QRectF(rect()).adjusted(1, 1, -1, -1));
    p.drawImage(g.topLeft(), m_cache);
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
    m_view->centerOn((w - g.topLeft()) / scale());
}

void Minimap::mousePressEvent(QMouseEvent* e) {
    moveViewTo(e->position());
}
void Minimap::mouseMoveEvent(QMouseEvent* e) {
    if (e->buttons() & Qt::LeftButton) moveViewTo(e->position());
}

} // namespace ql::ui

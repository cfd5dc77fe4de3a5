#include "graph/GraphPainter.h"

#include "Theme.h"

#include <QFontMetricsF>
#include <QPainterPath>
#include <QPolygonF>

#include <cmath>
#include <set>

namespace ql::ui {

using layout::GraphNode;

namespace {

QRectF toQ(const layout::Rect& r) { return QRectF(r.x, r.y, r.width, r.height); }
layout::Rect fromQ(const QRectF& r) { return {float(r.x()), float(r.y()), float(r.width()), float(r.height())}; }

} // namespace

QFont GraphPainter::titleFont() {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(12);
    f.setBold(true);
    return f;
}

QFont GraphPainter::detailFont() {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(10);
    return f;
}

QString GraphPainter::fittedTitle(const QString& name, double w, double h) {
    if (h < kMinLabelPx + 2 || w < 4) return {};
    static const QFont font = [] {
        QFont f = titleFont();
        f.setPixelSize(kMinLabelPx);
        return f;
    }();
    static const QFontMetricsF fm(font);
    const QString shown = fm.elidedText(name, Qt::ElideRight, w - 4);
    // "C…" says nothing: an elided name keeps at least three characters
    if (shown != name && shown.size() < 4) return {};
    return shown;
}

GraphPainter::GraphPainter(std::shared_ptr<const GraphSnapshot> snapshot)
    : m_snapshot(std::move(snapshot)), m_title(titleFont()), m_detail(detailFont()), m_label(detailFont()) {
    const auto& g = m_snapshot->scene->graph;
    m_titleCache.resize(g.nodes.size());
    m_subtitleCache.resize(g.nodes.size());
    m_titleBuilt.assign(g.nodes.size(), 0);
    m_subtitleBuilt.assign(g.nodes.size(), 0);
    m_labelCache.resize(g.edges.size());
    m_labelBuilt.assign(g.edges.size(), 0);
    m_labelShown.assign(g.edges.size(), 0);
    std::set<std::pair<int, int>> seen;
    for (size_t e = 0; e < g.edges.size(); ++e)
        m_labelShown[e] = seen.insert({g.edges[e].from, g.edges[e].tensor.value}).second;
}

const QStaticText& GraphPainter::text(std::vector<QStaticText>& cache, std::vector<char>& built, int i,
                                      const std::string& s) const {
    if (!built[size_t(i)]) {
        QStaticText t(QString::fromStdString(s));
        t.setTextFormat(Qt::PlainText);
        t.setPerformanceHint(QStaticText::AggressiveCaching);
        cache[size_t(i)] = t;
        built[size_t(i)] = 1;
    }
    return cache[size_t(i)];
}

QColor GraphPainter::nodeFill(int node, const PaintState& state) const {
    const auto& c = Theme::graph();
    const GraphNode& n = m_snapshot->scene->graph.nodes[size_t(node)];
    switch (n.kind) {
    case GraphNode::Kind::Input: return c.inputFill;
    case GraphNode::Kind::Output: return c.outputFill;
    case GraphNode::Kind::Constant: return c.constantFill;
    default: break;
    }
    const size_t op = size_t(n.op.value);
    switch (state.overlay) {
    case Overlay::Quantization: return Theme::forQuantKind(m_snapshot->operatorKind[op]);
    case Overlay::Dtype: return Theme::forDtype(m_snapshot->operatorType[op]);
    case Overlay::Value: {
        if (!state.operatorValues || op >= state.operatorValues->size() || std::isnan((*state.operatorValues)[op]))
            return c.constantFill;
        const double span = state.valueMax - state.valueMin;
        return Theme::ramp(span > 0 ? ((*state.operatorValues)[op] - state.valueMin) / span : 0.5);
    }
    case Overlay::OperatorKind:
    default: return n.kind == GraphNode::Kind::Group ? c.groupFill : c.nodeFill;
    }
}

void GraphPainter::paintEdges(QPainter& p, const std::vector<int>& edges, double scale, const PaintState& state) const {
    const auto& c = Theme::graph();
    const auto& scene = *m_snapshot->scene;
    const bool detail = scale >= kDetailScale;
    QPen pen(c.edge, scale >= kTextScale ? 1.2 : 0.0);
    pen.setCosmetic(scale < kTextScale);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    std::vector<QPointF> pts;
    for (int e : edges) {
        const auto& route = scene.layout.edges[size_t(e)].points;
        if (route.size() < 2) continue;
        pts.clear();
        for (const auto& pt : route) pts.emplace_back(pt.x, pt.y);
        if (e == state.selectedEdge) p.setPen(QPen(c.selection, 3.0));
        if (detail && pts.size() > 2) { // smooth the bends through dummy nodes
            QPainterPath path(pts[0]);
            for (size_t k = 1; k < pts.size(); ++k) {
                const QPointF a = pts[k - 1], b = pts[k];
                const double dy = (b.y() - a.y()) / 2;
                path.cubicTo(a + QPointF(0, dy), b - QPointF(0, dy), b);
            }
            p.drawPath(path);
        } else if (detail) {
            const QPointF a = pts[0], b = pts[1];
            const double dy = (b.y() - a.y()) / 2;
            QPainterPath path(a);
            path.cubicTo(a + QPointF(0, dy), b - QPointF(0, dy), b);
            p.drawPath(path);
        } else {
            p.drawPolyline(pts.data(), int(pts.size()));
        }
        if (detail) { // arrow head at the target
            const QPointF tip = pts.back();
            const QPolygonF head{tip, tip + QPointF(-4, -7), tip + QPointF(4, -7)};
            p.setBrush(p.pen().color());
            p.drawPolygon(head);
            p.setBrush(Qt::NoBrush);
        }
        if (e == state.selectedEdge) p.setPen(pen);
    }
    if (!detail) return;
    p.setFont(m_label);
    p.setPen(c.edgeLabel);
    for (int e : edges) {
        if (!m_labelShown[size_t(e)]) continue;
        const auto& route = scene.layout.edges[size_t(e)].points;
        if (route.size() < 2) continue;
        const auto& ge = scene.graph.edges[size_t(e)];
        std::string label = ge.label;
        if (ge.tensorCount > 1) label += "  (+" + std::to_string(ge.tensorCount - 1) + ")";
        const QStaticText& t = text(m_labelCache, m_labelBuilt, e, label);
        p.drawStaticText(QPointF(route[0].x + 5, route[0].y + 3), t);
    }
}

void GraphPainter::paintNode(QPainter& p, int i, double scale, const PaintState& state) const {
    const auto& c = Theme::graph();
    const auto& scene = *m_snapshot->scene;
    const GraphNode& n = scene.graph.nodes[size_t(i)];
    const QRectF r = toQ(scene.layout.nodes[size_t(i)]);
    const bool selected = i == state.selectedNode;
    const bool hit = !state.searchHits.empty() && state.searchHits[size_t(i)];
    QPen border(selected ? c.selection : hit ? c.searchHit : c.nodeBorder, selected || hit ? 3.0 : 1.0);
    if (n.custom) border.setStyle(Qt::DashLine);
    p.setPen(border);
    const QColor fill = nodeFill(i, state);
    p.setBrush(fill);
    const double radius = n.kind == GraphNode::Kind::Input || n.kind == GraphNode::Kind::Output ? r.height() / 2 : 5;
    p.drawRoundedRect(r, radius, radius);
    if (n.kind == GraphNode::Kind::Group) p.drawRoundedRect(r.adjusted(3, 3, -3, -3), 4, 4);
    if (n.custom) {
        p.setPen(Qt::NoPen);
        p.setBrush(c.customMark);
        p.drawPolygon(QPolygonF{r.topRight(), r.topRight() + QPointF(-12, 0), r.topRight() + QPointF(0, 12)});
    }
    // Overlays colour nodes from light to dark (the heat map's blue and red ends): the text takes
    // the ink that reads on this node's fill; the plain view keeps the theme's colours.
    const bool coloured = state.overlay != Overlay::OperatorKind;
    const QColor ink = coloured ? Theme::textOn(fill) : c.nodeText;
    if (double(m_title.pixelSize()) * scale < kMinLabelPx) { // zoomed out: the name in screen pixels, if it fits
        const QString shown = fittedTitle(QString::fromStdString(n.title), r.width() * scale, r.height() * scale);
        if (shown.isEmpty()) return;
        QFont f = m_title;
        f.setPixelSize(kMinLabelPx);
        p.save();
        p.translate(r.topLeft());
        p.scale(1.0 / scale, 1.0 / scale);
        p.setFont(f);
        p.setPen(ink);
        p.drawText(QRectF(2, 0, r.width() * scale - 4, r.height() * scale), Qt::AlignCenter, shown);
        p.restore();
        return;
    }
    const double pad = scene.options.padding;
    const double line = scene.options.lineHeight;
    double y = r.y() + pad - 1;
    p.setFont(m_title);
    p.setPen(ink);
    // The layout sizes nodes from an average character width; a long upper-case title (bold
    // UNIDIRECTIONAL_SEQUENCE_LSTM) can be wider than its node: squeeze it to fit.
    const QStaticText& title = text(m_titleCache, m_titleBuilt, i, n.title);
    if (m_titleWidth.empty()) m_titleWidth.assign(scene.graph.nodes.size(), -1.0f);
    float& width = m_titleWidth[size_t(i)];
    if (width < 0) width = float(QFontMetricsF(m_title).horizontalAdvance(QString::fromStdString(n.title)));
    const double room = r.width() - 2 * pad + 4;
    if (width > room) {
        p.save();
        p.translate(r.x() + pad, y);
        p.scale(room / width, 1.0);
        p.drawStaticText(QPointF(0, 0), title);
        p.restore();
    } else {
        p.drawStaticText(QPointF(r.x() + pad, y), title);
    }
    if (scale < kDetailScale) return;
    y += line;
    p.setFont(m_detail);
    if (!n.subtitle.empty()) {
        p.setPen(coloured ? ink : n.custom ? c.customMark : n.activation != Activation::NONE ? c.activationText : c.subtleText);
        p.drawStaticText(QPointF(r.x() + pad, y + 1), text(m_subtitleCache, m_subtitleBuilt, i, n.subtitle));
        y += line;
    }
    p.setPen(coloured ? ink : c.subtleText);
    for (const auto& d : n.details) { // details are drawn uncached: they are only shown close up
        p.drawText(QPointF(r.x() + pad, y + line - 4), QString::fromStdString(d));
        y += line;
    }
}

void GraphPainter::paint(QPainter& p, const QRectF& visible, double scale, const PaintState& state) const {
    const auto& scene = *m_snapshot->scene;
    const layout::Rect area = fromQ(visible.adjusted(-20, -20, 20, 20));
    p.setRenderHint(QPainter::Antialiasing, scale >= kTextScale);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    paintEdges(p, scene.grid.edgesIn(area), scale, state);
    for (int node : scene.grid.nodesIn(area)) paintNode(p, node, scale, state);
}

void GraphPainter::paintCoarse(QPainter& p, const PaintState& state, bool withEdges) const {
    const auto& scene = *m_snapshot->scene;
    if (withEdges) {
        QPen pen(Theme::graph().edge, 0);
        pen.setCosmetic(true);
        p.setPen(pen);
        std::vector<QPointF> pts;
        for (const auto& e : scene.layout.edges) {
            pts.clear();
            for (const auto& pt : e.points) pts.emplace_back(pt.x, pt.y);
            if (pts.size() >= 2) p.drawPolyline(pts.data(), int(pts.size()));
        }
    }
    p.setPen(Qt::NoPen);
    for (size_t i = 0; i < scene.layout.nodes.size(); ++i) {
        p.setBrush(nodeFill(int(i), state));
        p.drawRect(toQ(scene.layout.nodes[i]));
    }
}

} // namespace ql::ui

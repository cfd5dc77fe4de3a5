#include "graph/GraphPage.h"

#include <QSettings>

#include "Theme.h"
#include "graph/GraphExport.h"
#include "graph/GraphView.h"

#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QToolBar>
#include <QHBoxLayout>
#include <QVBoxLayout>

namespace ql::ui {

GraphPage::GraphPage(QWidget* parent) : QWidget(parent), m_jobs(new JobRunner(this)) {
    auto* layoutBox = new QVBoxLayout(this);
    layoutBox->setContentsMargins(0, 0, 0, 0);
    layoutBox->setSpacing(0);
    m_toolbar = new QToolBar(this);
    m_toolbar->setIconSize(QSize(16, 16));
    m_subgraphBox = new QComboBox(this);
    m_subgraphBox->setToolTip(tr("Subgraph"));
    m_subgraphBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_subgraphBox->setMinimumContentsLength(16);
    m_toolbar->addWidget(new QLabel(tr(" Subgraph "), this));
    m_toolbar->addWidget(m_subgraphBox);
    m_overlayBox = new QComboBox(this);
    m_overlayBox->addItem(tr("Colour: quantization"), int(Overlay::Quantization));
    m_overlayBox->addItem(tr("Colour: dtype"), int(Overlay::Dtype));
    m_overlayBox->addItem(tr("Colour: per-layer value"), int(Overlay::Value));
    m_overlayBox->addItem(tr("Colour: none"), int(Overlay::OperatorKind));
    m_toolbar->addSeparator();
    m_toolbar->addWidget(m_overlayBox);
    m_toolbar->addSeparator();
    m_constantsAction = m_toolbar->addAction(tr("Constants"));
    m_constantsAction->setCheckable(true);
    m_constantsAction->setToolTip(tr("Show constant tensors as nodes instead of folding them into their consumer"));
    QAction* collapse = m_toolbar->addAction(tr("Collapse"));
    collapse->setToolTip(tr("Collapse name scopes so the graph fits (big graphs)"));
    QAction* expand = m_toolbar->addAction(tr("Expand all"));
    expand->setToolTip(tr("Expand every name scope"));
    m_toolbar->addSeparator();
    m_minimapAction = m_toolbar->addAction(tr("Minimap"));
    m_minimapAction->setObjectName(QStringLiteral("minimapAction"));
    m_minimapAction->setCheckable(true);
    m_minimapAction->setToolTip(tr("Show or hide the overview in the corner (remembered)"));
    QAction* fit = m_toolbar->addAction(tr("Fit"));
    fit->setToolTip(tr("Fit to window (Ctrl+0)"));
    QAction* exportAction = m_toolbar->addAction(tr("Export..."));
    exportAction->setToolTip(tr("Export the graph as PNG or SVG"));
    layoutBox->addWidget(m_toolbar);

    // second row: search on the left, the colour legend on the right
    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 2, 6, 2);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search name, op type, tensor (Ctrl+F, Enter: next)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(300);
    row->addWidget(m_search);
    m_searchInfo = new QLabel(this);
    m_searchInfo->setMinimumWidth(80);
    row->addWidget(m_searchInfo);
    m_note = new QLabel(this); // facts about the shown graph (collapsed scopes)
    row->addWidget(m_note);
    row->addStretch(1);
    m_legend = new QLabel(this);
    m_legend->setTextFormat(Qt::RichText);
    row->addWidget(m_legend);
    layoutBox->addLayout(row);
    m_view = new GraphView(this);
    layoutBox->addWidget(m_view, 1);

    connect(m_subgraphBox, &QComboBox::activated, this, [this](int i) { showSubgraph(SubgraphIndex{int32_t(i)}); });
    connect(m_overlayBox, &QComboBox::activated, this, [this] {
        m_view->setOverlay(Overlay(m_overlayBox->currentData().toInt()));
        updateLegend();
    });
    connect(m_constantsAction, &QAction::toggled, this, [this](bool on) {
        m_showConstants = on;
        relayout();
    });
    connect(collapse, &QAction::triggered, this, [this] {
        if (!m_model) return;
        m_collapsed = layout::scopesToFit(*m_model, m_subgraph, 60);
        relayout();
    });
    connect(expand, &QAction::triggered, this, [this] {
        m_collapsed.clear();
        relayout();
    });
    connect(fit, &QAction::triggered, m_view, &GraphView::fitToWindow);
    m_minimapAction->setChecked(QSettings().value(QStringLiteral("graph/minimap"), true).toBool());
    m_view->setMinimapShown(m_minimapAction->isChecked());
    connect(m_minimapAction, &QAction::toggled, this, [this](bool on) {
        m_view->setMinimapShown(on);
        QSettings().setValue(QStringLiteral("graph/minimap"), on);
    });
    connect(exportAction, &QAction::triggered, this, &GraphPage::onExport);
    connect(m_search, &QLineEdit::textChanged, this, &GraphPage::onSearch);
    connect(m_search, &QLineEdit::returnPressed, this, &GraphPage::onSearchNext);
    connect(m_view, &GraphView::nodeClicked, this, &GraphPage::onNodeClicked);
    connect(m_view, &GraphView::edgeClicked, this, &GraphPage::onEdgeClicked);
    connect(m_view, &GraphView::nodeContextMenu, this, &GraphPage::onNodeContextMenu);
    connect(m_view, &GraphView::graphPainted, this, &GraphPage::graphShown);
    connect(m_view, &GraphView::groupActivated, this, [this](const QString& scope) {
        // open one level: the scopes directly inside become groups of their own
        const std::string name = scope.toStdString();
        m_collapsed.erase(name);
        if (m_model)
            for (const std::string& child : layout::childScopes(*m_model, m_subgraph, name)) m_collapsed.insert(child);
        relayout();
    });
    updateLegend();
}

layout::ModelGraphOptions GraphPage::graphOptionsFor(const QWidget* w) {
    layout::ModelGraphOptions o;
    Q_UNUSED(w);
    const QFontMetricsF title(GraphPainter::titleFont()), detail(GraphPainter::detailFont());
    // average advance of typical label text, bold title font being the widest
    const QString sample = QStringLiteral("DEPTHWISE_CONV_2D filter ⟨1×3×3×32⟩ int8");
    o.charWidth = float(std::max(title.horizontalAdvance(sample) / sample.size(), detail.horizontalAdvance(sample) / sample.size())) + 0.3f;
    o.lineHeight = float(std::max(title.height(), detail.height())) + 2;
    o.padding = 8;
    return o;
}

void GraphPage::setModel(std::shared_ptr<const Model> model, std::shared_ptr<const GraphSnapshot> initial,
                         std::set<std::string> collapsed) {
    m_jobs->cancel();
    m_model = std::move(model);
    m_subgraph = SubgraphIndex{0};
    m_collapsed = std::move(collapsed);
    m_subgraphBox->clear();
    for (size_t i = 0; i < m_model->subgraphs.size(); ++i) {
        const auto& sg = m_model->subgraphs[i];
        const QString name = sg.name.empty() ? tr("subgraph %1").arg(i) : QString::fromStdString(sg.name);
        m_subgraphBox->addItem(tr("%1 (%2 ops)").arg(name).arg(sg.operators.size()));
    }
    m_subgraphBox->setEnabled(m_model->subgraphs.size() > 1);
    onSnapshot(std::move(initial));
}

void GraphPage::clear() {
    m_jobs->cancel();
    m_model.reset();
    m_subgraphBox->clear();
    m_view->setSnapshot(nullptr);
    m_hits.clear();
    m_searchInfo->clear();
}

void GraphPage::relayout() {
    if (!m_model) return;
    auto options = graphOptionsFor(this);
    options.collapsedScopes = m_collapsed;
    options.showConstants = m_showConstants;
    const auto model = m_model;
    const SubgraphIndex sg = m_subgraph;
    m_jobs->run<GraphSnapshot>(
        tr("Laying out the graph"),
        [model, sg, options](const Progress& p) { return makeGraphSnapshot(model, sg, options, p); },
        [this](std::shared_ptr<const GraphSnapshot> s) { onSnapshot(std::move(s)); });
}

void GraphPage::onSnapshot(std::shared_ptr<const GraphSnapshot> snapshot) {
    m_view->setSnapshot(snapshot);
    if (!snapshot) return;
    m_subgraphBox->setCurrentIndex(snapshot->scene->graph.subgraph.value);
    onSearch();
    const auto& g = snapshot->scene->graph;
    size_t groups = 0;
    for (const auto& n : g.nodes) groups += n.kind == layout::GraphNode::Kind::Group;
    m_note->setText(groups > 0 ? tr("%1 name scopes collapsed: double-click a group to expand it").arg(groups) : QString());
}

void GraphPage::focusSearch() {
    m_search->setFocus();
    m_search->selectAll();
}

void GraphPage::onSearch() {
    const auto snap = m_view->snapshot();
    m_hits.clear();
    m_hitCursor = 0;
    const std::string q = m_search->text().trimmed().toStdString();
    if (snap && !q.empty()) m_hits = layout::searchNodes(*m_model, snap->scene->graph, q);
    m_view->setSearchHits(m_hits);
    m_searchInfo->setText(q.empty() ? QString() : tr(" %n match(es)", nullptr, int(m_hits.size())));
}

void GraphPage::onSearchNext() {
    if (m_hits.empty()) return;
    const int node = m_hits[m_hitCursor++ % m_hits.size()];
    m_view->selectNode(node, true);
    onNodeClicked(node);
}

void GraphPage::selectOperator(OperatorIndex op) {
    const auto snap = m_view->snapshot();
    if (!snap || !op.valid() || op.index() >= snap->scene->graph.nodeOfOperator.size()) return;
    const int node = snap->scene->graph.nodeOfOperator[op.index()];
    m_view->selectNode(node, true);
    emit operatorSelected(m_subgraph, op);
}

void GraphPage::onNodeClicked(int node) {
    const auto snap = m_view->snapshot();
    const auto& n = snap->scene->graph.nodes[size_t(node)];
    const SubgraphIndex sg = snap->scene->graph.subgraph;
    if (n.kind == layout::GraphNode::Kind::Operator || n.kind == layout::GraphNode::Kind::Group)
        emit operatorSelected(sg, n.op);
    else if (n.tensor.valid())
        emit tensorSelected(sg, n.tensor);
}

void GraphPage::onEdgeClicked(int edge) {
    const auto snap = m_view->snapshot();
    emit tensorSelected(snap->scene->graph.subgraph, snap->scene->graph.edges[size_t(edge)].tensor);
}

void GraphPage::onNodeContextMenu(int node, QPoint globalPos) {
    const auto snap = m_view->snapshot();
    const auto& n = snap->scene->graph.nodes[size_t(node)];
    QMenu menu(this);
    if (n.kind == layout::GraphNode::Kind::Group) {
        menu.addAction(tr("Expand '%1'").arg(QString::fromStdString(n.scope)), this, [this, scope = n.scope] {
            m_collapsed.erase(scope);
            relayout();
        });
    }
    // every enclosing scope of the node can be collapsed
    std::string scope = n.scope;
    while (!scope.empty()) {
        if (n.kind != layout::GraphNode::Kind::Group || scope != n.scope)
            menu.addAction(tr("Collapse '%1'").arg(QString::fromStdString(scope)), this, [this, scope] {
                m_collapsed.insert(scope);
                relayout();
            });
        const auto slash = scope.rfind('/');
        scope = slash == std::string::npos ? std::string() : scope.substr(0, slash);
    }
    if (!menu.isEmpty()) menu.exec(globalPos);
}

void GraphPage::exportImage(const QString& path) {
    if (!m_view->graphPainter()) return;
    const QString error = path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)
                              ? exportGraphSvg(*m_view->graphPainter(), m_view->state(), path)
                              : exportGraphPng(*m_view->graphPainter(), m_view->state(), path);
    emit message(error.isEmpty() ? tr("Graph exported to %1").arg(path) : tr("Export failed: %1").arg(error));
}

void GraphPage::onExport() {
    if (!m_view->graphPainter()) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export graph"), QStringLiteral("graph.svg"),
                                                      tr("SVG (*.svg);;PNG (*.png)"));
    if (!path.isEmpty()) exportImage(path);
}

void GraphPage::setOperatorValues(std::shared_ptr<const std::vector<double>> values, const QString& label) {
    m_valueLabel = label;
    m_view->setOperatorValues(std::move(values));
    updateLegend();
}

void GraphPage::setOverlay(Overlay overlay) {
    const int i = m_overlayBox->findData(int(overlay));
    if (i >= 0) m_overlayBox->setCurrentIndex(i);
    m_view->setOverlay(overlay);
    updateLegend();
}

Overlay GraphPage::overlay() const { return Overlay(m_overlayBox->currentData().toInt()); }
QString GraphPage::legendText() const { return m_legend->text(); }

void GraphPage::showSubgraph(SubgraphIndex subgraph) {
    if (!m_model || !subgraph.valid() || subgraph.index() >= m_model->subgraphs.size()) return;
    m_subgraph = subgraph;
    if (m_subgraphBox->currentIndex() != subgraph.value) m_subgraphBox->setCurrentIndex(subgraph.value);
    m_collapsed = layout::scopesToFit(*m_model, m_subgraph, m_expandedLimit);
    relayout();
    emit subgraphChanged(m_subgraph);
}

void GraphPage::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    // Theme::apply sets the application palette: the chips take Theme's colours of the new theme
    if (e->type() == QEvent::PaletteChange || e->type() == QEvent::ApplicationPaletteChange) updateLegend();
}

void GraphPage::updateLegend() {
    auto chip = [](const QColor& c, const QString& text) {
        return QStringLiteral("<span style='background-color:%1; color:%1'>&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;%2&nbsp;&nbsp;&nbsp;")
            .arg(c.name(), text);
    };
    QString html;
    switch (Overlay(m_overlayBox->currentData().toInt())) {
    case Overlay::Quantization:
        for (auto k : {QuantKind::Float, QuantKind::Int8, QuantKind::Int16, QuantKind::Hybrid, QuantKind::Other})
            html += chip(Theme::forQuantKind(k), QString::fromLatin1(quantKindName(k).data()));
        break;
    case Overlay::Dtype:
        for (auto t : {TensorType::FLOAT32, TensorType::FLOAT16, TensorType::INT8, TensorType::UINT8, TensorType::INT16,
                       TensorType::INT32, TensorType::INT64, TensorType::BOOL})
            html += chip(Theme::forDtype(t), QString::fromLatin1(typeName(t).data()));
        break;
    case Overlay::Value:
        html = m_view->state().operatorValues
                   ? chip(Theme::ramp(0), tr("low")) + chip(Theme::ramp(0.5), tr("mid")) + chip(Theme::ramp(1), tr("high")) +
                         m_valueLabel
                   : tr("No per-layer values yet: they appear when a comparison or sensitivity analysis has run.");
        break;
    default: html = tr("Dashed border: custom operator. Green line: fused activation.");
    }
    m_legend->setText(html);
}

} // namespace ql::ui

#include "lab/CompareView.h"

#include "graph/GraphPage.h"
#include "graph/GraphView.h"
#include "lab/OutputTableModel.h"
#include "layout/ModelGraph.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

namespace ql::ui {

namespace {
QWidget* pane(QLabel* title, GraphView* view, QWidget* parent) {
    auto* w = new QWidget(parent);
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(2);
    title->setTextFormat(Qt::RichText);
    l->addWidget(title);
    l->addWidget(view, 1);
    return w;
}
QString dB(double v) { return std::isinf(v) ? QStringLiteral("exact") : QString::number(v, 'f', 1) + QStringLiteral(" dB"); }
} // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent), m_jobs(new JobRunner(this)) {
    auto* top = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Input"), this));
    m_source = new QLineEdit(QStringLiteral("random:1:7"), this);
    m_source->setObjectName(QStringLiteral("compareSource"));
    m_source->setPlaceholderText(tr("SRC (npy, npz, IDX, image folder, random:N[:SEED]) or an image file"));
    bar->addWidget(m_source, 1);
    auto* image = new QPushButton(tr("Image..."), this);
    bar->addWidget(image);
    bar->addWidget(new QLabel(tr("Sample"), this));
    m_sample = new QSpinBox(this);
    m_sample->setRange(0, 1000000);
    bar->addWidget(m_sample);
    auto* run = new QPushButton(tr("Run both"), this);
    bar->addWidget(run);
    m_sync = new QCheckBox(tr("Synchronise panes"), this);
    m_sync->setChecked(true);
    bar->addWidget(m_sync);
    top->addLayout(bar);

    auto* vsplit = new QSplitter(Qt::Vertical, this);
    auto* hsplit = new QSplitter(Qt::Horizontal, vsplit);
    m_leftTitle = new QLabel(tr("Float model"), this);
    m_rightTitle = new QLabel(tr("Quantized model"), this);
    m_left = new GraphView(this);
    m_right = new GraphView(this);
    hsplit->addWidget(pane(m_leftTitle, m_left, hsplit));
    hsplit->addWidget(pane(m_rightTitle, m_right, hsplit));
    vsplit->addWidget(hsplit);

    m_tabs = new QTabWidget(vsplit);
    auto* outTab = new QWidget(m_tabs);
    auto* ol = new QHBoxLayout(outTab);
    auto* side = new QVBoxLayout;
    m_image = new QLabel(outTab);
    m_image->setObjectName(QStringLiteral("inputImage"));
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setMinimumSize(160, 0);
    m_summary = new QLabel(outTab);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    side->addWidget(m_image);
    side->addWidget(m_summary, 1);
    ol->addLayout(side, 2);
    m_outputs = new OutputTableModel(this);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_outputs);
    proxy->setSortRole(OutputTableModel::SortRole);
    m_outputView = new QTableView(outTab);
    m_outputView->setObjectName(QStringLiteral("outputTable"));
    m_outputView->setModel(proxy);
    m_outputView->setSortingEnabled(true);
    m_outputView->sortByColumn(-1, Qt::AscendingOrder);
    m_outputView->verticalHeader()->hide();
    m_outputView->horizontalHeader()->setStretchLastSection(true);
    ol->addWidget(m_outputView, 3);
    m_tabs->addTab(outTab, tr("Outputs"));
    m_layerTab = new QLabel(tr("Per-layer error table and error heat map: waiting for the comparison engine "
                               "(core/analysis/Compare.h, ErrorMetrics.h), which is not in this build yet."),
                            m_tabs);
    m_layerTab->setObjectName(QStringLiteral("layerErrorHook"));
    static_cast<QLabel*>(m_layerTab)->setWordWrap(true);
    static_cast<QLabel*>(m_layerTab)->setAlignment(Qt::AlignCenter);
    m_tabs->addTab(m_layerTab, tr("Per-layer error"));
    vsplit->addWidget(m_tabs);
    vsplit->setStretchFactor(0, 3);
    vsplit->setStretchFactor(1, 2);
    top->addWidget(vsplit, 1);
    m_status = new QLabel(this);
    top->addWidget(m_status);

    connect(run, &QPushButton::clicked, this, &CompareView::refresh);
    connect(m_source, &QLineEdit::returnPressed, this, &CompareView::refresh);
    connect(image, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Image"), QString(), tr("Images (*.png *.jpg *.jpeg *.bmp)"));
        if (f.isEmpty()) return;
        m_source->setText(f);
        m_sample->setValue(0);
        refresh();
    });
    connect(m_left, &GraphView::viewChanged, this, [this] { syncView(m_left, m_right); });
    connect(m_right, &GraphView::viewChanged, this, [this] { syncView(m_right, m_left); });
    connect(m_left, &GraphView::nodeClicked, this, [this](int n) { onNodeClicked(true, n); });
    connect(m_right, &GraphView::nodeClicked, this, [this](int n) { onNodeClicked(false, n); });
    connect(m_jobs, &JobRunner::progressed, this, [this](const QString& stage, double f, qint64, qint64) {
        m_status->setText(tr("%1 (%2 %)").arg(stage).arg(int(f * 100)));
    });
}

void CompareView::setModels(std::shared_ptr<const Model> floatModel, const QString& floatPath, std::shared_ptr<const Model> quantModel,
                            const QString& quantPath) {
    m_floatModel = std::move(floatModel);
    m_quantModel = std::move(quantModel);
    m_floatPath = floatPath;
    m_quantPath = quantPath;
    m_leftTitle->setText(tr("<b>Float</b> %1").arg(QFileInfo(floatPath).fileName().toHtmlEscaped()));
    m_rightTitle->setText(tr("<b>Quantized</b> %1").arg(QFileInfo(quantPath).fileName().toHtmlEscaped()));
    start(true);
}

void CompareView::setDataSource(const QString& spec) { m_source->setText(spec); }
QString CompareView::dataSource() const { return m_source->text().trimmed(); }
void CompareView::setSampleIndex(int index) { m_sample->setValue(index); }
void CompareView::refresh() { start(false); }

void CompareView::setLayerErrorWidget(QWidget* widget) {
    const int i = m_tabs->indexOf(m_layerTab);
    m_tabs->removeTab(i);
    m_layerTab->deleteLater();
    m_layerTab = widget;
    m_tabs->insertTab(i, widget, tr("Per-layer error"));
}

void CompareView::start(bool layout) {
    if (!m_floatModel || !m_quantModel) return;
    m_filled = false;
    auto a = m_floatModel, b = m_quantModel;
    const std::string spec = dataSource().toStdString();
    const size_t sample = size_t(m_sample->value());
    layout::ModelGraphOptions options = GraphPage::graphOptionsFor(this);
    m_status->setText(tr("Running..."));
    m_jobs->run<CompareSnapshot>(tr("Comparing"), [a, b, spec, sample, options, layout](const Progress& progress) {
        auto snap = std::make_shared<CompareSnapshot>();
        if (layout) {
            auto optionsA = options, optionsB = options;
            optionsA.collapsedScopes = layout::scopesToFit(*a, SubgraphIndex{0}, GraphPage::kDefaultExpandedLimit);
            optionsB.collapsedScopes = layout::scopesToFit(*b, SubgraphIndex{0}, GraphPage::kDefaultExpandedLimit);
            snap->left = makeGraphSnapshot(a, SubgraphIndex{0}, optionsA, progress);
            if (progress.cancelled()) return std::shared_ptr<const CompareSnapshot>();
            snap->right = makeGraphSnapshot(b, SubgraphIndex{0}, optionsB, progress);
            snap->leftToRight = lab::matchOperators(*a, *b);
            snap->rightToLeft = lab::matchOperators(*b, *a);
        }
        auto r = lab::runSideBySide(a, b, spec, sample, progress);
        if (r) snap->result = std::make_shared<const lab::SideBySideResult>(std::move(*r));
        else snap->error = r.message();
        return std::shared_ptr<const CompareSnapshot>(snap);
    }, [this](std::shared_ptr<const CompareSnapshot> snap) { onSnapshot(std::move(snap)); });
}

void CompareView::onSnapshot(std::shared_ptr<const CompareSnapshot> snap) {
    if (!snap) return;
    if (snap->left) {
        m_left->setSnapshot(snap->left);
        m_right->setSnapshot(snap->right);
        m_leftToRight = snap->leftToRight;
        m_rightToLeft = snap->rightToLeft;
        m_left->fitToWindow();
        syncView(m_left, m_right);
    }
    m_result = snap->result;
    m_error = QString::fromStdString(snap->error);
    showResult();
    m_filled = true;
    if (!m_error.isEmpty()) emit failed(m_error);
    emit filled();
}

void CompareView::showResult() {
    m_outputs->resetData(m_result);
    if (!m_result) {
        m_image->clear();
        m_summary->setText(QStringLiteral("<font color=#c0392b>%1</font>").arg(m_error.toHtmlEscaped()));
        m_status->setText(tr("Failed: %1").arg(m_error));
        return;
    }
    const auto& r = *m_result;
    if (r.image) {
        QImage img(r.image->rgb.data(), r.image->width, r.image->height, r.image->width * 3, QImage::Format_RGB888);
        m_image->setPixmap(QPixmap::fromImage(img.copy()).scaled(160, 160, Qt::KeepAspectRatio,
                                                                 r.image->width < 64 ? Qt::FastTransformation : Qt::SmoothTransformation));
    } else {
        m_image->setText(tr("(input is not an image)"));
    }
    QString html = tr("<b>%1</b>, sample %2").arg(QString::fromStdString(r.sourceDescription).toHtmlEscaped()).arg(r.sampleIndex);
    if (r.label) html += tr(", label %1").arg(*r.label);
    html += tr("<br>Interpreter: float %1 ms, quantized %2 ms").arg(r.referenceMs, 0, 'f', 2).arg(r.testMs, 0, 'f', 2);
    html += QStringLiteral("<table cellspacing=0 cellpadding=3><tr><th align=left>Output</th><th>SQNR</th><th>max |Δ|</th><th>mean |Δ|</th></tr>");
    for (const auto& c : r.outputs)
        html += QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td><td align=right>%4</td></tr>")
                    .arg(QString::fromStdString(c.name).toHtmlEscaped(), dB(c.sqnr), QString::number(c.maxAbsDiff, 'g', 4),
                         QString::number(c.meanAbsDiff, 'g', 4));
    html += QStringLiteral("</table>");
    for (const auto& c : r.outputs) {
        if (!c.classifier) continue;
        html += tr("<br><b>Top-5</b> of %1<table cellspacing=0 cellpadding=2><tr><th>#</th><th>float: class (score)</th><th>quantized: class (score)</th></tr>")
                    .arg(QString::fromStdString(c.name).toHtmlEscaped());
        for (size_t k = 0; k < c.topReference.size(); ++k) {
            const int ia = c.topReference[k], ib = c.topTest[k];
            const QString colour = ia == ib ? QString() : QStringLiteral(" style='color:#c0392b'");
            html += QStringLiteral("<tr><td>%1</td><td>%2 (%3)</td><td%4>%5 (%6)</td></tr>")
                        .arg(k + 1)
                        .arg(ia)
                        .arg(double(c.reference[size_t(ia)]), 0, 'g', 4)
                        .arg(colour)
                        .arg(ib)
                        .arg(double(c.test[size_t(ib)]), 0, 'g', 4);
        }
        html += QStringLiteral("</table>");
        break;
    }
    m_summary->setText(html);
    m_status->setText(tr("Same input through both models: %1 outputs compared.").arg(r.outputs.size()));
}

void CompareView::syncView(GraphView* from, GraphView* to) {
    if (m_syncing || !m_sync->isChecked() || !from->snapshot() || !to->snapshot()) return;
    m_syncing = true;
    // Same zoom; the same point relative to each layout's extent (the quantized graph has
    // extra QUANTIZE/DEQUANTIZE nodes, so absolute positions differ).
    const auto& la = from->snapshot()->scene->layout;
    const auto& lb = to->snapshot()->scene->layout;
    const QPointF c = from->visibleSceneRect().center();
    const double fx = la.width > 0 ? c.x() / la.width : 0.5, fy = la.height > 0 ? c.y() / la.height : 0.5;
    to->zoomBy(from->scale() / to->scale(), to->rect().center());
    to->centerOn(QPointF(fx * lb.width, fy * lb.height));
    m_syncing = false;
}

void CompareView::onNodeClicked(bool fromLeft, int node) {
    GraphView* src = fromLeft ? m_left : m_right;
    GraphView* dst = fromLeft ? m_right : m_left;
    const auto& map = fromLeft ? m_leftToRight : m_rightToLeft;
    if (!src->snapshot() || !dst->snapshot() || node < 0) return;
    const auto& gn = src->snapshot()->scene->graph.nodes[size_t(node)];
    if (gn.kind != layout::GraphNode::Kind::Operator || !gn.op.valid()) return;
    if (fromLeft) emit floatOperatorSelected(gn.op);
    else if (gn.op.index() < map.size() && map[gn.op.index()].valid()) emit floatOperatorSelected(map[gn.op.index()]);
    if (!m_sync->isChecked() || gn.op.index() >= map.size() || !map[gn.op.index()].valid()) return;
    const auto& nodeOf = dst->snapshot()->scene->graph.nodeOfOperator;
    const size_t other = map[gn.op.index()].index();
    if (other < nodeOf.size()) {
        m_syncing = true;
        dst->selectNode(nodeOf[other], true);
        m_syncing = false;
    }
}

void CompareView::selectFloatOperator(OperatorIndex op) {
    if (!m_left->snapshot() || !op.valid()) return;
    const auto& nodeOf = m_left->snapshot()->scene->graph.nodeOfOperator;
    if (op.index() >= nodeOf.size()) return;
    m_left->selectNode(nodeOf[op.index()], true);
    onNodeClicked(true, nodeOf[op.index()]);
}

} // namespace ql::ui

#include "lab/CompareView.h"

#include "lab/DataChoice.h"

#include "Theme.h"

#include "graph/GraphPage.h"
#include "graph/GraphView.h"
#include "lab/LayerErrorModel.h"
#include "lab/OutputTableModel.h"
#include "lab/TensorHistogramView.h"
#include "analysis/Labels.h"
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
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ql::ui {

namespace {
QWidget* pane(QLabel* title, GraphView* view, QWidget* parent) {
    auto* w = new QWidget(parent);
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(2);
    title->setTextFormat(Qt::RichText);
    title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed); // a new file name does not lay out the page again
    l->addWidget(title);
    l->addWidget(view, 1);
    return w;
}
QString dB(double v) { return std::isinf(v) ? QStringLiteral("exact") : QString::number(v, 'f', 1) + QStringLiteral(" dB"); }
} // namespace

namespace {
// What the per-layer job hands back: the comparison and the heat map of each pane.
struct LayerSnapshot {
    std::shared_ptr<const analysis::CompareResult> result;
    std::shared_ptr<const std::vector<double>> floatHeat, quantHeat; // per operator, NaN = none
    std::string error;
};
} // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent), m_jobs(new JobRunner(this)), m_layerJobs(new JobRunner(this)) {
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
    auto* labels = new QPushButton(tr("Labels..."), this);
    labels->setObjectName(QStringLiteral("labelsButton"));
    labels->setToolTip(tr("Class labels for classifier outputs: a text file with one label per line "
                          "(used instead of the labels in the model's metadata)"));
    bar->addWidget(labels);
    m_sync = new QCheckBox(tr("Synchronise panes"), this);
    m_sync->setChecked(true);
    bar->addWidget(m_sync);
    top->addLayout(bar);
    m_heatLegend = new QLabel(this);
    m_heatLegend->setObjectName(QStringLiteral("heatLegend"));
    m_heatLegend->setTextFormat(Qt::RichText);
    m_heatLegend->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed); // new text: no relayout
    m_heatLegend->setFixedHeight(fontMetrics().height() + 6);
    top->addWidget(m_heatLegend);

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
    // Fixed sizes and scrolled rich text: filling the view changes no size hint, so the page is
    // not laid out again and repainted whole when the results arrive (each full repaint of the
    // styled frames costs the GUI thread tens of ms on a loaded machine: Qt's raster engine
    // waits for its own pool threads to fill large areas).
    m_image->setFixedSize(160, 160);
    m_summary = new QLabel(outTab);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* summaryScroll = new QScrollArea(outTab);
    summaryScroll->setWidget(m_summary);
    summaryScroll->setWidgetResizable(true);
    summaryScroll->setFrameShape(QFrame::NoFrame);
    summaryScroll->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    side->addWidget(m_image, 0, Qt::AlignHCenter);
    side->addWidget(summaryScroll, 1);
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
    m_outputView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_outputView->horizontalHeader()->setStretchLastSection(true);
    ol->addWidget(m_outputView, 3);
    m_tabs->addTab(outTab, tr("Outputs"));
    auto* layerTab = new QWidget(m_tabs);
    auto* ll = new QVBoxLayout(layerTab);
    m_layerStatus = new QLabel(tr("The per-layer error follows the outputs."), layerTab);
    m_layerStatus->setWordWrap(true);
    m_layerStatus->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_layerStatus->setFixedHeight(3 * fontMetrics().lineSpacing() + 4);
    m_layers = new LayerErrorModel(this);
    auto* layerProxy = new QSortFilterProxyModel(this);
    layerProxy->setSourceModel(m_layers);
    layerProxy->setSortRole(LayerErrorModel::SortRole);
    m_layerView = new QTableView(layerTab);
    m_layerView->setObjectName(QStringLiteral("layerTable"));
    m_layerView->setModel(layerProxy);
    m_layerView->setSortingEnabled(true);
    m_layerView->sortByColumn(-1, Qt::AscendingOrder);
    m_layerView->verticalHeader()->hide();
    m_layerView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_layerView->horizontalHeader()->setStretchLastSection(true);
    m_layerView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_layerView->setSelectionMode(QAbstractItemView::SingleSelection);
    ll->addWidget(m_layerStatus);
    ll->addWidget(m_layerView, 1);
    m_tabs->addTab(layerTab, tr("Per-layer error"));
    connect(m_layerView, &QTableView::clicked, this, &CompareView::onLayerRow);
    connect(m_layerJobs, &JobRunner::progressed, this, [this](const QString& stage, double f, qint64, qint64 remaining) {
        m_layerStatus->setText(tr("Per-layer error: %1 (%2 %, %3 s left)").arg(stage).arg(int(f * 100)).arg(remaining < 0 ? QStringLiteral("?") : QString::number(remaining / 1000)));
    });
    auto* bottom = new QSplitter(Qt::Horizontal, vsplit);
    bottom->addWidget(m_tabs);
    m_hist = new TensorHistogramView(bottom);
    m_hist->setObjectName(QStringLiteral("tensorHistograms"));
    bottom->addWidget(m_hist);
    bottom->setStretchFactor(0, 1);
    bottom->setStretchFactor(1, 1);
    bottom->setSizes({620, 440}); // proportions: the histograms get about 40 % of the width
    vsplit->addWidget(bottom);
    vsplit->setStretchFactor(0, 3);
    vsplit->setStretchFactor(1, 2);
    top->addWidget(vsplit, 1);
    m_status = new QLabel(this);
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    top->addWidget(m_status);
    // every result computed on random noise says so, above everything it produced
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("randomBanner"));
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fdebd0; color: #6e2c00; padding: 4px; font-weight: bold; }"));
    m_banner->hide();
    top->insertWidget(0, m_banner);

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
    connect(m_left, &GraphView::edgeClicked, this, [this](int e) { onEdgeClicked(true, e); });
    connect(m_right, &GraphView::edgeClicked, this, [this](int e) { onEdgeClicked(false, e); });
    connect(labels, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Labels (one per line)"), QString(), tr("Text files (*.txt);;All files (*)"));
        if (f.isEmpty()) return;
        if (const QString error = loadLabelsFile(f); !error.isEmpty()) m_status->setText(tr("Labels: %1").arg(error));
    });
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

void CompareView::startLayerErrors() {
    m_layersFilled = false;
    m_layerError.clear();
    m_layers->resetData(nullptr);
    m_hist->resetData(nullptr);
    m_heatLegend->setText(tr("Heat map: colours the graphs once the per-layer error is measured."));
    auto a = m_floatModel, b = m_quantModel;
    const std::string spec = dataSource().toStdString();
    analysis::CompareOptions options;
    options.data.maxSamples = m_layerSamples;
    m_layerStatus->setText(tr("Per-layer error: starting..."));
    m_layerJobs->run<LayerSnapshot>(tr("Per-layer error"), [a, b, spec, options](const Progress& progress) {
        auto snap = std::make_shared<LayerSnapshot>();
        auto r = analysis::compareModels(a, b, spec, options, progress);
        if (!r) {
            snap->error = r.message();
            return std::shared_ptr<const LayerSnapshot>(snap);
        }
        // Heat: 60 dB - per-layer SQNR clamped to [0, 60] (hot = more error added here).
        auto heatOf = [](const analysis::LayerComparison& l) {
            const double db = l.hasPerLayer ? l.perLayer.sqnrDb : l.accumulated.sqnrDb;
            return std::isnan(db) ? std::nan("") : std::clamp(60.0 - db, 0.0, 60.0);
        };
        auto fh = std::make_shared<std::vector<double>>(a->subgraphs[0].operators.size(), std::nan(""));
        auto qh = std::make_shared<std::vector<double>>(b->subgraphs[0].operators.size(), std::nan(""));
        for (const auto& l : r->layers) {
            if (l.conversion) continue;
            if (l.quantOp.valid() && l.quantOp.index() < qh->size()) (*qh)[l.quantOp.index()] = heatOf(l);
            if (l.refOp.valid() && l.refOp.index() < fh->size()) (*fh)[l.refOp.index()] = heatOf(l);
        }
        snap->floatHeat = fh;
        snap->quantHeat = qh;
        snap->result = std::make_shared<const analysis::CompareResult>(std::move(*r));
        return std::shared_ptr<const LayerSnapshot>(snap);
    }, [this](std::shared_ptr<const LayerSnapshot> snap) {
        m_layersFilled = true;
        if (!snap->result) {
            m_layerError = QString::fromStdString(snap->error);
            m_layerStatus->setText(tr("Per-layer error failed: %1").arg(m_layerError));
            emit layerErrorsFilled();
            return;
        }
        m_layers->resetData(snap->result);
        m_layerView->resizeColumnsToContents(); // headers and numbers in full (the last column stretches)
        m_hist->resetData(snap->result);
        showHistogramsFor(m_selectedQuantOp);
        m_left->setOperatorValues(snap->floatHeat);
        m_right->setOperatorValues(snap->quantHeat);
        m_left->setOverlay(Overlay::Value);
        m_right->setOverlay(Overlay::Value);
        {
            // The ramp spans the heat values present (GraphView's valueMin..valueMax); heat is
            // 60 dB - per-layer SQNR, so its ends read back as SQNRs.
            const auto& st = m_right->state();
            auto chip = [](const QColor& c) {
                return QStringLiteral("<span style='background-color:%1; color:%1'>&nbsp;&nbsp;&nbsp;&nbsp;</span>").arg(c.name());
            };
            auto sqnr = [](double heat) {
                return heat <= 0 ? tr("≥ 60 dB") : heat >= 60 ? tr("≤ 0 dB") : QString::number(60.0 - heat, 'f', 1) + QStringLiteral(" dB");
            };
            QString key = tr("<b>Heat</b> (error each layer adds): ");
            key += chip(Theme::ramp(0)) + tr("&nbsp;least, per-layer SQNR %1&nbsp;&nbsp;").arg(sqnr(st.valueMin));
            for (double t : {0.25, 0.5, 0.75}) key += chip(Theme::ramp(t));
            key += QStringLiteral("&nbsp;&nbsp;") + chip(Theme::ramp(1)) + tr("&nbsp;most, %1&nbsp;&nbsp;&nbsp;").arg(sqnr(st.valueMax));
            key += chip(Theme::graph().constantFill) + tr("&nbsp;not compared (kept float, conversions)");
            m_heatLegend->setText(key);
        }
        emit floatLayerValues(snap->floatHeat, tr("heat = 60 dB - per-layer SQNR (lab)"));
        const auto worst = analysis::worstLayers(*snap->result, 1);
        QString text = tr("Target %1: ").arg(QString::fromUtf8(targetName(snap->result->target).data())) +
                       tr("%1 samples of %2. Per-layer: the error each operator adds when fed the quantized float inputs; "
                          "accumulated: the error so far. Graphs: heat = 60 dB - per-layer SQNR.")
                           .arg(snap->result->samples)
                           .arg(QString::fromStdString(snap->result->dataDescription));
        if (!worst.empty()) {
            const auto& w = snap->result->layers[worst[0]];
            text += tr(" Worst: #%1 %2 (%3).").arg(w.quantOp.index()).arg(QString::fromStdString(w.opType),
                                                                          QString::fromStdString(analysis::formatDb(w.perLayer.sqnrDb)));
        }
        m_layerStatus->setText(text);
        emit layerErrorsFilled();
    });
}

QString CompareView::heatLegendText() const { return m_heatLegend->text(); }

void CompareView::onLayerRow(const QModelIndex& index) {
    if (index.isValid()) selectLayer(index.data(LayerErrorModel::LayerRole).toInt());
}

void CompareView::selectLayer(int li) {
    const auto result = m_layers->result();
    if (!result || li < 0 || size_t(li) >= result->layers.size()) return;
    const auto& l = result->layers[size_t(li)];
    m_selectedQuantOp = l.quantOp;
    m_hist->showLayer(li);
    m_syncing = true;
    if (l.quantOp.valid() && m_right->snapshot() && l.quantOp.index() < m_right->snapshot()->scene->graph.nodeOfOperator.size())
        m_right->selectNode(m_right->snapshot()->scene->graph.nodeOfOperator[l.quantOp.index()], true);
    if (l.refOp.valid() && m_left->snapshot() && l.refOp.index() < m_left->snapshot()->scene->graph.nodeOfOperator.size())
        m_left->selectNode(m_left->snapshot()->scene->graph.nodeOfOperator[l.refOp.index()], true);
    m_syncing = false;
    if (l.refOp.valid()) emit floatOperatorSelected(l.refOp);
}

void CompareView::start(bool layout) {
    if (!m_floatModel || !m_quantModel) return;
    m_filled = false;
    m_layerJobs->cancel();
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
            // class labels per output: the float model's metadata, else the quantized model's
            auto labels = std::make_shared<OutputTableModel::Labels>();
            for (size_t o = 0; o < a->subgraphs[0].outputs.size(); ++o) {
                auto l = analysis::outputLabels(*a, o);
                if (l.empty()) l = analysis::outputLabels(*b, o);
                labels->push_back(std::move(l));
            }
            snap->labels = labels;
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
        m_metaLabels = snap->labels;
        m_selectedQuantOp = OperatorIndex{};
        // each pane fitted on its own; the panes follow each other from the first user move
        // fitted once the panes have their final size (after this event's layout pass)
        QTimer::singleShot(0, this, [this] {
            // the quantized pane is fitted (tall graphs: its top at a legible zoom) and the float
            // pane follows it to the counterpart operators
            m_syncing = true;
            m_left->fitToWindow();
            m_right->fitToWindow();
            m_syncing = false;
            syncView(m_right, m_left);
        });
    }
    m_result = snap->result;
    m_error = QString::fromStdString(snap->error);
    showResult();
    m_filled = true;
    if (!m_error.isEmpty()) emit failed(m_error);
    emit filled();
    if (m_result) startLayerErrors();
}

QString CompareView::dataWarning() const { return m_banner->isHidden() ? QString() : m_banner->text(); }

void CompareView::showResult() {
    const std::string spec = dataSource().toStdString();
    m_banner->setText(lab::isRandomSpec(spec) ? QString::fromStdString(lab::randomDataWarning(spec)) : QString());
    m_banner->setVisible(lab::isRandomSpec(spec));
    m_outputs->resetData(m_result, shownLabels());
    m_outputView->resizeColumnsToContents();
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
    for (size_t o = 0; o < r.outputs.size(); ++o) {
        const auto& c = r.outputs[o];
        if (!c.classifier) continue;
        const auto names = labelsFor(o);
        auto classOf = [&names](int i) {
            return i >= 0 && size_t(i) < names.size() ? QStringLiteral("%1 %2").arg(i).arg(QString::fromStdString(names[size_t(i)]).toHtmlEscaped())
                                                      : QString::number(i);
        };
        html += tr("<br><b>Top-5</b> of %1<table cellspacing=0 cellpadding=2><tr><th>#</th><th>float: class (score)</th><th>quantized: class (score)</th></tr>")
                    .arg(QString::fromStdString(c.name).toHtmlEscaped());
        for (size_t k = 0; k < c.topReference.size(); ++k) {
            const int ia = c.topReference[k], ib = c.topTest[k];
            const QString colour = ia == ib ? QString() : QStringLiteral(" style='color:#c0392b'");
            html += QStringLiteral("<tr><td>%1</td><td>%2 (%3)</td><td%4>%5 (%6)</td></tr>")
                        .arg(k + 1)
                        .arg(classOf(ia))
                        .arg(double(c.reference[size_t(ia)]), 0, 'g', 4)
                        .arg(colour)
                        .arg(classOf(ib))
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
    // The operator nearest the centre of `from` is centred in `to` (its counterpart by tensor
    // name), with the same offset; without a counterpart, the same point relative to each
    // layout's extent (the graphs differ by QUANTIZE / DEQUANTIZE nodes).
    const auto& sa = *from->snapshot()->scene;
    const auto& sb = *to->snapshot()->scene;
    const auto& map = from == m_left ? m_leftToRight : m_rightToLeft;
    const QPointF c = from->visibleSceneRect().center();
    int best = -1;
    double bestDist = 0;
    for (size_t n = 0; n < sa.graph.nodes.size(); ++n) {
        const auto& gn = sa.graph.nodes[n];
        if (gn.kind != layout::GraphNode::Kind::Operator || !gn.op.valid() || gn.op.index() >= map.size() || !map[gn.op.index()].valid())
            continue;
        const auto& r = sa.layout.nodes[n];
        const double dx = r.x + r.width / 2 - c.x(), dy = r.y + r.height / 2 - c.y();
        if (best < 0 || dx * dx + dy * dy < bestDist) {
            best = int(n);
            bestDist = dx * dx + dy * dy;
        }
    }
    to->zoomBy(from->scale() / to->scale(), to->rect().center());
    const size_t other = best >= 0 ? map[sa.graph.nodes[size_t(best)].op.index()].index() : 0;
    if (best >= 0 && other < sb.graph.nodeOfOperator.size() && sb.graph.nodeOfOperator[other] >= 0) {
        const auto& ra = sa.layout.nodes[size_t(best)];
        const auto& rb = sb.layout.nodes[size_t(sb.graph.nodeOfOperator[other])];
        to->centerOn(QPointF(rb.x + rb.width / 2 + (c.x() - ra.x - ra.width / 2), rb.y + rb.height / 2 + (c.y() - ra.y - ra.height / 2)));
    } else {
        const double fx = sa.layout.width > 0 ? c.x() / sa.layout.width : 0.5, fy = sa.layout.height > 0 ? c.y() / sa.layout.height : 0.5;
        to->centerOn(QPointF(fx * sb.layout.width, fy * sb.layout.height));
    }
    m_syncing = false;
}

void CompareView::onNodeClicked(bool fromLeft, int node) {
    GraphView* src = fromLeft ? m_left : m_right;
    GraphView* dst = fromLeft ? m_right : m_left;
    const auto& map = fromLeft ? m_leftToRight : m_rightToLeft;
    if (!src->snapshot() || !dst->snapshot() || node < 0) return;
    const auto& gn = src->snapshot()->scene->graph.nodes[size_t(node)];
    if (gn.kind != layout::GraphNode::Kind::Operator || !gn.op.valid()) return;
    if (!fromLeft) {
        showHistogramsFor(gn.op);
    } else if (gn.op.index() < map.size() && map[gn.op.index()].valid()) {
        showHistogramsFor(map[gn.op.index()]);
    } else if (const auto result = m_layers->result()) { // no tensor-name match: the comparison's own matching
        for (const auto& l : result->layers)
            if (l.refOp == gn.op && !l.conversion) {
                showHistogramsFor(l.quantOp);
                break;
            }
    }
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

void CompareView::showHistogramsFor(OperatorIndex quantOp) {
    m_selectedQuantOp = quantOp;
    const auto result = m_layers->result();
    if (!result || !quantOp.valid()) return;
    for (size_t i = 0; i < result->layers.size(); ++i)
        if (result->layers[i].quantOp == quantOp) {
            m_hist->showLayer(int(i));
            return;
        }
    m_hist->showLayer(-1);
}

void CompareView::onEdgeClicked(bool fromLeft, int edge) {
    const auto result = m_layers->result();
    GraphView* view = fromLeft ? m_left : m_right;
    if (!result || !view->snapshot() || edge < 0) return;
    const TensorIndex t = view->snapshot()->scene->graph.edges[size_t(edge)].tensor;
    for (size_t k = 0; k < result->tensors.size(); ++k)
        if ((fromLeft ? result->tensors[k].ref : result->tensors[k].quant) == t) {
            m_hist->showTensor(int(k));
            return;
        }
}

std::vector<std::string> CompareView::labelsFor(size_t output) const {
    if (!m_userLabels.empty()) return m_userLabels;
    if (m_metaLabels && output < m_metaLabels->size()) return (*m_metaLabels)[output];
    return {};
}

std::shared_ptr<const OutputTableModel::Labels> CompareView::shownLabels() const {
    if (m_userLabels.empty()) return m_metaLabels;
    // the user's file names the classes of every classifier output
    auto labels = std::make_shared<OutputTableModel::Labels>();
    if (m_result)
        for (const auto& c : m_result->outputs) labels->push_back(c.classifier ? m_userLabels : std::vector<std::string>{});
    return labels;
}

void CompareView::setLabels(std::vector<std::string> labels) {
    m_userLabels = std::move(labels);
    if (m_filled) showResult();
}

QString CompareView::loadLabelsFile(const QString& path) {
    auto labels = analysis::readLabelsFile(path.toStdString());
    if (!labels) return QString::fromStdString(labels.message());
    setLabels(std::move(*labels));
    return {};
}

QString CompareView::summaryText() const { return m_summary->text(); }

} // namespace ql::ui

#include "MainWindow.h"

#include "lab/ModelWarnings.h"

#include "JobRunner.h"
#include "LoadDataDialog.h"
#include "TargetMenu.h"
#include "Theme.h"
#include "graph/GraphPage.h"
#include "graph/GraphView.h"
#include "inspect/DiagnosticsModel.h"
#include "inspect/Format.h"
#include "inspect/ModelInfoModel.h"
#include "inspect/OperatorPanel.h"
#include "inspect/TensorPanel.h"
#include "lab/LabWindow.h"
#include "lab/QuantizePanel.h"
#include "plots/HistogramPanel.h"
#include "workshop/WorkshopPage.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QToolButton>
#include <QTreeView>

namespace ql::ui {

// What the load job hands back: the model and the layout of its first subgraph.
struct OpenedModel {
    std::shared_ptr<const LoadedModel> loaded;
    std::shared_ptr<const GraphSnapshot> graph;
    std::set<std::string> collapsed;
};

namespace {
constexpr int kMaxRecent = 10;
const char* kRecentKey = "recentFiles";
const char* kStateKey = "window/state-v2"; // v2: every panel in the right column
const char* kGeometryKey = "window/geometry";
const char* kDarkKey = "view/dark";

// Our keys plus the platform's standard ones, each once: a key bound twice to one action is an
// "ambiguous shortcut" and does nothing (QKeySequence::ZoomOut is Ctrl+- on Linux).
QList<QKeySequence> distinctKeys(QList<QKeySequence> keys, QKeySequence::StandardKey standard) {
    for (const QKeySequence& k : QKeySequence::keyBindings(standard))
        if (!keys.contains(k)) keys << k;
    return keys;
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_loader(new JobRunner(this)), m_tensorJobs(new JobRunner(this)), m_sampleJobs(new JobRunner(this)) {
    setWindowTitle(QStringLiteral("QuantLab"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    resize(1600, 1000);
    m_graph = new GraphPage(this);
    setCentralWidget(m_graph);
    createDocks();
    createActions();
    createStatusBar();
    QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
    if (settings.value(kDarkKey, false).toBool()) m_darkAction->setChecked(true);

    connect(m_graph, &GraphPage::operatorSelected, this, &MainWindow::onOperatorSelected);
    connect(m_graph, &GraphPage::tensorSelected, this, &MainWindow::onTensorSelected);
    connect(m_graph, &GraphPage::message, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(m_graph, &GraphPage::graphShown, this, &MainWindow::graphShown);
    connect(m_graph, &GraphPage::subgraphChanged, this, [this] { // nothing of the last subgraph stays shown
        m_tensorJobs->cancel();
        m_currentTensor = TensorIndex{};
        m_operator->resetData(nullptr);
        m_tensor->resetData(nullptr);
        m_histogram->resetData(nullptr);
    });
    connect(m_operator, &OperatorPanel::tensorActivated, this, &MainWindow::onTensorSelected);
    connect(m_operator, &OperatorPanel::subgraphActivated, m_graph, &GraphPage::showSubgraph);
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::dock(const QString& title, const QString& objectName, QWidget* content, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(objectName); // saveState needs names
    d->setWidget(content);
    addDockWidget(area, d);
    return d;
}

void MainWindow::createDocks() {
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    m_modelInfo = new ModelInfoModel(this);
    auto* modelTree = new QTreeView(this);
    modelTree->setModel(m_modelInfo);
    modelTree->setAlternatingRowColors(true);
    modelTree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    connect(m_modelInfo, &QAbstractItemModel::modelReset, modelTree, &QTreeView::expandAll);
    m_operator = new OperatorPanel(this);
    m_tensor = new TensorPanel(this);
    m_histogram = new HistogramPanel(this);
    // The what-if's "apply": the clip range and bit width become an override of the lab's
    // quantization of this model; the lab's Quantize tab shows it and writes the model.
    connect(m_histogram, &HistogramPanel::applyRequested, this,
            [this](const QString& tensor, double lo, double hi, int bits, bool constant) {
                if (!m_loaded || !m_loaded->model) return;
                openLab();
                auto* lab = findChild<LabWindow*>();
                if (!lab) return;
                lab->quantizePanel()->setTensorOverride(TensorOverride{tensor, lo, hi, bits, constant});
                lab->showPage(LabWindow::Page::Quantize);
            });
    m_diagnostics = new DiagnosticsModel(this);
    m_problemsView = new QTableView(this);
    m_problemsView->setModel(m_diagnostics);
    m_problemsView->verticalHeader()->hide();
    m_problemsView->horizontalHeader()->setStretchLastSection(true);
    m_problemsView->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_problemsView->setWordWrap(true);
    m_problemsView->setSelectionBehavior(QAbstractItemView::SelectRows);

    m_operatorDock = dock(tr("Operator"), QStringLiteral("operatorDock"), m_operator, Qt::RightDockWidgetArea);
    m_modelDock = dock(tr("Model"), QStringLiteral("modelDock"), modelTree, Qt::RightDockWidgetArea);
    tabifyDockWidget(m_operatorDock, m_modelDock);
    m_operatorDock->raise();
    // The graph gets most of the window: every panel sits in the right column, in two tabbed
    // groups (operator / model above; tensor / histogram / problems below). The layout the user
    // makes is kept in QSettings (saveState / restoreState).
    m_tensorDock = dock(tr("Tensor"), QStringLiteral("tensorDock"), m_tensor, Qt::RightDockWidgetArea);
    m_histogramDock = dock(tr("Histogram and what-if"), QStringLiteral("histogramDock"), m_histogram, Qt::RightDockWidgetArea);
    m_problemsDock = dock(tr("Problems"), QStringLiteral("problemsDock"), m_problemsView, Qt::RightDockWidgetArea);
    tabifyDockWidget(m_tensorDock, m_histogramDock);
    tabifyDockWidget(m_histogramDock, m_problemsDock);
    m_tensorDock->raise();
    resizeDocks({m_operatorDock, m_tensorDock}, {400, 560}, Qt::Vertical);
    resizeDocks({m_operatorDock}, {540}, Qt::Horizontal);
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open..."), this, &MainWindow::onOpen);
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    m_loadDataAction = file->addAction(tr("&Load data..."), this, &MainWindow::onLoadData);
    m_loadDataAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    m_loadDataAction->setToolTip(tr("Run calibration data through the model for activation histograms"));
    m_loadDataAction->setEnabled(false);
    QAction* close = file->addAction(tr("&Close"), this, &MainWindow::closeModel);
    close->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_W));
    file->addSeparator();
    file->addAction(tr("&Export graph..."), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export graph"), QStringLiteral("graph.svg"),
                                                          tr("SVG (*.svg);;PNG (*.png)"));
        if (!path.isEmpty()) m_graph->exportImage(path);
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* find = edit->addAction(tr("&Find..."), m_graph, &GraphPage::focusSearch);
    find->setShortcut(QKeySequence::Find);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    GraphView* gv = m_graph->view();
    QAction* zoomIn = view->addAction(tr("Zoom &in"), gv, &GraphView::zoomIn);
    zoomIn->setShortcuts(distinctKeys({QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence(Qt::CTRL | Qt::Key_Plus)}, QKeySequence::ZoomIn));
    QAction* zoomOut = view->addAction(tr("Zoom &out"), gv, &GraphView::zoomOut);
    zoomOut->setShortcuts(distinctKeys({QKeySequence(Qt::CTRL | Qt::Key_Minus)}, QKeySequence::ZoomOut));
    QAction* fit = view->addAction(tr("&Fit to window"), gv, &GraphView::fitToWindow);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    QAction* actual = view->addAction(tr("&Actual size"), gv, &GraphView::resetZoom);
    actual->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    view->addSeparator();
    QAction* full = view->addAction(tr("F&ull screen"));
    full->setShortcut(QKeySequence(Qt::Key_F11));
    full->setCheckable(true);
    connect(full, &QAction::toggled, this, [this](bool on) { on ? showFullScreen() : showNormal(); });
    m_darkAction = view->addAction(tr("&Dark theme"));
    m_darkAction->setCheckable(true);
    connect(m_darkAction, &QAction::toggled, this, &MainWindow::setDark);
    view->addSeparator();
    QMenu* panels = view->addMenu(tr("&Panels"));
    for (QDockWidget* d : {m_modelDock, m_operatorDock, m_tensorDock, m_histogramDock, m_problemsDock})
        panels->addAction(d->toggleViewAction());

    // The runtime that runs reproduce (tflite-cpu by default), for the whole session.
    auto* targetStatus = new QLabel(this);
    statusBar()->addPermanentWidget(targetStatus);
    menuBar()->addMenu(new TargetMenu(targetStatus, this));

    // The lab: one window per main window, created on first use.
    QMenu* labMenu = menuBar()->addMenu(tr("&Lab"));
    QAction* openLab = labMenu->addAction(tr("&Decision tree, quantize, side by side..."), this, &MainWindow::openLab);
    openLab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));

    // The workshop: the Fashion-MNIST exercise page.
    QMenu* workshopMenu = menuBar()->addMenu(tr("&Workshop"));
    workshopMenu->addAction(tr("&Fashion-MNIST exercise..."), this, [this] { showWorkshop(); });
}

WorkshopPage* MainWindow::showWorkshop() {
    auto* page = findChild<WorkshopPage*>();
    if (!page) {
        page = new WorkshopPage(this);
        page->setWindowFlag(Qt::Window);
        connect(page, &WorkshopPage::modelTrained, this, [this](const QString& path) { openModel(path); });
        if (m_loaded && m_loaded->model) page->setModel(m_loaded->model, QString::fromStdString(m_loaded->path));
        else page->openDemo();
    }
    page->show();
    page->raise();
    return page;
}

void MainWindow::createStatusBar() {
    m_facts = new QLabel(this);
    m_jobLabel = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(180);
    m_progress->setTextVisible(false);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    statusBar()->addWidget(m_facts, 1);
    statusBar()->addPermanentWidget(m_jobLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    for (QWidget* w : std::initializer_list<QWidget*>{m_jobLabel, m_progress, m_cancel}) w->hide();
    for (JobRunner* r : {m_loader, m_graph->jobs(), m_tensorJobs, m_sampleJobs}) {
        connect(r, &JobRunner::started, this, [this, r](const QString& title) {
            m_jobLabel->setText(title);
            m_progress->setValue(0);
            for (QWidget* w : std::initializer_list<QWidget*>{m_jobLabel, m_progress, m_cancel}) w->show();
            m_cancel->disconnect();
            connect(m_cancel, &QToolButton::clicked, r, &JobRunner::cancel);
        });
        connect(r, &JobRunner::progressed, this, [this, r](const QString& stage, double f, qint64 elapsed, qint64 remaining) {
            QString text = tr("%1: %2, %3 s").arg(r->title(), stage).arg(double(elapsed) / 1000.0, 0, 'f', 1);
            if (remaining >= 0) text += tr(", about %1 s left").arg(double(remaining) / 1000.0, 0, 'f', 1);
            m_jobLabel->setText(text);
            m_progress->setValue(int(f * 1000));
        });
        connect(r, &JobRunner::finished, this, [this] {
            if (isBusy()) return;
            for (QWidget* w : std::initializer_list<QWidget*>{m_jobLabel, m_progress, m_cancel}) w->hide();
        });
    }
}

void MainWindow::onOpen() {
    QSettings settings;
    const QString dir = QFileInfo(settings.value(kRecentKey).toStringList().value(0)).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a TensorFlow Lite model"), dir,
                                                      tr("TensorFlow Lite models (*.tflite);;All files (*)"));
    if (!path.isEmpty()) openModel(path);
}

void MainWindow::openModel(const QString& path) {
    const std::string file = QFileInfo(path).absoluteFilePath().toStdString();
    const auto options = GraphPage::graphOptionsFor(this);
    const size_t limit = m_graph->expandedLimit();
    m_loader->run<OpenedModel>(
        tr("Opening %1").arg(QFileInfo(path).fileName()),
        [file, options, limit](const Progress& p) -> std::shared_ptr<const OpenedModel> {
            auto out = std::make_shared<OpenedModel>();
            out->loaded = loadModel(file, p);
            if (p.cancelled()) return {};
            if (out->loaded->model && !out->loaded->model->subgraphs.empty()) {
                auto o = options;
                o.collapsedScopes = layout::scopesToFit(*out->loaded->model, SubgraphIndex{0}, limit);
                out->collapsed = o.collapsedScopes;
                out->graph = makeGraphSnapshot(out->loaded->model, SubgraphIndex{0}, o, p);
                if (!out->graph) return {}; // cancelled
            }
            return out;
        },
        [this](std::shared_ptr<const OpenedModel> opened) { onLoaded(std::move(opened)); });
}

void MainWindow::onLoaded(std::shared_ptr<const OpenedModel> opened) {
    if (!opened) return;
    const LoadedModel& l = *opened->loaded;
    const QString name = QFileInfo(QString::fromStdString(l.path)).fileName();
    if (!l.model) {
        auto items = std::make_shared<std::vector<Diagnostic>>();
        items->push_back({Severity::Error, l.error});
        showProblems(items);
        statusBar()->showMessage(tr("Could not open %1").arg(name));
        emit modelLoaded();
        return;
    }
    m_loaded = opened->loaded;
    m_sampleJobs->cancel();
    m_samples.reset(); // samples belong to the previous model
    m_currentTensor = TensorIndex{};
    m_loadDataAction->setEnabled(true);
    addRecent(QString::fromStdString(l.path));
    setWindowTitle(QStringLiteral("%1 - QuantLab").arg(name));
    m_modelInfo->resetData(m_loaded);
    m_operator->resetData(nullptr);
    m_tensor->resetData(nullptr);
    m_histogram->resetData(nullptr);
    // the loader's diagnostics, and custom operators: the file is valid, but nothing can run it here
    auto problems = std::make_shared<std::vector<Diagnostic>>(l.model->diagnostics);
    for (auto& w : lab::customOperatorWarnings(*l.model)) problems->push_back(std::move(w));
    const size_t problemCount = problems->size();
    showProblems(problems);
    statusBar()->clearMessage(); // "Could not open" of an earlier file no longer holds
    const ModelStats& s = l.stats;
    QString kinds;
    for (const auto& [dtype, d] : s.constantsByType) kinds += QStringLiteral(" %1").arg(QString::fromStdString(dtype));
    m_facts->setText(tr("%1  ·  %2 subgraph(s)  ·  %3 operators  ·  %4 tensors  ·  %5 parameters (%6)  ·  %7 MACs  ·  weights:%8  ·  %9 problem(s)")
                         .arg(name)
                         .arg(l.model->subgraphs.size())
                         .arg(formatCount(s.operatorCount), formatCount(s.tensorCount), formatCount(s.parameterCount),
                              formatBytes(s.parameterBytes), formatCount(s.macs), kinds)
                         .arg(problemCount));
    if (opened->graph) m_graph->setModel(m_loaded->model, opened->graph, opened->collapsed);
    else m_graph->clear();
    emit modelLoaded();
}

void MainWindow::openLab() {
    auto* lab = findChild<LabWindow*>();
    if (!lab) {
        lab = new LabWindow(this);
        lab->setWindowFlag(Qt::Window);
        connect(m_graph, &GraphPage::operatorSelected, lab, &LabWindow::onOperatorSelected);
        // the lab's results colour this graph, and its selection selects here too
        connect(lab, &LabWindow::floatOperatorValues, this, [this](std::shared_ptr<const std::vector<double>> values, const QString& label) {
            if (!m_loaded || !m_loaded->model || m_graph->subgraph().index() != 0 || !values ||
                values->size() != m_loaded->model->subgraphs[0].operators.size())
                return; // another model or subgraph: these values do not belong here
            m_graph->setOperatorValues(std::move(values), label);
            m_graph->setOverlay(Overlay::Value);
        });
        connect(lab, &LabWindow::floatOperatorSelected, this, [this](OperatorIndex op) {
            if (m_graph->subgraph().index() == 0) m_graph->selectOperator(op);
        });
    }
    if (m_loaded && m_loaded->model) lab->setFloatModel(m_loaded->model, QString::fromStdString(m_loaded->path));
    lab->show();
    lab->raise();
}

void MainWindow::closeModel() {
    m_loader->cancel();
    m_tensorJobs->cancel();
    m_sampleJobs->cancel();
    m_loaded.reset();
    m_samples.reset();
    m_currentTensor = TensorIndex{};
    m_loadDataAction->setEnabled(false);
    m_graph->clear();
    m_modelInfo->resetData(nullptr);
    m_operator->resetData(nullptr);
    m_tensor->resetData(nullptr);
    m_histogram->resetData(nullptr);
    showProblems(nullptr);
    m_facts->clear();
    setWindowTitle(QStringLiteral("QuantLab"));
}

void MainWindow::showProblems(std::shared_ptr<const std::vector<Diagnostic>> items) {
    m_diagnostics->resetData(items);
    const bool any = items && !items->empty();
    m_problemsDock->setWindowTitle(any ? tr("Problems (%1)").arg(items->size()) : tr("Problems"));
    m_problemsView->resizeRowsToContents();
    if (any) m_problemsDock->raise();
}

void MainWindow::onOperatorSelected(SubgraphIndex subgraph, OperatorIndex op) {
    if (!m_loaded) return;
    auto snap = makeOperatorSnapshot(m_loaded->model, subgraph, op);
    m_operator->resetData(snap);
    m_operatorDock->raise();
    // Show the operator's weight (its first constant input), else its first output; with
    // activation samples loaded, its first output's activations.
    const Operator& o = m_loaded->model->subgraphs[subgraph.index()].op(op);
    TensorIndex pick;
    if (m_samples && m_samples->subgraph == subgraph && !o.outputs.empty() && o.outputs[0].valid() &&
        m_samples->values.count(o.outputs[0].value))
        pick = o.outputs[0];
    const Subgraph& sg = m_loaded->model->subgraphs[subgraph.index()];
    for (size_t i = 0; i < o.inputs.size() && !pick.valid(); ++i)
        if (o.inputs[i].valid() && m_loaded->model->isConstant(sg.tensor(o.inputs[i]))) pick = o.inputs[i];
    // float16 models: the weight is the constant behind a DEQUANTIZE
    for (size_t i = 0; i < o.inputs.size() && !pick.valid(); ++i) {
        if (!o.inputs[i].valid()) continue;
        const OperatorIndex p = sg.producer[o.inputs[i].index()];
        if (p.valid() && sg.op(p).op == BuiltinOp::DEQUANTIZE && !sg.op(p).inputs.empty() && sg.op(p).inputs[0].valid() &&
            m_loaded->model->isConstant(sg.tensor(sg.op(p).inputs[0])))
            pick = sg.op(p).inputs[0];
    }
    if (!pick.valid() && !o.outputs.empty()) pick = o.outputs[0];
    if (pick.valid()) onTensorSelected(subgraph, pick);
}

void MainWindow::onTensorSelected(SubgraphIndex subgraph, TensorIndex tensor) {
    if (!m_loaded || !tensor.valid()) return;
    m_currentSubgraph = subgraph;
    m_currentTensor = tensor;
    const auto model = m_loaded->model;
    const auto samples = m_samples;
    m_tensorJobs->run<TensorSnapshot>(
        tr("Reading tensor values"),
        [model, subgraph, tensor, samples](const Progress&) { return makeTensorSnapshot(model, subgraph, tensor, samples); },
        [this](std::shared_ptr<const TensorSnapshot> snap) {
            m_tensor->resetData(snap);
            m_histogram->resetData(snap);
        });
}

void MainWindow::selectInterestingOperator() {
    if (!m_loaded) return;
    const Subgraph& sg = m_loaded->model->subgraphs[m_graph->subgraph().index()];
    // The first operator with weights: a constant input at index 1 of a convolution or a fully
    // connected layer (quantized ones first), else the first operator.
    // Weights of float16 models come from a DEQUANTIZE of a constant: they count too.
    auto weighted = [&](const Operator& op, bool needQuant) {
        const size_t w = 1; // the filter is input 1 of all four
        if (op.inputs.size() < 2 || !op.inputs[w].valid()) return false;
        const Tensor& weights = sg.tensor(op.inputs[w]);
        const bool heavy = op.op == BuiltinOp::CONV_2D || op.op == BuiltinOp::DEPTHWISE_CONV_2D ||
                           op.op == BuiltinOp::FULLY_CONNECTED || op.op == BuiltinOp::TRANSPOSE_CONV;
        bool constant = m_loaded->model->isConstant(weights);
        if (!constant && !needQuant) {
            const OperatorIndex p = sg.producer[op.inputs[w].index()];
            constant = p.valid() && sg.op(p).op == BuiltinOp::DEQUANTIZE && !sg.op(p).inputs.empty() &&
                       sg.op(p).inputs[0].valid() && m_loaded->model->isConstant(sg.tensor(sg.op(p).inputs[0]));
        }
        return heavy && constant && (!needQuant || weights.quant.isQuantized());
    };
    OperatorIndex best;
    for (bool needQuant : {true, false})
        for (size_t i = 0; i < sg.operators.size() && !best.valid(); ++i)
            if (weighted(sg.operators[i], needQuant)) best = OperatorIndex{i};
    if (!best.valid() && !sg.operators.empty()) best = OperatorIndex{0};
    if (best.valid()) m_graph->selectOperator(best);
}

void MainWindow::showView(View view) {
    switch (view) {
    case View::Graph: m_graph->view()->setFocus(); break;
    case View::Operator: m_operatorDock->raise(); break;
    case View::Model: m_modelDock->raise(); break;
    case View::Tensor:
        m_tensorDock->raise();
        m_tensor->showTab(TensorPanel::HeatMapTab);
        break;
    case View::Histogram: m_histogramDock->raise(); break;
    case View::Problems: m_problemsDock->raise(); break;
    }
}

void MainWindow::setOperatorValues(std::shared_ptr<const std::vector<double>> values, const QString& label) {
    m_graph->setOperatorValues(std::move(values), label);
}

void MainWindow::setActivationSamples(std::shared_ptr<const ActivationSamples> samples) {
    m_samples = std::move(samples);
    if (m_currentTensor.valid()) onTensorSelected(m_currentSubgraph, m_currentTensor); // redraw with the samples
}

void MainWindow::selectTensor(TensorIndex tensor) { onTensorSelected(m_graph->subgraph(), tensor); }

void MainWindow::onLoadData() {
    if (!m_loaded || !m_loaded->model) return;
    LoadDataDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted || dialog.spec().isEmpty()) return;
    loadActivationData(dialog.spec(), dialog.calibrator(), dialog.maxSamples());
}

namespace {
struct SamplingOutcome {
    std::shared_ptr<const ActivationSamples> samples;
    std::string error;
};
} // namespace

void MainWindow::loadActivationData(const QString& spec, const QString& calibrator, size_t maxSamples) {
    if (!m_loaded || !m_loaded->model) return;
    const auto model = m_loaded->model;
    ActivationSamplingOptions options;
    options.calibrator = calibrator.toStdString();
    options.maxSamples = maxSamples;
    const std::string source = spec.toStdString();
    m_sampleJobs->run<SamplingOutcome>(
        tr("Running %1").arg(spec),
        [model, source, options](const Progress& p) -> std::shared_ptr<const SamplingOutcome> {
            auto out = std::make_shared<SamplingOutcome>();
            auto r = collectActivationSamples(model, source, options, p);
            if (r) out->samples = std::move(r.value());
            else out->error = r.message();
            return out;
        },
        [this, spec](std::shared_ptr<const SamplingOutcome> outcome) {
            if (!outcome || !outcome->samples) {
                const std::string why = outcome ? outcome->error : std::string("failed");
                auto items = std::make_shared<std::vector<Diagnostic>>(m_loaded ? m_loaded->model->diagnostics : std::vector<Diagnostic>{});
                items->push_back({Severity::Error, "calibration data " + spec.toStdString() + ": " + why});
                showProblems(items);
                statusBar()->showMessage(tr("Could not load %1").arg(spec), 8000);
                emit activationDataLoaded(false);
                return;
            }
            const auto& s = *outcome->samples;
            statusBar()->showMessage(tr("Activations of %1 tensors over %2 sample(s) of %3; calibrator %4")
                                         .arg(s.values.size())
                                         .arg(s.sampleCount)
                                         .arg(QString::fromStdString(s.source))
                                         .arg(QString::fromStdString(s.calibrator)),
                                     15000);
            setActivationSamples(outcome->samples);
            m_histogramDock->raise();
            emit activationDataLoaded(true);
        });
}

bool MainWindow::isBusy() const {
    return m_loader->isBusy() || m_graph->jobs()->isBusy() || m_tensorJobs->isBusy() || m_sampleJobs->isBusy();
}

bool MainWindow::waitUntilIdle(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!isBusy()) {
            QApplication::processEvents(); // deliver the last continuations and paints
            if (!isBusy()) return true;
        }
    }
    return false;
}

void MainWindow::addRecent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(kRecentKey, recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString& path : recent) m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); })->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
    if (!recent.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear"), this, [this] {
            QSettings().remove(kRecentKey);
            rebuildRecentMenu();
        });
    }
}

void MainWindow::setDark(bool dark) {
    Theme::apply(dark ? ThemeKind::Dark : ThemeKind::Light);
    QSettings().setValue(kDarkKey, dark);
    m_graph->view()->setOverlay(m_graph->view()->state().overlay); // repaint with the new colours
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls() && !e->mimeData()->urls().isEmpty() && e->mimeData()->urls().first().isLocalFile())
        e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (!urls.isEmpty()) openModel(urls.first().toLocalFile());
}

} // namespace ql::ui

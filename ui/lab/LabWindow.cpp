#include "lab/LabWindow.h"

#include "lab/CompareView.h"
#include "lab/ModelWarnings.h"
#include "lab/SensitivityPanel.h"
#include "lab/WizardPage.h"
#include "tflite/ModelReader.h"

#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>

#include <algorithm>

namespace ql::ui {

namespace {
struct OpenedPair {
    std::shared_ptr<const Model> a, b;
    std::string error;
};
} // namespace

LabWindow::LabWindow(QWidget* parent)
    : QMainWindow(parent), m_factsJobs(new JobRunner(this)), m_sweepJobs(new JobRunner(this)), m_openJobs(new JobRunner(this)),
      m_measureJobs(new JobRunner(this)) {
    setWindowTitle(tr("QuantLab — Lab"));
    resize(1500, 980);
    m_tabs = new QTabWidget(this);
    m_wizard = new WizardPage(m_tabs);
    m_quantize = new QuantizePanel(m_tabs);
    m_compare = new CompareView(m_tabs);
    m_tabs->addTab(m_wizard, tr("Decision tree"));
    m_tabs->addTab(m_quantize, tr("Quantize"));
    m_tabs->addTab(m_compare, tr("Side by side"));
    setCentralWidget(m_tabs);
    m_sensitivity = new SensitivityPanel(this);
    m_sensitivity->setQuantizePanel(m_quantize);
    m_sensitivityDock = new QDockWidget(tr("Sensitivity"), this);
    m_sensitivityDock->setObjectName(QStringLiteral("sensitivityDock"));
    m_sensitivityDock->setWidget(m_sensitivity);
    addDockWidget(Qt::RightDockWidgetArea, m_sensitivityDock);
    m_sensitivityDock->hide();
    auto* toggle = new QToolButton(m_tabs);
    toggle->setDefaultAction(m_sensitivityDock->toggleViewAction());
    toggle->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toggle->setAutoRaise(true);
    m_tabs->setCornerWidget(toggle, Qt::TopRightCorner);

    connect(m_wizard, &WizardPage::configureRequested, this, [this](const quantize::Leaf& leaf) {
        m_runningLeaf.reset();
        m_runAfterPrefill = false;
        m_quantize->applyLeaf(leaf);
        showPage(Page::Quantize);
        if (leaf.keepSensitiveFloat) { // the keep-float list comes from the sensitivity ranking
            showSensitivity(true);
            m_sensitivity->prefillKeepFloat();
        }
    });
    connect(m_wizard, &WizardPage::runRequested, this, &LabWindow::runLeaf);
    connect(m_sensitivity, &SensitivityPanel::keepFloatPrefilled, this, [this] {
        if (!m_runAfterPrefill) return;
        m_runAfterPrefill = false;
        m_quantize->startQuantize();
    });
    connect(m_sensitivity, &SensitivityPanel::analysisFinished, this, [this](bool ok) {
        if (!ok && m_runAfterPrefill) {
            m_runAfterPrefill = false;
            m_runningLeaf.reset();
        }
    });
    connect(m_sensitivity, &SensitivityPanel::layerSelected, this, [this](OperatorIndex op) {
        m_quantize->setSelectedOperator(op);
        m_compare->selectFloatOperator(op);
        emit floatOperatorSelected(op);
    });
    connect(m_compare, &CompareView::floatLayerValues, this, &LabWindow::floatOperatorValues);
    connect(m_wizard, &WizardPage::tryEveryLeafRequested, this, &LabWindow::tryEveryLeaf);
    connect(m_quantize, &QuantizePanel::quantizeStarted, this, [this] {
        m_sinceQuantize.start();
        m_timing = true;
    });
    connect(m_quantize, &QuantizePanel::quantized, this, &LabWindow::onQuantized);
    connect(m_quantize, &QuantizePanel::quantizeFailed, this, [this](const QString& m) {
        m_timing = false;
        m_runningLeaf.reset();
        m_lastError = m;
        emit failed(m);
    });
    connect(m_compare, &CompareView::filled, this, [this] {
        if (m_timing) {
            m_quantizeToCompareMs = m_sinceQuantize.elapsed();
            m_timing = false;
            statusBar()->showMessage(tr("Quantize to side by side: %1 ms").arg(m_quantizeToCompareMs), 10000);
        }
        emit comparisonFilled();
    });
    connect(m_compare, &CompareView::failed, this, [this](const QString& m) { m_lastError = m; });
    connect(m_compare, &CompareView::floatOperatorSelected, this, [this](OperatorIndex op) {
        m_quantize->setSelectedOperator(op);
        m_sensitivity->selectOperator(op);
        emit floatOperatorSelected(op);
    });
    connect(m_sweepJobs, &JobRunner::progressed, this, [this](const QString& stage, double f, qint64, qint64 remaining) {
        m_wizard->setSweepBusy(true, tr("%1 — %2 %, %3 s left").arg(stage).arg(int(f * 100)).arg(remaining < 0 ? QStringLiteral("?") : QString::number(remaining / 1000)));
    });
}

LabWindow::~LabWindow() = default;

void LabWindow::showPage(Page page) { m_tabs->setCurrentIndex(int(page)); }

void LabWindow::showSensitivity(bool on) {
    const bool wasHidden = m_sensitivityDock->isHidden();
    m_sensitivityDock->setVisible(on);
    if (on) m_sensitivityDock->raise();
    if (on && wasHidden) resizeDocks({m_sensitivityDock}, {std::max(560, width() * 2 / 5)}, Qt::Horizontal);
}

void LabWindow::setFloatModel(std::shared_ptr<const Model> model, const QString& path) {
    if (path != m_path) { // another model: no answer, run or measurement of the last one holds
        m_wizard->restart();
        m_wizard->clearMeasurements();
        m_runningLeaf.reset();
        m_runAfterPrefill = false;
        m_lastError.clear();
    }
    m_model = model;
    m_path = path;
    m_quantize->setFloatModel(model, path);
    m_sensitivity->setFloatModel(model);
    m_wizard->setFacts(nullptr);
    QStringList blockers;
    if (model)
        for (const auto& w : lab::customOperatorWarnings(*model)) blockers << QString::fromStdString(w.message);
    m_wizard->setBlockers(blockers);
    if (!model) return;
    setWindowTitle(tr("QuantLab — Lab — %1").arg(QFileInfo(path).fileName()));
    m_factsJobs->run<quantize::ModelFacts>(tr("Reading the model's facts"), [model](const Progress&) {
        return std::make_shared<const quantize::ModelFacts>(quantize::modelFacts(*model));
    }, [this](std::shared_ptr<const quantize::ModelFacts> facts) { m_wizard->setFacts(std::move(facts)); });
}

void LabWindow::openComparison(const QString& floatPath, const QString& quantPath) {
    const std::string a = floatPath.toStdString(), b = quantPath.toStdString();
    showPage(Page::Compare);
    m_openJobs->run<OpenedPair>(tr("Opening"), [a, b](const Progress&) {
        auto out = std::make_shared<OpenedPair>();
        auto ma = readModelFile(a);
        auto mb = readModelFile(b);
        if (!ma) out->error = ma.message();
        else if (!mb) out->error = mb.message();
        else {
            out->a = *ma;
            out->b = *mb;
        }
        return std::shared_ptr<const OpenedPair>(out);
    }, [this, floatPath, quantPath](std::shared_ptr<const OpenedPair> pair) {
        if (!pair->a) {
            m_lastError = QString::fromStdString(pair->error);
            statusBar()->showMessage(m_lastError);
            emit failed(m_lastError);
            return;
        }
        setFloatModel(pair->a, floatPath);
        m_compare->setModels(pair->a, floatPath, pair->b, quantPath);
    });
}

bool LabWindow::requireData(const QString& job) {
    if (!m_quantize->dataSource().isEmpty() && (m_quantize->randomAllowed() || !lab::isRandomSpec(m_quantize->dataSource().toStdString())))
        return true;
    showPage(Page::Quantize);
    m_quantize->askForData(tr("%1 needs data: choose a folder of images, a .npy/.npz file or an IDX file shaped like the model's "
                              "input (or tick random noise for a smoke test), then run it again.")
                               .arg(job));
    statusBar()->showMessage(tr("%1: choose the data first").arg(job), 10000);
    return false;
}

void LabWindow::runLeaf(const quantize::Leaf& leaf) {
    if (!m_model || leaf.outsideApp || m_quantize->isBusy()) return;
    m_runAfterPrefill = false;
    m_quantize->applyLeaf(leaf); // fresh: nothing of an earlier leaf carries over
    m_runningLeaf.reset();
    if (!requireData(tr("Running the %1 leaf").arg(QString::fromStdString(std::string(quantize::modeName(leaf.mode))))))
        return;
    m_runningLeaf = leaf;
    if (leaf.keepSensitiveFloat) { // the keep-float list comes from the sensitivity ranking first
        showSensitivity(true);
        m_runAfterPrefill = true;
        m_sensitivity->prefillKeepFloat(); // emits keepFloatPrefilled at once with a current ranking
        return;
    }
    m_quantize->startQuantize();
}

void LabWindow::onQuantized(std::shared_ptr<const QuantizeRun> run) {
    // The result opens beside the float model, fed with the data's first sample.
    if (!run->data.spec.empty()) m_compare->setDataSource(QString::fromStdString(run->data.spec));
    else if (!run->dataSpec.empty()) m_compare->setDataSource(QString::fromStdString(run->dataSpec));
    m_compare->setSampleIndex(0);
    m_compare->setModels(run->floatModel, QString::fromStdString(run->floatPath), run->model, QString::fromStdString(run->outPath));
    showPage(Page::Compare);
    if (!m_runningLeaf || run->data.spec.empty()) return;
    // "Run this leaf": measured like a row of "try every leaf", on the same data.
    lab::LeafSweepOptions o;
    o.normalization = run->data.normalization;
    o.maxEvalSamples = 20;
    const std::string spec = run->data.spec;
    lab::LeafRow shape;
    shape.mode = run->mode;
    shape.kind = m_runningLeaf->keepSensitiveFloat ? lab::LeafKind::KeepFloat : lab::LeafKind::Mode;
    shape.keepFloat = run->report.floatOps;
    const bool random = run->data.isRandom();
    m_runningLeaf.reset();
    auto floatModel = run->floatModel, quantModel = run->model;
    m_measureJobs->run<lab::LeafRow>(tr("Measuring the leaf"), [floatModel, quantModel, spec, o, shape](const Progress& progress) {
        auto r = lab::measureLeaf(floatModel, quantModel, spec, o, progress);
        auto row = std::make_shared<lab::LeafRow>(r ? *r : lab::LeafRow{});
        if (!r) row->error = r.message();
        row->mode = shape.mode;
        row->kind = shape.kind;
        row->keepFloat = shape.keepFloat;
        return std::shared_ptr<const lab::LeafRow>(row);
    }, [this, random](std::shared_ptr<const lab::LeafRow> row) {
        m_wizard->setMeasured(*row, random);
        statusBar()->showMessage(row->ok ? tr("Measured %1: SQNR %2 dB, %3 ms (float %4 ms)")
                                               .arg(QString::fromStdString(lab::leafRowName(*row)))
                                               .arg(row->sqnrDb, 0, 'f', 1)
                                               .arg(row->latencyMs, 0, 'f', 2)
                                               .arg(row->floatLatencyMs, 0, 'f', 2)
                                         : tr("Measuring failed: %1").arg(QString::fromStdString(row->error)),
                                 15000);
        emit leafMeasured(*row);
    });
}

void LabWindow::onOperatorSelected(SubgraphIndex subgraph, OperatorIndex op) {
    if (subgraph.index() != 0) return;
    m_quantize->setSelectedOperator(op);
    m_compare->selectFloatOperator(op);
    m_sensitivity->selectOperator(op);
}

void LabWindow::tryEveryLeaf() {
    if (!m_model || m_sweepJobs->isBusy()) return;
    if (!requireData(tr("Try every leaf"))) {
        m_wizard->setSweepBusy(false, tr("Choose the data on the Quantize tab first."));
        return;
    }
    lab::LeafSweepOptions o;
    const lab::DataChoice data = m_quantize->dataChoice();
    o.calibSpec = data.spec;
    o.normalization = data.normalization;
    // Evaluation: the first samples of the same data (random noise: other noise).
    o.evalSpec = data.isRandom() ? std::string("random:10:2") : data.spec;
    o.maxEvalSamples = 20;
    o.autoTargetSqnrDb = 30.0;
    quantize::QuantizeJobOptions current;
    if (m_quantize->buildOptions(&current).isEmpty()) {
        o.calibrator = current.quantize.calibrator;
        o.perTensor = current.quantize.perTensor;
    }
    for (const QString& k : m_quantize->keepFloat()) o.keepFloat.push_back(k.toStdString());
    auto model = m_model;
    m_wizard->setSweepBusy(true, tr("Quantizing with every mode..."));
    m_sweepJobs->run<std::vector<lab::LeafRow>>(tr("Trying every leaf"), [model, o](const Progress& progress) {
        auto rows = lab::sweepLeaves(model, o, progress);
        if (!rows) {
            auto failed = std::make_shared<std::vector<lab::LeafRow>>();
            lab::LeafRow r;
            r.error = rows.message();
            failed->push_back(r);
            return std::shared_ptr<const std::vector<lab::LeafRow>>(failed);
        }
        return std::make_shared<const std::vector<lab::LeafRow>>(std::move(*rows));
    }, [this, o, data](std::shared_ptr<const std::vector<lab::LeafRow>> rows) {
        m_wizard->setLeafRows(rows, data.isRandom());
        QString status = tr("Calibration: %1; evaluation: %2 (first %3 samples); latency: median on QuantLab's interpreter, "
                            "1 thread, on this desktop x86 (phones and accelerators differ).")
                             .arg(QString::fromStdString(o.calibSpec), QString::fromStdString(o.evalSpec))
                             .arg(o.maxEvalSamples);
        if (data.isRandom())
            status = QStringLiteral("<font color=#b9770e><b>%1</b></font><br>").arg(QString::fromStdString(lab::randomDataWarning(data.spec)).toHtmlEscaped()) +
                     status.toHtmlEscaped();
        m_wizard->setSweepBusy(false, status);
        emit sweepFinished();
    });
}

} // namespace ql::ui

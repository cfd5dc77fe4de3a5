#include "lab/LabWindow.h"

#include "lab/CompareView.h"
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
    : QMainWindow(parent), m_factsJobs(new JobRunner(this)), m_sweepJobs(new JobRunner(this)), m_openJobs(new JobRunner(this)) {
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

    connect(m_wizard, &WizardPage::runRequested, this, [this](const quantize::Leaf& leaf) {
        m_quantize->applyLeaf(leaf);
        showPage(Page::Quantize);
        if (leaf.keepSensitiveFloat) { // the keep-float list comes from the sensitivity ranking
            showSensitivity(true);
            m_sensitivity->prefillKeepFloat();
        }
    });
    connect(m_sensitivity, &SensitivityPanel::layerSelected, this, [this](OperatorIndex op) {
        m_quantize->setSelectedOperator(op);
        m_compare->selectFloatOperator(op);
    });
    connect(m_wizard, &WizardPage::tryEveryLeafRequested, this, &LabWindow::tryEveryLeaf);
    connect(m_quantize, &QuantizePanel::quantizeStarted, this, [this] {
        m_sinceQuantize.start();
        m_timing = true;
    });
    connect(m_quantize, &QuantizePanel::quantized, this, &LabWindow::onQuantized);
    connect(m_quantize, &QuantizePanel::quantizeFailed, this, [this](const QString& m) {
        m_timing = false;
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
    m_model = model;
    m_path = path;
    m_quantize->setFloatModel(model, path);
    m_sensitivity->setFloatModel(model);
    m_wizard->setFacts(nullptr);
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

void LabWindow::onQuantized(std::shared_ptr<const QuantizeRun> run) {
    // The result opens beside the float model, fed with the calibration source's first sample.
    if (!run->dataSpec.empty()) m_compare->setDataSource(QString::fromStdString(run->dataSpec));
    m_compare->setSampleIndex(0);
    m_compare->setModels(run->floatModel, QString::fromStdString(run->floatPath), run->model, QString::fromStdString(run->outPath));
    showPage(Page::Compare);
}

void LabWindow::onOperatorSelected(SubgraphIndex subgraph, OperatorIndex op) {
    if (subgraph.index() != 0) return;
    m_quantize->setSelectedOperator(op);
    m_compare->selectFloatOperator(op);
    m_sensitivity->selectOperator(op);
}

void LabWindow::tryEveryLeaf() {
    if (!m_model) return;
    lab::LeafSweepOptions o;
    const QString spec = m_quantize->dataSource();
    if (!spec.isEmpty()) o.calibSpec = spec.toStdString();
    // Evaluation: the same source when it is real data (its first samples), else other random data.
    o.evalSpec = spec.isEmpty() || spec.startsWith(QLatin1String("random:")) ? std::string("random:10:2") : spec.toStdString();
    o.maxEvalSamples = 20;
    quantize::QuantizeJobOptions current;
    if (m_quantize->buildOptions(&current).isEmpty()) {
        o.calibrator = current.quantize.calibrator;
        o.perTensor = current.quantize.perTensor;
    }
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
    }, [this, o](std::shared_ptr<const std::vector<lab::LeafRow>> rows) {
        m_wizard->setLeafRows(rows);
        m_wizard->setSweepBusy(false, tr("Calibration: %1; evaluation: %2 (first %3 samples); latency: median on QuantLab's interpreter.")
                                          .arg(QString::fromStdString(o.calibSpec), QString::fromStdString(o.evalSpec))
                                          .arg(o.maxEvalSamples));
        emit sweepFinished();
    });
}

} // namespace ql::ui

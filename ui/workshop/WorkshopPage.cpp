#include "workshop/WorkshopPage.h"

#include "plots/PlotStyle.h"
#include "lab/LabWindow.h"
#include "train/Dataset.h"
#include "tflite/ModelReader.h"
#include "workshop/MistakesGrid.h"
#include "workshop/ModeAccuracyModel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <cmath>

namespace ql::ui {

namespace {

// Axis, grid and background colours from the palette (as the histogram panel does).
QCustomPlot* makePlot(QWidget* parent) {
    auto* p = new QCustomPlot(parent);
    const QPalette pal = parent->palette();
    stylePlot(p, pal);
    // The right axis (loss) in the same colours as the others.
    p->yAxis2->setBasePen(p->yAxis->basePen());
    p->yAxis2->setTickPen(p->yAxis->tickPen());
    p->yAxis2->setSubTickPen(p->yAxis->subTickPen());
    p->yAxis2->setTickLabelColor(p->yAxis->tickLabelColor());
    p->yAxis2->setLabelColor(p->yAxis->labelColor());
    p->yAxis2->grid()->setPen(p->yAxis->grid()->pen());
    p->setMinimumHeight(200);
    return p;
}

QString fashionFile(const QString& dir, const char* name) { return QDir(dir).filePath(QString::fromLatin1(name)); }

} // namespace

WorkshopPage::WorkshopPage(QWidget* parent)
    : QWidget(parent), m_datasetDir(QString::fromLatin1(train::kFashionMnistDir)), m_trainJobs(new JobRunner(this)),
      m_compareJobs(new JobRunner(this)) {
    setWindowTitle(tr("Workshop: Fashion-MNIST - QuantLab"));
    auto* layout = new QVBoxLayout(this);
    auto* split = new QSplitter(Qt::Vertical, this);
    auto* top = new QSplitter(Qt::Horizontal, split);
    top->addWidget(buildTrainBox());
    top->addWidget(buildCompareBox());
    split->addWidget(top);
    auto* mistakesBox = new QGroupBox(tr("4. Mistakes: test images the int8 model gets wrong"), split);
    auto* mv = new QVBoxLayout(mistakesBox);
    m_mistakes = new workshop::MistakesGrid(mistakesBox);
    mv->addWidget(m_mistakes);
    split->addWidget(mistakesBox);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({540, 400}); // the mistakes grid shows three rows of tiles
    layout->addWidget(split);

    connect(m_trainJobs, &JobRunner::progressed, this, &WorkshopPage::onTrainProgress);
    connect(m_compareJobs, &JobRunner::progressed, this,
            [this](const QString& stage, double f, qint64, qint64 remaining) {
                m_compareProgress->setValue(int(std::lround(1000 * f)));
                m_compareStatus->setText(remaining >= 0 ? tr("%1 (about %2 s left)").arg(stage).arg((remaining + 999) / 1000)
                                                        : stage);
            });
    // Default compare data: the installed test set, else the bundled sample.
    const QString test = fashionFile(m_datasetDir, "t10k-images-idx3-ubyte.gz");
    if (QFileInfo::exists(test)) setCompareData(test, fashionFile(m_datasetDir, "train-images-idx3-ubyte.gz"), 2000);
    m_out->setText(QDir(QDir::homePath()).filePath(QStringLiteral("fashion_mnist_workshop.tflite")));
    updateEnabled();
    resize(1280, 900);
}

WorkshopPage::~WorkshopPage() = default;

QWidget* WorkshopPage::buildTrainBox() {
    auto* box = new QGroupBox(tr("1. Train a small CNN on Fashion-MNIST"), this);
    auto* v = new QVBoxLayout(box);
    auto* form = new QFormLayout;
    m_epochs = new QSpinBox(box);
    m_epochs->setRange(1, 50);
    m_epochs->setValue(3);
    m_seed = new QSpinBox(box);
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(1);
    m_steps = new QSpinBox(box);
    m_steps->setRange(0, 100000);
    m_steps->setSpecialValueText(tr("all (1875)"));
    m_steps->setToolTip(tr("Batches of 32 per epoch; fewer for a quick demonstration"));
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Epochs"), box));
    row->addWidget(m_epochs);
    row->addWidget(new QLabel(tr("Seed"), box));
    row->addWidget(m_seed);
    row->addWidget(new QLabel(tr("Batches/epoch"), box));
    row->addWidget(m_steps);
    row->addStretch(1);
    form->addRow(row);
    auto* outRow = new QHBoxLayout;
    m_out = new QLineEdit(box);
    auto* browse = new QPushButton(tr("..."), box);
    browse->setMaximumWidth(32);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Trained model"), m_out->text(), tr("TFLite models (*.tflite)"));
        if (!f.isEmpty()) m_out->setText(f);
    });
    outRow->addWidget(m_out, 1);
    outRow->addWidget(browse);
    form->addRow(tr("Save as"), outRow);
    v->addLayout(form);
    auto* buttons = new QHBoxLayout;
    m_train = new QPushButton(tr("Train"), box);
    m_cancelTrain = new QPushButton(tr("Cancel"), box);
    m_trainProgress = new QProgressBar(box);
    m_trainProgress->setRange(0, 1000);
    m_trainProgress->setTextVisible(false);
    buttons->addWidget(m_train);
    buttons->addWidget(m_cancelTrain);
    buttons->addWidget(m_trainProgress, 1);
    v->addLayout(buttons);
    m_trainStatus = new QLabel(box);
    m_trainStatus->setWordWrap(true);
    v->addWidget(m_trainStatus);
    connect(m_train, &QPushButton::clicked, this, &WorkshopPage::startTraining);
    connect(m_cancelTrain, &QPushButton::clicked, this, &WorkshopPage::cancelTraining);

    m_trainPlot = makePlot(box);
    m_trainPlot->xAxis->setLabel(tr("epochs trained"));
    m_trainPlot->yAxis->setLabel(tr("loss"));
    m_trainPlot->yAxis2->setLabel(tr("accuracy %"));
    m_trainPlot->yAxis2->setVisible(true);
    m_trainPlot->yAxis2->setRange(50, 100);
    m_trainPlot->yAxis->setRange(0, 1);
    m_trainPlot->xAxis->setRange(0, 3);
    // graphs 0-2: the figures at the end of each epoch (dots); 3-4: running figures every few
    // dozen batches (thin lines), so that the plot moves from the first seconds on
    const QColor colors[] = {QColor(0xd6, 0x27, 0x28), QColor(0x1f, 0x77, 0xb4), QColor(0x2c, 0xa0, 0x2c)};
    const QString names[] = {tr("loss (epoch)"), tr("train accuracy (epoch)"), tr("test accuracy (epoch)")};
    for (int i = 0; i < 3; ++i) {
        QCPGraph* g = m_trainPlot->addGraph(m_trainPlot->xAxis, i == 0 ? m_trainPlot->yAxis : m_trainPlot->yAxis2);
        g->setPen(QPen(colors[i], 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
        g->setLineStyle(QCPGraph::lsNone);
        g->setName(names[i]);
    }
    for (int i = 0; i < 2; ++i) {
        QCPGraph* g = m_trainPlot->addGraph(m_trainPlot->xAxis, i == 0 ? m_trainPlot->yAxis : m_trainPlot->yAxis2);
        QColor c = colors[i];
        c.setAlpha(170);
        g->setPen(QPen(c, 1.3));
        g->setName(i == 0 ? tr("loss (running)") : tr("train accuracy (running)"));
    }
    // The legend in a row of its own above the axes, so that it never hides a curve.
    m_trainPlot->legend->setVisible(true);
    m_trainPlot->plotLayout()->insertRow(0);
    m_trainPlot->plotLayout()->addElement(0, 0, m_trainPlot->legend);
    m_trainPlot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_trainPlot->legend->setBorderPen(Qt::NoPen);
    m_trainPlot->plotLayout()->setRowStretchFactor(0, 0.001);
    v->addWidget(m_trainPlot, 1);

    auto* modelRow = new QHBoxLayout;
    m_modelLabel = new QLabel(box);
    m_modelLabel->setWordWrap(true);
    auto* demo = new QPushButton(tr("Use the demo model"), box);
    connect(demo, &QPushButton::clicked, this, [this] { openDemo(); });
    m_quantize = new QPushButton(tr("2. Quantize in the lab..."), box);
    m_quantize->setToolTip(tr("Opens the decision-tree wizard and the quantization run panel on this model"));
    connect(m_quantize, &QPushButton::clicked, this, &WorkshopPage::openLab);
    modelRow->addWidget(m_modelLabel, 1);
    modelRow->addWidget(demo);
    modelRow->addWidget(m_quantize);
    v->addLayout(modelRow);
    return box;
}

QWidget* WorkshopPage::buildCompareBox() {
    auto* box = new QGroupBox(tr("3. Compare accuracy per mode"), this);
    auto* v = new QVBoxLayout(box);
    auto* buttons = new QHBoxLayout;
    m_compare = new QPushButton(tr("Compare modes"), box);
    m_cancelCompare = new QPushButton(tr("Cancel"), box);
    m_compareProgress = new QProgressBar(box);
    m_compareProgress->setRange(0, 1000);
    m_compareProgress->setTextVisible(false);
    buttons->addWidget(m_compare);
    buttons->addWidget(m_cancelCompare);
    buttons->addWidget(m_compareProgress, 1);
    v->addLayout(buttons);
    m_compareStatus = new QLabel(box);
    m_compareStatus->setWordWrap(true);
    v->addWidget(m_compareStatus);
    connect(m_compare, &QPushButton::clicked, this, &WorkshopPage::startCompare);
    connect(m_cancelCompare, &QPushButton::clicked, this, [this] {
        m_compareJobs->cancel();
        m_compareStatus->setText(tr("Cancelled."));
        updateEnabled();
    });

    m_modes = new workshop::ModeAccuracyModel(this);
    m_modeView = new QTableView(box);
    m_modeView->setModel(m_modes);
    m_modeView->verticalHeader()->hide();
    m_modeView->horizontalHeader()->setStretchLastSection(true);
    m_modeView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_modeView->verticalHeader()->setDefaultSectionSize(m_modeView->fontMetrics().height() + 6);
    m_modeView->setMinimumHeight(7 * (m_modeView->fontMetrics().height() + 6) + 8); // six modes, no scroll bar
    v->addWidget(m_modeView);

    m_accPlot = makePlot(box);
    m_accPlot->yAxis->setLabel(tr("top-1 points lost vs float"));
    m_accPlot->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    m_accPlot->yAxis->setRange(0, 100);
    v->addWidget(m_accPlot, 1);
    return box;
}

void WorkshopPage::setModel(std::shared_ptr<const Model> model, const QString& path) {
    m_model = std::move(model);
    m_modelPath = path;
    m_modelLabel->setText(m_model ? tr("Model: %1").arg(QFileInfo(path).fileName()) : tr("No model"));
    m_modelLabel->setToolTip(path);
    if (m_lab && m_model) m_lab->setFloatModel(m_model, m_modelPath);
    updateEnabled();
}

bool WorkshopPage::openDemo() {
    const workshop::DemoFiles demo = workshop::demoFiles();
    if (demo.model.empty()) {
        m_modelLabel->setText(tr("The bundled demo could not be copied to the cache folder"));
        return false;
    }
    auto model = readModelFile(demo.model);
    if (!model) {
        m_modelLabel->setText(tr("Demo model: %1").arg(QString::fromStdString(model.message())));
        return false;
    }
    setModel(model.value(), QString::fromStdString(demo.model));
    if (m_evalSpec.isEmpty()) {
        m_evalSpec = m_calibSpec = QString::fromStdString(demo.sampleImages);
        m_maxEval = 0;
    }
    return true;
}

void WorkshopPage::setTrainSettings(int epochs, quint64 seed, int stepsPerEpoch) {
    m_epochs->setValue(epochs);
    m_seed->setValue(int(seed));
    m_steps->setValue(stepsPerEpoch);
}

void WorkshopPage::setOutputPath(const QString& path) { m_out->setText(path); }
void WorkshopPage::setDatasetDir(const QString& dir) { m_datasetDir = dir; }

void WorkshopPage::setCompareData(const QString& evalSpec, const QString& calibSpec, int maxEvalSamples) {
    m_evalSpec = evalSpec;
    m_calibSpec = calibSpec;
    m_maxEval = maxEvalSamples;
}

QString WorkshopPage::trainStatus() const { return m_trainStatus->text(); }
QString WorkshopPage::compareStatus() const { return m_compareStatus->text(); }

void WorkshopPage::startTraining() {
    const QString images = fashionFile(m_datasetDir, "train-images-idx3-ubyte.gz");
    if (!QFileInfo::exists(images)) {
        m_trainStatus->setText(tr("Fashion-MNIST is not installed (%1 is missing). Install it with "
                                  "`sudo apt install dataset-fashion-mnist`, or use the demo model.")
                                   .arg(images));
        emit trainingFailed(m_trainStatus->text());
        return;
    }
    if (m_out->text().trimmed().isEmpty()) {
        m_trainStatus->setText(tr("Choose where to save the trained model."));
        return;
    }
    workshop::TrainRequest req;
    req.dataDir = m_datasetDir.toStdString();
    req.outPath = m_out->text().trimmed().toStdString();
    req.epochs = m_epochs->value();
    req.seed = quint64(m_seed->value());
    req.stepsPerEpoch = m_steps->value();
    m_log = std::make_shared<workshop::TrainLog>();
    m_plotted = 0;
    m_plottedBatches = 0;
    m_trainClock.start();
    for (int i = 0; i < m_trainPlot->graphCount(); ++i) m_trainPlot->graph(i)->data()->clear();
    m_trainPlot->xAxis->setRange(0, req.epochs);
    m_trainPlot->replot();
    m_trainProgress->setValue(0);
    auto log = m_log;
    m_trainJobs->run<workshop::TrainOutcome>(
        tr("Training"), [req, log](const Progress& p) { return workshop::runTraining(req, log, p); },
        [this](std::shared_ptr<const workshop::TrainOutcome> r) { onTrained(std::move(r)); });
    m_trainStatus->setText(tr("Loading Fashion-MNIST..."));
    updateEnabled();
}

void WorkshopPage::cancelTraining() {
    if (!m_trainJobs->isBusy()) return;
    m_trainJobs->cancel();
    m_trainStatus->setText(tr("Training cancelled; nothing was written."));
    updateEnabled();
}

void WorkshopPage::onTrainProgress(const QString& stage, double fraction, qint64, qint64) {
    const int epochs = std::max(1, m_epochs->value());
    const int done = int(m_plotted);
    // The whole run's fraction (the job reports one epoch's); remaining time from the rate so far.
    const double total = std::clamp((done + fraction) / epochs, 0.0, 1.0);
    m_trainProgress->setValue(int(std::lround(1000.0 * total)));
    const qint64 elapsed = m_trainClock.isValid() ? m_trainClock.elapsed() : 0;
    const QString timing = total > 0.01 ? tr("%1 s elapsed, about %2 s left").arg(elapsed / 1000).arg(qint64(elapsed * (1 - total) / total / 1000 + 0.5))
                                        : tr("%1 s elapsed").arg(elapsed / 1000);
    m_timing = timing;
    m_trainStatus->setText(tr("%1 — %2").arg(stage, timing));
    pollTrainLog();
}

void WorkshopPage::pollTrainLog() {
    if (!m_log) return;
    const std::vector<workshop::EpochPoint> points = m_log->points();
    const std::vector<workshop::BatchPoint> batches = m_log->batches();
    if (points.size() == m_plotted && batches.size() == m_plottedBatches) return;
    double maxLoss = 0.5;
    double minAcc = 100, maxAcc = 0;
    for (; m_plottedBatches < batches.size(); ++m_plottedBatches) {
        const workshop::BatchPoint& b = batches[m_plottedBatches];
        m_trainPlot->graph(3)->addData(b.epochs, b.loss);
        m_trainPlot->graph(4)->addData(b.epochs, 100 * b.trainAccuracy);
    }
    // the running points of the first batches (random guessing: loss 2.3, 10 %) would squeeze
    // the curves: the axes follow the last 80 % of them
    for (size_t i = batches.size() / 5; i < batches.size(); ++i) {
        maxLoss = std::max(maxLoss, batches[i].loss);
        minAcc = std::min(minAcc, 100 * batches[i].trainAccuracy);
        maxAcc = std::max(maxAcc, 100 * batches[i].trainAccuracy);
    }
    for (; m_plotted < points.size(); ++m_plotted) {
        const workshop::EpochPoint& p = points[m_plotted];
        m_trainPlot->graph(0)->addData(p.epoch, p.loss);
        m_trainPlot->graph(1)->addData(p.epoch, 100 * p.trainAccuracy);
        m_trainPlot->graph(2)->addData(p.epoch, 100 * p.testAccuracy);
        emit epochFinished(p.epoch);
    }
    for (const workshop::EpochPoint& p : points) {
        maxLoss = std::max(maxLoss, p.loss);
        minAcc = std::min({minAcc, 100 * p.trainAccuracy, 100 * p.testAccuracy});
        maxAcc = std::max({maxAcc, 100 * p.trainAccuracy, 100 * p.testAccuracy});
    }
    m_trainPlot->yAxis->setRange(0, maxLoss * 1.1);
    // accuracy axis: the band the curves use, so that a point of difference is visible
    m_trainPlot->yAxis2->setRange(std::max(0.0, std::floor(minAcc - 2)), std::min(100.0, std::ceil(std::max(maxAcc, minAcc + 4) + 1)));
    if (!points.empty()) {
        const workshop::EpochPoint& last = points.back();
        m_trainStatus->setText(tr("Epoch %1: loss %2, train %3%, test %4% (%5 s)%6")
                                   .arg(last.epoch)
                                   .arg(last.loss, 0, 'f', 4)
                                   .arg(100 * last.trainAccuracy, 0, 'f', 2)
                                   .arg(100 * last.testAccuracy, 0, 'f', 2)
                                   .arg(last.seconds, 0, 'f', 1)
                                   .arg(m_trainJobs->isBusy() && !m_timing.isEmpty() ? QStringLiteral(" — ") + m_timing : QString()));
    }
    m_trainPlot->replot(QCustomPlot::rpQueuedReplot);
}

void WorkshopPage::onTrained(std::shared_ptr<const workshop::TrainOutcome> outcome) {
    pollTrainLog();
    updateEnabled();
    if (!outcome || !outcome->error.empty()) {
        const QString msg = outcome ? QString::fromStdString(outcome->error) : tr("training failed");
        m_trainStatus->setText(msg);
        emit trainingFailed(msg);
        return;
    }
    m_trainProgress->setValue(1000);
    const QString path = QString::fromStdString(outcome->outPath);
    setModel(outcome->model, path);
    m_trainStatus->setText(m_trainStatus->text() + tr("\nWrote %1.").arg(path));
    emit modelTrained(path);
}

void WorkshopPage::startCompare() {
    if (!m_model) {
        m_compareStatus->setText(tr("Train a model or use the demo model first."));
        return;
    }
    if (m_evalSpec.isEmpty()) { // neither the dataset nor the demo's sample yet
        const workshop::DemoFiles demo = workshop::demoFiles();
        m_evalSpec = m_calibSpec = QString::fromStdString(demo.sampleImages);
        m_maxEval = 0;
    }
    workshop::CompareRequest req;
    req.floatModel = m_model;
    req.evalSpec = m_evalSpec.toStdString();
    req.calibSpec = m_calibSpec.toStdString();
    req.maxEvalSamples = size_t(std::max(0, m_maxEval));
    req.maxCalibSamples = 256;
    req.maxMistakes = 40;
    m_compareProgress->setValue(0);
    m_compareStatus->setText(tr("Calibrating..."));
    m_compareJobs->run<workshop::CompareOutcome>(
        tr("Comparing modes"), [req](const Progress& p) { return workshop::runComparison(req, p); },
        [this](std::shared_ptr<const workshop::CompareOutcome> r) { onCompared(std::move(r)); });
    updateEnabled();
}

void WorkshopPage::onCompared(std::shared_ptr<const workshop::CompareOutcome> outcome) {
    updateEnabled();
    if (!outcome || !outcome->error.empty()) {
        m_compareStatus->setText(outcome ? QString::fromStdString(outcome->error) : tr("comparison failed"));
        emit comparisonFinished(false);
        return;
    }
    m_compareProgress->setValue(1000);
    m_modes->resetData(outcome);
    m_modeView->resizeColumnsToContents();
    m_mistakes->resetData(outcome);

    // Bar chart: top-1 points lost against the float model, per mode, each bar labelled. The
    // lesson is about differences of a fraction of a point: bars of the accuracy itself (80-100 %)
    // hide them, bars of the loss show them at any size.
    m_accPlot->clearPlottables();
    m_accPlot->clearItems();
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    auto* bars = new QCPBars(m_accPlot->xAxis, m_accPlot->yAxis);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(0x1f, 0x77, 0xb4));
    bars->setWidth(0.6);
    const auto& rows = outcome->modes.rows;
    double floatTop1 = std::nan("");
    for (const auto& r : rows)
        if (r.mode == quantize::Mode::None && r.ok) floatTop1 = 100 * r.eval.top1;
    double lo = 0, hi = 0.5;
    for (size_t i = 0; i < rows.size(); ++i) {
        ticker->addTick(double(i), QString::fromLatin1(quantize::modeName(rows[i].mode).data(),
                                                       qsizetype(quantize::modeName(rows[i].mode).size())));
        if (!rows[i].ok || std::isnan(rows[i].eval.top1) || std::isnan(floatTop1)) continue;
        const double lost = floatTop1 - 100 * rows[i].eval.top1;
        bars->addData(double(i), lost);
        lo = std::min(lo, lost);
        hi = std::max(hi, lost);
        auto* label = new QCPItemText(m_accPlot);
        label->position->setCoords(double(i), lost);
        label->setPositionAlignment(lost >= 0 ? (Qt::AlignHCenter | Qt::AlignBottom) : (Qt::AlignHCenter | Qt::AlignTop));
        label->setText(QStringLiteral("%1%2\n%3 %").arg(lost > 0 ? QStringLiteral("-") : lost < 0 ? QStringLiteral("+") : QString())
                           .arg(std::abs(lost), 0, 'f', 2)
                           .arg(100 * rows[i].eval.top1, 0, 'f', 2));
        label->setColor(m_accPlot->xAxis->tickLabelColor());
    }
    m_accPlot->yAxis->setLabel(tr("top-1 points lost vs float"));
    m_accPlot->xAxis->setTicker(ticker);
    m_accPlot->xAxis->setRange(-0.6, double(rows.size()) - 0.4);
    const double span = hi - lo;
    m_accPlot->yAxis->setRange(lo - (lo < 0 ? 0.25 * span : 0.0), hi + 0.35 * span);
    m_accPlot->replot();
    const size_t samples = rows.empty() ? 0 : rows.front().eval.samples;
    m_compareStatus->setText(tr("%1 samples of %2; calibrated on %3 samples.")
                                 .arg(samples)
                                 .arg(QFileInfo(m_evalSpec).fileName())
                                 .arg(outcome->modes.calibrationSamples));
    emit comparisonFinished(true);
}

void WorkshopPage::openLab() {
    if (!m_model) return;
    if (!m_lab) {
        m_lab = new LabWindow(this);
        m_lab->setWindowFlag(Qt::Window);
    }
    m_lab->setFloatModel(m_model, m_modelPath);
    // Calibration data for the panel: the bundled 256-image sample (the panel takes every
    // sample of its source; the full training set would take minutes to calibrate on).
    const workshop::DemoFiles demo = workshop::demoFiles();
    if (!demo.sampleImages.empty()) m_lab->quantizePanel()->setDataSource(QString::fromStdString(demo.sampleImages));
    m_lab->showPage(LabWindow::Page::Wizard);
    m_lab->show();
    m_lab->raise();
}

void WorkshopPage::updateEnabled() {
    const bool training = m_trainJobs->isBusy();
    const bool comparing = m_compareJobs->isBusy();
    m_train->setEnabled(!training);
    m_cancelTrain->setEnabled(training);
    m_quantize->setEnabled(m_model != nullptr);
    m_compare->setEnabled(m_model != nullptr && !comparing);
    m_cancelCompare->setEnabled(comparing);
}

} // namespace ql::ui

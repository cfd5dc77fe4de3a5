#include "lab/SensitivityPanel.h"

#include "analysis/ErrorMetrics.h"
#include "calib/Calibrator.h"
#include "lab/QuantizePanel.h"
#include "lab/SensitivityChart.h"
#include "lab/SensitivityModel.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace ql::ui {
using quantize::Mode;

namespace {
QString qs(std::string_view s) { return QString::fromUtf8(s.data(), int(s.size())); }
QString db(double v) { return QString::fromStdString(analysis::formatDb(v)); }
QString duration(qint64 ms) {
    if (ms < 0) return QStringLiteral("?");
    if (ms < 60000) return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
    return QStringLiteral("%1 min %2 s").arg(ms / 60000).arg((ms / 1000) % 60);
}
QString red(const QString& text) { return QStringLiteral("<font color=#c0392b>%1</font>").arg(text.toHtmlEscaped()); }
} // namespace

SensitivityPanel::SensitivityPanel(QWidget* parent)
    : QWidget(parent), m_jobs(new JobRunner(this)), m_measureJobs(new JobRunner(this)),
      m_lastSqnr(std::numeric_limits<double>::quiet_NaN()) {
    auto* top = new QVBoxLayout(this);
    m_header = new QLabel(this);
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    top->addWidget(m_header);

    auto* form = new QFormLayout;
    auto* measureRow = new QHBoxLayout;
    m_measure = new QLineEdit(this);
    m_measure->setObjectName(QStringLiteral("measureSource"));
    m_measure->setPlaceholderText(tr("the calibration data (other random data when it is random)"));
    m_samples = new QSpinBox(this);
    m_samples->setRange(1, 10000);
    m_samples->setValue(8);
    m_samples->setPrefix(tr("first "));
    m_samples->setSuffix(tr(" samples"));
    measureRow->addWidget(m_measure, 1);
    measureRow->addWidget(m_samples);
    form->addRow(tr("Measure on"), measureRow);
    auto* runRow = new QHBoxLayout;
    m_target = new QDoubleSpinBox(this);
    m_target->setRange(0, 200);
    m_target->setDecimals(1);
    m_target->setValue(30);
    m_target->setSuffix(tr(" dB"));
    m_target->setToolTip(tr("The greedy keep-float search stops when the worst output's SQNR reaches this"));
    m_analyse = new QPushButton(tr("Analyse"), this);
    m_analyse->setObjectName(QStringLiteral("analyse"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    runRow->addWidget(m_target);
    runRow->addStretch(1);
    runRow->addWidget(m_analyse);
    runRow->addWidget(m_cancel);
    form->addRow(tr("Target SQNR"), runRow);
    top->addLayout(form);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(10);
    top->addWidget(m_progress);
    m_stage = new QLabel(this);
    m_stage->setObjectName(QStringLiteral("sensitivityStage"));
    m_stage->setWordWrap(true);
    top->addWidget(m_stage);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_model = new SensitivityModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SensitivityModel::SortRole);
    m_table = new QTableView(split);
    m_table->setObjectName(QStringLiteral("sensitivityTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // the ranking's own order until a header is clicked
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_chart = new SensitivityChart(split);
    split->addWidget(m_table);
    split->addWidget(m_chart);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    top->addWidget(split, 1);

    m_greedy = new QLabel(this);
    m_greedy->setObjectName(QStringLiteral("greedy"));
    m_greedy->setWordWrap(true);
    m_greedy->setTextFormat(Qt::RichText);
    top->addWidget(m_greedy);
    auto* keepRow = new QHBoxLayout;
    m_keepNButton = new QPushButton(tr("Keep the most sensitive in float:"), this);
    m_keepNButton->setObjectName(QStringLiteral("keepMostSensitive"));
    m_keepNButton->setToolTip(tr("Adds the first N layers of the greedy search to the keep-float list and quantizes again"));
    m_keepN = new QSpinBox(this);
    m_keepN->setRange(1, 1);
    m_keepN->setSuffix(tr(" layers"));
    keepRow->addWidget(m_keepNButton);
    keepRow->addWidget(m_keepN);
    keepRow->addStretch(1);
    top->addLayout(keepRow);
    m_comparison = new QLabel(this);
    m_comparison->setObjectName(QStringLiteral("beforeAfter"));
    m_comparison->setWordWrap(true);
    m_comparison->setTextFormat(Qt::RichText);
    m_comparison->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(m_comparison);

    connect(m_analyse, &QPushButton::clicked, this, &SensitivityPanel::start);
    connect(m_cancel, &QPushButton::clicked, this, &SensitivityPanel::cancel);
    connect(m_jobs, &JobRunner::progressed, this, &SensitivityPanel::onProgress);
    connect(m_jobs, &JobRunner::finished, this, &SensitivityPanel::updateEnabled);
    connect(m_measureJobs, &JobRunner::finished, this, &SensitivityPanel::updateEnabled);
    connect(m_model, &SensitivityModel::keepFloatToggled, this, &SensitivityPanel::setLayerKeptFloat);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { onRow(current); });
    connect(m_chart, &SensitivityChart::barClicked, this, [this](int layer) {
        const QModelIndex p = m_proxy->mapFromSource(m_model->index(layer, SensitivityModel::Rank));
        if (p.isValid()) m_table->setCurrentIndex(p); // onRow selects the layer in the graphs
        m_table->scrollTo(p);
    });
    connect(m_keepNButton, &QPushButton::clicked, this, [this] { keepMostSensitive(m_keepN->value()); });
    updateHeader();
    updateEnabled();
}

void SensitivityPanel::setQuantizePanel(QuantizePanel* panel) {
    m_quantize = panel;
    if (!panel) return;
    connect(panel, &QuantizePanel::keepFloatChanged, this, &SensitivityPanel::syncKept);
    connect(panel, &QuantizePanel::quantized, this, &SensitivityPanel::onQuantized);
    connect(panel, &QuantizePanel::quantizeFailed, this, [this](const QString& message) {
        if (m_pendingWhat.isEmpty()) return;
        m_pendingWhat.clear();
        m_comparison->setText(red(tr("Quantizing again failed: %1").arg(message)));
    });
    syncKept();
}

void SensitivityPanel::setFloatModel(std::shared_ptr<const Model> model) {
    if (model == m_floatModel) return;
    m_jobs->cancel();
    m_measureJobs->cancel();
    m_floatModel = std::move(model);
    m_run.reset();
    m_model->resetData(nullptr);
    m_chart->setRun(nullptr);
    m_prefillPending = false;
    m_lastSqnr = std::numeric_limits<double>::quiet_NaN();
    m_greedy->clear();
    m_comparison->clear();
    m_stage->clear();
    updateHeader();
    updateEnabled();
}

void SensitivityPanel::setMeasureSource(const QString& spec) { m_measure->setText(spec); }
void SensitivityPanel::setMeasureSamples(int n) { m_samples->setValue(n); }
void SensitivityPanel::setTargetSqnr(double v) { m_target->setValue(v); }
QString SensitivityPanel::statusText() const { return m_stage->text(); }
QString SensitivityPanel::comparisonText() const { return m_comparison->text(); }

QString SensitivityPanel::buildRequest(SensitivityRequest* r) const {
    if (!m_floatModel || !m_quantize) return tr("Open a float model first.");
    r->model = m_floatModel;
    Mode mode = m_quantize->mode();
    if (mode == Mode::None || mode == Mode::Float16)
        return tr("Mode %1 has no per-layer choice: choose int8, int16x8 or dynamic in the Quantize tab.").arg(qs(quantize::modeName(mode)));
    if (mode == Mode::Int8Only) {
        mode = Mode::Int8; // int8-only admits no float operator; its ranking is int8's
        r->modeNote = "int8-only measured as int8 (float fallback)";
    }
    auto c = calib::Calibrator::parse(m_quantize->calibrator().toStdString());
    if (!c) return tr("Calibrator: %1").arg(qs(c.message()));
    auto& o = r->options;
    o.quantize.mode = mode;
    o.quantize.calibrator = *c;
    o.quantize.perTensor = m_quantize->perTensor();
    o.metric = analysis::SensitivityMetric::Sqnr;
    o.targetSqnrDb = m_target->value();
    o.int16Moves = false; // the panel's list is a keep-float list (the Quantize tab's field)
    o.threads = 2;
    const QString data = m_quantize->dataSource();
    if (data.isEmpty())
        return tr("The ranking needs data: choose it on the Quantize tab (a folder of images, a .npy/.npz file or an IDX file).");
    if (lab::isRandomSpec(data.toStdString()) && !m_quantize->randomAllowed())
        return tr("%1 is random noise, which was not chosen: tick 'Random noise instead of data' on the Quantize tab or choose data.").arg(data);
    r->normalization = m_quantize->dataChoice().normalization;
    if (quantize::needsCalibration(mode)) r->calibSpec = data.toStdString();
    r->measureSamples = size_t(m_samples->value());
    QString measure = m_measure->text().trimmed();
    if (measure.isEmpty()) // other random data than calibration saw; else the same source, first N
        measure = data.isEmpty() || data.startsWith(QLatin1String("random:")) ? QStringLiteral("random:%1:2").arg(m_samples->value()) : data;
    r->measureSpec = measure.toStdString();
    r->key = QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8")
                 .arg(quintptr(m_floatModel.get()))
                 .arg(qs(quantize::modeName(mode)), qs(o.quantize.calibrator.name()))
                 .arg(o.quantize.perTensor)
                 .arg(QString::fromStdString(r->calibSpec), measure)
                 .arg(r->measureSamples)
                 .arg(m_target->value())
                 .toStdString();
    return {};
}

bool SensitivityPanel::isCurrent() const {
    SensitivityRequest r;
    return m_run && m_run->ok() && buildRequest(&r).isEmpty() && r.key == m_run->request.key;
}

void SensitivityPanel::start() {
    SensitivityRequest request;
    const QString problem = buildRequest(&request);
    if (!problem.isEmpty()) {
        m_stage->setText(red(problem));
        m_prefillPending = false;
        emit analysisFinished(false);
        return;
    }
    m_stageName.clear();
    m_stageStartMs = 0;
    m_stageFraction = 0;
    m_stage->setText(tr("Starting..."));
    m_jobs->run<SensitivityRun>(
        tr("Sensitivity"), [request](const Progress& progress) { return runSensitivityJob(request, progress); },
        [this](std::shared_ptr<const SensitivityRun> run) { onFinished(std::move(run)); });
    updateEnabled();
}

void SensitivityPanel::cancel() {
    if (!m_jobs->isBusy()) return;
    m_jobs->cancel();
    m_prefillPending = false;
    m_stage->setText(tr("Cancelled."));
    updateEnabled();
}

void SensitivityPanel::onProgress(const QString& stage, double fraction, qint64 elapsedMs, qint64) {
    // Time left in the stage: the stage's own rate (each stage and greedy round restarts at 0).
    const QString name = stage.section(QLatin1Char(':'), 0, 0);
    if (name != m_stageName || fraction + 1e-9 < m_stageFraction) {
        m_stageName = name;
        m_stageStartMs = elapsedMs;
    }
    m_stageFraction = fraction;
    const qint64 inStage = elapsedMs - m_stageStartMs;
    const qint64 left = fraction > 0.02 && fraction < 1 ? qint64(double(inStage) * (1 - fraction) / fraction) : (fraction >= 1 ? 0 : -1);
    m_progress->setValue(int(std::lround(fraction * 1000)));
    m_stage->setText(tr("%1 — %2 elapsed, %3 left in this stage").arg(stage, duration(elapsedMs), duration(left)));
}

void SensitivityPanel::onFinished(std::shared_ptr<const SensitivityRun> run) {
    updateEnabled();
    if (!run || !run->ok()) {
        m_stage->setText(red(tr("Sensitivity failed: %1").arg(run ? QString::fromStdString(run->error) : tr("the job failed"))));
        m_prefillPending = false;
        emit analysisFinished(false);
        return;
    }
    m_run = run;
    m_progress->setValue(1000);
    m_model->resetData(run);
    m_chart->setRun(run);
    syncKept();
    m_table->resizeColumnsToContents();
    const auto& r = run->result;
    m_stage->setText(tr("%1 layers ranked on %2 samples (calibrated on %3); %4 quantized models measured in %5 s.")
                         .arg(r.layers.size())
                         .arg(r.samples)
                         .arg(r.calibrationSamples)
                         .arg(r.measurements)
                         .arg(r.seconds, 0, 'f', 1));
    // The greedy search, step by step.
    auto opLabel = [&](OperatorIndex coreOp) {
        for (size_t i = 0; i < r.layers.size(); ++i)
            if (r.layers[i].op == coreOp) {
                const OperatorIndex f = run->floatOps[i].valid() ? run->floatOps[i] : coreOp;
                return QStringLiteral("#%1 %2").arg(f.index()).arg(qs(r.layers[i].type));
            }
        return QStringLiteral("#%1").arg(coreOp.index());
    };
    const double target = *run->request.options.targetSqnrDb;
    QString g = tr("<b>Greedy keep-float search</b> (target %1): all quantized %2").arg(db(target), db(r.allQuantized.sqnrDb));
    for (size_t k = 0; k < r.steps.size(); ++k) {
        QStringList ops;
        for (OperatorIndex op : r.steps[k].ops) ops << opLabel(op);
        g += QStringLiteral("; %1. +%2 → %3").arg(k + 1).arg(ops.join(QStringLiteral(", ")), db(r.steps[k].after.sqnrDb));
    }
    if (r.steps.empty() && r.targetMet) g += tr(" — meets the target: no layer needs to stay float.");
    else if (r.targetMet) g += tr(" — <font color=#2ca02c>target met</font>.");
    else g += tr(" — <font color=#c0392b>target not met</font> with %1 layers float: try int16x8, another calibrator or more data.").arg(r.keepFloat.size());
    m_greedy->setText(g);
    const int most = r.keepFloat.empty() ? int(r.layers.size()) : int(r.keepFloat.size());
    m_keepN->setRange(1, std::max(1, most));
    m_keepN->setValue(std::max(1, r.keepFloat.empty() ? 1 : int(r.keepFloat.size())));
    // The fully quantized model is the "before" of the first keep-float change.
    if (m_quantize && m_quantize->keepFloat().isEmpty()) {
        m_lastSqnr = r.allQuantized.sqnrDb;
        m_lastDescription = tr("all layers quantized");
    }
    updateHeader();
    if (m_prefillPending) applyPrefill();
    emit analysisFinished(true);
}

void SensitivityPanel::prefillKeepFloat() {
    if (isCurrent()) {
        applyPrefill();
        return;
    }
    m_prefillPending = true;
    if (!isBusy()) start();
}

void SensitivityPanel::applyPrefill() {
    m_prefillPending = false;
    if (!m_run || !m_quantize) return;
    const auto& r = m_run->result;
    QStringList names;
    for (const std::string& n : r.keepFloat) names << QString::fromStdString(n);
    QString why = tr("the greedy search's list (%1)").arg(r.targetMet ? tr("meets %1").arg(db(*m_run->request.options.targetSqnrDb))
                                                                      : tr("best found, target not met"));
    if (names.isEmpty() && !r.layers.empty()) { // everything quantized meets the target already
        names << QString::fromStdString(r.layers.front().name);
        why = tr("the most sensitive layer (all quantized already meets the target)");
    }
    m_quantize->setKeepFloat(names);
    m_comparison->setText(tr("Keep-float list of the Quantize tab prefilled with %1: %2").arg(why, names.join(QStringLiteral(", ")).toHtmlEscaped()));
    emit keepFloatPrefilled(names);
}

void SensitivityPanel::setLayerKeptFloat(int layer, bool keep) {
    if (!m_run || !m_quantize || layer < 0 || size_t(layer) >= m_run->result.layers.size()) return;
    const auto& l = m_run->result.layers[size_t(layer)];
    const QString name = QString::fromStdString(l.name);
    if (keep) m_quantize->addKeepFloat(name);
    else m_quantize->removeKeepFloat(name);
    const OperatorIndex f = m_run->floatOps[size_t(layer)].valid() ? m_run->floatOps[size_t(layer)] : l.op;
    requantize((keep ? tr("keeping #%1 %2 float") : tr("quantizing #%1 %2 again")).arg(f.index()).arg(qs(l.type)));
}

void SensitivityPanel::keepMostSensitive(int n) {
    if (!m_run || !m_quantize || n <= 0) return;
    const auto& r = m_run->result;
    QStringList names;
    for (const std::string& k : r.keepFloat) names << QString::fromStdString(k);
    if (names.isEmpty())
        for (const auto& l : r.layers) names << QString::fromStdString(l.name);
    names = names.mid(0, n);
    for (const QString& k : names) m_quantize->addKeepFloat(k);
    requantize(tr("keeping the %n most sensitive layer(s) float", nullptr, int(names.size())));
}

void SensitivityPanel::requantize(const QString& what) {
    if (m_quantize->mode() == Mode::Int8Only) m_quantize->setMode(Mode::Int8); // float ops need the float fallback
    m_pendingWhat = what;
    m_comparison->setText(tr("Quantizing again (%1)...").arg(what.toHtmlEscaped()));
    m_quantize->startQuantize();
}

void SensitivityPanel::onQuantized(std::shared_ptr<const QuantizeRun> run) {
    // Every new quantized model is measured on the ranking's samples: before -> after.
    if (!m_run || !run || !run->model) return;
    const double before = m_lastSqnr;
    const QString beforeText = m_lastDescription;
    const QString what = m_pendingWhat.isEmpty() ? tr("quantized in the Quantize tab") : m_pendingWhat;
    m_pendingWhat.clear();
    const QStringList kept = m_quantize ? m_quantize->keepFloat() : QStringList();
    const std::string spec = m_run->request.measureSpec;
    const size_t samples = m_run->request.measureSamples;
    m_comparison->setText(tr("Measuring the new model (%1)...").arg(what.toHtmlEscaped()));
    auto f = run->floatModel;
    auto q = run->model;
    m_measureJobs->run<OutputMeasurement>(
        tr("Measuring"), [f, q, spec, samples](const Progress& p) { return measureOutputSqnr(f, q, spec, samples, p); },
        [this, before, beforeText, what, kept, spec](std::shared_ptr<const OutputMeasurement> m) {
            if (!m || !m->error.empty()) {
                m_comparison->setText(red(tr("Measuring the new model failed: %1").arg(m ? QString::fromStdString(m->error) : QString())));
                return;
            }
            const QString keptText = kept.isEmpty() ? tr("none") : kept.join(QStringLiteral(", "));
            QString text = tr("<b>Output SQNR</b> (worst output, %1 samples of %2): ").arg(m->samples).arg(QString::fromStdString(spec).toHtmlEscaped());
            if (std::isnan(before)) text += QStringLiteral("<b>%1</b>").arg(db(m->sqnrDb));
            else {
                const double d = m->sqnrDb - before;
                text += QStringLiteral("%1 → <b>%2</b> (<font color=%3>%4%5 dB</font>)")
                            .arg(db(before), db(m->sqnrDb), d >= 0 ? QStringLiteral("#2ca02c") : QStringLiteral("#c0392b"),
                                 d >= 0 ? QStringLiteral("+") : QString())
                            .arg(std::isfinite(d) ? QString::number(d, 'f', 1) : QStringLiteral("∞"));
            }
            text += tr(" after %1.<br>Before: %2. Kept float now: %3.").arg(what.toHtmlEscaped(), beforeText.toHtmlEscaped(), keptText.toHtmlEscaped());
            m_comparison->setText(text);
            m_lastSqnr = m->sqnrDb;
            m_lastDescription = kept.isEmpty() ? tr("all layers quantized") : tr("kept float: %1").arg(keptText);
            emit measured(before, m->sqnrDb);
        });
    updateEnabled();
}

void SensitivityPanel::onRow(const QModelIndex& proxyIndex) {
    if (!proxyIndex.isValid()) return;
    const int layer = proxyIndex.data(SensitivityModel::LayerRole).toInt();
    m_chart->setSelectedLayer(layer);
    const int op = proxyIndex.data(SensitivityModel::OperatorRole).toInt();
    if (!m_selecting && op >= 0) emit layerSelected(OperatorIndex{size_t(op)});
}

void SensitivityPanel::selectOperator(OperatorIndex op) {
    if (!op.valid()) return;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->index(row, 0).data(SensitivityModel::OperatorRole).toInt() != int(op.index())) continue;
        const QModelIndex p = m_proxy->mapFromSource(m_model->index(row, SensitivityModel::Rank));
        m_selecting = true;
        m_table->setCurrentIndex(p);
        m_table->scrollTo(p);
        m_selecting = false;
        return;
    }
}

void SensitivityPanel::syncKept() {
    const QStringList names = m_quantize ? m_quantize->keepFloat() : QStringList();
    m_model->setKeptFloat(names);
    std::vector<int> kept;
    for (int i = 0; i < m_model->rowCount(); ++i)
        if (m_model->isKeptFloat(i)) kept.push_back(i);
    m_chart->setKept(kept);
}

void SensitivityPanel::updateHeader() {
    QString text = tr("<b>Sensitivity</b>: which layers cost the most when quantized, measured against the float model. "
                      "Uses the Quantize tab's mode, calibration data and calibrator.");
    if (m_run) {
        const auto& q = m_run->request.options.quantize;
        text += tr("<br>Ranking: mode <code>%1</code>, %2%3, calibration %4, measured on the first %5 samples of %6.")
                    .arg(qs(quantize::modeName(q.mode)), qs(q.calibrator.name()), q.perTensor ? tr(", per-tensor") : QString(),
                         m_run->request.calibSpec.empty() ? tr("none") : QString::fromStdString(m_run->request.calibSpec).toHtmlEscaped())
                    .arg(m_run->request.measureSamples)
                    .arg(QString::fromStdString(m_run->request.measureSpec).toHtmlEscaped());
        if (!m_run->request.modeNote.empty()) text += QStringLiteral(" <i>(%1)</i>").arg(qs(m_run->request.modeNote));
        const std::string& noise = lab::isRandomSpec(m_run->request.calibSpec) ? m_run->request.calibSpec : m_run->request.measureSpec;
        if (lab::isRandomSpec(noise))
            text = QStringLiteral("<p style='background:#fdebd0;color:#6e2c00'><b>%1</b></p>").arg(qs(lab::randomDataWarning(noise)).toHtmlEscaped()) + text;
    }
    m_header->setText(text);
}

void SensitivityPanel::updateEnabled() {
    const bool busy = m_jobs->isBusy();
    const bool ready = m_run && m_quantize;
    m_analyse->setEnabled(m_floatModel && m_quantize && !busy);
    m_cancel->setEnabled(busy);
    m_keepNButton->setEnabled(ready && !busy);
    m_keepN->setEnabled(ready && !busy);
    if (!busy && !m_run) m_progress->setValue(0);
}

} // namespace ql::ui

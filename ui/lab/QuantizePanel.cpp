#include "lab/QuantizePanel.h"

#include "calib/CalibratorRegistry.h"
#include "data/DataSource.h"
#include "tflite/ModelReader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <cmath>

namespace ql::ui {
using quantize::Mode;

namespace {
QString qs(std::string_view s) { return QString::fromUtf8(s.data(), int(s.size())); }
QString settingsKey(const QString& modelPath) {
    return QStringLiteral("lab/data/") + QString::fromUtf8(QFileInfo(modelPath).absoluteFilePath().toUtf8().toBase64(QByteArray::Base64UrlEncoding));
}
QString duration(qint64 ms) {
    if (ms < 0) return QStringLiteral("?");
    if (ms < 60000) return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s");
    return QStringLiteral("%1 min %2 s").arg(ms / 60000).arg((ms / 1000) % 60);
}
} // namespace

QuantizePanel::QuantizePanel(QWidget* parent) : QWidget(parent), m_jobs(new JobRunner(this)) {
    auto* top = new QVBoxLayout(this);
    m_modelLabel = new QLabel(tr("No float model open."), this);
    m_modelLabel->setWordWrap(true);
    top->addWidget(m_modelLabel);
    auto* form = new QFormLayout;
    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("mode"));
    for (Mode m : quantize::leafModes()) m_mode->addItem(qs(quantize::modeName(m)), int(m));
    m_mode->setCurrentIndex(3);
    form->addRow(tr("Mode"), m_mode);
    m_io = new QComboBox(this);
    m_io->addItem(tr("default (float; int8 for int8-only)"), int(quantize::IoType::Default));
    m_io->addItem(QStringLiteral("float"), int(quantize::IoType::Float));
    m_io->addItem(QStringLiteral("int8"), int(quantize::IoType::Int8));
    m_io->addItem(QStringLiteral("uint8"), int(quantize::IoType::UInt8));
    form->addRow(tr("Inputs and outputs"), m_io);
    auto* dataRow = new QHBoxLayout;
    m_data = new QLineEdit(this);
    m_data->setObjectName(QStringLiteral("dataSource"));
    m_data->setPlaceholderText(tr("choose data: a folder of images, a .npy / .npz file or *-idx3-ubyte[.gz]"));
    auto* browse = new QPushButton(tr("Folder..."), this);
    auto* browseFile = new QPushButton(tr("File..."), this);
    dataRow->addWidget(m_data, 1);
    dataRow->addWidget(browseFile);
    dataRow->addWidget(browse);
    form->addRow(tr("Data"), dataRow);
    m_inputs = new QLabel(this);
    m_inputs->setObjectName(QStringLiteral("modelInputs"));
    m_inputs->setWordWrap(true);
    m_inputs->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Model input"), m_inputs);
    m_norm = new QLineEdit(this);
    m_norm->setObjectName(QStringLiteral("normalization"));
    m_norm->setPlaceholderText(tr("from the model's metadata; or mean=127.5 std=127.5 (per channel: mean=123,117,104 ...) or range=-1,1"));
    m_norm->setToolTip(tr("Pixels p in [0, 255] become r = (p - mean) / std, or are mapped linearly onto [lo, hi]"));
    form->addRow(tr("Normalisation"), m_norm);
    m_random = new QCheckBox(tr("Random noise instead of data (smoke test only: every result says so)"), this);
    m_random->setObjectName(QStringLiteral("randomData"));
    form->addRow(QString(), m_random);
    m_dataNote = new QLabel(this);
    m_dataNote->setObjectName(QStringLiteral("dataNote"));
    m_dataNote->setWordWrap(true);
    form->addRow(QString(), m_dataNote);
    auto* calRow = new QHBoxLayout;
    m_calibrator = new QComboBox(this);
    for (const calib::CalibratorInfo& info : calib::calibratorRegistry()) { // CalibratorRegistry.h
        m_calibrator->addItem(QString::fromUtf8(info.name.data(), qsizetype(info.name.size())));
        m_calibrator->setItemData(m_calibrator->count() - 1, QString::fromUtf8(info.help.data(), qsizetype(info.help.size())), Qt::ToolTipRole);
    }
    m_percentile = new QDoubleSpinBox(this);
    m_percentile->setRange(50.0, 100.0);
    m_percentile->setDecimals(3);
    m_percentile->setValue(99.99);
    m_percentile->setSuffix(QStringLiteral(" %"));
    calRow->addWidget(m_calibrator);
    calRow->addWidget(m_percentile);
    calRow->addStretch(1);
    form->addRow(tr("Calibrator"), calRow);
    m_perTensor = new QCheckBox(tr("Per-tensor weights (default: per-channel, TFLite's axes)"), this);
    form->addRow(QString(), m_perTensor);
    auto* keepBox = new QVBoxLayout;
    m_keepFloat = new QListWidget(this);
    m_keepFloat->setObjectName(QStringLiteral("keepFloat"));
    m_keepFloat->setMaximumHeight(110);
    m_keepFloat->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto* keepRow = new QHBoxLayout;
    m_keepSelected = new QPushButton(tr("Keep the selected op in float"), this);
    m_keepSelected->setToolTip(tr("Select an operator in a graph, then add it here"));
    auto* keepType = new QLineEdit(this);
    keepType->setPlaceholderText(tr("op type or tensor name, Enter to add"));
    auto* keepRemove = new QPushButton(tr("Remove"), this);
    auto* keepClear = new QPushButton(tr("Clear"), this);
    keepClear->setObjectName(QStringLiteral("clearKeepFloat"));
    keepRow->addWidget(m_keepSelected);
    keepRow->addWidget(keepType, 1);
    keepRow->addWidget(keepRemove);
    keepRow->addWidget(keepClear);
    keepBox->addWidget(m_keepFloat);
    keepBox->addLayout(keepRow);
    form->addRow(tr("Keep in float"), keepBox);
    auto* overrideBox = new QVBoxLayout;
    m_overrideList = new QListWidget(this);
    m_overrideList->setObjectName(QStringLiteral("overrides"));
    m_overrideList->setMaximumHeight(80);
    m_overrideList->setToolTip(tr("From the what-if panel (Histogram and what-if: \"Apply to the lab's quantization\")"));
    auto* overrideClear = new QPushButton(tr("Clear overrides"), this);
    overrideClear->setObjectName(QStringLiteral("clearOverrides"));
    m_overrideClear = overrideClear;
    m_overrideHint = new QLabel(tr("None. In the main window's \"Histogram and what-if\" panel, choose a clip range or bit width "
                                   "for a tensor and press \"Apply to the lab's quantization\"."),
                                this);
    m_overrideHint->setWordWrap(true);
    overrideBox->addWidget(m_overrideHint);
    overrideBox->addWidget(m_overrideList);
    overrideBox->addWidget(overrideClear, 0, Qt::AlignLeft);
    form->addRow(tr("Per-tensor overrides"), overrideBox);
    connect(overrideClear, &QPushButton::clicked, this, &QuantizePanel::clearOverrides);
    m_output = new QLineEdit(this);
    m_output->setObjectName(QStringLiteral("outputPath"));
    form->addRow(tr("Output file"), m_output);
    top->addLayout(form);

    auto* run = new QHBoxLayout;
    m_quantize = new QPushButton(tr("Quantize"), this);
    m_quantize->setObjectName(QStringLiteral("quantize"));
    m_quantize->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    run->addWidget(m_quantize);
    run->addWidget(m_cancel);
    run->addWidget(m_progress, 1);
    top->addLayout(run);
    m_stage = new QLabel(this);
    m_stage->setObjectName(QStringLiteral("stage"));
    top->addWidget(m_stage);
    m_result = new QLabel(this);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(m_result);
    top->addStretch(1);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] {
        updateEnabled();
        if (!m_path.isEmpty()) {
            // MODEL_MODE.tflite in the folder last written to (the user's choice), else in the
            // application's data folder: never beside the source model by default (often read-only)
            const QFileInfo fi(m_path);
            const QString dir = !m_outDir.isEmpty() ? m_outDir
                                                    : QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
                                                          QStringLiteral("/quantized");
            m_output->setText(dir + QLatin1Char('/') + fi.completeBaseName() + QLatin1Char('_') +
                              qs(quantize::modeName(mode())).replace(QLatin1Char('-'), QLatin1Char('_')) + QStringLiteral(".tflite"));
        }
    });
    connect(m_calibrator, &QComboBox::currentIndexChanged, this, &QuantizePanel::updateEnabled);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Folder of images"));
        if (!d.isEmpty()) m_data->setText(d);
    });
    connect(browseFile, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Data file"), QString(), tr("Data (*.npy *.npz *ubyte *ubyte.gz);;All files (*)"));
        if (!f.isEmpty()) m_data->setText(f);
    });
    connect(m_keepSelected, &QPushButton::clicked, this, [this] {
        if (!m_model || !m_selected.valid()) return;
        const Subgraph& sg = m_model->subgraphs[0];
        const Operator& op = sg.operators[m_selected.index()];
        if (!op.outputs.empty() && op.outputs[0].valid()) addKeepFloat(QString::fromStdString(sg.tensor(op.outputs[0]).name));
    });
    connect(keepType, &QLineEdit::returnPressed, this, [this, keepType] {
        addKeepFloat(keepType->text().trimmed());
        keepType->clear();
    });
    connect(keepRemove, &QPushButton::clicked, this, [this] {
        qDeleteAll(m_keepFloat->selectedItems());
        emit keepFloatChanged();
    });
    connect(m_output, &QLineEdit::textEdited, this, [this](const QString& t) { m_outDir = t.isEmpty() ? QString() : QFileInfo(t).absolutePath(); });
    connect(keepClear, &QPushButton::clicked, this, &QuantizePanel::clearKeepFloat);
    showOverrides();
    connect(m_random, &QCheckBox::toggled, this, [this](bool on) {
        if (on && !lab::isRandomSpec(dataSource().toStdString())) m_data->setText(QStringLiteral("random:100"));
        if (!on && lab::isRandomSpec(dataSource().toStdString())) m_data->clear();
        updateEnabled();
    });
    connect(m_data, &QLineEdit::textChanged, this, &QuantizePanel::updateEnabled);
    connect(m_norm, &QLineEdit::textChanged, this, &QuantizePanel::updateEnabled);
    connect(m_quantize, &QPushButton::clicked, this, &QuantizePanel::startQuantize);
    connect(m_cancel, &QPushButton::clicked, this, &QuantizePanel::cancel);
    connect(m_jobs, &JobRunner::progressed, this, &QuantizePanel::onProgress);
    connect(m_jobs, &JobRunner::finished, this, &QuantizePanel::updateEnabled);
    updateEnabled();
}

void QuantizePanel::setFloatModel(std::shared_ptr<const Model> model, const QString& path) {
    if (path != m_path) clearOverrides(); // they name tensors of the previous model
    m_model = std::move(model);
    m_path = path;
    m_selected = OperatorIndex();
    m_modelLabel->setText(m_model ? tr("Float model: <b>%1</b> (%2 operators)").arg(QFileInfo(path).fileName().toHtmlEscaped())
                                        .arg(m_model->subgraphs.empty() ? 0 : m_model->subgraphs[0].operators.size())
                                  : tr("No float model open."));
    emit m_mode->currentIndexChanged(m_mode->currentIndex()); // refresh the output name
    // the data choice of this model (another model's data would not fit its input)
    const lab::DataChoice saved = m_model ? lab::DataChoice::deserialize(QSettings().value(settingsKey(path)).toString().toStdString())
                                          : lab::DataChoice{};
    m_random->blockSignals(true);
    m_random->setChecked(saved.isRandom());
    m_random->blockSignals(false);
    m_data->setText(QString::fromStdString(saved.spec));
    m_norm->setText(saved.normalization ? QString::fromStdString(lab::formatNormalization(*saved.normalization)) : QString());
    m_inputs->setText(m_model ? QString::fromStdString(lab::describeInputs(data::ModelInputInfo::fromModel(*m_model))) : QString());
    updateEnabled();
}

void QuantizePanel::setRandomAllowed(bool on) { m_random->setChecked(on); }
bool QuantizePanel::randomAllowed() const { return m_random->isChecked(); }
void QuantizePanel::setNormalization(const QString& text) { m_norm->setText(text); }
QString QuantizePanel::normalization() const { return m_norm->text().trimmed(); }

lab::DataChoice QuantizePanel::dataChoice() const {
    lab::DataChoice c;
    c.spec = dataSource().toStdString();
    if (auto n = lab::parseNormalization(normalization().toStdString())) c.normalization = *n;
    return c;
}

void QuantizePanel::rememberDataChoice() const {
    if (m_path.isEmpty() || dataSource().isEmpty()) return;
    QSettings().setValue(settingsKey(m_path), QString::fromStdString(dataChoice().serialize()));
}

void QuantizePanel::askForData(const QString& why) {
    m_dataNote->setText(QStringLiteral("<font color=#c0392b><b>%1</b></font>").arg(why.toHtmlEscaped()));
    m_data->setFocus();
}

void QuantizePanel::clearKeepFloat() {
    if (m_keepFloat->count() == 0) return;
    m_keepFloat->clear();
    emit keepFloatChanged();
}

void QuantizePanel::setTensorOverride(const TensorOverride& o) {
    if (o.tensor.isEmpty()) return;
    bool replaced = false;
    for (TensorOverride& e : m_overrides)
        if (e.tensor == o.tensor) {
            e = o;
            replaced = true;
        }
    if (!replaced) m_overrides.push_back(o);
    showOverrides();
    emit overridesChanged();
}

void QuantizePanel::clearOverrides() {
    if (m_overrides.isEmpty()) return;
    m_overrides.clear();
    showOverrides();
    emit overridesChanged();
}

void QuantizePanel::showOverrides() {
    m_overrideList->clear();
    for (const TensorOverride& o : m_overrides) {
        const QString what = o.constant ? tr("weights: %1 bits (scale from max |w|)").arg(o.bits)
                                        : tr("clip [%1, %2], %3 bits").arg(o.min, 0, 'g', 6).arg(o.max, 0, 'g', 6).arg(o.bits);
        auto* item = new QListWidgetItem(o.tensor + QStringLiteral("  →  ") + what, m_overrideList);
        item->setToolTip(o.tensor);
    }
    m_overrideList->setVisible(!m_overrides.isEmpty());
    m_overrideClear->setVisible(!m_overrides.isEmpty());
    m_overrideHint->setVisible(m_overrides.isEmpty());
}

void QuantizePanel::applyLeaf(const quantize::Leaf& leaf) {
    setMode(leaf.mode);
    m_io->setCurrentIndex(m_io->findData(int(leaf.io)));
    clearKeepFloat();
    clearOverrides();
    setCalibrator(QStringLiteral("minmax"));
    m_perTensor->setChecked(false);
    m_result->clear();
    m_stage->clear();
}

void QuantizePanel::setMode(Mode mode) { m_mode->setCurrentIndex(m_mode->findData(int(mode))); }
Mode QuantizePanel::mode() const { return Mode(m_mode->currentData().toInt()); }
void QuantizePanel::setDataSource(const QString& spec) {
    // a caller that sets random noise chose it (tests, `quantlab --lab --data random:N`)
    m_random->setChecked(lab::isRandomSpec(spec.toStdString()));
    m_data->setText(spec);
}
QString QuantizePanel::dataSource() const { return m_data->text().trimmed(); }
void QuantizePanel::setOutputPath(const QString& path) {
    m_output->setText(path);
    m_outDir = path.isEmpty() ? QString() : QFileInfo(path).absolutePath();
}
QString QuantizePanel::outputPath() const { return m_output->text().trimmed(); }
void QuantizePanel::setPerTensor(bool on) { m_perTensor->setChecked(on); }
bool QuantizePanel::perTensor() const { return m_perTensor->isChecked(); }
QString QuantizePanel::statusText() const { return m_stage->text(); }

namespace {
bool calibratorTakesParameter(const QString& name) {
    const calib::CalibratorInfo* info = calib::findCalibrator(name.toStdString());
    return info && info->parameter;
}
} // namespace

void QuantizePanel::setCalibrator(const QString& text) {
    const QString kind = text.section(QLatin1Char(':'), 0, 0);
    m_calibrator->setCurrentText(kind);
    if (calibratorTakesParameter(kind) && text.contains(QLatin1Char(':'))) m_percentile->setValue(text.section(QLatin1Char(':'), 1).toDouble());
}

void QuantizePanel::addKeepFloat(const QString& name) {
    if (name.isEmpty() || !m_keepFloat->findItems(name, Qt::MatchExactly).isEmpty()) return;
    m_keepFloat->addItem(name);
    emit keepFloatChanged();
}

void QuantizePanel::removeKeepFloat(const QString& name) {
    const auto items = m_keepFloat->findItems(name, Qt::MatchExactly);
    if (items.isEmpty()) return;
    qDeleteAll(items);
    emit keepFloatChanged();
}

void QuantizePanel::setKeepFloat(const QStringList& names) {
    m_keepFloat->clear();
    for (const QString& n : names)
        if (!n.isEmpty() && m_keepFloat->findItems(n, Qt::MatchExactly).isEmpty()) m_keepFloat->addItem(n);
    emit keepFloatChanged();
}

QStringList QuantizePanel::keepFloat() const {
    QStringList out;
    for (int i = 0; i < m_keepFloat->count(); ++i) out << m_keepFloat->item(i)->text();
    return out;
}

void QuantizePanel::setSelectedOperator(OperatorIndex op) {
    m_selected = op;
    if (m_model && op.valid() && op.index() < m_model->subgraphs[0].operators.size())
        m_keepSelected->setText(tr("Keep #%1 %2 in float").arg(op.index()).arg(QString::fromStdString(m_model->subgraphs[0].operators[op.index()].typeName())));
    updateEnabled();
}

void QuantizePanel::updateEnabled() {
    const bool busy = m_jobs->isBusy();
    const bool calib = quantize::needsCalibration(mode());
    m_data->setEnabled(calib && !busy && !m_random->isChecked());
    m_norm->setEnabled(calib && !busy);
    m_random->setEnabled(calib && !busy);
    QString note;
    const std::string spec = dataSource().toStdString();
    if (!calib) note = tr("Mode %1 needs no data (weights only).").arg(qs(quantize::modeName(mode())));
    else if (spec.empty()) note = tr("Calibration needs data shaped like the model's input: choose a folder of images, a .npy/.npz file or an IDX file.");
    else if (lab::isRandomSpec(spec) && !m_random->isChecked()) note = tr("random noise was not chosen: tick the box below the data to use it.");
    else if (lab::isRandomSpec(spec)) note = QStringLiteral("<font color=#b9770e><b>%1</b></font>").arg(qs(lab::randomDataWarning(spec)).toHtmlEscaped());
    else if (auto n = lab::parseNormalization(normalization().toStdString()); !n) note = QStringLiteral("<font color=#c0392b>%1</font>").arg(qs(n.message()).toHtmlEscaped());
    m_dataNote->setText(note);
    m_calibrator->setEnabled(calib && !busy);
    m_percentile->setVisible(calibratorTakesParameter(m_calibrator->currentText()));
    m_quantize->setEnabled(m_model && !busy);
    m_cancel->setEnabled(busy);
    m_keepSelected->setEnabled(m_model && m_selected.valid());
    if (!busy) m_progress->setValue(0);
}

QString QuantizePanel::calibrator() const {
    QString cal = m_calibrator->currentText();
    if (calibratorTakesParameter(cal)) cal += QLatin1Char(':') + QString::number(m_percentile->value(), 'g', 6);
    return cal;
}

QString QuantizePanel::buildOptions(quantize::QuantizeJobOptions* o) const {
    o->quantize.mode = mode();
    o->quantize.io = quantize::IoType(m_io->currentData().toInt());
    o->quantize.perTensor = m_perTensor->isChecked();
    auto c = calib::Calibrator::parse(calibrator().toStdString());
    if (!c) return tr("Calibrator: %1").arg(QString::fromStdString(c.message()));
    o->quantize.calibrator = *c;
    for (const QString& k : keepFloat()) o->quantize.keepFloat.push_back(k.toStdString());
    // What-if overrides: the runtime has int8 and int16x8 activation kernels and int8 and int4
    // (FULLY_CONNECTED) weights; other bit widths stay a what-if.
    for (const TensorOverride& t : m_overrides) {
        const std::string name = t.tensor.toStdString();
        if (t.constant) {
            if (t.bits != 8 && t.bits != 4)
                return tr("Override of %1: weights can be written with 8 or 4 bits, not %2.").arg(t.tensor).arg(t.bits);
            o->quantize.weightsFor.emplace_back(name, t.bits == 4 ? quantize::WeightType::Int4 : quantize::WeightType::Int8);
            continue;
        }
        if (t.bits != 8 && t.bits != 16)
            return tr("Override of %1: activations can be written with 8 or 16 bits, not %2.").arg(t.tensor).arg(t.bits);
        if (!quantize::needsCalibration(o->quantize.mode))
            return tr("Override of %1: mode %2 leaves activations in float; choose int8, int8-only or int16x8.")
                .arg(t.tensor, qs(quantize::modeName(o->quantize.mode)));
        o->quantize.rangeFor.emplace_back(name, calib::Range{float(t.min), float(t.max)});
        if (t.bits == 16 && o->quantize.mode != Mode::Int16x8) o->quantize.int16.push_back(name);
    }
    if (quantize::needsCalibration(o->quantize.mode)) {
        o->calibSpec = dataSource().toStdString();
        if (o->calibSpec.empty())
            return tr("Mode %1 needs calibration data: choose a folder of images, a .npy/.npz file or an IDX file (or tick random noise for a smoke test).")
                .arg(qs(quantize::modeName(o->quantize.mode)));
        if (lab::isRandomSpec(o->calibSpec) && !m_random->isChecked())
            return tr("%1 is random noise, which was not chosen: tick 'Random noise instead of data' or choose data.").arg(dataSource());
        auto norm = lab::parseNormalization(normalization().toStdString());
        if (!norm) return qs(norm.message());
        o->data.normalization = *norm;
    }
    if (outputPath().isEmpty()) return tr("Choose an output file.");
    if (QFileInfo(outputPath()).absoluteFilePath() == QFileInfo(m_path).absoluteFilePath())
        return tr("The output file is the float model; choose another path.");
    return {};
}

void QuantizePanel::startQuantize() {
    if (!m_model) return;
    quantize::QuantizeJobOptions options;
    const QString problem = buildOptions(&options);
    if (!problem.isEmpty()) {
        if (quantize::needsCalibration(mode()) && (dataSource().isEmpty() || lab::isRandomSpec(dataSource().toStdString())))
            askForData(problem);
        m_result->setText(QStringLiteral("<font color=#c0392b>%1</font>").arg(problem.toHtmlEscaped()));
        emit quantizeFailed(problem);
        return;
    }
    m_result->clear();
    rememberDataChoice();
    QDir().mkpath(QFileInfo(outputPath()).absolutePath());
    auto model = m_model;
    // the data goes with the run for the side-by-side view and the measurement (every mode)
    lab::DataChoice choice = dataChoice();
    if (choice.isRandom() && !m_random->isChecked()) choice = {};
    const std::string floatPath = m_path.toStdString(), outPath = outputPath().toStdString();
    m_jobs->run<QuantizeRun>(tr("Quantizing"), [model, options, choice, floatPath, outPath](const Progress& progress) {
        auto run = std::make_shared<QuantizeRun>();
        run->floatModel = model;
        run->floatPath = floatPath;
        run->outPath = outPath;
        run->dataSpec = options.calibSpec;
        run->data = choice;
        run->mode = options.quantize.mode;
        // n of N: the calibration stage reports a fraction of the source's samples.
        size_t total = 0;
        if (quantize::needsCalibration(options.quantize.mode)) {
            auto src = data::openDataSource(options.calibSpec, data::ModelInputInfo::fromModel(*model), options.data);
            if (src) total = (*src)->size();
        }
        Progress counted = progress;
        counted.report = [&progress, total](std::string_view stage, double f) {
            if (total && stage == "calibrating")
                progress("calibrating: sample " + std::to_string(size_t(std::lround(f * double(total)))) + " of " + std::to_string(total), f);
            else
                progress(stage, f);
        };
        Result<quantize::QuantizeJobResult> r = makeError("not run");
        try { // the engine reports errors as values; anything thrown (bad_alloc) must not lose the job
            r = quantize::runQuantize(model, options, counted);
        } catch (const std::exception& e) {
            run->error = std::string("internal error: ") + e.what();
            return std::shared_ptr<const QuantizeRun>(run);
        }
        if (!r) {
            run->error = r.message();
            return std::shared_ptr<const QuantizeRun>(run);
        }
        run->report = r->result.report;
        run->samples = r->stats ? r->stats->samples : 0;
        run->calibrationSeconds = r->calibrationSeconds;
        run->quantizeSeconds = r->quantizeSeconds;
        progress("writing", 0.0);
        Status st = quantize::writeQuantized(r->result.model, outPath, floatPath, progress);
        if (!st) {
            run->error = st.message();
            return std::shared_ptr<const QuantizeRun>(run);
        }
        auto back = readModelFile(outPath);
        if (!back) run->error = "reading back " + outPath + ": " + back.message();
        else run->model = *back;
        progress("writing", 1.0);
        return std::shared_ptr<const QuantizeRun>(run);
    }, [this](std::shared_ptr<const QuantizeRun> run) { onFinished(std::move(run)); });
    m_stage->setText(tr("Starting..."));
    updateEnabled();
    emit quantizeStarted();
}

void QuantizePanel::cancel() {
    if (!m_jobs->isBusy()) return;
    m_jobs->cancel();
    m_stage->setText(tr("Cancelled: no file was written."));
    updateEnabled();
}

void QuantizePanel::onProgress(const QString& stage, double fraction, qint64 elapsedMs, qint64 remainingMs) {
    m_progress->setValue(int(std::lround(fraction * 1000)));
    m_stage->setText(tr("%1 — %2 elapsed, %3 left").arg(stage, duration(elapsedMs), duration(remainingMs)));
}

void QuantizePanel::onFinished(std::shared_ptr<const QuantizeRun> run) {
    updateEnabled();
    if (!run || !run->model) {
        const QString msg = run ? QString::fromStdString(run->error) : tr("the job failed");
        m_stage->setText(tr("Failed."));
        m_result->setText(QStringLiteral("<font color=#c0392b>%1</font>").arg(msg.toHtmlEscaped()));
        emit quantizeFailed(msg);
        return;
    }
    const auto& rep = run->report;
    m_stage->setText(tr("Done."));
    QString text = tr("Wrote <b>%1</b>: %2 ops quantized, %3 left float, %4 QUANTIZE / %5 DEQUANTIZE inserted")
                       .arg(QString::fromStdString(run->outPath).toHtmlEscaped())
                       .arg(rep.quantizedOps)
                       .arg(rep.floatOps.size())
                       .arg(rep.insertedQuantize)
                       .arg(rep.insertedDequantize);
    if (run->samples) text += tr("; calibrated on %1 samples in %2 s").arg(run->samples).arg(run->calibrationSeconds, 0, 'f', 2);
    for (const auto& f : rep.floatOps) text += QStringLiteral("<br>float: ") + QString::fromStdString(f).toHtmlEscaped();
    if (run->data.isRandom())
        text = QStringLiteral("<font color=#b9770e><b>%1</b></font><br>").arg(qs(lab::randomDataWarning(run->data.spec)).toHtmlEscaped()) + text;
    m_result->setText(text);
    emit quantized(std::move(run));
}

} // namespace ql::ui

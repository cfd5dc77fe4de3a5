#pragma once
// The lab's sensitivity panel: which layers cost the most when quantized,
// and one click to keep a layer in float and quantize again.
//
// "Analyse" runs core's sensitivity analysis (analysis/Sensitivity.h, via SensitivityRun.h)
// on the open float model with the quantize panel's current settings (mode, calibration data,
// calibrator, per-tensor) in a JobRunner job: progress shows the stage, n of N and the time
// left in the stage; Cancel stops it. The ranking fills a sortable table (SensitivityModel)
// and a bar chart (SensitivityChart). A row or bar selects the layer (layerSelected: the lab
// selects it in both graph panes). Ticking "Keep float" adds the layer to the quantize
// panel's keep-float list and quantizes again (the lab opens the result side by side); the
// new model's output SQNR is then measured on the ranking's samples and shown as before -> after.
// "Keep the N most sensitive" takes the first N layers of the greedy keep-float search.
//
// int8-only admits no float operator: it is measured as int8, and keeping a layer float
// switches the quantize panel to int8 (float fallback).

#include "JobRunner.h"
#include "lab/SensitivityRun.h"

#include <QWidget>
#include <memory>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace ql::ui {

class QuantizePanel;
class SensitivityChart;
class SensitivityModel;
struct QuantizeRun;

class SensitivityPanel : public QWidget {
    Q_OBJECT
public:
    explicit SensitivityPanel(QWidget* parent = nullptr);

    // The panel whose settings the analysis uses and whose keep-float list it edits.
    void setQuantizePanel(QuantizePanel* panel);
    void setFloatModel(std::shared_ptr<const Model> model);

    // Measurement data (SRC; empty: the calibration data, or other random data when that is
    // random) and how many of its samples; the greedy search's SQNR target.
    void setMeasureSource(const QString& spec);
    void setMeasureSamples(int n);
    void setTargetSqnr(double db);

    // The request the current settings give (error text when they cannot be analysed).
    QString buildRequest(SensitivityRequest* request) const;
    void start();
    void cancel();
    bool isBusy() const { return m_jobs->isBusy(); }
    bool isMeasuring() const { return m_measureJobs->isBusy(); }
    JobRunner* jobs() const { return m_jobs; }
    std::shared_ptr<const SensitivityRun> run() const { return m_run; }
    // Whether the shown ranking was measured with the current settings.
    bool isCurrent() const;

    // Keep float: edits the quantize panel's list and quantizes again.
    void setLayerKeptFloat(int layer, bool keep);
    void keepMostSensitive(int n);
    // The wizard's "keep the most sensitive layers in float": fills the quantize panel's list
    // from the greedy search (its first layer when the fully quantized model already meets
    // the target); runs the analysis first when there is no current ranking.
    void prefillKeepFloat();

    // Selects the row of the float model's operator `op` (no layerSelected).
    void selectOperator(OperatorIndex op);

    SensitivityModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    SensitivityChart* chart() const { return m_chart; }
    QString statusText() const;
    QString comparisonText() const;
    // Worst-output SQNR of the last measured quantized model (NaN: none yet).
    double lastSqnr() const { return m_lastSqnr; }

signals:
    void analysisFinished(bool ok);
    void layerSelected(ql::OperatorIndex floatOp);
    void keepFloatPrefilled(const QStringList& names);
    void measured(double beforeDb, double afterDb);

private:
    void onProgress(const QString& stage, double fraction, qint64 elapsedMs, qint64 remainingMs);
    void onFinished(std::shared_ptr<const SensitivityRun> run);
    void onQuantized(std::shared_ptr<const QuantizeRun> run);
    void onRow(const QModelIndex& proxyIndex);
    void applyPrefill();
    void requantize(const QString& what);
    void syncKept();
    void updateHeader();
    void updateEnabled();

    QuantizePanel* m_quantize = nullptr;
    std::shared_ptr<const Model> m_floatModel;
    std::shared_ptr<const SensitivityRun> m_run;
    JobRunner* m_jobs;
    JobRunner* m_measureJobs;
    bool m_prefillPending = false;
    bool m_selecting = false;
    QString m_stageName;
    qint64 m_stageStartMs = 0;
    double m_stageFraction = 0;
    double m_lastSqnr;          // the model the next "before" refers to
    QString m_lastDescription;  // its keep-float list, for the text
    QString m_pendingWhat;      // what the running quantization changed

    QLabel* m_header;
    QLineEdit* m_measure;
    QSpinBox* m_samples;
    QDoubleSpinBox* m_target;
    QPushButton* m_analyse;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_stage;
    SensitivityModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    SensitivityChart* m_chart;
    QLabel* m_greedy;
    QSpinBox* m_keepN;
    QPushButton* m_keepNButton;
    QLabel* m_comparison;
};

} // namespace ql::ui

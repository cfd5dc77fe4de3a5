#pragma once
// The quantization run panel: mode, data source (SRC), calibrator, per-tensor
// weights, I/O type, the ops kept in float (picked in a graph or typed), the output file.
// "Quantize" runs core/quantize/QuantizeJob.h's runQuantize and writeQuantized in a JobRunner
// job with progress (stage, n of N, time left) and cancel; the written model is read back and
// handed on as a QuantizeRun snapshot (the lab opens it beside the float model).

#include "JobRunner.h"
#include "lab/DataChoice.h"
#include "quantize/DecisionTree.h"
#include "quantize/QuantizeJob.h"

#include <QElapsedTimer>
#include <QWidget>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace ql::ui {

struct QuantizeRun {
    std::shared_ptr<const Model> floatModel;
    std::string floatPath;
    std::shared_ptr<const Model> model; // read back from outPath (null on failure)
    std::string outPath;
    std::string dataSpec;
    lab::DataChoice data;   // the source and normalisation calibration ran on
    quantize::Mode mode = quantize::Mode::None;
    quantize::QuantizeReport report;
    size_t samples = 0;
    double calibrationSeconds = 0, quantizeSeconds = 0;
    std::string error;
};

// A tensor's what-if choice applied to the lab's quantization: activations are quantized over
// [min, max] (16 bits: int16x8 kernels for the operator producing it, mode int8 only); weights
// get the bit width (8 or 4; a weight's scale always follows its own max |w|).
struct TensorOverride {
    QString tensor;
    double min = 0, max = 0;
    int bits = 8;
    bool constant = false; // a weight
};

class QuantizePanel : public QWidget {
    Q_OBJECT
public:
    explicit QuantizePanel(QWidget* parent = nullptr);

    void setFloatModel(std::shared_ptr<const Model> model, const QString& path);
    std::shared_ptr<const Model> floatModel() const { return m_model; }
    // A fresh configuration for a leaf of the decision tree: its mode and I/O type, and nothing
    // left over from an earlier run (keep-float list emptied, minmax, per-channel weights).
    // The data choice stays: it belongs to the model, not to the leaf.
    void applyLeaf(const quantize::Leaf& leaf);

    void setMode(quantize::Mode mode);
    quantize::Mode mode() const;
    void setDataSource(const QString& spec);
    QString dataSource() const;
    // Random noise is used only when chosen here explicitly (a smoke test; results say so).
    void setRandomAllowed(bool on);
    bool randomAllowed() const;
    // "mean=127.5 std=127.5", "range=0,1" or empty (the model's metadata, else pixels / 255).
    void setNormalization(const QString& text);
    QString normalization() const;
    // The data choice as entered (normalisation text that does not parse is left out).
    lab::DataChoice dataChoice() const;
    // Remembered per model (QSettings, by the model's absolute path); restored by setFloatModel.
    void rememberDataChoice() const;
    // Shows the data row as the thing to fill in (a job that needs data has none).
    void askForData(const QString& why);
    void clearKeepFloat();
    // Per-tensor overrides from the what-if panel (one per tensor: a later one replaces it).
    // Kept while the same float model stays open; emptied by applyLeaf and another model.
    void setTensorOverride(const TensorOverride& o);
    void clearOverrides();
    QList<TensorOverride> overrides() const { return m_overrides; }
    void setOutputPath(const QString& path);
    QString outputPath() const;
    void setCalibrator(const QString& text); // "minmax", "percentile:99.9", "mse", "kl"
    void setPerTensor(bool on);
    bool perTensor() const;
    QString calibrator() const; // "minmax", "percentile:99.99", ...
    void addKeepFloat(const QString& opOrTensor);
    void removeKeepFloat(const QString& opOrTensor);
    void setKeepFloat(const QStringList& names); // replaces the list
    QStringList keepFloat() const;
    // The operator selected in a graph (float model, subgraph 0), offered for "keep in float".
    void setSelectedOperator(OperatorIndex op);

    // The options the job would get (also validates; error text when invalid).
    QString buildOptions(quantize::QuantizeJobOptions* options) const;

    void startQuantize();
    void cancel();
    bool isBusy() const { return m_jobs->isBusy(); }
    JobRunner* jobs() const { return m_jobs; }
    QString statusText() const;

signals:
    void quantizeStarted();
    void quantized(std::shared_ptr<const ql::ui::QuantizeRun> run);
    void quantizeFailed(const QString& message);
    void keepFloatChanged(); // the keep-float list was edited (any way)
    void overridesChanged();

private:
    void onProgress(const QString& stage, double fraction, qint64 elapsedMs, qint64 remainingMs);
    void onFinished(std::shared_ptr<const QuantizeRun> run);
    void updateEnabled();
    void showOverrides();

    std::shared_ptr<const Model> m_model;
    QString m_path;
    QString m_outDir; // the folder of an output path set by the user (empty: the app's data folder)
    OperatorIndex m_selected;
    JobRunner* m_jobs;

    QLabel* m_modelLabel;
    QComboBox* m_mode;
    QComboBox* m_io;
    QLineEdit* m_data;
    QCheckBox* m_random;
    QLineEdit* m_norm;
    QLabel* m_inputs;
    QLabel* m_dataNote;
    QComboBox* m_calibrator;
    QDoubleSpinBox* m_percentile;
    QCheckBox* m_perTensor;
    QListWidget* m_keepFloat;
    QList<TensorOverride> m_overrides;
    QListWidget* m_overrideList;
    QWidget* m_overrideClear;
    QLabel* m_overrideHint; // shown while there is no override
    QPushButton* m_keepSelected;
    QLineEdit* m_output;
    QPushButton* m_quantize;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_stage;
    QLabel* m_result;
};

} // namespace ql::ui

#pragma once
// Float and quantized model side by side: two graph panes (ui/graph GraphView) kept in step
// (selection by matching tensor names, zoom and scroll by position relative to each layout),
// the same input through both models on the interpreter (core/lab/SideBySide.h), the input
// shown as an image when it is one, the outputs side by side with their differences, SQNR and
// top-k. Layout and inference run in one job; the tables are filled from its snapshot.
//
// Results arrive in stages: first the graphs and the outputs (filled()), then, from a second
// job, the per-layer error of core/analysis/Compare.h over the first samples of the source
// (layerErrorsFilled()): a sortable table (a click selects the layer in both panes) and the
// error heat map on both graphs (the "value" overlay: 60 dB - per-layer SQNR, hot = worse),
// and the histograms of the selected layer (TensorHistogramView: float vs quantized values with
// the grid and clip limits, the error), selected in either graph or in the table.
// Classifier outputs are labelled from the model's metadata (core/analysis/Labels.h) or from a
// labels file the user gives (one per line), in the top-5 and in the output table.

#include "JobRunner.h"
#include "Snapshots.h"
#include "analysis/Compare.h"
#include "lab/OutputTableModel.h"
#include "lab/SideBySide.h"

#include <QWidget>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace ql::ui {

class GraphView;
class LayerErrorModel;
class TensorHistogramView;

struct CompareSnapshot {
    std::shared_ptr<const GraphSnapshot> left, right; // null: unchanged
    std::vector<OperatorIndex> leftToRight, rightToLeft;
    std::shared_ptr<const lab::SideBySideResult> result;
    std::shared_ptr<const OutputTableModel::Labels> labels; // per float output, from metadata (with a layout)
    std::string error;
};

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    // Lays out both graphs and runs the current input through both models.
    void setModels(std::shared_ptr<const Model> floatModel, const QString& floatPath, std::shared_ptr<const Model> quantModel,
                   const QString& quantPath);
    void setDataSource(const QString& spec); // SRC or an image file
    QString dataSource() const;
    void setSampleIndex(int index);
    void refresh(); // runs the input again (new sample or source)

    bool isFilled() const { return m_filled; }
    bool isBusy() const { return m_jobs->isBusy(); }
    GraphView* leftView() const { return m_left; }
    GraphView* rightView() const { return m_right; }
    OutputTableModel* outputs() const { return m_outputs; }
    std::shared_ptr<const lab::SideBySideResult> result() const { return m_result; }
    QString errorText() const { return m_error; }
    // The random-noise warning shown above the results (empty: real data).
    QString dataWarning() const;
    // Selects an operator of the float model in both panes.
    void selectFloatOperator(OperatorIndex op);
    // Selects layer `layer` of the per-layer error (index into its result's layers) in both
    // panes and shows its histograms.
    void selectLayer(int layer);
    // Samples of the source used for the per-layer error (default 8).
    void setLayerErrorSamples(size_t n) { m_layerSamples = n; }
    LayerErrorModel* layerErrors() const { return m_layers; }
    bool isLayerErrorsFilled() const { return m_layersFilled; }
    QString layerErrorText() const { return m_layerError; }
    QTableView* layerTable() const { return m_layerView; }
    // Float and quantized histograms of the selected layer (filled with the per-layer error).
    TensorHistogramView* histograms() const { return m_hist; }

    // Class labels for classifier outputs, replacing the model's own (empty: the model's again).
    void setLabels(std::vector<std::string> labels);
    // Reads a labels file (one label per line); returns the error, empty on success.
    QString loadLabelsFile(const QString& path);
    // Labels shown for output `output` (the user's, else the model's metadata), empty if none.
    std::vector<std::string> labelsFor(size_t output) const;
    QString summaryText() const;
    // The heat map's colour key (blue: least error added ... red: most, in per-layer SQNR).
    QString heatLegendText() const;

signals:
    void filled();                                  // graphs and outputs are shown
    void layerErrorsFilled();                       // the per-layer table and heat map are shown
    void failed(const QString& message);
    void floatOperatorSelected(ql::OperatorIndex op); // for "keep in float"
    // Per operator of the float model (subgraph 0; NaN = none): 60 dB - per-layer SQNR, for the
    // main window's graph.
    void floatLayerValues(std::shared_ptr<const std::vector<double>> values, const QString& label);

private:
    void start(bool layout);
    void onSnapshot(std::shared_ptr<const CompareSnapshot> snap);
    void syncView(GraphView* from, GraphView* to);
    void onNodeClicked(bool fromLeft, int node);
    void showResult();
    void startLayerErrors();
    void onLayerRow(const QModelIndex& index);
    void onEdgeClicked(bool fromLeft, int edge);
    // Shows the histograms of the layer of this quantized-model operator (when the per-layer
    // error is there; remembered until then).
    void showHistogramsFor(OperatorIndex quantOp);
    std::shared_ptr<const OutputTableModel::Labels> shownLabels() const;

    std::shared_ptr<const Model> m_floatModel, m_quantModel;
    QString m_floatPath, m_quantPath;
    std::vector<OperatorIndex> m_leftToRight, m_rightToLeft;
    std::shared_ptr<const lab::SideBySideResult> m_result;
    QString m_error;
    bool m_filled = false;
    bool m_layersFilled = false;
    size_t m_layerSamples = 8;
    QString m_layerError;
    bool m_syncing = false;
    OperatorIndex m_selectedQuantOp;
    std::shared_ptr<const OutputTableModel::Labels> m_metaLabels;
    std::vector<std::string> m_userLabels;

    JobRunner* m_jobs;
    QLineEdit* m_source;
    QSpinBox* m_sample;
    QCheckBox* m_sync;
    QLabel* m_banner;
    QLabel* m_heatLegend;
    QLabel* m_leftTitle;
    QLabel* m_rightTitle;
    GraphView* m_left;
    GraphView* m_right;
    QTabWidget* m_tabs;
    QLabel* m_image;
    QLabel* m_summary;
    QTableView* m_outputView;
    OutputTableModel* m_outputs;
    JobRunner* m_layerJobs;
    LayerErrorModel* m_layers;
    QTableView* m_layerView;
    QLabel* m_layerStatus;
    TensorHistogramView* m_hist;
    QLabel* m_status;
};

} // namespace ql::ui

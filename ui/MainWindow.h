#pragma once
// The main window: composed of the graph page (centre) and docks (model, operator, tensor,
// histograms, problems). It holds the current model snapshot and hands snapshots to the
// pages; all loading and layout runs in jobs (JobRunner), results arrive as immutable
// snapshots. Settings (recent files, dock layout, theme) live in QSettings.

#include "Snapshots.h"

#include <QMainWindow>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QTableView;
class QToolButton;

namespace ql::ui {

class DiagnosticsModel;
class GraphPage;
class HistogramPanel;
class JobRunner;
class ModelInfoModel;
class OperatorPanel;
class TensorPanel;
class WorkshopPage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class View { Graph, Operator, Tensor, Histogram, Problems, Model };

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a model in the background; errors go to the problems panel, never thrown.
    void openModel(const QString& path);
    void closeModel();
    // The lab window (created on first use) on the open model; its results reach this graph.
    void openLab();
    std::shared_ptr<const Model> model() const { return m_loaded ? m_loaded->model : nullptr; }
    std::shared_ptr<const LoadedModel> loaded() const { return m_loaded; }

    // Processes events until no job is running (or the timeout): for tests and --screenshot.
    bool waitUntilIdle(int timeoutMs = 30000);
    bool isBusy() const;
    // Selects the first operator with quantized or constant weights (for screenshots).
    void selectInterestingOperator();
    void showView(View view);
    // Opens (or raises) the workshop page, on the current model or else the bundled demo.
    WorkshopPage* showWorkshop();

    // Hooks for later analyses: per-operator values of subgraph 0 for the colour overlay
    // (e.g. per-layer error), and activation samples from calibration for the histograms.
    void setOperatorValues(std::shared_ptr<const std::vector<double>> values, const QString& label);
    void setActivationSamples(std::shared_ptr<const ActivationSamples> samples);
    std::shared_ptr<const ActivationSamples> activationSamples() const { return m_samples; }

    // Runs the float model over a data source (SRC, data/DataSource.h) in a job and feeds the
    // activation histograms; `calibrator` picks the range drawn as chosen. Errors go to the
    // problems panel.
    void loadActivationData(const QString& spec, const QString& calibrator = QStringLiteral("minmax"), size_t maxSamples = 0);
    JobRunner* activationJobs() const { return m_sampleJobs; }
    QAction* loadDataAction() const { return m_loadDataAction; }
    // The tensor the inspectors show (invalid when none).
    TensorIndex currentTensor() const { return m_currentTensor; }
    void selectTensor(TensorIndex tensor);

    GraphPage* graphPage() const { return m_graph; }
    OperatorPanel* operatorPanel() const { return m_operator; }
    TensorPanel* tensorPanel() const { return m_tensor; }
    HistogramPanel* histogramPanel() const { return m_histogram; }
    DiagnosticsModel* diagnosticsModel() const { return m_diagnostics; }

signals:
    void modelLoaded();     // a model (or a load error) arrived
    void activationDataLoaded(bool ok); // a loadActivationData job finished (not when cancelled)
    void graphShown();      // the graph of the loaded model was painted

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    void createDocks();
    void createActions();
    void createStatusBar();
    void onOpen();
    void onLoadData();
    void onLoaded(std::shared_ptr<const struct OpenedModel> opened);
    void onOperatorSelected(SubgraphIndex subgraph, OperatorIndex op);
    void onTensorSelected(SubgraphIndex subgraph, TensorIndex tensor);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void setDark(bool dark);
    void showProblems(std::shared_ptr<const std::vector<Diagnostic>> items);
    QDockWidget* dock(const QString& title, const QString& objectName, QWidget* content, Qt::DockWidgetArea area);

    std::shared_ptr<const LoadedModel> m_loaded;
    std::shared_ptr<const ActivationSamples> m_samples;
    JobRunner* m_loader;
    JobRunner* m_tensorJobs;
    JobRunner* m_sampleJobs;
    SubgraphIndex m_currentSubgraph{0};
    TensorIndex m_currentTensor;

    GraphPage* m_graph;
    OperatorPanel* m_operator;
    TensorPanel* m_tensor;
    HistogramPanel* m_histogram;
    DiagnosticsModel* m_diagnostics;
    ModelInfoModel* m_modelInfo;
    QTableView* m_problemsView = nullptr;
    QDockWidget* m_modelDock = nullptr;
    QDockWidget* m_operatorDock = nullptr;
    QDockWidget* m_tensorDock = nullptr;
    QDockWidget* m_histogramDock = nullptr;
    QDockWidget* m_problemsDock = nullptr;
    QMenu* m_recentMenu = nullptr;
    QAction* m_darkAction = nullptr;
    QAction* m_loadDataAction = nullptr;

    QLabel* m_facts;
    QLabel* m_jobLabel;
    QProgressBar* m_progress;
    QToolButton* m_cancel;
};

} // namespace ql::ui

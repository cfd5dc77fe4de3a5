#pragma once
// The lab: the decision-tree wizard, the quantization run panel and the side-by-side view of
// the float and the quantized model, as pages of one window opened from the main window's
// "Lab" menu or by `quantlab MODEL --compare QUANT_MODEL`. Quantizing opens the result beside
// the float model; the wizard's leaf configures the run; "try every leaf" runs in a job. The
// sensitivity ranking (SensitivityPanel) is a dock that stays beside every page: keeping a layer
// float there quantizes again and the side-by-side page shows the result next to it.

#include "JobRunner.h"
#include "Snapshots.h"
#include "lab/LeafSweep.h"
#include "lab/QuantizePanel.h"
#include "quantize/ModelFacts.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <memory>
#include <optional>

class QDockWidget;
class QTabWidget;
class QToolButton;

namespace ql::ui {

class CompareView;
class SensitivityPanel;
class WizardPage;

class LabWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class Page { Wizard, Quantize, Compare };

    explicit LabWindow(QWidget* parent = nullptr);
    ~LabWindow() override;

    // The float model the wizard and the quantize panel work on.
    void setFloatModel(std::shared_ptr<const Model> model, const QString& path);
    // Reads both files in a job and shows them side by side.
    void openComparison(const QString& floatPath, const QString& quantPath);
    void showPage(Page page);

    WizardPage* wizard() const { return m_wizard; }
    QuantizePanel* quantizePanel() const { return m_quantize; }
    CompareView* compareView() const { return m_compare; }
    // The sensitivity ranking, a dock beside the pages (hidden until asked for).
    SensitivityPanel* sensitivityPanel() const { return m_sensitivity; }
    void showSensitivity(bool on = true);

    // "Run this leaf": the quantize panel gets the leaf's settings from a fresh state, quantizes on
    // the model's data, the result opens side by side and is measured against the float model
    // (the wizard shows the numbers). Without data it asks for it and runs nothing. The keep-float
    // leaf first takes the sensitivity ranking's suggestion.
    void runLeaf(const quantize::Leaf& leaf);
    // Starts "try every leaf" on the float model (data from the quantize panel; asks when none).
    void tryEveryLeaf();
    bool isMeasuring() const { return m_measureJobs->isBusy(); }
    bool isSweeping() const { return m_sweepJobs->isBusy(); }
    // Milliseconds from the last "Quantize" to the side-by-side view filled (-1: not yet).
    qint64 lastQuantizeToCompareMs() const { return m_quantizeToCompareMs; }
    QString lastError() const { return m_lastError; }

public slots:
    // An operator selected in the main window's graph (float model): offered as keep-float.
    void onOperatorSelected(ql::SubgraphIndex subgraph, ql::OperatorIndex op);

signals:
    void comparisonFilled();
    void leafMeasured(const ql::lab::LeafRow& row);
    // Results for the main window's graph (the float model, subgraph 0): per-operator values with
    // their legend text, and the operator selected in any of the lab's views.
    void floatOperatorValues(std::shared_ptr<const std::vector<double>> values, const QString& label);
    void floatOperatorSelected(ql::OperatorIndex op);
    void sweepFinished();
    void failed(const QString& message);

private:
    void onQuantized(std::shared_ptr<const QuantizeRun> run);
    // True when the data the job needs is there; else the Quantize tab asks for it.
    bool requireData(const QString& job);

    std::shared_ptr<const Model> m_model;
    QString m_path;
    JobRunner* m_factsJobs;
    JobRunner* m_sweepJobs;
    JobRunner* m_openJobs;
    JobRunner* m_measureJobs;
    std::optional<quantize::Leaf> m_runningLeaf;  // "Run this leaf" in progress
    bool m_runAfterPrefill = false;
    QTabWidget* m_tabs;
    WizardPage* m_wizard;
    QuantizePanel* m_quantize;
    CompareView* m_compare;
    SensitivityPanel* m_sensitivity;
    QDockWidget* m_sensitivityDock;
    QElapsedTimer m_sinceQuantize;
    bool m_timing = false;
    qint64 m_quantizeToCompareMs = -1;
    QString m_lastError;
};

} // namespace ql::ui

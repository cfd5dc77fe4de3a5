#pragma once
// The teacher's page for the Fashion-MNIST exercise: train the workshop CNN with a
// live loss/accuracy plot, quantize it through the lab's wizard, compare the accuracy of every
// mode (table + bar chart), and show the test images the int8 model gets wrong next to the
// float model's answer. All work runs in JobRunner jobs (WorkshopJobs.h); results arrive as
// snapshots.

#include "JobRunner.h"
#include "model/Model.h"
#include "workshop/WorkshopJobs.h"

#include <QElapsedTimer>
#include <QWidget>
#include <memory>

class QCustomPlot;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace ql::ui {

class LabWindow;

namespace workshop {
class MistakesGrid;
class ModeAccuracyModel;
} // namespace workshop

class WorkshopPage : public QWidget {
    Q_OBJECT
public:
    explicit WorkshopPage(QWidget* parent = nullptr);
    ~WorkshopPage() override;

    // The model the quantize / compare steps use (the trained one after training).
    void setModel(std::shared_ptr<const Model> model, const QString& path);
    std::shared_ptr<const Model> model() const { return m_model; }
    QString modelPath() const { return m_modelPath; }
    // Opens the bundled demo model (copied out of the resources).
    bool openDemo();

    // Training settings and start / cancel.
    void setTrainSettings(int epochs, quint64 seed, int stepsPerEpoch);
    void setOutputPath(const QString& path);
    void setDatasetDir(const QString& dir); // default: Debian's /usr/share/datasets/fashion-mnist
    void startTraining();
    void cancelTraining();
    // Compare: test set (limited) when the dataset is installed, else the bundled sample.
    void setCompareData(const QString& evalSpec, const QString& calibSpec, int maxEvalSamples);
    void startCompare();
    void openLab();

    JobRunner* trainJobs() const { return m_trainJobs; }
    JobRunner* compareJobs() const { return m_compareJobs; }
    QCustomPlot* trainPlot() const { return m_trainPlot; }
    QCustomPlot* accuracyPlot() const { return m_accPlot; }
    QTableView* modeTable() const { return m_modeView; }
    workshop::MistakesGrid* mistakesGrid() const { return m_mistakes; }
    LabWindow* labWindow() const { return m_lab; }
    QString trainStatus() const;
    QString compareStatus() const;

signals:
    void epochFinished(int epoch);
    void modelTrained(const QString& path); // written and opened
    void trainingFailed(const QString& message);
    void comparisonFinished(bool ok);

private:
    void onTrainProgress(const QString& stage, double fraction, qint64 elapsedMs, qint64 remainingMs);
    void onTrained(std::shared_ptr<const workshop::TrainOutcome> outcome);
    void onCompared(std::shared_ptr<const workshop::CompareOutcome> outcome);
    void pollTrainLog();
    void updateEnabled();
    QWidget* buildTrainBox();
    QWidget* buildCompareBox();

    std::shared_ptr<const Model> m_model;
    QString m_modelPath;
    QString m_datasetDir;
    QString m_evalSpec, m_calibSpec;
    int m_maxEval = 2000;
    std::shared_ptr<workshop::TrainLog> m_log;
    size_t m_plotted = 0;        // epoch points plotted
    size_t m_plottedBatches = 0; // running points plotted
    QElapsedTimer m_trainClock;
    QString m_timing;            // "12 s elapsed, about 40 s left"

    JobRunner* m_trainJobs;
    JobRunner* m_compareJobs;
    QSpinBox* m_epochs;
    QSpinBox* m_seed;
    QSpinBox* m_steps;
    QLineEdit* m_out;
    QPushButton* m_train;
    QPushButton* m_cancelTrain;
    QProgressBar* m_trainProgress;
    QLabel* m_trainStatus;
    QCustomPlot* m_trainPlot;
    QLabel* m_modelLabel;
    QPushButton* m_quantize;
    QPushButton* m_compare;
    QPushButton* m_cancelCompare;
    QProgressBar* m_compareProgress;
    QLabel* m_compareStatus;
    workshop::ModeAccuracyModel* m_modes;
    QTableView* m_modeView;
    QCustomPlot* m_accPlot;
    workshop::MistakesGrid* m_mistakes;
    LabWindow* m_lab = nullptr;
};

} // namespace ql::ui

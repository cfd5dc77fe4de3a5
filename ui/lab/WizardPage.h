#pragma once
// The decision-tree wizard: one question of TFLite's post-training decision tree at a time
// (core/quantize/DecisionTree.h holds the logic and the texts), the facts of the open model that
// answer it (ModelFacts.h), the path so far (click a step to change its answer), and at the end
// the leaf with its trade-off, the numbers measured on this model next to the documented ones,
// and "Run this leaf" (quantize with the leaf's settings from a fresh state, measure, show side by
// side) or "Adjust settings first". "Try every leaf" fills a table with every mode measured, the
// student's leaf marked. Teaching mode: larger text and one longer explanation per step.

#include "lab/LeafSweep.h"
#include "quantize/DecisionTree.h"
#include "quantize/ModelFacts.h"

#include <QStringList>
#include <QWidget>
#include <map>
#include <memory>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;
class QTableView;
class QVBoxLayout;

namespace ql::ui {

class LeafTableModel;

class WizardPage : public QWidget {
    Q_OBJECT
public:
    explicit WizardPage(QWidget* parent = nullptr);

    void setFacts(std::shared_ptr<const quantize::ModelFacts> facts);
    void setTeachingMode(bool on);
    bool teachingMode() const { return m_teaching; }

    const quantize::TreeAnswers& answers() const { return m_answers; }
    std::optional<quantize::Question> currentQuestion() const { return quantize::nextQuestion(m_answers); }
    quantize::Leaf leaf() const { return quantize::leafFor(m_answers); }
    // Answers the current question with choice `index` and moves on (the "Next" button).
    bool choose(int index);
    void back();
    void restart();

    LeafTableModel* leafTable() const { return m_leafModel; }
    void setLeafRows(std::shared_ptr<const std::vector<lab::LeafRow>> rows, bool randomData = false);
    void setSweepBusy(bool busy, const QString& status = {});
    // A measurement of a leaf on this model (from "Run this leaf" or the sweep); shown on the
    // leaf page and under "is the accuracy good enough?". clearMeasurements: another model.
    void setMeasured(const lab::LeafRow& row, bool randomData);
    const lab::LeafRow* measured(quantize::Mode mode, bool keepFloat) const;
    void clearMeasurements();
    QString leafText() const;
    // Problems that stop every run on this model (custom operators): shown on every step, and
    // no leaf can be run.
    void setBlockers(const QStringList& problems);

signals:
    void runRequested(const ql::quantize::Leaf& leaf);       // "Run this leaf"
    void configureRequested(const ql::quantize::Leaf& leaf); // "Adjust settings first"
    void tryEveryLeafRequested();
    void answersChanged();

private:
    void rebuild();
    void showQuestion(quantize::Question q);
    void showLeaf();
    void applyFonts();
    QString factsHtml(quantize::Question q) const;
    QString measuredHtml(quantize::Mode mode, bool keepFloat) const;

    quantize::TreeAnswers m_answers;
    std::shared_ptr<const quantize::ModelFacts> m_facts;
    bool m_teaching = false;
    std::map<std::pair<int, bool>, lab::LeafRow> m_measured; // (mode, keep-float) -> measurement
    bool m_measuredOnRandom = false;
    QStringList m_blockers;

    QListWidget* m_path;
    QStackedWidget* m_stack;
    QLabel* m_stepNo;
    QLabel* m_title;
    QLabel* m_prompt;
    QLabel* m_explanation;
    QWidget* m_choicesBox;
    QVBoxLayout* m_choicesLayout;
    QButtonGroup* m_choices;
    QLabel* m_factsLabel;
    QPushButton* m_backButton;
    QPushButton* m_nextButton;
    QLabel* m_leafTitle;
    QLabel* m_leafText;
    QPushButton* m_runButton;
    QPushButton* m_configureButton;
    QPushButton* m_measureButton; // on "is the accuracy good enough?": run the leaf first
    QPushButton* m_leafBack;
    QCheckBox* m_teachingBox;
    QPushButton* m_sweepButton;
    QLabel* m_sweepStatus;
    QTableView* m_leafView;
    LeafTableModel* m_leafModel;
};

} // namespace ql::ui

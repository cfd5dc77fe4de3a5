#pragma once
// The decision-tree wizard: one question of TFLite's post-training decision tree at a time
// (core/quantize/DecisionTree.h holds the logic and the texts), the facts of the open model that
// answer it (ModelFacts.h), the path so far (click a step to change its answer), and at the end
// the leaf with its trade-off and a button that configures the quantization run. "Try every
// leaf" fills a table with every mode measured. Teaching mode: larger text and one longer
// explanation per step.

#include "lab/LeafSweep.h"
#include "quantize/DecisionTree.h"
#include "quantize/ModelFacts.h"

#include <QWidget>
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
    void setLeafRows(std::shared_ptr<const std::vector<lab::LeafRow>> rows);
    void setSweepBusy(bool busy, const QString& status = {});

signals:
    void runRequested(const ql::quantize::Leaf& leaf); // "Configure this quantization run"
    void tryEveryLeafRequested();
    void answersChanged();

private:
    void rebuild();
    void showQuestion(quantize::Question q);
    void showLeaf();
    void applyFonts();
    QString factsHtml(quantize::Question q) const;

    quantize::TreeAnswers m_answers;
    std::shared_ptr<const quantize::ModelFacts> m_facts;
    bool m_teaching = false;

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
    QPushButton* m_leafBack;
    QCheckBox* m_teachingBox;
    QPushButton* m_sweepButton;
    QLabel* m_sweepStatus;
    QTableView* m_leafView;
    LeafTableModel* m_leafModel;
};

} // namespace ql::ui

#include "lab/WizardPage.h"

#include "lab/LeafTableModel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace ql::ui {
using quantize::Question;

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
QLabel* wrapped(QWidget* parent) {
    auto* l = new QLabel(parent);
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}
} // namespace

WizardPage::WizardPage(QWidget* parent) : QWidget(parent) {
    auto* top = new QVBoxLayout(this);
    auto* header = new QHBoxLayout;
    auto* heading = new QLabel(tr("<b>Post-training quantization: which mode?</b> TFLite's decision tree, one question at a time"), this);
    header->addWidget(heading, 1);
    m_teachingBox = new QCheckBox(tr("Teaching mode"), this);
    m_teachingBox->setObjectName(QStringLiteral("teachingMode"));
    header->addWidget(m_teachingBox);
    auto* restartButton = new QPushButton(tr("Start over"), this);
    header->addWidget(restartButton);
    top->addLayout(header);

    auto* body = new QHBoxLayout;
    m_path = new QListWidget(this);
    m_path->setObjectName(QStringLiteral("wizardPath"));
    m_path->setMaximumWidth(300);
    m_path->setMinimumWidth(220);
    m_path->setWordWrap(true);
    m_path->setToolTip(tr("Your answers so far; click one to change it"));
    body->addWidget(m_path);

    m_stack = new QStackedWidget(this);
    // question page
    auto* qPage = new QWidget(m_stack);
    auto* q = new QVBoxLayout(qPage);
    m_stepNo = new QLabel(qPage);
    m_title = new QLabel(qPage);
    m_prompt = wrapped(qPage);
    m_explanation = wrapped(qPage);
    m_explanation->setObjectName(QStringLiteral("explanation"));
    m_choicesBox = new QWidget(qPage);
    m_choicesLayout = new QVBoxLayout(m_choicesBox);
    m_choicesLayout->setContentsMargins(12, 4, 0, 4);
    m_choices = new QButtonGroup(this);
    auto* factsBox = new QGroupBox(tr("What this model says"), qPage);
    auto* fl = new QVBoxLayout(factsBox);
    m_factsLabel = wrapped(factsBox);
    m_factsLabel->setObjectName(QStringLiteral("facts"));
    m_factsLabel->setTextFormat(Qt::RichText);
    fl->addWidget(m_factsLabel);
    auto* nav = new QHBoxLayout;
    m_backButton = new QPushButton(tr("Back"), qPage);
    m_nextButton = new QPushButton(tr("Next"), qPage);
    m_nextButton->setDefault(true);
    nav->addWidget(m_backButton);
    nav->addStretch(1);
    nav->addWidget(m_nextButton);
    q->addWidget(m_stepNo);
    q->addWidget(m_title);
    q->addWidget(m_prompt);
    q->addWidget(m_choicesBox);
    q->addWidget(m_explanation);
    q->addWidget(factsBox);
    q->addStretch(1);
    q->addLayout(nav);
    m_stack->addWidget(qPage);
    // leaf page
    auto* lPage = new QWidget(m_stack);
    auto* l = new QVBoxLayout(lPage);
    m_leafTitle = new QLabel(lPage);
    m_leafTitle->setObjectName(QStringLiteral("leafTitle"));
    m_leafText = wrapped(lPage);
    m_leafText->setTextFormat(Qt::RichText);
    auto* lnav = new QHBoxLayout;
    m_leafBack = new QPushButton(tr("Back"), lPage);
    m_runButton = new QPushButton(tr("Configure this quantization run"), lPage);
    m_runButton->setObjectName(QStringLiteral("configureRun"));
    lnav->addWidget(m_leafBack);
    lnav->addStretch(1);
    lnav->addWidget(m_runButton);
    l->addWidget(new QLabel(tr("Your leaf of the tree"), lPage));
    l->addWidget(m_leafTitle);
    l->addWidget(m_leafText);
    l->addStretch(1);
    l->addLayout(lnav);
    m_stack->addWidget(lPage);
    body->addWidget(m_stack, 1);
    top->addLayout(body, 3);

    auto* sweepBox = new QGroupBox(tr("Try every leaf: quantize with every mode and measure against the float model"), this);
    auto* sl = new QVBoxLayout(sweepBox);
    auto* sh = new QHBoxLayout;
    m_sweepButton = new QPushButton(tr("Try every leaf"), sweepBox);
    m_sweepButton->setObjectName(QStringLiteral("tryEveryLeaf"));
    m_sweepStatus = new QLabel(tr("Uses the data source of the Quantize tab (random data when empty)."), sweepBox);
    sh->addWidget(m_sweepButton);
    sh->addWidget(m_sweepStatus, 1);
    sl->addLayout(sh);
    m_leafModel = new LeafTableModel(this);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_leafModel);
    proxy->setSortRole(LeafTableModel::SortRole);
    m_leafView = new QTableView(sweepBox);
    m_leafView->setModel(proxy);
    m_leafView->setSortingEnabled(true);
    m_leafView->sortByColumn(-1, Qt::AscendingOrder);
    m_leafView->verticalHeader()->hide();
    m_leafView->horizontalHeader()->setStretchLastSection(true);
    m_leafView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_leafView->setSelectionBehavior(QAbstractItemView::SelectRows);
    sl->addWidget(m_leafView);
    top->addWidget(sweepBox, 2);

    connect(m_teachingBox, &QCheckBox::toggled, this, &WizardPage::setTeachingMode);
    connect(restartButton, &QPushButton::clicked, this, &WizardPage::restart);
    connect(m_backButton, &QPushButton::clicked, this, &WizardPage::back);
    connect(m_leafBack, &QPushButton::clicked, this, &WizardPage::back);
    connect(m_nextButton, &QPushButton::clicked, this, [this] { choose(m_choices->checkedId()); });
    connect(m_runButton, &QPushButton::clicked, this, [this] { emit runRequested(leaf()); });
    connect(m_sweepButton, &QPushButton::clicked, this, &WizardPage::tryEveryLeafRequested);
    connect(m_path, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        m_answers.clearFrom(Question(item->data(Qt::UserRole).toInt()));
        rebuild();
        emit answersChanged();
    });
    applyFonts();
    rebuild();
}

void WizardPage::setFacts(std::shared_ptr<const quantize::ModelFacts> facts) {
    m_facts = std::move(facts);
    rebuild();
}

void WizardPage::setTeachingMode(bool on) {
    m_teaching = on;
    if (m_teachingBox->isChecked() != on) m_teachingBox->setChecked(on);
    applyFonts();
    rebuild();
}

void WizardPage::applyFonts() {
    QFont base = font();
    const double k = m_teaching ? 1.6 : 1.0;
    auto sized = [&](QWidget* w, double factor, bool bold) {
        QFont f = base;
        f.setPointSizeF(base.pointSizeF() * factor * k);
        f.setBold(bold);
        w->setFont(f);
    };
    sized(m_stepNo, 0.9, false);
    sized(m_title, 1.6, true);
    sized(m_prompt, 1.15, true);
    sized(m_explanation, 1.0, false);
    sized(m_choicesBox, 1.05, false);
    sized(m_factsLabel, m_teaching ? 0.75 : 0.95, false);
    sized(m_leafTitle, 1.6, true);
    sized(m_leafText, 1.0, false);
    sized(m_path, m_teaching ? 0.8 : 1.0, false);
}

bool WizardPage::choose(int index) {
    const auto q = currentQuestion();
    if (!q || index < 0) return false;
    if (!quantize::answerStep(m_answers, *q, size_t(index))) return false;
    rebuild();
    emit answersChanged();
    return true;
}

void WizardPage::back() {
    const auto path = quantize::answeredPath(m_answers);
    if (path.empty()) return;
    m_answers.clearFrom(path.back());
    rebuild();
    emit answersChanged();
}

void WizardPage::restart() {
    m_answers = {};
    rebuild();
    emit answersChanged();
}

void WizardPage::setLeafRows(std::shared_ptr<const std::vector<lab::LeafRow>> rows) { m_leafModel->resetData(std::move(rows)); }

void WizardPage::setSweepBusy(bool busy, const QString& status) {
    m_sweepButton->setEnabled(!busy);
    if (!status.isEmpty()) m_sweepStatus->setText(status);
}

QString WizardPage::factsHtml(Question q) const {
    if (!m_facts) return tr("<i>Open a model to see its facts.</i>");
    QString html = QStringLiteral("<ul style='margin-left:-20px'>");
    for (const std::string& f : quantize::factsForQuestion(*m_facts, q)) html += QStringLiteral("<li>") + qs(f).toHtmlEscaped() + QStringLiteral("</li>");
    html += QStringLiteral("</ul>");
    const bool opTable = q == Question::Float16Hardware || q == Question::IntegerOnlyHardware || q == Question::IoType ||
                         q == Question::AccuracyFix;
    if (opTable && !m_teaching) {
        html += QStringLiteral("<table cellspacing=0 cellpadding=2><tr><th align=left>Operator</th><th>n</th><th>int8</th>"
                               "<th>int16x8</th><th>hybrid</th><th align=left>Delegates</th></tr>");
        auto mark = [](bool b) { return b ? QStringLiteral("<td align=center>✓</td>") : QStringLiteral("<td align=center><font color=#c0392b>✗</font></td>"); };
        for (const auto& t : m_facts->ops)
            html += QStringLiteral("<tr><td>%1</td><td align=right>%2</td>").arg(qs(t.name).toHtmlEscaped()).arg(t.count) + mark(t.int8) +
                    mark(t.int16) + (t.hybrid ? QStringLiteral("<td align=center>✓</td>") : QStringLiteral("<td></td>")) +
                    QStringLiteral("<td>%1</td></tr>").arg(qs(quantize::delegateNames(t.delegates)));
        html += QStringLiteral("</table>");
    }
    return html;
}

void WizardPage::rebuild() {
    m_path->clear();
    const auto path = quantize::answeredPath(m_answers);
    for (size_t i = 0; i < path.size(); ++i) {
        const auto& s = quantize::stepText(path[i]);
        const int idx = quantize::answerIndex(m_answers, path[i]);
        auto* item = new QListWidgetItem(QStringLiteral("%1. %2\n    → %3").arg(i + 1).arg(qs(s.title)).arg(qs(s.choices[size_t(idx)].label)), m_path);
        item->setData(Qt::UserRole, int(path[i]));
    }
    const auto q = currentQuestion();
    if (q) showQuestion(*q);
    else showLeaf();
}

void WizardPage::showQuestion(Question q) {
    const auto& s = quantize::stepText(q);
    const int n = int(quantize::answeredPath(m_answers).size()) + 1;
    m_stepNo->setText(tr("Step %1").arg(n));
    m_title->setText(qs(s.title));
    m_prompt->setText(qs(s.prompt));
    m_explanation->setText(qs(m_teaching ? s.teaching : s.explanation));
    // The old choices go at once (never the sender: answers arrive through Next or choose()).
    for (QAbstractButton* b : m_choices->buttons()) m_choices->removeButton(b);
    while (QLayoutItem* item = m_choicesLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (size_t i = 0; i < s.choices.size(); ++i) {
        const auto& c = s.choices[i];
        auto* b = new QRadioButton(m_teaching ? qs(c.label) : qs(c.label) + QStringLiteral("   —  ") + qs(c.consequence), m_choicesBox);
        m_choices->addButton(b, int(i));
        m_choicesLayout->addWidget(b);
        connect(b, &QRadioButton::toggled, m_nextButton, [this] { m_nextButton->setEnabled(m_choices->checkedId() >= 0); });
    }
    m_nextButton->setEnabled(false);
    m_backButton->setEnabled(n > 1);
    m_factsLabel->setText(factsHtml(q));
    m_stack->setCurrentIndex(0);
}

void WizardPage::showLeaf() {
    const quantize::Leaf l = leaf();
    m_leafTitle->setText(qs(l.name));
    QString html = QStringLiteral("<p><b>Mode:</b> <code>%1</code>").arg(qs(std::string(quantize::modeName(l.mode))));
    if (l.io == quantize::IoType::UInt8) html += tr(", uint8 inputs and outputs");
    if (l.io == quantize::IoType::Int8) html += tr(", int8 inputs and outputs");
    html += QStringLiteral("</p><p>") + qs(l.summary).toHtmlEscaped() + QStringLiteral("</p>");
    if (l.keepSensitiveFloat)
        html += tr("<p>Configuring this run measures the sensitivity of every layer (the Sensitivity dock) and fills the "
                   "Quantize tab's keep-float list with the greedy search's suggestion; edit it there, or tick layers "
                   "in the ranking.</p>");
    for (const std::string& n : l.notes) html += QStringLiteral("<p><i>") + qs(n).toHtmlEscaped() + QStringLiteral("</i></p>");
    if (m_facts && (l.mode == quantize::Mode::Int8Only) && !m_facts->noInt8.empty())
        html += tr("<p><font color=#c0392b>This model has operators without an int8 kernel; int8-only will refuse it.</font></p>");
    m_leafText->setText(html);
    m_runButton->setEnabled(!l.outsideApp);
    m_stack->setCurrentIndex(1);
}

} // namespace ql::ui

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

#include <cmath>

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
    m_measureButton = new QPushButton(qPage);
    m_measureButton->setObjectName(QStringLiteral("measureFirst"));
    nav->addWidget(m_backButton);
    nav->addStretch(1);
    nav->addWidget(m_measureButton);
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
    m_configureButton = new QPushButton(tr("Adjust settings first"), lPage);
    m_configureButton->setObjectName(QStringLiteral("configureRun"));
    m_configureButton->setToolTip(tr("Fills the Quantize tab with this leaf's settings (fresh) without running"));
    m_runButton = new QPushButton(tr("Run this leaf: quantize, measure, compare"), lPage);
    m_runButton->setObjectName(QStringLiteral("runLeaf"));
    m_runButton->setDefault(true);
    m_runButton->setToolTip(tr("Quantizes with this leaf's settings from a fresh state on the model's data, measures it "
                               "against the float model and opens the side-by-side view"));
    lnav->addWidget(m_leafBack);
    lnav->addStretch(1);
    lnav->addWidget(m_configureButton);
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
    m_sweepStatus = new QLabel(tr("Uses the data of the Quantize tab (asks for it when none is chosen)."), sweepBox);
    m_sweepStatus->setObjectName(QStringLiteral("sweepStatus"));
    m_sweepStatus->setWordWrap(true);
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
    connect(m_configureButton, &QPushButton::clicked, this, [this] { emit configureRequested(leaf()); });
    connect(m_measureButton, &QPushButton::clicked, this, [this] { emit runRequested(leaf()); });
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

void WizardPage::clearMeasurements() {
    m_measured.clear();
    m_measuredOnRandom = false;
    m_leafModel->resetData(nullptr);
    rebuild();
}

void WizardPage::setMeasured(const lab::LeafRow& row, bool randomData) {
    m_measured[{int(row.mode), row.kind == lab::LeafKind::KeepFloat}] = row;
    m_measuredOnRandom = randomData;
    rebuild();
}

const lab::LeafRow* WizardPage::measured(quantize::Mode mode, bool keepFloat) const {
    const auto it = m_measured.find({int(mode), keepFloat});
    return it == m_measured.end() ? nullptr : &it->second;
}

QString WizardPage::leafText() const { return m_leafText->text(); }

void WizardPage::setBlockers(const QStringList& problems) {
    m_blockers = problems;
    rebuild();
}

namespace {
QString blockersHtml(const QStringList& blockers) {
    if (blockers.isEmpty()) return {};
    QString html = QObject::tr("<p><font color=#c0392b><b>%n problem(s) stop every run on this model:</b>", nullptr, int(blockers.size()));
    for (int i = 0; i < blockers.size() && i < 5; ++i) html += QStringLiteral("<br>") + blockers[i].toHtmlEscaped();
    if (blockers.size() > 5) html += QObject::tr("<br>... and %1 more (the Problems panel lists them)").arg(blockers.size() - 5);
    return html + QStringLiteral("</font></p>");
}
} // namespace

QString WizardPage::measuredHtml(quantize::Mode mode, bool keepFloat) const {
    const lab::LeafRow* r = measured(mode, keepFloat);
    if (!r) return {};
    QString html = tr("<b>Measured on this model</b> (%1 samples; desktop x86, QuantLab's interpreter, 1 thread — phones, "
                      "GPUs and NPUs differ): ")
                       .arg(r->samples);
    if (!r->ok) return html + QStringLiteral("<font color=#c0392b>%1</font>").arg(qs(r->error).toHtmlEscaped());
    html += std::isinf(r->sqnrDb) ? tr("outputs identical to float") : tr("output SQNR %1 dB").arg(r->sqnrDb, 0, 'f', 1);
    if (r->accuracy && r->floatAccuracy)
        html += tr(", top-1 %1 % (float %2 %)").arg(*r->accuracy * 100, 0, 'f', 1).arg(*r->floatAccuracy * 100, 0, 'f', 1);
    html += tr(", latency %1 ms (float %2 ms: %3)")
                .arg(r->latencyMs, 0, 'f', 2)
                .arg(r->floatLatencyMs, 0, 'f', 2)
                .arg(r->latencyMs <= 0 || r->floatLatencyMs <= 0 ? QStringLiteral("?")
                     : r->latencyMs <= r->floatLatencyMs     ? tr("%1x faster").arg(r->floatLatencyMs / r->latencyMs, 0, 'f', 1)
                                                             : tr("%1x slower here").arg(r->latencyMs / r->floatLatencyMs, 0, 'f', 1));
    html += tr(", %1 KiB (%2x smaller)").arg(double(r->bytes) / 1024.0, 0, 'f', 1).arg(r->sizeRatio, 0, 'f', 2);
    if (m_measuredOnRandom)
        html += tr("<br><font color=#b9770e><b>Measured on random noise: a smoke test, not the model's accuracy.</b></font>");
    return html;
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

void WizardPage::setLeafRows(std::shared_ptr<const std::vector<lab::LeafRow>> rows, bool randomData) {
    m_leafModel->resetData(rows);
    if (!rows) return;
    m_measuredOnRandom = randomData;
    for (const auto& r : *rows) // the sweep measured every leaf: the leaf texts show it
        if (r.kind != lab::LeafKind::Auto) m_measured[{int(r.mode), r.kind == lab::LeafKind::KeepFloat}] = r;
    rebuild();
}

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
    QString facts = factsHtml(q);
    const bool accuracy = q == Question::AccuracyGood;
    if (accuracy) {
        // the question is about a measurement: show it, or say that there is none yet
        const quantize::Leaf pointed = leaf();
        const QString m = measuredHtml(pointed.mode, false);
        facts = (m.isEmpty() ? tr("<p><font color=#b9770e><b>Nothing measured yet.</b></font> Run the %1 leaf first: it quantizes "
                                  "on your data and measures the result against the float model.</p>")
                                   .arg(qs(std::string(quantize::modeName(pointed.mode))))
                             : QStringLiteral("<p>") + m + QStringLiteral("</p>")) +
                facts;
        m_measureButton->setText(m.isEmpty() ? tr("Run and measure %1 first").arg(qs(std::string(quantize::modeName(pointed.mode))))
                                             : tr("Measure %1 again").arg(qs(std::string(quantize::modeName(pointed.mode)))));
    }
    m_measureButton->setVisible(accuracy);
    m_measureButton->setEnabled(m_blockers.isEmpty());
    m_factsLabel->setText(blockersHtml(m_blockers) + facts);
    m_stack->setCurrentIndex(0);
}

void WizardPage::showLeaf() {
    const quantize::Leaf l = leaf();
    m_leafTitle->setText(qs(l.name));
    QString html = QStringLiteral("<p><b>Mode:</b> <code>%1</code>").arg(qs(std::string(quantize::modeName(l.mode))));
    if (l.io == quantize::IoType::UInt8) html += tr(", uint8 inputs and outputs");
    if (l.io == quantize::IoType::Int8) html += tr(", int8 inputs and outputs");
    html += QStringLiteral("</p><p>") + tr("<b>Documented</b> (TFLite's guide; phones and accelerators): ") + qs(l.summary).toHtmlEscaped() +
            QStringLiteral("</p>");
    const QString m = measuredHtml(l.mode, l.keepSensitiveFloat);
    html += m.isEmpty() ? tr("<p><i>Not measured on this model yet: \"Run this leaf\" measures it (desktop x86 timings differ from "
                             "phones and accelerators).</i></p>")
                        : QStringLiteral("<p>") + m + QStringLiteral("</p>");
    if (l.keepSensitiveFloat)
        html += tr("<p>Configuring this run measures the sensitivity of every layer (the Sensitivity dock) and fills the "
                   "Quantize tab's keep-float list with the greedy search's suggestion; edit it there, or tick layers "
                   "in the ranking.</p>");
    for (const std::string& n : l.notes) html += QStringLiteral("<p><i>") + qs(n).toHtmlEscaped() + QStringLiteral("</i></p>");
    bool refused = false;
    if (m_facts && (l.mode == quantize::Mode::Int8Only) && !m_facts->noInt8.empty()) {
        html += tr("<p><font color=#c0392b>This model has operators without an int8 kernel; int8-only will refuse it.</font></p>");
        refused = true;
    }
    if (!m_blockers.isEmpty()) refused = true;
    m_leafText->setText(blockersHtml(m_blockers) + html);
    m_runButton->setEnabled(!l.outsideApp && !refused);
    m_configureButton->setEnabled(!l.outsideApp);
    m_leafModel->setStudentLeaf(l.mode, l.keepSensitiveFloat);
    m_stack->setCurrentIndex(1);
}

} // namespace ql::ui

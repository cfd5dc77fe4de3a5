// The lab's decision-tree wizard (ui/lab/WizardPage): every path through the buttons reaches the
// mode of core's tree, teaching mode enlarges the text and shows the teaching explanation, the
// model's facts are shown; the lab's item models under QAbstractItemModelTester.
#include "lab/LabWindow.h"
#include "lab/LayerErrorModel.h"
#include "lab/LeafTableModel.h"
#include "lab/OutputTableModel.h"
#include "lab/WizardPage.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "quantize/Quantizer.h"
#include "tflite/ModelReader.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QButtonGroup>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QTest>
#include <catch2/catch.hpp>

#include <cstdlib>

using namespace ql;
using namespace ql::ui;
using quantize::Question;

namespace {
// Answers like a user: checks the radio button of the choice, then clicks "Next".
void clickChoice(WizardPage& page, int index) {
    // The current question's buttons are those in the group, in order.
    auto* group = page.findChild<QButtonGroup*>();
    REQUIRE(group);
    QAbstractButton* b = group->button(index);
    REQUIRE(b);
    b->click();
    QPushButton* next = nullptr;
    for (QPushButton* p : page.findChildren<QPushButton*>())
        if (p->text() == QLatin1String("Next")) next = p;
    REQUIRE(next);
    REQUIRE(next->isEnabled());
    next->click();
}
} // namespace

TEST_CASE("lab wizard: every path through the buttons reaches the tree's mode", "[ui][lab]") {
    const auto paths = quantize::allPaths();
    REQUIRE(paths.size() >= 10);
    for (const auto& target : paths) {
        WizardPage page;
        page.resize(1000, 800);
        size_t steps = 0;
        while (const auto q = page.currentQuestion()) {
            const int idx = quantize::answerIndex(target, *q);
            REQUIRE(idx >= 0);
            clickChoice(page, idx);
            QCoreApplication::processEvents(); // the old buttons are deleted later
            ++steps;
        }
        const auto want = quantize::leafFor(target), got = page.leaf();
        INFO("path of " << steps << " steps to " << want.name);
        CHECK(got.mode == want.mode);
        CHECK(got.io == want.io);
        CHECK(got.keepSensitiveFloat == want.keepSensitiveFloat);
        CHECK(page.findChild<QListWidget*>(QStringLiteral("wizardPath"))->count() == int(steps));
        auto* title = page.findChild<QLabel*>(QStringLiteral("leafTitle"));
        CHECK(title->text().toStdString() == want.name);
        // The leaf's buttons hand the leaf on (not for the path that leaves the app): "Run this
        // leaf" and "Adjust settings first".
        auto* run = page.findChild<QPushButton*>(QStringLiteral("runLeaf"));
        auto* configure = page.findChild<QPushButton*>(QStringLiteral("configureRun"));
        REQUIRE(run);
        REQUIRE(configure);
        CHECK(run->isEnabled() == !want.outsideApp);
        CHECK(configure->isEnabled() == !want.outsideApp);
        int emitted = 0, configured = 0;
        auto c1 = QObject::connect(&page, &WizardPage::runRequested, [&](const quantize::Leaf& l) {
            ++emitted;
            CHECK(l.mode == want.mode);
        });
        auto c2 = QObject::connect(&page, &WizardPage::configureRequested, [&](const quantize::Leaf& l) {
            ++configured;
            CHECK(l.mode == want.mode);
        });
        run->click();
        configure->click();
        CHECK(emitted == (want.outsideApp ? 0 : 1));
        CHECK(configured == (want.outsideApp ? 0 : 1));
        QObject::disconnect(c1);
        QObject::disconnect(c2);
    }
}

TEST_CASE("lab wizard: back, path clicks and restart change the answers", "[ui][lab]") {
    WizardPage page;
    REQUIRE(page.choose(0));            // optimize: yes
    REQUIRE(page.choose(1));            // float16 hardware: no
    REQUIRE(page.choose(1));            // no data
    CHECK_FALSE(page.currentQuestion());
    CHECK(page.leaf().mode == quantize::Mode::Dynamic);
    page.back();
    REQUIRE(page.currentQuestion() == Question::RepresentativeData);
    REQUIRE(page.choose(0));
    CHECK(page.currentQuestion() == Question::IntegerOnlyHardware);
    auto* path = page.findChild<QListWidget*>(QStringLiteral("wizardPath"));
    REQUIRE(path->count() == 3);
    emit path->itemClicked(path->item(1)); // change the float16 answer
    CHECK(page.currentQuestion() == Question::Float16Hardware);
    CHECK(path->count() == 1);
    page.restart();
    CHECK(page.currentQuestion() == Question::Optimize);
    CHECK_FALSE(page.choose(5));
}

TEST_CASE("lab wizard: teaching mode uses larger text and the teaching explanation", "[ui][lab]") {
    WizardPage page;
    auto* explanation = page.findChild<QLabel*>(QStringLiteral("explanation"));
    REQUIRE(explanation);
    const qreal normalSize = explanation->font().pointSizeF();
    CHECK(explanation->text().toStdString() == quantize::stepText(Question::Optimize).explanation);
    page.setTeachingMode(true);
    CHECK(explanation->font().pointSizeF() > normalSize * 1.4);
    CHECK(explanation->text().toStdString() == quantize::stepText(Question::Optimize).teaching);
    page.setTeachingMode(false);
    CHECK(explanation->font().pointSizeF() == Approx(normalSize));
}

TEST_CASE("lab wizard: the facts of the open model answer the questions", "[ui][lab]") {
    WizardPage page;
    auto facts = std::make_shared<const quantize::ModelFacts>(quantize::modelFacts(test::makeSmallCnn()));
    page.setFacts(facts);
    page.choose(0);
    page.choose(1);
    page.choose(0);
    REQUIRE(page.currentQuestion() == Question::IntegerOnlyHardware);
    auto* label = page.findChild<QLabel*>(QStringLiteral("facts"));
    REQUIRE(label);
    CHECK(label->text().contains(QStringLiteral("int8 kernel")));
    CHECK(label->text().contains(QStringLiteral("CONV_2D")));
    CHECK(label->text().contains(QStringLiteral("Edge TPU")));
}

TEST_CASE("lab wizard: a float16 model's weight sizes are not 0 KiB", "[ui][lab]") {
    quantize::QuantizeOptions o;
    o.mode = quantize::Mode::Float16;
    auto f16 = quantize::quantizeModel(test::makeSmallCnn(), nullptr, o);
    REQUIRE(f16.ok());
    const auto facts = std::make_shared<const quantize::ModelFacts>(quantize::modelFacts(f16->model));
    CHECK(facts->floatWeightBytes == 0); // its weights are float16 constants
    REQUIRE(facts->float16WeightBytes > 0);
    WizardPage page;
    page.setFacts(facts);
    REQUIRE(page.currentQuestion() == Question::Optimize);
    auto* label = page.findChild<QLabel*>(QStringLiteral("facts"));
    REQUIRE(label);
    const QString text = label->text();
    INFO(text.toStdString());
    CHECK(text.contains(QStringLiteral("float16 weights")));
    CHECK_FALSE(text.contains(QStringLiteral(" 0 KiB")));
    CHECK_FALSE(text.contains(QStringLiteral(" 0.0 KiB")));
}

TEST_CASE("lab item models pass QAbstractItemModelTester", "[ui][lab]") {
    LeafTableModel leaves;
    QAbstractItemModelTester t1(&leaves, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto rows = std::make_shared<std::vector<lab::LeafRow>>(2);
    (*rows)[0].ok = true;
    (*rows)[0].bytes = 2048;
    (*rows)[0].sqnrDb = 31.5;
    (*rows)[1].error = "no int8 kernel";
    leaves.resetData(rows);
    CHECK(leaves.rowCount() == 2);
    CHECK(leaves.data(leaves.index(0, LeafTableModel::Size), Qt::DisplayRole).toString() == QStringLiteral("2.0 KiB"));
    CHECK(leaves.data(leaves.index(0, LeafTableModel::Sqnr), Qt::DisplayRole).toString() == QStringLiteral("31.5"));
    CHECK(leaves.data(leaves.index(1, LeafTableModel::Note), Qt::DisplayRole).toString() == QStringLiteral("no int8 kernel"));
    leaves.resetData(nullptr);
    CHECK(leaves.rowCount() == 0);

    LayerErrorModel layers;
    QAbstractItemModelTester t3(&layers, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto cmp = std::make_shared<analysis::CompareResult>();
    cmp->layers.resize(3);
    cmp->layers[0].opType = "CONV_2D";
    cmp->layers[0].hasPerLayer = true;
    cmp->layers[0].perLayer.sqnrDb = 12.5;
    cmp->layers[1].conversion = true; // inserted QUANTIZE: not a row
    cmp->layers[2].opType = "SOFTMAX";
    layers.resetData(cmp);
    REQUIRE(layers.rowCount() == 2);
    CHECK(layers.data(layers.index(1, LayerErrorModel::Op), Qt::DisplayRole).toString() == QStringLiteral("SOFTMAX"));
    CHECK(layers.data(layers.index(1, LayerErrorModel::Op), LayerErrorModel::LayerRole).toInt() == 2);
    CHECK(layers.data(layers.index(0, LayerErrorModel::PerLayerSqnr), LayerErrorModel::SortRole).toDouble() == Approx(12.5));

    OutputTableModel outputs;
    QAbstractItemModelTester t2(&outputs, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto r = std::make_shared<lab::SideBySideResult>();
    lab::OutputComparison c;
    c.name = "scores";
    c.reference = {0.1f, 0.9f};
    c.test = {0.125f, 0.875f};
    r->outputs.push_back(c);
    outputs.resetData(r);
    REQUIRE(outputs.rowCount() == 2);
    CHECK(outputs.data(outputs.index(1, OutputTableModel::Difference), OutputTableModel::SortRole).toDouble() == Approx(0.025));
}

// Screenshots for the documentation and for looking at: only when QUANTLAB_SHOTS names a folder
// (run under xvfb-run with QT_QPA_PLATFORM=xcb for real fonts).
TEST_CASE("lab wizard: screenshots", "[ui][lab][shots]") {
    const char* shots = std::getenv("QUANTLAB_SHOTS");
    if (!shots) return;
    const auto path = test::sharedModel("hand_landmark_lite.tflite");
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    auto model = readModelFile(*path);
    REQUIRE(model);
    LabWindow lab;
    lab.resize(1400, 950);
    lab.show();
    lab.setFloatModel(*model, QString::fromStdString(*path));
    auto settle = [] {
        for (int i = 0; i < 30; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    };
    settle();
    WizardPage* w = lab.wizard();
    w->choose(0);
    w->choose(1);
    w->choose(0);
    settle();
    const QString dir = QString::fromLocal8Bit(shots);
    CHECK(lab.grab().save(dir + QStringLiteral("/lab_wizard.png")));
    w->setTeachingMode(true);
    settle();
    CHECK(lab.grab().save(dir + QStringLiteral("/lab_wizard_teaching.png")));
    w->setTeachingMode(false);
    w->choose(1);
    lab.quantizePanel()->setDataSource(QStringLiteral("random:20:1"));
    bool swept = false;
    QObject::connect(&lab, &LabWindow::sweepFinished, [&] { swept = true; });
    lab.tryEveryLeaf();
    QElapsedTimer t;
    t.start();
    while (!swept && t.elapsed() < 900000) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    settle();
    CHECK(swept);
    CHECK(lab.grab().save(dir + QStringLiteral("/lab_wizard_leaf.png")));
    lab.showPage(LabWindow::Page::Quantize);
    settle();
    CHECK(lab.grab().save(dir + QStringLiteral("/lab_quantize.png")));
}

// The lab's "each leaf is a run" and "data first": a leaf starts from a fresh configuration (no
// keep-float list, calibrator or per-tensor setting left over from an earlier leaf); a job
// without data asks for it and runs nothing; random noise is refused unless chosen and then
// marked on every result; the data choice is remembered per model; "Run this leaf" quantizes,
// measures and fills the side-by-side view; "try every leaf" has keep-float and auto rows and
// marks the student's leaf.
#include "MainWindow.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "UiTest.h"
#include "graph/GraphPage.h"
#include "graph/GraphView.h"
#include "inspect/DiagnosticsModel.h"
#include "lab/CompareView.h"
#include "lab/LabWindow.h"
#include "lab/LeafTableModel.h"
#include "lab/ModelWarnings.h"
#include "lab/QuantizePanel.h"
#include "lab/WizardPage.h"
#include "model/SyntheticModel.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <catch2/catch.hpp>
#include <cmath>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {

// Walks the wizard to the first complete path whose leaf satisfies `want`.
template <class Pred> void walkTo(WizardPage& wizard, Pred want) {
    quantize::TreeAnswers target;
    bool found = false;
    for (const auto& a : quantize::allPaths())
        if (!found && want(quantize::leafFor(a))) target = a, found = true;
    REQUIRE(found);
    wizard.restart();
    while (const auto q = wizard.currentQuestion())
        REQUIRE(wizard.choose(quantize::answerIndex(target, *q)));
}

bool isInt8(const quantize::Leaf& l) {
    return l.mode == quantize::Mode::Int8 && !l.keepSensitiveFloat && !l.outsideApp;
}

void forgetDataChoices() {
    QSettings().remove(QStringLiteral("lab/data"));
}

} // namespace

TEST_CASE("lab leaf: a leaf starts from a fresh configuration", "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    auto model = writeAndRead(makeSmallCnn(), dir.file("cnn.tflite"));
    QuantizePanel panel;
    panel.setFloatModel(model, QString::fromStdString(dir.file("cnn.tflite")));
    // the output does not default to the source model's folder (often read-only, e.g. shared
    // models)
    CHECK_FALSE(panel.outputPath().startsWith(QString::fromStdString(dir.path().string())));
    CHECK(panel.outputPath().endsWith(QStringLiteral("cnn_int8.tflite")));
    panel.setOutputPath(
        QString::fromStdString(dir.file("mine/x.tflite"))); // a folder the user chose stays
    panel.setMode(quantize::Mode::Float16);
    CHECK(panel.outputPath() == QString::fromStdString(dir.file("mine/cnn_float16.tflite")));
    panel.addKeepFloat(QStringLiteral("SOFTMAX"));
    panel.addKeepFloat(QStringLiteral("CONV_2D"));
    panel.setCalibrator(QStringLiteral("percentile:99.9"));
    panel.setPerTensor(true);
    panel.setDataSource(QStringLiteral("random:4"));
    quantize::Leaf leaf;
    leaf.mode = quantize::Mode::Int8Only;
    leaf.io = quantize::IoType::Int8;
    panel.applyLeaf(leaf);
    CHECK(panel.mode() == quantize::Mode::Int8Only);
    CHECK(panel.keepFloat().isEmpty()); // the leftover list made int8-only fail before
    CHECK(panel.calibrator() == QStringLiteral("minmax"));
    CHECK_FALSE(panel.perTensor());
    CHECK(panel.dataSource() ==
          QStringLiteral("random:4")); // the data belongs to the model, not the leaf
    quantize::QuantizeJobOptions o;
    CHECK(panel.buildOptions(&o).isEmpty());
    CHECK(o.quantize.keepFloat.empty());
    CHECK(o.quantize.io == quantize::IoType::Int8);

    // the list empties in one click, and several rows go at once
    panel.addKeepFloat(QStringLiteral("a"));
    panel.addKeepFloat(QStringLiteral("b"));
    panel.addKeepFloat(QStringLiteral("c"));
    auto* list = panel.findChild<QListWidget*>(QStringLiteral("keepFloat"));
    REQUIRE(list);
    CHECK(list->selectionMode() == QAbstractItemView::ExtendedSelection);
    auto* clear = panel.findChild<QPushButton*>(QStringLiteral("clearKeepFloat"));
    REQUIRE(clear);
    clear->click();
    CHECK(panel.keepFloat().isEmpty());
}

TEST_CASE("lab data: no data, no job; random noise only when chosen", "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    const QString path = QString::fromStdString(dir.file("cnn.tflite"));
    auto model = writeAndRead(makeSmallCnn(), path.toStdString());
    LabWindow lab;
    lab.setFloatModel(model, path);
    QuantizePanel* panel = lab.quantizePanel();
    CHECK(panel->dataSource().isEmpty()); // no silent random:100
    auto* inputs = panel->findChild<QLabel*>(QStringLiteral("modelInputs"));
    REQUIRE(inputs);
    CHECK(inputs->text().contains(QStringLiteral("[1, "))); // the input's shape is shown
    CHECK(inputs->text().contains(
        QStringLiteral("normalisation"))); // and where its normalisation comes from

    walkTo(*lab.wizard(), isInt8);
    lab.runLeaf(lab.wizard()->leaf());
    CHECK_FALSE(panel->isBusy());
    CHECK(lab.findChild<QTabWidget*>()->currentWidget() == panel);
    auto* note = panel->findChild<QLabel*>(QStringLiteral("dataNote"));
    REQUIRE(note);
    CHECK(note->text().contains(QStringLiteral("needs data")));
    lab.tryEveryLeaf();
    CHECK_FALSE(lab.isSweeping());

    // typed random noise is not a choice: the box must be ticked
    auto* field = panel->findChild<QLineEdit*>(QStringLiteral("dataSource"));
    REQUIRE(field);
    field->setText(QStringLiteral("random:10"));
    quantize::QuantizeJobOptions o;
    CHECK(panel->buildOptions(&o).contains(QStringLiteral("not chosen")));
    panel->setRandomAllowed(true);
    CHECK(panel->buildOptions(&o).isEmpty());
    CHECK(note->text().contains(QStringLiteral("random noise")));

    // a bad normalisation is refused before any job, naming what is wrong
    panel->setDataSource(QString::fromStdString(dir.path().string()));
    panel->setNormalization(QStringLiteral("mean=1"));
    CHECK(panel->buildOptions(&o).contains(QStringLiteral("mean and std go together")));
    panel->setNormalization(QStringLiteral("mean=127.5 std=127.5"));
    CHECK(panel->buildOptions(&o).isEmpty());
    REQUIRE(o.data.normalization);
    CHECK(o.data.normalization->mean == std::vector<float>{127.5f});
}

TEST_CASE("lab data: the choice is remembered per model", "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    const QString a = QString::fromStdString(dir.file("a.tflite")),
                  b = QString::fromStdString(dir.file("b.tflite"));
    auto ma = writeAndRead(makeSmallCnn(), a.toStdString());
    auto mb = writeAndRead(makeSmallCnn(), b.toStdString());
    {
        QuantizePanel panel;
        panel.setFloatModel(ma, a);
        panel.setDataSource(QStringLiteral("/photos/calib"));
        panel.setNormalization(QStringLiteral("range=-1,1"));
        panel.rememberDataChoice();
        panel.setFloatModel(mb, b); // another model: its own (no) choice
        CHECK(panel.dataSource().isEmpty());
        CHECK(panel.normalization().isEmpty());
    }
    QuantizePanel again;
    again.setFloatModel(ma, a);
    CHECK(again.dataSource() == QStringLiteral("/photos/calib"));
    CHECK(again.normalization() == QStringLiteral("range=-1,1"));
    CHECK_FALSE(again.randomAllowed());
}

TEST_CASE("lab leaf: run this leaf quantizes, measures and shows side by side; noise is marked",
          "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    const QString path = QString::fromStdString(dir.file("cnn.tflite"));
    auto model = writeAndRead(makeSmallCnn(), path.toStdString());
    LabWindow lab;
    lab.resize(1400, 900);
    lab.setFloatModel(model, path);
    QuantizePanel* panel = lab.quantizePanel();
    panel->setDataSource(QStringLiteral("random:16:3"));
    panel->addKeepFloat(QStringLiteral("SOFTMAX")); // left over from an earlier experiment
    walkTo(*lab.wizard(), isInt8);
    CHECK(lab.wizard()->leafText().contains(QStringLiteral("Not measured")));
    std::optional<lab::LeafRow> measured;
    QObject::connect(&lab, &LabWindow::leafMeasured, [&](const lab::LeafRow& r) { measured = r; });
    auto* run = lab.wizard()->findChild<QPushButton*>(QStringLiteral("runLeaf"));
    REQUIRE(run);
    REQUIRE(run->isEnabled());
    run->click();
    CHECK(panel->keepFloat().isEmpty());
    REQUIRE(waitFor([&] { return measured.has_value() && lab.compareView()->isFilled(); }, 120000));
    INFO(measured->error);
    CHECK(measured->ok);
    CHECK(measured->mode == quantize::Mode::Int8);
    CHECK(measured->latencyMs > 0);
    CHECK(measured->floatLatencyMs > 0);
    CHECK(measured->sqnrDb > 5.0); // int8 of a small CNN on its own calibration noise
    CHECK(lab.compareView()->result() != nullptr);
    CHECK(lab.compareView()->dataWarning().contains(QStringLiteral("random noise")));
    const QString text = lab.wizard()->leafText();
    CHECK(text.contains(QStringLiteral("Measured on this model")));
    CHECK(text.contains(QStringLiteral("desktop x86")));
    CHECK(text.contains(QStringLiteral("random noise")));
    CHECK(lab.wizard()->measured(quantize::Mode::Int8, false) != nullptr);

    // another model: no measurement, answer or data of the last one is left
    const QString other = QString::fromStdString(dir.file("other.tflite"));
    lab.setFloatModel(writeAndRead(makeSmallCnn(), other.toStdString()), other);
    REQUIRE(waitFor([&] { return lab.wizard()->currentQuestion().has_value(); }, 5000));
    CHECK(lab.wizard()->measured(quantize::Mode::Int8, false) == nullptr);
    CHECK(quantize::answeredPath(lab.wizard()->answers()).empty());
    CHECK(panel->dataSource().isEmpty());
}

TEST_CASE("lab sweep: keep-float and auto rows; the student's leaf marked", "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    const QString path = QString::fromStdString(dir.file("cnn.tflite"));
    auto model = writeAndRead(makeSmallCnn(), path.toStdString());
    LabWindow lab;
    lab.setFloatModel(model, path);
    lab.quantizePanel()->setDataSource(QStringLiteral("random:12:5"));
    walkTo(*lab.wizard(), isInt8);
    bool swept = false;
    QObject::connect(&lab, &LabWindow::sweepFinished, [&] { swept = true; });
    lab.tryEveryLeaf();
    REQUIRE(waitFor([&] { return swept; }, 300000));
    LeafTableModel* table = lab.wizard()->leafTable();
    REQUIRE(table->rows());
    const auto& rows = *table->rows();
    REQUIRE(rows.size() >= quantize::leafModes().size() + 2);
    int keep = -1, autoRow = -1;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].kind == lab::LeafKind::KeepFloat) keep = int(i);
        if (rows[i].kind == lab::LeafKind::Auto) autoRow = int(i);
    }
    REQUIRE(keep >= 0);
    REQUIRE(autoRow >= 0);
    INFO(rows[size_t(keep)].error << " / " << rows[size_t(autoRow)].error);
    CHECK(rows[size_t(keep)].ok);
    CHECK_FALSE(rows[size_t(keep)].keepFloat.empty());
    CHECK(rows[size_t(autoRow)].ok);
    REQUIRE(rows[size_t(autoRow)].targetSqnrDb);
    const int student = table->studentRow();
    REQUIRE(student >= 0);
    CHECK(rows[size_t(student)].mode == quantize::Mode::Int8);
    CHECK(rows[size_t(student)].kind == lab::LeafKind::Mode);
    CHECK(table->data(table->index(student, LeafTableModel::Mode), LeafTableModel::StudentLeafRole)
              .toBool());
    CHECK(table->data(table->index(student, LeafTableModel::Mode), Qt::DisplayRole)
              .toString()
              .contains(QStringLiteral("your leaf")));
    for (const auto& r : rows)
        if (r.ok) CHECK(r.floatLatencyMs > 0);
    // the sweep's numbers reach the leaf text
    CHECK(lab.wizard()->leafText().contains(QStringLiteral("Measured on this model")));
    auto* status = lab.wizard()->findChild<QLabel*>(QStringLiteral("sweepStatus"));
    REQUIRE(status);
    CHECK(status->text().contains(QStringLiteral("random noise")));
}

TEST_CASE("lab: a model with a custom operator says so and offers no run", "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    Model m = makeSmallCnn();
    REQUIRE_FALSE(m.subgraphs[0].operators.empty());
    Operator& last = m.subgraphs[0].operators.back();
    last.op = BuiltinOp::CUSTOM;
    last.customCode = "MyCustomOp";
    last.options = {};
    const QString path = QString::fromStdString(dir.file("custom.tflite"));
    auto model = writeAndRead(m, path.toStdString());
    const auto warnings = lab::customOperatorWarnings(*model);
    REQUIRE(warnings.size() == 1);
    const std::string where = "operator " + std::to_string(m.subgraphs[0].operators.size() - 1) +
                              " (custom 'MyCustomOp')";
    CHECK(warnings[0].message.find(where) != std::string::npos);

    LabWindow lab;
    lab.setFloatModel(model, path);
    lab.quantizePanel()->setDataSource(QStringLiteral("random:4"));
    walkTo(*lab.wizard(), isInt8);
    CHECK(lab.wizard()->leafText().contains(QStringLiteral("MyCustomOp")));
    auto* run = lab.wizard()->findChild<QPushButton*>(QStringLiteral("runLeaf"));
    REQUIRE(run);
    CHECK_FALSE(run->isEnabled());
}

TEST_CASE(
    "main window: an earlier 'Could not open' goes when a model opens; custom ops are problems",
    "[ui][leaf]") {
    TempDir dir;
    const std::string bad = dir.file("bad.tflite");
    writeBytes(bad, {1, 2, 3, 4, 5, 6, 7, 8});
    Model m = makeSmallCnn();
    m.subgraphs[0].operators.back().op = BuiltinOp::CUSTOM;
    m.subgraphs[0].operators.back().customCode = "MyCustomOp";
    m.subgraphs[0].operators.back().options = {};
    const std::string good = dir.file("custom.tflite");
    REQUIRE(writeModelFile(m, good));
    MainWindow w;
    w.openModel(QString::fromStdString(bad));
    REQUIRE(w.waitUntilIdle());
    CHECK(w.statusBar()->currentMessage().contains(QStringLiteral("Could not open")));
    w.openModel(QString::fromStdString(good));
    REQUIRE(w.waitUntilIdle());
    CHECK(w.statusBar()->currentMessage().isEmpty());
    REQUIRE(w.model());
    CHECK(w.diagnosticsModel()->rowCount() == 1); // the loader reports none: the file is valid
}

TEST_CASE("graph: the minimap is sized for a tall graph and can be hidden (remembered)",
          "[ui][graph]") {
    TempDir dir;
    const std::string path = dir.file("tall.tflite");
    REQUIRE(writeModelFile(makeSyntheticModel(40), path));
    QSettings().setValue(QStringLiteral("graph/minimap"), true);
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    GraphView* view = w.graphPage()->view();
    REQUIRE(view->snapshot());
    const auto& l = view->snapshot()->scene->layout;
    REQUIRE(l.height > 3 * l.width); // a tall graph
    CHECK(view->isMinimapVisible());
    const QSize map = view->minimapSize();
    CHECK(map.height() > map.width());
    CHECK(map.width() >= 70);                        // not a 1-px line
    CHECK(map.height() > int(view->height() * 0.4)); // uses the view's height
    auto* toggle = w.graphPage()->findChild<QAction*>(QStringLiteral("minimapAction"));
    REQUIRE(toggle);
    toggle->setChecked(false);
    CHECK_FALSE(view->isMinimapVisible());
    CHECK_FALSE(QSettings().value(QStringLiteral("graph/minimap")).toBool());
    MainWindow again;
    again.openModel(QString::fromStdString(path));
    REQUIRE(again.waitUntilIdle());
    CHECK_FALSE(again.graphPage()->view()->isMinimapVisible());
    QSettings().setValue(QStringLiteral("graph/minimap"), true);
}

TEST_CASE("lab results colour the main window's graph; a lab selection selects there",
          "[ui][lab][leaf]") {
    forgetDataChoices();
    TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(makeSmallCnn(), path));
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    w.openLab();
    auto* lab = w.findChild<LabWindow*>();
    REQUIRE(lab);
    lab->quantizePanel()->setDataSource(QStringLiteral("random:8:1"));
    walkTo(*lab->wizard(), isInt8);
    lab->runLeaf(lab->wizard()->leaf());
    REQUIRE(waitFor([&] { return lab->compareView()->isLayerErrorsFilled(); }, 120000));
    REQUIRE(waitFor([&] { return w.graphPage()->overlay() == Overlay::Value; }, 5000));
    const auto values = w.graphPage()->view()->state().operatorValues;
    REQUIRE(values);
    CHECK(values->size() == w.model()->subgraphs[0].operators.size());
    size_t measured = 0;
    for (double v : *values)
        measured += !std::isnan(v);
    CHECK(measured > 0);
    CHECK(w.graphPage()->legendText().contains(QStringLiteral("SQNR")));
    lab->compareView()->selectFloatOperator(OperatorIndex{0});
    emit lab->floatOperatorSelected(OperatorIndex{0});
    CHECK(w.graphPage()->view()->state().selectedNode >= 0);
    lab->close();
}

TEST_CASE("main window: the graph gets most of the window by default", "[ui][graph]") {
    QSettings().remove(QStringLiteral("window"));
    TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(makeSmallCnn(), path));
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    QCoreApplication::processEvents();
    const GraphView* view = w.graphPage()->view();
    const double share = double(view->width()) * view->height() / (double(w.width()) * w.height());
    INFO("graph " << view->width() << "x" << view->height());
    CHECK(share >= 0.5);
    CHECK(view->height() >= w.height() * 3 / 4);
}

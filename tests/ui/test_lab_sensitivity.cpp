// The lab's sensitivity dock (ui/lab/SensitivityPanel): the analysis job completes on a small
// built model and fills the ranking table and the bar chart; it can be cancelled (nothing is
// delivered); ticking "Keep float" adds the layer to the quantize panel's keep-float list and
// quantizes again, and the written model keeps that operator float, measured before -> after;
// the wizard's "keep the most sensitive layers in float" leaf prefills the list from the ranking.
#include "UiTest.h"
#include "lab/CompareView.h"
#include "lab/LabWindow.h"
#include "lab/QuantizePanel.h"
#include "lab/SensitivityChart.h"
#include "lab/SensitivityModel.h"
#include "lab/SensitivityPanel.h"
#include "lab/WizardPage.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <QAbstractItemModelTester>
#include <QButtonGroup>
#include <QCoreApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QThreadPool>
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {

// The small CNN in a lab, int8 on random data, measured on other random data.
void configure(QuantizePanel& quant, SensitivityPanel& sens, const test::TempDir& dir) {
    quant.setMode(quantize::Mode::Int8);
    quant.setDataSource(QStringLiteral("random:16:3"));
    quant.setOutputPath(QString::fromStdString(dir.file("out.tflite")));
    sens.setMeasureSource(QStringLiteral("random:6:5"));
    sens.setMeasureSamples(6);
}

// The operator of `m` (subgraph 0) whose output is named `name`.
const Operator* producerOf(const Model& m, const std::string& name) {
    const Subgraph& sg = m.subgraphs[0];
    for (const Operator& op : sg.operators)
        for (TensorIndex t : op.outputs)
            if (t.valid() && sg.tensor(t).name == name) return &op;
    return nullptr;
}

} // namespace

TEST_CASE("lab sensitivity: the job ranks the layers of a small model into the table and the chart", "[ui][lab]") {
    test::TempDir dir;
    auto model = writeAndRead(test::makeSmallCnn(), dir.file("cnn.tflite"));
    QuantizePanel quant;
    quant.setFloatModel(model, QString::fromStdString(dir.file("cnn.tflite")));
    SensitivityPanel sens;
    sens.setQuantizePanel(&quant);
    sens.setFloatModel(model);
    configure(quant, sens, dir);
    QAbstractItemModelTester tester(sens.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    bool finished = false, ok = false;
    QObject::connect(&sens, &SensitivityPanel::analysisFinished, [&](bool good) { finished = true, ok = good; });
    sens.start();
    CHECK(sens.isBusy());
    REQUIRE(waitFor([&] { return finished; }, 120000));
    INFO("status: " << sens.statusText().toStdString());
    REQUIRE(ok);
    auto run = sens.run();
    REQUIRE(run);
    const auto& r = run->result;
    REQUIRE(r.layers.size() >= 3); // CONV_2D, DEPTHWISE_CONV_2D, ADD, FULLY_CONNECTED, ...
    CHECK(r.samples == 6);
    CHECK(r.calibrationSamples == 16);
    CHECK(sens.isCurrent());
    // table: one row per layer, in the ranking's order (worst (a) first)
    REQUIRE(sens.model()->rowCount() == int(r.layers.size()));
    QTableView* table = sens.table();
    REQUIRE(table->model()->rowCount() == int(r.layers.size()));
    for (int row = 0; row < sens.model()->rowCount(); ++row) {
        const auto& l = r.layers[size_t(row)];
        CHECK(sens.model()->index(row, SensitivityModel::Name).data().toString().toStdString() == l.name);
        CHECK(sens.model()->index(row, SensitivityModel::Rank).data().toInt() == row + 1);
        // every layer maps to the float model's operator that produces its name
        const int op = sens.model()->index(row, 0).data(SensitivityModel::OperatorRole).toInt();
        REQUIRE(op >= 0);
        CHECK(producerOf(*model, l.name) == &model->subgraphs[0].operators[size_t(op)]);
        if (row > 0) CHECK(r.layers[size_t(row - 1)].onlyThis.sqnrDb <= l.onlyThis.sqnrDb);
    }
    // sorting by (b) orders by the sort role
    table->sortByColumn(SensitivityModel::AllButThis, Qt::DescendingOrder);
    for (int row = 1; row < table->model()->rowCount(); ++row)
        CHECK(table->model()->index(row - 1, SensitivityModel::AllButThis).data(SensitivityModel::SortRole).toDouble() >=
              table->model()->index(row, SensitivityModel::AllButThis).data(SensitivityModel::SortRole).toDouble());
    // chart: both series, one bar per layer shown
    CHECK(sens.chart()->barCount() == int(r.layers.size()));
    // a row selects the layer: layerSelected carries the float model's operator
    std::vector<OperatorIndex> selected;
    QObject::connect(&sens, &SensitivityPanel::layerSelected, [&](OperatorIndex op) { selected.push_back(op); });
    const QModelIndex first = table->model()->index(2, SensitivityModel::Rank);
    table->setCurrentIndex(first);
    REQUIRE(selected.size() == 1);
    CHECK(int(selected[0].index()) == first.data(SensitivityModel::OperatorRole).toInt());
    // selecting the operator from a graph selects its row without echoing it back
    const int otherOp = table->model()->index(0, 0).data(SensitivityModel::OperatorRole).toInt();
    sens.selectOperator(OperatorIndex{size_t(otherOp)});
    CHECK(table->currentIndex().row() == 0);
    CHECK(selected.size() == 1);
    // a settings change makes the ranking stale
    quant.setCalibrator(QStringLiteral("mse"));
    CHECK_FALSE(sens.isCurrent());
}

TEST_CASE("lab sensitivity: a cancelled job delivers nothing", "[ui][lab]") {
    test::TempDir dir;
    auto model = writeAndRead(test::makeSmallCnn(), dir.file("cnn.tflite"));
    QuantizePanel quant;
    quant.setFloatModel(model, QString::fromStdString(dir.file("cnn.tflite")));
    SensitivityPanel sens;
    sens.setQuantizePanel(&quant);
    sens.setFloatModel(model);
    configure(quant, sens, dir);
    QSignalSpy finished(&sens, &SensitivityPanel::analysisFinished);
    sens.start();
    REQUIRE(sens.isBusy());
    sens.cancel();
    CHECK_FALSE(sens.isBusy());
    ql::ui::jobPool()->waitForDone();
    QCoreApplication::processEvents();
    CHECK(finished.count() == 0);
    CHECK(sens.run() == nullptr);
    CHECK(sens.model()->rowCount() == 0);
    CHECK(sens.statusText().contains(QStringLiteral("Cancelled")));

    // mid-run on a real model: the stage shows n of N, then cancel stops it
    const auto path = test::sharedModel("hand_landmark_lite.tflite");
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    auto hand = readModelFile(*path);
    REQUIRE(hand);
    quant.setFloatModel(*hand, QString::fromStdString(*path));
    quant.setMode(quantize::Mode::Int8);
    quant.setDataSource(QStringLiteral("random:8"));
    sens.setFloatModel(*hand);
    sens.start();
    REQUIRE(waitFor([&] { return sens.statusText().contains(QStringLiteral("measuring layers: ")); }, 300000));
    CHECK(sens.statusText().contains(QStringLiteral(" of ")));
    CHECK(sens.statusText().contains(QStringLiteral("left in this stage")));
    sens.cancel();
    CHECK_FALSE(sens.isBusy());
    ql::ui::jobPool()->waitForDone(); // the engine notices the token and returns
    QCoreApplication::processEvents();
    CHECK(finished.count() == 0);
    CHECK(sens.run() == nullptr);
}

TEST_CASE("lab sensitivity: Keep float adds the layer, quantizes again and the written model keeps it float", "[ui][lab]") {
    test::TempDir dir;
    auto model = writeAndRead(test::makeSmallCnn(), dir.file("cnn.tflite"));
    LabWindow lab;
    lab.setFloatModel(model, QString::fromStdString(dir.file("cnn.tflite")));
    QuantizePanel& quant = *lab.quantizePanel();
    SensitivityPanel& sens = *lab.sensitivityPanel();
    configure(quant, sens, dir);
    bool finished = false;
    QObject::connect(&sens, &SensitivityPanel::analysisFinished, [&] { finished = true; });
    sens.start();
    REQUIRE(waitFor([&] { return finished; }, 120000));
    REQUIRE(sens.run());
    const auto& r = sens.run()->result;
    REQUIRE(quant.keepFloat().isEmpty());
    CHECK(sens.lastSqnr() == r.allQuantized.sqnrDb);

    // tick "Keep float" on the most sensitive layer as the table's check box does
    std::shared_ptr<const QuantizeRun> quantized;
    QObject::connect(&quant, &QuantizePanel::quantized, [&](std::shared_ptr<const QuantizeRun> q) { quantized = q; });
    double before = NAN, after = NAN;
    QObject::connect(&sens, &SensitivityPanel::measured, [&](double b, double a) { before = b, after = a; });
    QAbstractItemModel* view = sens.table()->model();
    int row = -1;
    for (int i = 0; i < view->rowCount(); ++i)
        if (view->index(i, 0).data(SensitivityModel::LayerRole).toInt() == 0) row = i;
    REQUIRE(row >= 0);
    const QModelIndex box = view->index(row, SensitivityModel::Keep);
    CHECK(view->flags(box).testFlag(Qt::ItemIsUserCheckable));
    CHECK(box.data(Qt::CheckStateRole).toInt() == Qt::Unchecked);
    REQUIRE(view->setData(box, Qt::Checked, Qt::CheckStateRole));
    const std::string name = r.layers[0].name;
    CHECK(quant.keepFloat() == QStringList{QString::fromStdString(name)});
    CHECK(box.data(Qt::CheckStateRole).toInt() == Qt::Checked); // mirrors the panel's list
    CHECK(quant.isBusy());                                      // quantizing again
    REQUIRE(waitFor([&] { return quantized != nullptr && !std::isnan(after); }, 120000));
    REQUIRE(quantized->model);

    // the written file keeps that operator float (float output, no int8 input), others int8
    auto written = readModelFile(quantized->outPath);
    REQUIRE(written);
    const Operator* kept = producerOf(**written, name);
    REQUIRE(kept);
    const Subgraph& sg = (*written)->subgraphs[0];
    CHECK(sg.tensor(kept->outputs[0]).type == TensorType::FLOAT32);
    CHECK(sg.tensor(kept->inputs[0]).type == TensorType::FLOAT32);
    size_t int8Ops = 0;
    for (const Operator& op : sg.operators)
        if (!op.outputs.empty() && op.outputs[0].valid() && sg.tensor(op.outputs[0]).type == TensorType::INT8) ++int8Ops;
    CHECK(int8Ops > 0);
    // before -> after: from the fully quantized model to the measured new one, which is the
    // ranking's own "(b) all but this layer" figure (same calibration, same samples)
    CHECK(before == r.allQuantized.sqnrDb);
    CHECK(after == Approx(r.layers[0].allButThis.sqnrDb).margin(0.01));
    CHECK(sens.comparisonText().contains(QStringLiteral("→")));
    // the side-by-side view shows the new model
    REQUIRE(waitFor([&] { return lab.compareView()->isFilled(); }, 120000));

    // unticking quantizes it again
    quantized.reset();
    REQUIRE(view->setData(box, Qt::Unchecked, Qt::CheckStateRole));
    CHECK(quant.keepFloat().isEmpty());
    REQUIRE(waitFor([&] { return quantized != nullptr; }, 120000));
    REQUIRE(quantized->model);
    // (the small CNN has one operator of each type; a graph output's name may move to the
    // DEQUANTIZE after it, so the operator is found by its type)
    size_t floatOfType = 0, ofType = 0;
    const Subgraph& sg2 = quantized->model->subgraphs[0];
    for (const Operator& op : sg2.operators)
        if (op.typeName() == r.layers[0].type) ++ofType, floatOfType += sg2.tensor(op.outputs[0]).type == TensorType::FLOAT32;
    CHECK(ofType == 1);
    CHECK(floatOfType == 0);

    // "keep the N most sensitive": the greedy list's first N
    sens.keepMostSensitive(1);
    const QString expected = QString::fromStdString(r.keepFloat.empty() ? r.layers[0].name : r.keepFloat[0]);
    CHECK(quant.keepFloat() == QStringList{expected});
    ql::ui::jobPool()->waitForDone();
}

TEST_CASE("lab sensitivity: the wizard's keep-float leaf prefills the keep-float list", "[ui][lab]") {
    test::TempDir dir;
    auto model = writeAndRead(test::makeSmallCnn(), dir.file("cnn.tflite"));
    LabWindow lab;
    lab.resize(1400, 900);
    lab.setFloatModel(model, QString::fromStdString(dir.file("cnn.tflite")));
    QuantizePanel& quant = *lab.quantizePanel();
    SensitivityPanel& sens = *lab.sensitivityPanel();
    configure(quant, sens, dir);
    quant.setMode(quantize::Mode::Float16); // the leaf sets int8
    sens.setTargetSqnr(150);                // not reachable: the greedy search lists layers
    CHECK(quant.keepFloat().isEmpty());

    // walk the tree to "accuracy not good enough -> keep the most sensitive layers float"
    WizardPage& wizard = *lab.wizard();
    quantize::TreeAnswers target;
    bool found = false;
    for (const auto& a : quantize::allPaths())
        if (!found && quantize::leafFor(a).keepSensitiveFloat) target = a, found = true;
    REQUIRE(found);
    while (const auto q = wizard.currentQuestion()) {
        REQUIRE(wizard.choose(quantize::answerIndex(target, *q)));
        QCoreApplication::processEvents();
    }
    REQUIRE(wizard.leaf().keepSensitiveFloat);
    QStringList prefilled;
    bool got = false;
    QObject::connect(&sens, &SensitivityPanel::keepFloatPrefilled, [&](const QStringList& n) { prefilled = n, got = true; });
    auto* configureRun = wizard.findChild<QPushButton*>(QStringLiteral("configureRun"));
    REQUIRE(configureRun);
    configureRun->click();
    CHECK(quant.mode() == quantize::Mode::Int8);
    CHECK(lab.findChild<QDockWidget*>(QStringLiteral("sensitivityDock"))->isVisibleTo(&lab));
    REQUIRE(waitFor([&] { return got; }, 120000)); // the ranking ran first
    REQUIRE(sens.run());
    const auto& r = sens.run()->result;
    REQUIRE_FALSE(r.keepFloat.empty());
    QStringList want;
    for (const auto& k : r.keepFloat) want << QString::fromStdString(k);
    CHECK(prefilled == want);
    CHECK(quant.keepFloat() == want);

    // with a current ranking, the leaf prefills at once (no new job)
    quant.setKeepFloat({});
    got = false;
    configureRun->click();
    CHECK(got);
    CHECK_FALSE(sens.isBusy());
    CHECK(quant.keepFloat() == want);
}

TEST_CASE("lab sensitivity: the ranking model under QAbstractItemModelTester", "[ui][lab]") {
    SensitivityModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto run = std::make_shared<SensitivityRun>();
    for (int i = 0; i < 3; ++i) {
        analysis::LayerSensitivity l;
        l.op = OperatorIndex{size_t(i)};
        l.type = "CONV_2D";
        l.name = "conv" + std::to_string(i);
        l.onlyThis.sqnrDb = 20.0 + i;
        l.allButThis.sqnrDb = i == 2 ? INFINITY : 30.0 - i;
        run->result.layers.push_back(l);
        run->floatOps.push_back(OperatorIndex{size_t(i)});
        run->greedyStep.push_back(i == 0 ? 1 : 0);
    }
    run->result.allQuantized.sqnrDb = 18;
    m.resetData(run);
    REQUIRE(m.rowCount() == 3);
    CHECK(m.index(0, SensitivityModel::Gain).data().toString() == QStringLiteral("+12.0"));
    CHECK(m.index(2, SensitivityModel::Gain).data().toString() == QStringLiteral("+∞"));
    CHECK(m.index(0, SensitivityModel::Greedy).data().toInt() == 1);
    QSignalSpy toggled(&m, &SensitivityModel::keepFloatToggled);
    CHECK(m.setData(m.index(1, SensitivityModel::Keep), Qt::Checked, Qt::CheckStateRole));
    REQUIRE(toggled.count() == 1);
    CHECK(toggled.at(0).at(0).toInt() == 1);
    CHECK(m.index(1, SensitivityModel::Keep).data(Qt::CheckStateRole).toInt() == Qt::Unchecked); // until the list says so
    m.setKeptFloat({QStringLiteral("conv1")});
    CHECK(m.index(1, SensitivityModel::Keep).data(Qt::CheckStateRole).toInt() == Qt::Checked);
    m.resetData(nullptr);
    CHECK(m.rowCount() == 0);
}

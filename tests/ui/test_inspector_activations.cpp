// Activation histograms from calibration data: the sampling pass (core), the main window's
// "Load data" job (completes, reports errors, can be cancelled) and the histogram panel's
// what-if on activations; plus the inspector nits (symmetric clip fields, per-channel chart,
// quantized_bias_type).
#include "JobRunner.h"
#include "LoadDataDialog.h"
#include "MainWindow.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "inspect/DiagnosticsModel.h"
#include "plots/HistogramPanel.h"

#include "analysis/ActivationSamples.h"
#include "tflite/ModelWriter.h"

#include <QApplication>
#include <QCheckBox>
#include <QCoreApplication>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>
#include <catch2/catch.hpp>
#include <qcustomplot.h>

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace ql;

namespace {
struct IsolatedSettings {
    IsolatedSettings() { QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-tests")); }
};

std::string writeCnn(test::TempDir& dir) {
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    return path;
}
} // namespace

TEST_CASE("collectActivationSamples records every activation and every calibrator's range", "[ui][activations]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    ActivationSamplingOptions o;
    o.calibrator = "kl";
    o.valuesPerTensor = 300;
    auto r = collectActivationSamples(model, "random:12:5", o, {});
    REQUIRE(r.ok());
    const ActivationSamples& s = **r;
    CHECK(s.sampleCount == 12);
    CHECK(s.calibrator == "kl");
    const Subgraph& sg = model->subgraphs[0];
    // the input and all 7 operator outputs
    CHECK(s.values.size() == 8);
    for (const Operator& op : sg.operators) REQUIRE(s.values.count(op.outputs[0].value));
    // the input holds 12 * 192 values, the reservoir keeps 300 of them, all from [-1, 1]
    // (random: floats are uniform there), spread over the whole range (uniform sample)
    const auto& in = s.values.at(sg.inputs[0].value);
    REQUIRE(in.size() == 300);
    const auto [lo, hi] = std::minmax_element(in.begin(), in.end());
    CHECK(*lo >= -1.0);
    CHECK(*hi <= 1.0);
    CHECK(*lo < -0.8);
    CHECK(*hi > 0.8);
    double mean = 0;
    for (double v : in) mean += v / double(in.size());
    CHECK(std::abs(mean) < 0.15);
    // a small output keeps all values: SOFTMAX [1, 10] x 12 samples = 120 < 300, in [0, 1]
    const auto& soft = s.values.at(sg.operators.back().outputs[0].value);
    CHECK(soft.size() == 120);
    CHECK(*std::min_element(soft.begin(), soft.end()) >= 0.0);
    // four calibrators; the chosen one is the kl entry
    CHECK(s.rangesByCalibrator.size() == 4);
    for (const char* name : {"minmax", "mse", "kl"}) CHECK(s.rangesByCalibrator.count(name));
    const int32_t conv = sg.operators[0].outputs[0].value;
    REQUIRE(s.chosenRange.count(conv));
    CHECK(s.chosenRange.at(conv) == s.rangesByCalibrator.at("kl").at(conv));
    // minmax is the widest: every other calibrator clips inside it
    const auto mm = s.rangesByCalibrator.at("minmax").at(conv);
    for (const auto& [name, ranges] : s.rangesByCalibrator) {
        CHECK(ranges.at(conv).first >= mm.first - 1e-6);
        CHECK(ranges.at(conv).second <= mm.second + 1e-6);
    }
}

TEST_CASE("collectActivationSamples stops when cancelled and names bad data", "[ui][activations]") {
    auto model = std::make_shared<const Model>(test::makeSmallCnn());
    std::atomic<bool> cancel{false};
    Progress p;
    p.cancel = &cancel;
    int reports = 0;
    p.report = [&](std::string_view, double f) {
        if (f > 0 && ++reports == 3) cancel = true; // stop after the third sample
    };
    auto r = collectActivationSamples(model, "random:1000", {}, p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.message() == "cancelled");
    CHECK(reports == 3);
    auto bad = collectActivationSamples(model, "/nonexistent/data.npy", {}, {});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.message().find("/nonexistent/data.npy") != std::string::npos);
    ActivationSamplingOptions o;
    o.calibrator = "median";
    CHECK_FALSE(collectActivationSamples(model, "random:2", o, {}).ok());
}

TEST_CASE("Load data runs in a job and the histograms show activations with the calibrator's range", "[ui][activations]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    CHECK_FALSE(w.loadDataAction()->isEnabled()); // no model yet
    w.openModel(QString::fromStdString(writeCnn(dir)));
    REQUIRE(w.waitUntilIdle());
    CHECK(w.loadDataAction()->isEnabled());
    w.selectInterestingOperator(); // the CONV_2D: its weights before data is loaded
    REQUIRE(w.waitUntilIdle());
    ui::HistogramPanel* h = w.histogramPanel();
    CHECK(h->whatIf().count == 4 * 27);

    QSignalSpy loaded(&w, &ui::MainWindow::activationDataLoaded);
    w.loadActivationData(QStringLiteral("random:20:3"), QStringLiteral("percentile:99.9"));
    CHECK(w.activationJobs()->isBusy());
    REQUIRE(w.waitUntilIdle());
    REQUIRE(loaded.count() == 1);
    CHECK(loaded.at(0).at(0).toBool());
    REQUIRE(w.activationSamples());
    CHECK(w.activationSamples()->sampleCount == 20);

    w.selectInterestingOperator(); // with samples: the CONV_2D's output activations
    REQUIRE(w.waitUntilIdle());
    const int32_t convOut = w.model()->subgraphs[0].operators[0].outputs[0].value;
    CHECK(w.currentTensor().value == convOut);
    CHECK(h->whatIf().count == 20 * 8 * 8 * 4); // every value of 20 samples fits the reservoir
    // the what-if starts at the calibrator's choice, asymmetric like TFLite's activations
    const auto chosen = w.activationSamples()->chosenRange.at(convOut);
    CHECK_FALSE(h->whatIfParams().symmetric);
    CHECK(h->whatIfParams().clipMin == Approx(chosen.first));
    CHECK(h->whatIfParams().clipMax == Approx(chosen.second));
    CHECK(h->displayedClip().first == Approx(chosen.first).margin(1e-6));
    // the four calibrators' ranges are drawn: 2 lines each and a label
    int lines = 0, labels = 0;
    for (int i = 0; i < h->histogramPlot()->itemCount(); ++i) {
        lines += qobject_cast<QCPItemStraightLine*>(h->histogramPlot()->item(i)) != nullptr;
        labels += qobject_cast<QCPItemText*>(h->histogramPlot()->item(i)) != nullptr;
    }
    CHECK(labels == 4);
    CHECK(lines >= 8 + 2);
    // a log count axis for the ReLU spike at zero
    QCheckBox* log = nullptr;
    for (QCheckBox* c : h->findChildren<QCheckBox*>())
        if (c->text() == QStringLiteral("log count")) log = c;
    REQUIRE(log);
    log->setChecked(true);
    CHECK(h->histogramPlot()->yAxis->scaleType() == QCPAxis::stLogarithmic);
    CHECK(h->histogramPlot()->yAxis->range().lower > 0);
    log->setChecked(false);
    CHECK(h->histogramPlot()->yAxis->scaleType() == QCPAxis::stLinear);
    // what-if on activations: fewer bits cost SQNR
    const double eight = h->whatIf().sqnrDb;
    h->setBits(4);
    CHECK(h->whatIf().sqnrDb < eight - 10);

    // a bad source: an error in the problems panel, the samples stay
    w.loadActivationData(QStringLiteral("/nonexistent/calib.npy"));
    REQUIRE(w.waitUntilIdle());
    REQUIRE(loaded.count() == 2);
    CHECK_FALSE(loaded.at(1).at(0).toBool());
    const int rows = w.diagnosticsModel()->rowCount();
    REQUIRE(rows == int(w.model()->diagnostics.size()) + 1); // the model's own, then the data error
    CHECK(w.diagnosticsModel()->index(rows - 1, ui::DiagnosticsModel::MessageColumn).data().toString().contains("calib.npy"));
    CHECK(w.activationSamples());

    // opening another model drops samples of the old one
    w.openModel(QString::fromStdString(writeCnn(dir)));
    REQUIRE(w.waitUntilIdle());
    CHECK_FALSE(w.activationSamples());
}

TEST_CASE("File > Load data asks for a source and runs it", "[ui][activations]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    ui::MainWindow w;
    w.show();
    w.openModel(QString::fromStdString(writeCnn(dir)));
    REQUIRE(w.waitUntilIdle());
    QString seen;
    QTimer::singleShot(100, [&] {
        auto* dialog = qobject_cast<ui::LoadDataDialog*>(QApplication::activeModalWidget());
        if (!dialog) return;
        seen = dialog->calibrator();
        dialog->setSpec(QStringLiteral("random:3:9"));
        dialog->accept();
    });
    w.loadDataAction()->trigger();
    CHECK(seen == QStringLiteral("minmax"));
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.activationSamples());
    CHECK(w.activationSamples()->sampleCount == 3);
    CHECK(w.activationSamples()->calibrator == "minmax");
}

TEST_CASE("the activation job is cancelled from the status bar", "[ui][activations]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    ui::MainWindow w;
    w.show();
    w.openModel(QString::fromStdString(writeCnn(dir)));
    REQUIRE(w.waitUntilIdle());
    QSignalSpy loaded(&w, &ui::MainWindow::activationDataLoaded);
    w.loadActivationData(QStringLiteral("random:1000000"));
    REQUIRE(w.activationJobs()->isBusy());
    QToolButton* cancel = nullptr;
    for (QToolButton* b : w.statusBar()->findChildren<QToolButton*>())
        if (b->text() == QStringLiteral("Cancel")) cancel = b;
    REQUIRE(cancel);
    CHECK(cancel->isVisibleTo(&w));
    cancel->click();
    CHECK_FALSE(w.activationJobs()->isBusy());
    REQUIRE(w.waitUntilIdle(2000));
    CHECK_FALSE(cancel->isVisibleTo(&w));
    CHECK(loaded.count() == 0);
    CHECK_FALSE(w.activationSamples());
}

TEST_CASE("histogram nits: symmetric clip fields, per-channel chart, quantized_bias_type", "[ui][activations]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    ui::MainWindow w;
    w.show();
    w.openModel(QString::fromStdString(writeCnn(dir)));
    REQUIRE(w.waitUntilIdle());
    w.selectInterestingOperator(); // float CONV_2D weights
    REQUIRE(w.waitUntilIdle());
    ui::HistogramPanel* h = w.histogramPanel();
    // symmetric mode shows [-a, a] with a = max(|lo|, |hi|)
    h->setSymmetric(false);
    h->setClipRange(-0.01, 0.03);
    CHECK(h->displayedClip().first == Approx(-0.01));
    h->setSymmetric(true);
    CHECK(h->displayedClip().first == Approx(-0.03));
    CHECK(h->displayedClip().second == Approx(0.03));
    CHECK(h->whatIf().gridMin == Approx(-0.03));
    // float weights: no per-channel quantization, no per-channel range chart
    CHECK_FALSE(h->channelPlot()->isVisibleTo(h));
    // per-channel int8 weights show it
    const std::string fc = dir.file("fc.tflite");
    REQUIRE(writeModelFile(test::makeInt8FullyConnected(), fc).ok());
    w.openModel(QString::fromStdString(fc));
    REQUIRE(w.waitUntilIdle());
    w.selectInterestingOperator();
    REQUIRE(w.waitUntilIdle());
    CHECK(h->channelPlot()->isVisibleTo(h));
    // the absent quantized_bias_type reads as the default, not FLOAT32
    auto op = ui::makeOperatorSnapshot(w.model(), SubgraphIndex{0}, OperatorIndex{0});
    bool found = false;
    for (const OptionField& f : op->options)
        if (f.name == "quantized_bias_type") {
            found = true;
            CHECK(f.text == "(default)");
        }
    CHECK(found);
}

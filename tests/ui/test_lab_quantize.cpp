// The lab's quantization run panel (ui/lab/QuantizePanel): a job that completes, writes the
// model atomically and hands it on; a cancelled job leaves no file; the lab then fills the
// side-by-side view. On hand_landmark_lite (shared): the longest GUI event-loop stall during a
// calibration on random:100, and the time from "Quantize" to the side-by-side view filled
// (printed, never asserted: tests do not assert wall-clock time).
#include "UiTest.h"
#include "graph/GraphView.h"
#include "lab/CompareView.h"
#include "lab/LabWindow.h"
#include "lab/LayerErrorModel.h"
#include "lab/OutputTableModel.h"
#include "lab/QuantizePanel.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QThreadPool>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;
namespace fs = std::filesystem;

namespace {

size_t filesIn(const fs::path& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
    return n;
}

} // namespace

TEST_CASE("lab quantize: a job completes, writes the model and hands it on", "[ui][lab]") {
    test::TempDir dir;
    auto model = writeAndRead(test::makeSmallCnn(), dir.file("cnn.tflite"));
    QuantizePanel panel;
    panel.setFloatModel(model, QString::fromStdString(dir.file("cnn.tflite")));
    CHECK(panel.outputPath().endsWith(QStringLiteral("cnn_int8.tflite")));
    panel.setMode(quantize::Mode::Int8);
    panel.setDataSource(QStringLiteral("random:16:3"));
    panel.setCalibrator(QStringLiteral("percentile:99.9"));
    panel.addKeepFloat(QStringLiteral("SOFTMAX"));
    const QString out = QString::fromStdString(dir.file("out.tflite"));
    panel.setOutputPath(out);
    std::shared_ptr<const QuantizeRun> run;
    QString failure;
    QObject::connect(&panel, &QuantizePanel::quantized, [&](std::shared_ptr<const QuantizeRun> r) { run = r; });
    QObject::connect(&panel, &QuantizePanel::quantizeFailed, [&](const QString& m) { failure = m; });
    panel.startQuantize();
    CHECK(panel.isBusy());
    const bool arrived = waitFor([&] { return run != nullptr; }, 60000);
    INFO("status: " << panel.statusText().toStdString() << "; failure: " << failure.toStdString());
    REQUIRE(arrived);
    CHECK(run->error.empty());
    REQUIRE(run->model);
    CHECK(fs::exists(out.toStdString()));
    CHECK(run->samples == 16);
    CHECK(run->report.quantizedOps > 0);
    bool softmaxFloat = false;
    for (const auto& f : run->report.floatOps) softmaxFloat |= f.find("SOFTMAX") != std::string::npos;
    CHECK(softmaxFloat);
    CHECK_FALSE(panel.isBusy());
    // an invalid configuration is refused before any job starts
    panel.setOutputPath(QString::fromStdString(dir.file("cnn.tflite")));
    QSignalSpy failed(&panel, &QuantizePanel::quantizeFailed);
    panel.startQuantize();
    CHECK(failed.count() == 1);
    CHECK_FALSE(panel.isBusy());
}

TEST_CASE("lab quantize: a cancelled job leaves no file", "[ui][lab]") {
    const auto path = test::sharedModel("hand_landmark_lite.tflite");
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    test::TempDir dir;
    auto model = readModelFile(*path);
    REQUIRE(model);
    QuantizePanel panel;
    panel.setFloatModel(*model, QString::fromStdString(*path));
    panel.setMode(quantize::Mode::Int8);
    panel.setDataSource(QStringLiteral("random:100"));
    const QString out = QString::fromStdString(dir.file("cancelled.tflite"));
    panel.setOutputPath(out);
    int delivered = 0;
    QObject::connect(&panel, &QuantizePanel::quantized, [&] { ++delivered; });
    panel.startQuantize();
    // wait until calibration is under way (n of N shown), then cancel
    REQUIRE(waitFor([&] { return panel.statusText().contains(QStringLiteral("of 100")); }, 120000));
    CHECK(panel.statusText().contains(QStringLiteral("calibrating: sample")));
    panel.cancel();
    CHECK_FALSE(panel.isBusy());
    ql::ui::jobPool()->waitForDone(); // the worker notices the token and returns
    QCoreApplication::processEvents();
    CHECK(delivered == 0);
    CHECK_FALSE(fs::exists(out.toStdString()));
    CHECK(filesIn(dir.path()) == 0); // no temporary file left either
}

TEST_CASE("lab: Quantize opens the result side by side (hand_landmark_lite, random:100)", "[ui][lab]") {
    const auto path = test::sharedModel("hand_landmark_lite.tflite");
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    test::TempDir dir;
    auto model = readModelFile(*path);
    REQUIRE(model);
    LabWindow lab;
    lab.show();
    lab.setFloatModel(*model, QString::fromStdString(*path));
    auto* panel = lab.quantizePanel();
    panel->setMode(quantize::Mode::Int8);
    panel->setDataSource(QStringLiteral("random:100"));
    panel->setOutputPath(QString::fromStdString(dir.file("hand_int8.tflite")));

    for (int i = 0; i < 20; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 10); // first paint of the window

    // Event-loop probe: a 5 ms timer; the longest gap between its ticks is the longest stall.
    QElapsedTimer clock;
    qint64 last = 0, longest = 0;
    bool calibrating = false;
    qint64 longestCalibrating = 0;
    QString longestAt;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        if (now - last > longest) {
            longest = now - last;
            longestAt = panel->statusText() + QStringLiteral(" / filled=") + QString::number(lab.compareView()->isFilled());
        }
        if (calibrating) longestCalibrating = std::max(longestCalibrating, now - last);
        last = now;
        calibrating = panel->statusText().startsWith(QStringLiteral("calibrating"));
    });
    bool filled = false;
    QObject::connect(&lab, &LabWindow::comparisonFilled, [&] { filled = true; });
    clock.start();
    probe.start();
    panel->startQuantize();
    REQUIRE(waitFor([&] { return filled || !lab.lastError().isEmpty(); }, 600000));
    INFO(lab.lastError().toStdString());
    REQUIRE(filled);
    CHECK(lab.lastError().isEmpty());
    auto* cv = lab.compareView();
    CHECK(cv->isFilled());
    REQUIRE(cv->result());
    CHECK(cv->result()->outputs.size() == 4);
    CHECK(cv->outputs()->rowCount() > 0);
    CHECK(cv->leftView()->snapshot());
    CHECK(cv->rightView()->snapshot());
    // int8 tracks float on the largest output (the landmarks); on random inputs the small
    // score outputs can be dominated by noise
    const lab::OutputComparison* largest = nullptr;
    for (const auto& o : cv->result()->outputs) {
        std::printf("lab-bench output %s: %zu values, SQNR %.1f dB\n", o.name.c_str(), o.reference.size(), o.sqnr);
        if (!largest || o.reference.size() > largest->reference.size()) largest = &o;
    }
    CHECK(largest->sqnr > 10.0);
    QElapsedTimer layerClock;
    layerClock.start();
    REQUIRE(waitFor([&] { return cv->isLayerErrorsFilled(); }, 600000));
    CHECK(cv->layerErrorText().isEmpty());
    CHECK(cv->layerErrors()->rowCount() > 40);
    probe.stop();
    if (const char* shots = std::getenv("QUANTLAB_SHOTS")) { // for looking at (xvfb-run)
        for (int i = 0; i < 20; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        lab.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/lab_side_by_side_outputs.png"));
        if (auto* tabs = cv->findChild<QTabWidget*>()) tabs->setCurrentIndex(1);
        cv->layerTable()->sortByColumn(LayerErrorModel::PerLayerSqnr, Qt::AscendingOrder);
        for (int i = 0; i < 20; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        lab.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/lab_side_by_side_layers.png"));
    }
    std::printf("lab-bench per-layer error stage (8 samples) %lld ms after the side-by-side view filled\n",
                static_cast<long long>(layerClock.elapsed()));
    std::printf("lab-bench hand_landmark_lite int8 random:100: longest event-loop stall (Quantize to per-layer table filled) %lld ms (during calibration %lld ms), "
                "Quantize -> side by side filled %lld ms (longest stall at: %s)\n",
                static_cast<long long>(longest), static_cast<long long>(longestCalibrating),
                static_cast<long long>(lab.lastQuantizeToCompareMs()), qPrintable(longestAt));
    std::fflush(stdout);
}

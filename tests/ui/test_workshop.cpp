// The workshop page (ui/workshop): it builds; a training job of a fraction of an
// epoch updates the live plot, writes the model and opens it; a cancelled training leaves no
// file; the comparison fills the per-mode table, the bar chart and the mistakes grid for the
// bundled demo model on the bundled sample. With QL_WORKSHOP_SHOT=FILE.png the filled page is
// saved there (run under xvfb-run with QT_QPA_PLATFORM=xcb to look at it).
#include "TestSupport.h"
#include "MainWindow.h"
#include "lab/LabWindow.h"
#include "lab/QuantizePanel.h"
#include "workshop/MistakesGrid.h"
#include "workshop/ModeAccuracyModel.h"
#include "workshop/WorkshopPage.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QMenuBar>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPushButton>
#include <QTableView>
#include <QThreadPool>
#include <catch2/catch.hpp>
#include <qcustomplot.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

using namespace ql;
using namespace ql::ui;
namespace fs = std::filesystem;

namespace {

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

bool waitUntil(const std::function<bool()>& done, int ms) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    return done();
}

bool haveFashionMnist() { return fs::exists(fs::path(kFashionDir) / "train-images-idx3-ubyte.gz"); }

} // namespace

TEST_CASE("workshop: the page builds and opens the demo model", "[ui][workshop]") {
    WorkshopPage page;
    page.show();
    CHECK(page.findChildren<QPushButton*>().size() >= 6);
    CHECK(page.trainPlot()->graphCount() == 5); // 3 per epoch, 2 running every few dozen batches
    CHECK(page.modeTable()->model()->rowCount() == 0);
    REQUIRE(page.openDemo());
    REQUIRE(page.model());
    CHECK(page.model()->subgraphs.size() == 1);
    page.openLab(); // the lab's wizard on the demo model
    REQUIRE(page.labWindow());
    CHECK(page.labWindow()->isVisible());
    CHECK(page.labWindow()->quantizePanel()->floatModel() == page.model());
    CHECK(page.labWindow()->quantizePanel()->dataSource().endsWith(QStringLiteral("fashion-mnist-sample-images-idx3-ubyte.gz")));
}

TEST_CASE("workshop: the main window's Workshop menu opens the page on the demo", "[ui][workshop]") {
    MainWindow window;
    QAction* entry = nullptr;
    for (QAction* menu : window.menuBar()->actions())
        if (menu->text() == QStringLiteral("&Workshop") && menu->menu())
            for (QAction* a : menu->menu()->actions())
                if (a->text().contains(QStringLiteral("Fashion-MNIST"))) entry = a;
    REQUIRE(entry);
    entry->trigger();
    auto* page = window.findChild<WorkshopPage*>();
    REQUIRE(page);
    CHECK(page->isVisible());
    REQUIRE(page->model()); // no model open in the window: the bundled demo
    CHECK(page->modelPath().endsWith(QStringLiteral("fashion_mnist_demo.tflite")));
    CHECK(window.showWorkshop() == page); // one page per window
}

TEST_CASE("workshop: a fraction of an epoch updates the plot and writes the model", "[ui][workshop][train]") {
    if (!haveFashionMnist()) {
        WARN("skipped: " << kFashionDir << " is absent");
        return;
    }
    test::TempDir dir;
    const std::string out = dir.file("trained.tflite");
    WorkshopPage page;
    page.setTrainSettings(1, 7, 30); // 30 batches of 32
    page.setOutputPath(QString::fromStdString(out));
    int epochs = 0;
    QString written;
    QObject::connect(&page, &WorkshopPage::epochFinished, [&](int) { ++epochs; });
    QObject::connect(&page, &WorkshopPage::modelTrained, [&](const QString& p) { written = p; });
    page.startTraining();
    CHECK(page.trainJobs()->isBusy());
    REQUIRE(waitUntil([&] { return !page.trainJobs()->isBusy(); }, 180000));
    CHECK(epochs == 1);
    CHECK(written == QString::fromStdString(out));
    CHECK(fs::exists(out));
    REQUIRE(page.model());
    CHECK(page.modelPath() == QString::fromStdString(out));
    for (int g = 0; g < 3; ++g) CHECK(page.trainPlot()->graph(g)->dataCount() == 1);
    for (int g = 3; g < 5; ++g) CHECK(page.trainPlot()->graph(g)->dataCount() >= 1); // the running points (30 batches: the last)
    const double loss = page.trainPlot()->graph(0)->data()->at(0)->value;
    CHECK(loss > 0.0);
    CHECK(loss < 2.3026); // below chance (ln 10) after 30 batches
    const double testAcc = page.trainPlot()->graph(2)->data()->at(0)->value;
    CHECK(testAcc > 10.0); // percent, better than chance
    CHECK(page.trainStatus().contains(QStringLiteral("Wrote")));
}

TEST_CASE("workshop: a cancelled training leaves no file", "[ui][workshop][train]") {
    if (!haveFashionMnist()) {
        WARN("skipped: " << kFashionDir << " is absent");
        return;
    }
    test::TempDir dir;
    const std::string out = dir.file("cancelled.tflite");
    WorkshopPage page;
    page.setTrainSettings(3, 1, 0); // whole epochs: long enough to cancel in the first one
    page.setOutputPath(QString::fromStdString(out));
    bool trained = false;
    QObject::connect(&page, &WorkshopPage::modelTrained, [&] { trained = true; });
    page.startTraining();
    REQUIRE(page.trainJobs()->isBusy());
    // Let it load the data and start the first epoch, then cancel.
    waitUntil([&] { return page.trainStatus().startsWith(QStringLiteral("epoch")); }, 60000);
    page.cancelTraining();
    CHECK_FALSE(page.trainJobs()->isBusy());
    ql::ui::jobPool()->waitForDone(); // the worker has returned
    QCoreApplication::processEvents();
    CHECK_FALSE(trained);
    CHECK_FALSE(fs::exists(out));
    CHECK(fs::is_empty(dir.path()));
    CHECK(page.trainStatus().contains(QStringLiteral("cancelled")));
}

TEST_CASE("workshop: training without the dataset says so", "[ui][workshop][train]") {
    test::TempDir dir;
    WorkshopPage page;
    page.setDatasetDir(QString::fromStdString(dir.file("nowhere")));
    page.setOutputPath(QString::fromStdString(dir.file("x.tflite")));
    QString failure;
    QObject::connect(&page, &WorkshopPage::trainingFailed, [&](const QString& m) { failure = m; });
    page.startTraining();
    CHECK_FALSE(page.trainJobs()->isBusy());
    CHECK(failure.contains(QStringLiteral("not installed")));
}

// Not part of the run ([.]): QL_WORKSHOP_SHOT=FILE.png QT_QPA_PLATFORM=xcb xvfb-run -a test_ui
// "[workshop-shot]" trains 3 short epochs, compares the trained model and saves the page.
TEST_CASE("workshop: screenshot after a short training and a comparison", "[.][workshop-shot]") {
    const char* shot = std::getenv("QL_WORKSHOP_SHOT");
    if (!shot || !haveFashionMnist()) {
        WARN("skipped: QL_WORKSHOP_SHOT unset or " << kFashionDir << " absent");
        return;
    }
    test::TempDir dir;
    WorkshopPage page;
    page.resize(1400, 1000);
    page.show();
    page.setTrainSettings(3, 1, 60);
    page.setOutputPath(QString::fromStdString(dir.file("fashion_mnist_workshop.tflite")));
    page.startTraining();
    REQUIRE(waitUntil([&] { return !page.trainJobs()->isBusy(); }, 300000));
    REQUIRE(page.model());
    page.setCompareData({}, {}, 0);
    bool finished = false;
    QObject::connect(&page, &WorkshopPage::comparisonFinished, [&](bool) { finished = true; });
    page.startCompare();
    REQUIRE(waitUntil([&] { return finished; }, 300000));
    for (int i = 0; i < 5; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    CHECK(page.grab().save(QString::fromLocal8Bit(shot)));
}

// Not part of the run ([.]): the default comparison when Debian's data set is installed (2000
// test images, calibration on 256 training images); prints the time it took.
TEST_CASE("workshop: compare on the installed test set", "[.][workshop-full]") {
    if (!haveFashionMnist()) {
        WARN("skipped: " << kFashionDir << " is absent");
        return;
    }
    WorkshopPage page;
    REQUIRE(page.openDemo());
    bool finished = false, ok = false;
    QObject::connect(&page, &WorkshopPage::comparisonFinished, [&](bool good) { finished = true, ok = good; });
    QElapsedTimer t;
    t.start();
    page.startCompare();
    REQUIRE(waitUntil([&] { return finished; }, 600000));
    REQUIRE(ok);
    std::printf("workshop compare on the test set: %.1f s; %s\n", t.elapsed() / 1000.0, qPrintable(page.compareStatus()));
    auto* modes = page.modeTable()->model();
    for (int r = 0; r < modes->rowCount(); ++r)
        std::printf("  %s %s\n", qPrintable(modes->index(r, 0).data().toString()), qPrintable(modes->index(r, 1).data().toString()));
    CHECK(modes->rowCount() == 6);
}

TEST_CASE("workshop: compare fills the table, the chart and the mistakes grid (demo model, bundled sample)",
          "[ui][workshop][compare]") {
    WorkshopPage page;
    page.resize(1400, 1000);
    page.show();
    REQUIRE(page.openDemo());
    page.setCompareData({}, {}, 0); // the bundled sample, as on a machine without the dataset
    bool finished = false, ok = false;
    QObject::connect(&page, &WorkshopPage::comparisonFinished, [&](bool good) { finished = true, ok = good; });
    page.startCompare();
    REQUIRE(waitUntil([&] { return finished; }, 300000));
    REQUIRE(ok);
    QAbstractItemModelTester tester(page.modeTable()->model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto* modes = page.modeTable()->model();
    CHECK(modes->rowCount() == 6);
    CHECK(modes->index(0, workshop::ModeAccuracyModel::ModeColumn).data().toString() == QStringLiteral("none"));
    // The float row: 235 of the 256 bundled images (resources/data/fashion-mnist-sample.json).
    CHECK(modes->index(0, workshop::ModeAccuracyModel::Top1Column).data(workshop::ModeAccuracyModel::SortRole).toDouble() ==
          Approx(235.0 / 256.0));
    for (int r = 0; r < modes->rowCount(); ++r)
        CHECK(modes->index(r, workshop::ModeAccuracyModel::StatusColumn).data().toString() == QStringLiteral("ok"));
    REQUIRE(page.accuracyPlot()->plottableCount() == 1);
    CHECK(page.accuracyPlot()->plottable(0)->interface1D()->dataCount() == 6);
    CHECK(page.mistakesGrid()->tileCount() > 0);
    CHECK(page.mistakesGrid()->tileCount() <= 40);
    CHECK(page.mistakesGrid()->columns() >= 10); // the tiles fill the 1400 px width
    // the chart shows points lost against float: the float bar is 0, the int8 one the loss
    const auto* bars = page.accuracyPlot()->plottable(0)->interface1D();
    CHECK(bars->dataMainValue(0) == Approx(0.0));
    const double int8Lost = 100 * (235.0 / 256.0) -
                            100 * modes->index(3, workshop::ModeAccuracyModel::Top1Column).data(workshop::ModeAccuracyModel::SortRole).toDouble();
    CHECK(bars->dataMainValue(3) == Approx(int8Lost).margin(1e-9));
    CHECK(page.accuracyPlot()->yAxis->range().upper < 50); // the axis spans the losses, not 0-100 %

    if (const char* shot = std::getenv("QL_WORKSHOP_SHOT")) {
        for (int i = 0; i < 5; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        CHECK(page.grab().save(QString::fromLocal8Bit(shot)));
    }
}

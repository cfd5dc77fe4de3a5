// The main window end to end (offscreen): open, errors, graph, inspectors, what-if, export,
// and a screenshot of each main view on shared models.
#include "MainWindow.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "graph/GraphPage.h"
#include "graph/GraphView.h"
#include "inspect/DiagnosticsModel.h"
#include "inspect/OperatorModel.h"
#include "inspect/OperatorPanel.h"
#include "plots/HistogramPanel.h"
#include "plots/PlotExport.h"

#include "model/SyntheticModel.h"
#include "tflite/ModelWriter.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QSettings>
#include <QTest>
#include <QTimer>
#include <QUrl>
#include <catch2/catch.hpp>

#include <filesystem>

using namespace ql;

namespace {
// Keeps the tests away from the user's recent files and dock layout.
struct IsolatedSettings {
    IsolatedSettings() { QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-tests")); }
};

// True when the image has at least `colours` distinct colours (not a blank pane).
bool looksPainted(const QImage& image, int colours = 8) {
    QSet<QRgb> seen;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) {
            seen.insert(image.pixel(x, y));
            if (seen.size() >= colours) return true;
        }
    return false;
}
} // namespace

TEST_CASE("the main window opens a model in the background and reports a broken one", "[ui]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.model());
    CHECK(w.model()->subgraphs[0].operators.size() == 7);
    auto snap = w.graphPage()->view()->snapshot();
    REQUIRE(snap);
    CHECK(snap->scene->graph.nodes.size() == 9); // 7 operators, input, output

    w.selectInterestingOperator(); // the first CONV_2D
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.operatorPanel()->model()->snapshot());
    CHECK(w.operatorPanel()->model()->snapshot()->op.value == 0);
    CHECK(w.histogramPanel()->whatIf().count == 4 * 27); // the filter's values

    // exports of the graph
    w.graphPage()->exportImage(QString::fromStdString(dir.file("g.svg")));
    w.graphPage()->exportImage(QString::fromStdString(dir.file("g.png")));
    CHECK(std::filesystem::file_size(dir.file("g.svg")) > 1000);
    QImage png(QString::fromStdString(dir.file("g.png")));
    CHECK(looksPainted(png));
    CHECK(ui::exportPlot(w.histogramPanel()->histogramPlot(), QString::fromStdString(dir.file("h.pdf"))).isEmpty());
    CHECK(ui::exportPlot(w.histogramPanel()->histogramPlot(), QString::fromStdString(dir.file("h.svg"))).isEmpty());
    CHECK(std::filesystem::file_size(dir.file("h.pdf")) > 500);

    test::writeBytes(dir.file("bad.tflite"), {1, 2, 3});
    ui::MainWindow w2;
    w2.openModel(QString::fromStdString(dir.file("bad.tflite")));
    REQUIRE(w2.waitUntilIdle());
    CHECK_FALSE(w2.model());
    REQUIRE(w2.diagnosticsModel()->rowCount() == 1);
    CHECK(w2.diagnosticsModel()->count(Severity::Error) == 1);
}

TEST_CASE("what-if: fewer bits and a tighter clip change MSE and SQNR", "[ui]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    ui::MainWindow w;
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    w.selectInterestingOperator();
    REQUIRE(w.waitUntilIdle());
    ui::HistogramPanel* h = w.histogramPanel();
    h->setBits(8);
    const WhatIfResult eight = h->whatIf();
    h->setBits(4);
    const WhatIfResult four = h->whatIf();
    CHECK(four.sqnrDb < eight.sqnrDb - 10);
    CHECK(four.mse > eight.mse);
    h->setBits(8);
    h->setClipRange(-0.01, 0.01); // clips most of the filter
    CHECK(h->whatIf().clippedFraction > 0.5);
    h->setChannel(2);
    CHECK(h->whatIf().count == 27); // one output channel of a 3x3x3 filter
}

TEST_CASE("the graph view searches, overlays per-operator values and collapses big graphs", "[ui]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    const std::string path = dir.file("big.tflite");
    REQUIRE(writeModelFile(makeSyntheticModel(5000), path).ok());
    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle(60000));
    auto snap = w.graphPage()->view()->snapshot();
    REQUIRE(snap);
    CHECK(snap->scene->graph.nodes.size() == 102); // 5000 operators > the limit: 100 scope groups
    auto values = std::make_shared<std::vector<double>>(5000, 0.0);
    (*values)[10] = 1.0;
    w.setOperatorValues(values, QStringLiteral("test error"));
    CHECK(w.graphPage()->view()->state().valueMax == 1.0);
    QImage frame = w.graphPage()->view()->grab().toImage();
    CHECK(looksPainted(frame, 4));
}

TEST_CASE("person_detect opens and shows its 14 quantized_dimension diagnostics", "[ui][shared]") {
    IsolatedSettings isolated;
    const auto path = test::sharedModel("person_detect.tflite");
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    ui::MainWindow w;
    w.openModel(QString::fromStdString(*path));
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.model());
    CHECK(w.diagnosticsModel()->rowCount() == 14);
    int mentions = 0;
    for (int r = 0; r < w.diagnosticsModel()->rowCount(); ++r)
        mentions += w.diagnosticsModel()->index(r, ui::DiagnosticsModel::MessageColumn).data().toString().contains("quantized_dimension");
    CHECK(mentions == 14);
}

TEST_CASE("a screenshot of each main view of every shared model is painted", "[ui][shared][screenshots]") {
    IsolatedSettings isolated;
    const auto models = test::allSharedModels();
    if (models.empty()) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    test::TempDir dir;
    using V = ui::MainWindow::View;
    for (const auto& path : models) {
        ui::MainWindow w;
        w.resize(1600, 1000);
        w.show();
        w.openModel(QString::fromStdString(path));
        REQUIRE(w.waitUntilIdle());
        if (!w.model()) continue; // a model the reader refuses is covered by the reader's tests
        w.selectInterestingOperator();
        REQUIRE(w.waitUntilIdle());
        const std::string stem = std::filesystem::path(path).stem().string();
        for (auto [view, name] : {std::pair{V::Graph, "graph"}, {V::Tensor, "tensor"}, {V::Histogram, "histogram"},
                                  {V::Model, "model"}}) {
            w.showView(view);
            QCoreApplication::processEvents();
            const QString file = QString::fromStdString(dir.file(stem + "-" + name + ".png"));
            REQUIRE(w.grab().save(file));
            INFO(file.toStdString());
            CHECK(std::filesystem::file_size(file.toStdString()) > 10000);
            CHECK(looksPainted(QImage(file)));
            CHECK(looksPainted(w.graphPage()->view()->grab().toImage(), 4)); // the graph pane is not empty
        }
    }
}

namespace {
// QSettings in a temporary folder for one test (recent files, dock layout).
struct TemporarySettings {
    test::TempDir dir;
    TemporarySettings() {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, QString::fromStdString(dir.path().string()));
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, QString::fromStdString(dir.path().string()));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-tests-temporary"));
    }
    ~TemporarySettings() { QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-tests")); }
};

QAction* actionFor(QWidget& w, const QKeySequence& key) {
    for (QAction* a : w.findChildren<QAction*>())
        if (a->shortcuts().contains(key)) return a;
    return nullptr;
}

void activate(QWidget& w) {
    w.show();
    w.activateWindow();
    REQUIRE(QTest::qWaitForWindowActive(&w));
}
} // namespace

TEST_CASE("a model dropped on the window opens", "[ui][shortcuts]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    const std::string path = dir.file("dropped.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    ui::MainWindow w;
    w.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(path))});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    CHECK(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.model());
    CHECK(w.windowTitle().startsWith(QStringLiteral("dropped.tflite")));
    // text without a file URL is refused
    QMimeData text;
    text.setText(QStringLiteral("hello"));
    QDragEnterEvent refused(QPoint(50, 50), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    refused.setAccepted(false);
    QCoreApplication::sendEvent(&w, &refused);
    CHECK_FALSE(refused.isAccepted());
}

TEST_CASE("standard shortcuts: open, close, zoom, find, full screen", "[ui][shortcuts]") {
    IsolatedSettings isolated;
    test::TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    ui::MainWindow w;
    w.resize(1200, 800);
    activate(w);
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.model());

    // Ctrl+O is bound and opens a file dialog (closed again by a timer)
    QAction* open = actionFor(w, QKeySequence(Qt::CTRL | Qt::Key_O));
    REQUIRE(open);
    CHECK(open->isEnabled());
    QString dialogClass;
    QTimer::singleShot(200, [&] {
        if (QWidget* modal = QApplication::activeModalWidget()) {
            dialogClass = QString::fromLatin1(modal->metaObject()->className());
            modal->close();
        }
    });
    QTest::keyClick(&w, Qt::Key_O, Qt::ControlModifier);
    CHECK(dialogClass == QStringLiteral("QFileDialog"));
    activate(w);

    ui::GraphView* view = w.graphPage()->view();
    view->resetZoom();
    const double before = view->scale();
    QTest::keyClick(&w, Qt::Key_Equal, Qt::ControlModifier);
    CHECK(view->scale() > before * 1.1);
    QTest::keyClick(&w, Qt::Key_Minus, Qt::ControlModifier);
    QTest::keyClick(&w, Qt::Key_Minus, Qt::ControlModifier);
    CHECK(view->scale() < before * 0.9);
    view->fitToWindow();
    const double fitted = view->scale();
    view->resetZoom();
    QTest::keyClick(&w, Qt::Key_0, Qt::ControlModifier);
    CHECK(view->scale() == Approx(fitted));

    QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
    QWidget* focus = QApplication::focusWidget();
    REQUIRE(focus);
    CHECK(qobject_cast<QLineEdit*>(focus));
    CHECK(w.graphPage()->isAncestorOf(focus));

    CHECK_FALSE(w.windowState().testFlag(Qt::WindowFullScreen));
    QTest::keyClick(&w, Qt::Key_F11);
    CHECK(w.windowState().testFlag(Qt::WindowFullScreen));
    QTest::keyClick(&w, Qt::Key_F11);
    CHECK_FALSE(w.windowState().testFlag(Qt::WindowFullScreen));

    QTest::keyClick(&w, Qt::Key_W, Qt::ControlModifier);
    CHECK_FALSE(w.model());
    CHECK(w.windowTitle() == QStringLiteral("QuantLab"));
}

TEST_CASE("recent files are kept in QSettings, newest first, and reopen", "[ui][settings]") {
    TemporarySettings settings;
    test::TempDir dir;
    const std::string a = dir.file("a.tflite"), b = dir.file("b.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), a).ok());
    REQUIRE(writeModelFile(test::makeFloatFullyConnected(), b).ok());
    {
        ui::MainWindow w;
        for (const auto& p : {a, b, a}) {
            w.openModel(QString::fromStdString(p));
            REQUIRE(w.waitUntilIdle());
        }
    }
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    REQUIRE(recent.size() == 2); // a twice counts once
    CHECK(recent[0] == QString::fromStdString(a));
    CHECK(recent[1] == QString::fromStdString(b));
    CHECK(QFileInfo(QSettings().fileName()).absolutePath().startsWith(QString::fromStdString(settings.dir.path().string())));

    // a new window lists them and opens one from the menu
    ui::MainWindow w;
    QMenu* menu = nullptr;
    for (QMenu* m : w.findChildren<QMenu*>())
        if (m->title() == QStringLiteral("Open &Recent")) menu = m;
    REQUIRE(menu);
    QAction* second = nullptr;
    for (QAction* act : menu->actions())
        if (act->text() == QStringLiteral("b.tflite")) second = act;
    REQUIRE(second);
    second->trigger();
    REQUIRE(w.waitUntilIdle());
    REQUIRE(w.model());
    CHECK(w.model()->subgraphs[0].operators.size() == 1);
    CHECK(QSettings().value(QStringLiteral("recentFiles")).toStringList().first() == QString::fromStdString(b));
}

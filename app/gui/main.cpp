// quantlab: the desktop application.
//   quantlab [MODEL] [--screenshot PNG [--view graph|operator|tensor|histogram|model|problems]
//            [--data SRC [--calibrator C]]]
//   quantlab MODEL --compare QUANT_MODEL [--data SRC] [--labels FILE] [--screenshot PNG]
//            (the lab's side-by-side view; --labels: class names, one per line; with
//            --screenshot the worst layer is selected, so that its histograms show)
//   quantlab                 (opens the bundled Fashion-MNIST demo model)
//   quantlab [MODEL] --workshop [--screenshot PNG]   (the Fashion-MNIST workshop page; with
//            --screenshot: "Compare modes" on the bundled sample, then the page is saved)
//   quantlab MODEL --bench   (prints the time to the first painted graph and pan/zoom fps)
//   quantlab MODEL --lab [--data SRC] [--screenshot PNG]   (the lab with the sensitivity dock;
//            with --screenshot: rank the layers, keep the most sensitive float, save the window)
//   quantlab MODEL --lab --leaf MODE --data SRC --screenshot PNG   (a student's path: the decision
//            tree walked to MODE's leaf, "Run this leaf" on SRC; saves PNG (side by side) and
//            PNG's -tree, -data and -measured variants: the leaf, the Quantize tab, the measured leaf)
#include "MainWindow.h"
#include "calib/CalibratorRegistry.h"
#include "Theme.h"
#include "graph/GraphPage.h"
#include "graph/GraphView.h"
#include "lab/CompareView.h"
#include "lab/LabWindow.h"
#include "lab/LayerErrorModel.h"
#include "lab/QuantizePanel.h"
#include "lab/SensitivityPanel.h"
#include "lab/WizardPage.h"
#include "tflite/ModelReader.h"
#include "workshop/WorkshopJobs.h"
#include "workshop/WorkshopPage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <optional>

namespace {

// The bundled demo (resources/models/fashion_mnist_demo.tflite and its labelled sample),
// copied out of the embedded resources into the cache folder (ui/workshop/WorkshopJobs.h).
QString demoModelPath() {
    return QString::fromStdString(ql::ui::workshop::demoFiles().model);
}

// Pan and zoom through the graph with synchronous repaints; returns frames per second.
double measureFps(ql::ui::GraphView* view, double scale, int frames) {
    view->zoomBy(scale / view->scale(), view->rect().center());
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < frames; ++i) {
        if (i % 4 == 3) view->zoomBy(i % 8 == 3 ? 1.1 : 1 / 1.1, view->rect().center());
        else view->panBy(QPointF(i % 2 ? 37 : -23, -41));
        view->repaint();
    }
    return frames * 1000.0 / std::max<qint64>(1, clock.elapsed());
}

// quantlab MODEL --compare QUANT_MODEL [--data SRC] [--labels FILE] [--screenshot PNG]: the lab's
// side-by-side view.
int runCompare(const QStringList& models, const QString& quant, const QString& png, const QString& data, const QString& labels) {
    if (models.isEmpty()) {
        std::fprintf(stderr, "quantlab: --compare needs MODEL (the float model) before it\n");
        return 2;
    }
    ql::ui::LabWindow lab;
    if (!labels.isEmpty())
        if (const QString error = lab.compareView()->loadLabelsFile(labels); !error.isEmpty()) {
            std::fprintf(stderr, "quantlab: --labels: %s\n", qPrintable(error));
            return 2;
        }
    if (!data.isEmpty()) lab.compareView()->setDataSource(data);
    lab.show();
    lab.openComparison(models.first(), quant);
    if (png.isEmpty()) return QApplication::exec();
    bool filled = false, failed = false;
    QObject::connect(&lab, &ql::ui::LabWindow::comparisonFilled, [&] { filled = true; });
    QObject::connect(&lab, &ql::ui::LabWindow::failed, [&] { failed = true; });
    QElapsedTimer wait;
    wait.start();
    while (!filled && !failed && wait.elapsed() < 300000) QApplication::processEvents(QEventLoop::AllEvents, 20);
    // the per-layer error and heat map arrive in a second stage
    while (filled && !lab.compareView()->isLayerErrorsFilled() && wait.elapsed() < 300000)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    int status = 0;
    if (!filled || !lab.lastError().isEmpty()) {
        std::fprintf(stderr, "quantlab: the comparison did not complete: %s\n", qPrintable(lab.lastError()));
        status = 1;
    }
    if (const auto result = lab.compareView()->layerErrors()->result()) { // the worst layer, with its histograms
        const auto worst = ql::analysis::worstLayers(*result, 1);
        if (!worst.empty()) lab.compareView()->selectLayer(int(worst[0]));
    }
    for (int i = 0; i < 5; ++i) QApplication::processEvents(QEventLoop::AllEvents, 20); // let the panes paint
    if (!lab.grab().save(png)) {
        std::fprintf(stderr, "quantlab: could not write %s\n", qPrintable(png));
        return 1;
    }
    return status;
}

// Reads MODEL for the lab's modes; says why on stderr and returns null when it cannot.
std::shared_ptr<const ql::Model> readModelOrSay(const QString& path) {
    auto model = ql::readModelFile(path.toStdString());
    if (!model) {
        std::fprintf(stderr, "quantlab: %s\n", model.message().c_str());
        return nullptr;
    }
    return *model;
}

// quantlab MODEL --lab [--data SRC] [--screenshot PNG]: the lab on MODEL with the sensitivity dock
// shown. With --screenshot: the sensitivity analysis runs (mode int8, calibration SRC, default
// random:8), the most sensitive layer is kept float, and once the side-by-side view and the
// before -> after measurement are in, the window is saved (quantized files go to a temp folder).
int runLab(const QStringList& models, const QString& dataSpec, const QString& png) {
    if (models.isEmpty()) {
        std::fprintf(stderr, "quantlab: --lab needs MODEL (the float model) before it\n");
        return 2;
    }
    const auto model = readModelOrSay(models.first());
    if (!model) return 2;
    ql::ui::LabWindow lab;
    lab.resize(1800, 1050);
    lab.setFloatModel(model, models.first());
    auto* quant = lab.quantizePanel();
    auto* sens = lab.sensitivityPanel();
    quant->setMode(ql::quantize::Mode::Int8);
    if (dataSpec.isEmpty() && !png.isEmpty())
        std::fprintf(stderr, "quantlab: --lab without --data: random:8 noise (a smoke test; the lab marks every result)\n");
    // without --data and without --screenshot the lab asks for data; a screenshot needs some
    if (!dataSpec.isEmpty() || !png.isEmpty()) quant->setDataSource(dataSpec.isEmpty() ? QStringLiteral("random:8") : dataSpec);
    lab.showSensitivity(true);
    lab.show();
    if (png.isEmpty()) return QApplication::exec();
    QTemporaryDir out;
    quant->setOutputPath(out.filePath(QStringLiteral("quantized.tflite")));
    bool analysed = false, ok = false, measuredDone = false;
    QObject::connect(sens, &ql::ui::SensitivityPanel::analysisFinished, [&](bool good) { analysed = true, ok = good; });
    QObject::connect(sens, &ql::ui::SensitivityPanel::measured, [&] { measuredDone = true; });
    QElapsedTimer wait;
    wait.start();
    sens->start();
    while (!analysed && wait.elapsed() < 900000) QApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!ok || !sens->run()) {
        std::fprintf(stderr, "quantlab: the sensitivity analysis did not complete: %s\n", qPrintable(sens->statusText()));
        return 1;
    }
    const auto& r = sens->run()->result;
    std::printf("sensitivity-seconds %.2f layers %zu measurements %zu samples %zu calibration-samples %zu\n", r.seconds,
                r.layers.size(), r.measurements, r.samples, r.calibrationSamples);
    std::fflush(stdout);
    sens->setLayerKeptFloat(0, true); // the most sensitive layer
    while ((!measuredDone || !lab.compareView()->isLayerErrorsFilled()) && wait.elapsed() < 900000)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    sens->selectOperator(sens->run()->floatOps.empty() ? ql::OperatorIndex{} : sens->run()->floatOps[0]);
    lab.compareView()->selectFloatOperator(sens->run()->floatOps.empty() ? ql::OperatorIndex{} : sens->run()->floatOps[0]);
    for (int i = 0; i < 10; ++i) QApplication::processEvents(QEventLoop::AllEvents, 20); // let the panes paint
    if (!lab.grab().save(png)) {
        std::fprintf(stderr, "quantlab: could not write %s\n", qPrintable(png));
        return 1;
    }
    return measuredDone ? 0 : 1;
}

// quantlab MODEL --lab --leaf MODE --data SRC --screenshot PNG: the steps a student takes, saved.
int runLeafShots(const QStringList& models, const QString& dataSpec, const QString& modeName, const QString& png) {
    if (models.isEmpty() || dataSpec.isEmpty() || png.isEmpty()) {
        std::fprintf(stderr, "quantlab: --leaf needs MODEL, --data SRC and --screenshot PNG\n");
        return 2;
    }
    std::optional<ql::quantize::Mode> mode;
    for (ql::quantize::Mode m : ql::quantize::leafModes())
        if (QString::fromUtf8(ql::quantize::modeName(m).data(), int(ql::quantize::modeName(m).size())) == modeName) mode = m;
    if (!mode) {
        std::fprintf(stderr, "quantlab: --leaf: unknown mode '%s'\n", qPrintable(modeName));
        return 2;
    }
    const auto model = readModelOrSay(models.first());
    if (!model) return 2;
    ql::ui::LabWindow lab;
    lab.resize(1600, 1000);
    lab.setFloatModel(model, models.first());
    QTemporaryDir out;
    lab.quantizePanel()->setOutputPath(out.filePath(QStringLiteral("quantized.tflite")));
    lab.quantizePanel()->setDataSource(dataSpec);
    lab.show();
    auto settle = [](int ms) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) QApplication::processEvents(QEventLoop::AllEvents, 20);
    };
    settle(800); // the model's facts
    auto* wizard = lab.wizard();
    for (const auto& a : ql::quantize::allPaths()) {
        const auto l = ql::quantize::leafFor(a);
        if (l.mode != *mode || l.keepSensitiveFloat || l.outsideApp) continue;
        while (const auto q = wizard->currentQuestion()) wizard->choose(ql::quantize::answerIndex(a, *q));
        break;
    }
    const QString stem = png.endsWith(QLatin1String(".png")) ? png.left(png.size() - 4) : png;
    auto save = [&](const QString& path) {
        settle(300);
        if (!lab.grab().save(path)) std::fprintf(stderr, "quantlab: could not write %s\n", qPrintable(path));
    };
    save(stem + QStringLiteral("-tree.png"));
    lab.showPage(ql::ui::LabWindow::Page::Quantize);
    save(stem + QStringLiteral("-data.png"));
    bool measured = false;
    QObject::connect(&lab, &ql::ui::LabWindow::leafMeasured, [&] { measured = true; });
    QElapsedTimer clock;
    clock.start();
    lab.runLeaf(wizard->leaf());
    qint64 filledMs = -1;
    while ((!measured || !lab.compareView()->isLayerErrorsFilled()) && lab.lastError().isEmpty() && clock.elapsed() < 900000) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        if (filledMs < 0 && lab.compareView()->isFilled()) filledMs = clock.elapsed();
    }
    if (!lab.lastError().isEmpty() || !measured) {
        std::fprintf(stderr, "quantlab: the leaf did not run: %s\n", qPrintable(lab.lastError()));
        return 1;
    }
    std::printf("run-leaf-to-side-by-side-ms %lld run-leaf-to-measured-and-layers-ms %lld\n", static_cast<long long>(filledMs),
                static_cast<long long>(clock.elapsed()));
    if (const auto result = lab.compareView()->layerErrors()->result()) { // the worst layer, with its histograms
        const auto worst = ql::analysis::worstLayers(*result, 1);
        if (!worst.empty()) lab.compareView()->selectLayer(int(worst[0]));
    }
    lab.showPage(ql::ui::LabWindow::Page::Compare);
    save(png);
    lab.showPage(ql::ui::LabWindow::Page::Wizard);
    save(stem + QStringLiteral("-measured.png"));
    return 0;
}

// quantlab [MODEL] --workshop [--screenshot PNG]: the workshop page on MODEL or the bundled demo.
int runWorkshop(const QStringList& models, const QString& png) {
    ql::ui::MainWindow window;
    if (!models.isEmpty()) {
        window.openModel(models.first());
        window.waitUntilIdle(120000);
    }
    ql::ui::WorkshopPage* page = window.showWorkshop();
    if (png.isEmpty()) return QApplication::exec();
    page->resize(1400, 1000);
    page->setCompareData({}, {}, 0); // the bundled sample
    bool finished = false, ok = false;
    QObject::connect(page, &ql::ui::WorkshopPage::comparisonFinished, [&](bool good) { finished = true, ok = good; });
    page->startCompare();
    QElapsedTimer wait;
    wait.start();
    while (!finished && wait.elapsed() < 300000) QApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!ok) std::fprintf(stderr, "quantlab: the comparison did not complete: %s\n", qPrintable(page->compareStatus()));
    for (int i = 0; i < 5; ++i) QApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!page->grab().save(png)) {
        std::fprintf(stderr, "quantlab: could not write %s\n", qPrintable(png));
        return 1;
    }
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    QApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
    // --help and --version only print: without a platform chosen they use the offscreen one,
    // so that they work without a display (the xcb plugin aborts when no X server answers).
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if ((a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version") &&
            qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("QuantLab"));
    QApplication::setOrganizationName(QStringLiteral("QuantLab"));
    QApplication::setApplicationVersion(QStringLiteral(QUANTLAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A desktop lab for TensorFlow Lite models"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("The .tflite file to open"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render the window to PNG and exit"),
                                  QStringLiteral("png"));
    QCommandLineOption view(QStringLiteral("view"), QStringLiteral("Panel to raise for the screenshot"), QStringLiteral("name"),
                            QStringLiteral("graph"));
    QCommandLineOption bench(QStringLiteral("bench"), QStringLiteral("Print startup and pan/zoom figures and exit"));
    QCommandLineOption dark(QStringLiteral("dark"), QStringLiteral("Use the dark palette"));
    QCommandLineOption expandLimit(QStringLiteral("expand-limit"),
                                   QStringLiteral("Collapse name scopes of subgraphs with more operators than this"),
                                   QStringLiteral("n"));
    QCommandLineOption data(QStringLiteral("data"), QStringLiteral("Calibration data for the activation histograms (screenshot)"),
                            QStringLiteral("src"));
    QCommandLineOption calibrator(QStringLiteral("calibrator"), QStringLiteral("Calibrator drawn as chosen: %1").arg(QString::fromStdString(ql::calib::calibratorSyntaxList())),
                                  QStringLiteral("c"), QStringLiteral("minmax"));
    parser.addOptions({screenshot, view, bench, dark, expandLimit, data, calibrator});
    QCommandLineOption compare(QStringLiteral("compare"), QStringLiteral("Open MODEL and QUANT_MODEL side by side in the lab"),
                               QStringLiteral("quant_model"));
    parser.addOption(compare);
    QCommandLineOption labelsOption(QStringLiteral("labels"), QStringLiteral("Class labels for --compare (one per line)"),
                                    QStringLiteral("file"));
    parser.addOption(labelsOption);
    QCommandLineOption workshop(QStringLiteral("workshop"), QStringLiteral("Open the Fashion-MNIST workshop page"));
    parser.addOption(workshop);
    QCommandLineOption labOption(QStringLiteral("lab"), QStringLiteral("Open MODEL in the lab with the sensitivity ranking"));
    parser.addOption(labOption);
    QCommandLineOption leafOption(QStringLiteral("leaf"), QStringLiteral("With --lab: walk the tree to MODE's leaf and run it (screenshots)"),
                                  QStringLiteral("mode"));
    parser.addOption(leafOption);
    parser.process(app);

    const bool scripted = parser.isSet(screenshot) || parser.isSet(bench);
    if (scripted) QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-scripted")); // leave the user's settings alone
    ql::ui::Theme::apply(parser.isSet(dark) ? ql::ui::ThemeKind::Dark : ql::ui::ThemeKind::Light);

    if (parser.isSet(workshop)) return runWorkshop(parser.positionalArguments(), parser.value(screenshot));
    if (parser.isSet(labOption) && parser.isSet(leafOption))
        return runLeafShots(parser.positionalArguments(), parser.value(data), parser.value(leafOption), parser.value(screenshot));
    if (parser.isSet(labOption)) return runLab(parser.positionalArguments(), parser.value(data), parser.value(screenshot));
    if (parser.isSet(compare))
        return runCompare(parser.positionalArguments(), parser.value(compare), parser.value(screenshot), parser.value(data),
                          parser.value(labelsOption));

    ql::ui::MainWindow window;
    if (parser.isSet(expandLimit)) window.graphPage()->setExpandedLimit(parser.value(expandLimit).toULongLong());
    window.show();
    const QStringList models = parser.positionalArguments();
    if (!models.isEmpty()) window.openModel(models.first());
    else if (!scripted) {
        const QString demo = demoModelPath(); // the bundled demo
        if (!demo.isEmpty()) window.openModel(demo);
    }
    if (!scripted) return app.exec();
    if (models.isEmpty()) {
        std::fprintf(stderr, "quantlab: --screenshot and --bench need a MODEL\n");
        return 2;
    }

    int status = 0;
    bool painted = false;
    QObject::connect(&window, &ql::ui::MainWindow::graphShown, [&] {
        if (painted) return;
        painted = true;
        if (parser.isSet(bench)) {
            std::printf("first-graph-painted-ms %lld\n", static_cast<long long>(sinceStart.elapsed()));
            std::fflush(stdout); // the benchmark reads this line as it comes
        }
    });
    QTimer::singleShot(0, &window, [&] {
        // wait for the asynchronous load and layout, then for the graph's first paint
        if (!window.waitUntilIdle(120000)) status = 1;
        QElapsedTimer wait;
        wait.start();
        while (!painted && window.model() && wait.elapsed() < 10000) QApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!window.model()) {
            std::fprintf(stderr, "quantlab: the model did not open (see the problems panel)\n");
            status = 1;
        }
        if (parser.isSet(bench)) {
            auto* v = window.graphPage()->view();
            const auto snap = v->snapshot();
            if (snap)
                std::printf("nodes %zu edges %zu\n", snap->scene->graph.nodes.size(), snap->scene->graph.edges.size());
            std::printf("fps-close %.1f\n", measureFps(v, 1.0, 200));
            std::printf("fps-mid %.1f\n", measureFps(v, 0.4, 200));
            std::printf("fps-far %.1f\n", measureFps(v, 0.05, 100));
            std::fflush(stdout);
            QApplication::exit(status);
            return;
        }
        if (parser.isSet(data) && window.model()) {
            window.loadActivationData(parser.value(data), parser.value(calibrator), 100);
            if (!window.waitUntilIdle(300000) || !window.activationSamples()) {
                std::fprintf(stderr, "quantlab: the calibration data did not load (see the problems panel)\n");
                status = 1;
            }
        }
        window.selectInterestingOperator();
        window.waitUntilIdle(30000);
        const QString name = parser.value(view);
        using V = ql::ui::MainWindow::View;
        window.showView(name == QLatin1String("operator")    ? V::Operator
                        : name == QLatin1String("tensor")    ? V::Tensor
                        : name == QLatin1String("histogram") ? V::Histogram
                        : name == QLatin1String("model")     ? V::Model
                        : name == QLatin1String("problems")  ? V::Problems
                                                             : V::Graph);
        QApplication::processEvents();
        const bool ok = window.grab().save(parser.value(screenshot));
        if (!ok) std::fprintf(stderr, "quantlab: could not write %s\n", qPrintable(parser.value(screenshot)));
        QApplication::exit(ok ? status : 1);
    });
    return app.exec();
}

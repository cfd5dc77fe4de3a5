// The what-if panel that writes: "Apply to the lab's quantization" turns a tensor's clip range
// and bit width into an override of the lab's quantization, the written model carries it and
// loads again; overrides do not survive a leaf or another model. And what the what-if draws:
// quantization levels unlike the axis grid, a legend on the per-channel ranges, and the note
// that "all channels" applies one scale to a per-channel tensor.
#include "MainWindow.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "UiTest.h"
#include "lab/LabWindow.h"
#include "lab/QuantizePanel.h"
#include "plots/HistogramPanel.h"

#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <catch2/catch.hpp>
#include <cmath>
#include <qcustomplot.h>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {

// The output of the small CNN's first operator, sampled, with the calibrator's range.
std::shared_ptr<const TensorSnapshot> sampledActivation(std::shared_ptr<const Model> m,
                                                        TensorIndex* tensor) {
    const Operator& first = m->subgraphs[0].operators[0];
    *tensor = first.outputs[0];
    auto samples = std::make_shared<ActivationSamples>();
    samples->calibrator = "minmax";
    std::vector<double> v;
    for (int i = 0; i < 400; ++i)
        v.push_back(std::sin(i * 0.1) * 3.0);
    samples->values[tensor->value] = v;
    samples->chosenRange[tensor->value] = {-3.0, 3.0};
    return makeTensorSnapshot(m, SubgraphIndex{0}, *tensor, samples);
}

} // namespace

TEST_CASE("what-if apply: the clip range becomes a lab override and the written model carries it",
          "[ui][lab]") {
    test::TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    auto model = writeAndRead(test::makeSmallCnn(), path);
    TensorIndex t;
    HistogramPanel h;
    h.resetData(sampledActivation(model, &t));
    const QString name = QString::fromStdString(model->subgraphs[0].tensor(t).name);
    h.setSymmetric(false);
    h.setClipRange(-1.0, 2.0);
    QSignalSpy applied(&h, &HistogramPanel::applyRequested);
    auto* apply = h.findChild<QPushButton*>(QStringLiteral("applyWhatIf"));
    REQUIRE(apply);
    CHECK(apply->isEnabled());
    apply->click();
    REQUIRE(applied.count() == 1);
    CHECK(applied[0][0].toString() == name);
    CHECK(applied[0][1].toDouble() == Approx(-1.0));
    CHECK(applied[0][2].toDouble() == Approx(2.0));
    CHECK(applied[0][3].toInt() == 8);
    CHECK(applied[0][4].toBool() == false);
    // no tensor: nothing to apply
    h.resetData(nullptr);
    CHECK_FALSE(apply->isEnabled());

    QuantizePanel panel;
    panel.setFloatModel(model, QString::fromStdString(path));
    panel.setMode(quantize::Mode::Int8);
    // the default output is in the application's data folder, not beside the source model
    CHECK(panel.outputPath().startsWith(
        QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)));
    CHECK_FALSE(QFileInfo(panel.outputPath()).absolutePath() ==
                QFileInfo(QString::fromStdString(path)).absolutePath());
    panel.setDataSource(QStringLiteral("random:8:3"));
    panel.setOutputPath(QString::fromStdString(dir.file("over.tflite")));
    panel.setTensorOverride(TensorOverride{name, -1.0, 2.0, 8, false});
    panel.setTensorOverride(TensorOverride{name, -1.0, 2.0, 8, false}); // the same tensor: replaced
    REQUIRE(panel.overrides().size() == 1);
    quantize::QuantizeJobOptions options;
    CHECK(panel.buildOptions(&options).isEmpty());
    REQUIRE(options.quantize.rangeFor.size() == 1);
    CHECK(options.quantize.rangeFor[0].first == name.toStdString());
    CHECK(options.quantize.rangeFor[0].second.min == -1.0f);
    CHECK(options.quantize.rangeFor[0].second.max == 2.0f);

    std::shared_ptr<const QuantizeRun> run;
    QString failure;
    QObject::connect(&panel, &QuantizePanel::quantized,
                     [&](std::shared_ptr<const QuantizeRun> r) { run = r; });
    QObject::connect(&panel, &QuantizePanel::quantizeFailed,
                     [&](const QString& m) { failure = m; });
    panel.startQuantize();
    const bool arrived = waitFor([&] { return run != nullptr || !failure.isEmpty(); }, 60000);
    INFO("failure: " << failure.toStdString());
    REQUIRE(arrived);
    REQUIRE(run);
    CHECK(run->error.empty());
    REQUIRE(run->model); // read back from the written file
    bool reported = false;
    for (const auto& r : run->report.tensors)
        if (r.name == name.toStdString()) {
            reported = true;
            CHECK(r.calibrator == "fixed range");
            CHECK(r.scale == Approx(3.0 / 255.0).epsilon(1e-6));
        }
    CHECK(reported);
    bool written = false;
    for (const Tensor& x : run->model->subgraphs[0].tensors)
        if (x.type == TensorType::INT8 && x.quant.scale.size() == 1 &&
            x.name.rfind(name.toStdString(), 0) == 0)
            written |= std::abs(x.quant.scale[0] - 3.0f / 255.0f) < 1e-7f;
    CHECK(written);

    // bit widths the runtime has no kernel for are refused with the tensor named
    panel.setTensorOverride(TensorOverride{name, -1.0, 2.0, 5, false});
    quantize::QuantizeJobOptions refused;
    CHECK(panel.buildOptions(&refused).contains(name));
    // a leaf starts fresh; another model drops the overrides that named this one's tensors
    panel.applyLeaf(quantize::Leaf{});
    CHECK(panel.overrides().isEmpty());
    panel.setTensorOverride(TensorOverride{name, -1.0, 2.0, 8, false});
    panel.setFloatModel(model, QString::fromStdString(path));
    CHECK(panel.overrides().size() == 1);
    panel.setFloatModel(model, QString::fromStdString(dir.file("other.tflite")));
    CHECK(panel.overrides().isEmpty());
}

TEST_CASE("what-if apply from the main window reaches the lab's quantize tab", "[ui][lab]") {
    test::TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    MainWindow w;
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    w.selectInterestingOperator(); // a weight tensor in the histogram
    REQUIRE(w.waitUntilIdle());
    HistogramPanel* h = w.histogramPanel();
    h->setBits(4);
    h->applyToLab();
    auto* lab = w.findChild<LabWindow*>();
    REQUIRE(lab);
    const auto overrides = lab->quantizePanel()->overrides();
    REQUIRE(overrides.size() == 1);
    CHECK(overrides[0].bits == 4);
    CHECK(overrides[0].constant);
    quantize::QuantizeJobOptions options;
    lab->quantizePanel()->setDataSource(QStringLiteral("random:4:1"));
    lab->quantizePanel()->buildOptions(&options);
    REQUIRE(options.quantize.weightsFor.size() == 1);
    CHECK(options.quantize.weightsFor[0].second == quantize::WeightType::Int4);
    lab->close();
}

TEST_CASE("what-if drawing: quantization levels, channel legend, one-scale note", "[ui]") {
    auto m = std::make_shared<const Model>(test::makeInt8FullyConnected());
    const Operator& fc = m->subgraphs[0].operators[0];
    HistogramPanel h;
    h.resize(700, 600);
    h.show();
    h.resetData(makeTensorSnapshot(m, SubgraphIndex{0}, fc.inputs[1])); // per-channel int8 weights
    // "all channels" of a per-channel tensor says it simulates one scale
    CHECK(h.scopeNote().contains(QStringLiteral("one scale to the whole tensor")));
    h.setChannel(0);
    CHECK_FALSE(h.scopeNote().contains(QStringLiteral("one scale")));
    CHECK(h.scopeNote().contains(QStringLiteral("its own scale")));
    // few levels: drawn, in a pen unlike the axis grid's
    h.setBits(3);
    REQUIRE_FALSE(h.gridLines().empty());
    const QPen axisGrid = h.histogramPlot()->xAxis->grid()->pen();
    const QPen levels = h.gridLines().front()->pen();
    CHECK(levels.style() != axisGrid.style());
    CHECK(levels.color() != axisGrid.color());
    // the per-channel range plot has a legend naming both bands, once each
    QCustomPlot* ch = h.channelPlot();
    CHECK(ch->legend->visible());
    REQUIRE(ch->legend->itemCount() == 2);
    CHECK(ch->legend->item(0)->visible());
}

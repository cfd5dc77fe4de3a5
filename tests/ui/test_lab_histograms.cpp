// The side-by-side view's histograms of the selected layer (ui/lab/TensorHistogramView) and the
// class labels of classifier outputs (model metadata, or a labels file).
#include "UiTest.h"
#include "graph/GraphView.h"
#include "lab/CompareView.h"
#include "lab/LayerErrorModel.h"
#include "lab/OutputTableModel.h"
#include "lab/TensorHistogramView.h"
#include "quantize/QuantizeJob.h"
#include "workshop/WorkshopJobs.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTableView>
#include <catch2/catch.hpp>
#include <qcustomplot.h>

#include <cstdlib>
#include <numeric>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {
std::shared_ptr<const Model> quantizeTo(std::shared_ptr<const Model> model, const std::string& out) {
    quantize::QuantizeJobOptions o;
    o.quantize.mode = quantize::Mode::Int8;
    o.calibSpec = "random:16:1";
    auto r = quantize::runQuantize(model, o);
    REQUIRE(r);
    REQUIRE(quantize::writeQuantized(r->result.model, out, ""));
    auto back = readModelFile(out);
    REQUIRE(back);
    return *back;
}

double sumOf(const QCPGraph* g) {
    double s = 0;
    // the last point repeats the last bin (it closes the step): leave it out
    for (int i = 0; i + 1 < g->data()->size(); ++i) s += (g->data()->constBegin() + i)->value;
    return s;
}
} // namespace

TEST_CASE("lab compare: histograms of the selected layer, float against quantized", "[ui][lab]") {
    test::TempDir dir;
    REQUIRE(writeModelFile(test::makeSmallCnn(), dir.file("cnn.tflite")));
    auto model = *readModelFile(dir.file("cnn.tflite"));
    auto quant = quantizeTo(model, dir.file("cnn_int8.tflite"));
    CompareView view;
    view.resize(1400, 900);
    view.show();
    view.setDataSource(QStringLiteral("random:4:3"));
    view.setModels(model, QStringLiteral("cnn.tflite"), quant, QStringLiteral("cnn_int8.tflite"));
    REQUIRE(waitFor([&] { return view.isFilled(); }, 60000));
    auto* hist = view.histograms();
    REQUIRE(hist);
    // selected in the float pane; shown now or, when the per-layer error is still under way,
    // as soon as it arrives
    view.selectFloatOperator(OperatorIndex(0)); // the first CONV_2D
    REQUIRE(waitFor([&] { return view.isLayerErrorsFilled(); }, 120000));
    REQUIRE(view.layerErrorText().isEmpty());
    REQUIRE(hist->result());
    REQUIRE(hist->tensor() >= 0);
    const auto& tc = hist->result()->tensors[size_t(hist->tensor())];
    CHECK(tc.quantized);
    CHECK_FALSE(tc.constant);
    CHECK(hist->result()->layers[size_t(hist->layer())].opType == "CONV_2D");
    CHECK(hist->titleText().contains(QStringLiteral("scale")));
    CHECK(hist->titleText().contains(QStringLiteral("clip")));

    // float and quantized curves over the same bins, the same sampled elements
    QCustomPlot* values = hist->valuePlot();
    REQUIRE(values->graphCount() >= 2);
    CHECK(values->graph(0)->name() == QStringLiteral("float"));
    CHECK(values->graph(1)->name().startsWith(QStringLiteral("quantized")));
    CHECK(values->graph(0)->data()->size() == int(tc.values.counts.size()) + 1);
    CHECK(sumOf(values->graph(0)) > 0);
    CHECK(sumOf(values->graph(0)) == sumOf(values->graph(1)));
    CHECK(tc.quantizedValues.lo == tc.values.lo);
    CHECK(tc.quantizedValues.hi == tc.values.hi);
    // clip limits marked (two lines at least, plus grid levels when few are in view)
    CHECK(values->itemCount() >= 2);
    CHECK(values->xAxis->range().contains(tc.values.lo));
    // the error plot: accumulated and per layer
    QCustomPlot* errors = hist->errorPlot();
    REQUIRE(errors->graphCount() >= 2);
    CHECK(errors->graph(0)->name() == QStringLiteral("accumulated"));
    CHECK(errors->graph(1)->name() == QStringLiteral("per layer"));
    CHECK(sumOf(errors->graph(0)) > 0);

    // the chooser offers the layer's weights; choosing one shows the constant tensor
    auto* chooser = hist->findChild<QComboBox*>(QStringLiteral("histogramTensor"));
    REQUIRE(chooser);
    REQUIRE(chooser->count() >= 2); // output, filter (and bias)
    chooser->setCurrentIndex(1);
    REQUIRE(hist->tensor() >= 0);
    CHECK(hist->result()->tensors[size_t(hist->tensor())].constant);
    CHECK(hist->valuePlot()->graphCount() >= 2);

    // a click in the per-layer table selects that layer's histograms
    auto* table = view.layerTable();
    int softmaxRow = -1;
    for (int r = 0; r < table->model()->rowCount(); ++r)
        if (table->model()->index(r, LayerErrorModel::Op).data().toString() == QStringLiteral("SOFTMAX")) softmaxRow = r;
    REQUIRE(softmaxRow >= 0);
    emit table->clicked(table->model()->index(softmaxRow, 0));
    REQUIRE(hist->layer() >= 0);
    CHECK(hist->result()->layers[size_t(hist->layer())].opType == "SOFTMAX");
    REQUIRE(hist->tensor() >= 0);
    const auto& soft = hist->result()->tensors[size_t(hist->tensor())];
    CHECK(soft.scale == Approx(1.0 / 256)); // TFLite's fixed softmax output grid
    CHECK(soft.clipMin == Approx(0.0));

    // a node of the quantized pane selects its layer too
    const auto& rightGraph = view.rightView()->snapshot()->scene->graph;
    const auto& layer0 = hist->result()->layers[0];
    REQUIRE(layer0.quantOp.valid());
    emit view.rightView()->nodeClicked(rightGraph.nodeOfOperator[layer0.quantOp.index()]);
    CHECK(hist->layer() == 0);
}

TEST_CASE("lab compare: top-k and the output table show class labels", "[ui][lab]") {
    const auto demo = workshop::demoFiles();
    REQUIRE_FALSE(demo.model.empty());
    test::TempDir dir;
    auto model = *readModelFile(demo.model);
    auto quant = quantizeTo(model, dir.file("demo_int8.tflite"));
    CompareView view;
    view.resize(1400, 900);
    view.show();
    view.setDataSource(QString::fromStdString(demo.sampleImages));
    view.setSampleIndex(0);
    view.setModels(model, QString::fromStdString(demo.model), quant, QStringLiteral("demo_int8.tflite"));
    REQUIRE(waitFor([&] { return view.isFilled(); }, 60000));
    REQUIRE(view.result());
    REQUIRE(view.result()->outputs.size() == 1);
    const auto& out = view.result()->outputs[0];
    REQUIRE(out.classifier);
    // the demo's metadata names the ten Fashion-MNIST classes
    const auto labels = view.labelsFor(0);
    REQUIRE(labels.size() == 10);
    CHECK(labels[0] == "T-shirt/top");
    CHECK(labels[9] == "Ankle boot");
    CHECK(view.outputs()->labelOf(0, 9) == QStringLiteral("Ankle boot"));
    CHECK(view.outputs()->data(view.outputs()->index(1, OutputTableModel::Label), Qt::DisplayRole).toString() == QStringLiteral("Trouser"));
    // the top-5 names the classes: the float model's first choice with its label
    const int top = out.topReference[0];
    CHECK(view.summaryText().contains(QString::fromStdString(labels[size_t(top)]).toHtmlEscaped()));

    // a labels file replaces them; a bad one is reported and changes nothing
    const std::string file = dir.file("labels.txt");
    std::string text;
    for (int i = 0; i < 10; ++i) text += "class-" + std::to_string(i) + "\r\n";
    test::writeBytes(file, std::vector<uint8_t>(text.begin(), text.end()));
    CHECK(view.loadLabelsFile(QString::fromStdString(file)).isEmpty());
    CHECK(view.outputs()->labelOf(0, 3) == QStringLiteral("class-3"));
    CHECK(view.summaryText().contains(QStringLiteral("class-%1").arg(top)));
    CHECK_FALSE(view.loadLabelsFile(QString::fromStdString(dir.file("missing.txt"))).isEmpty());
    CHECK(view.outputs()->labelOf(0, 3) == QStringLiteral("class-3"));
    view.setLabels({}); // back to the model's own
    CHECK(view.outputs()->labelOf(0, 3) == QStringLiteral("Dress"));

    if (const char* shots = std::getenv("QUANTLAB_SHOTS")) { // for looking at (xvfb-run)
        REQUIRE(waitFor([&] { return view.isLayerErrorsFilled(); }, 120000));
        const auto worst = analysis::worstLayers(*view.layerErrors()->result(), 1);
        if (!worst.empty()) view.selectLayer(int(worst[0]));
        for (int i = 0; i < 20; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        view.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/lab_demo_labels_histograms.png"));
    }
}

// The lab's side-by-side view (ui/lab/CompareView): fills its tables for a float model and its
// quantized version, keeps selection in step between the panes, and reports a bad input.
#include "UiTest.h"
#include "graph/GraphView.h"
#include "lab/CompareView.h"
#include "lab/LabWindow.h"
#include "lab/LayerErrorModel.h"
#include "lab/OutputTableModel.h"
#include "quantize/QuantizeJob.h"
#include "TestModels.h"
#include "TestSupport.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <QCoreApplication>
#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QTableView>
#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {
std::shared_ptr<const Model> quantizeTo(std::shared_ptr<const Model> model, quantize::Mode mode, const std::string& out) {
    quantize::QuantizeJobOptions o;
    o.quantize.mode = mode;
    o.calibSpec = "random:20:1";
    auto r = quantize::runQuantize(model, o);
    REQUIRE(r);
    REQUIRE(quantize::writeQuantized(r->result.model, out, ""));
    auto back = readModelFile(out);
    REQUIRE(back);
    return *back;
}
} // namespace

TEST_CASE("lab compare: the view fills on a small CNN and keeps the panes in step", "[ui][lab]") {
    test::TempDir dir;
    REQUIRE(writeModelFile(test::makeSmallCnn(), dir.file("cnn.tflite")));
    auto model = *readModelFile(dir.file("cnn.tflite"));
    auto quant = quantizeTo(model, quantize::Mode::Int8, dir.file("cnn_int8.tflite"));
    CompareView view;
    view.resize(1200, 800);
    view.show();
    view.setDataSource(QStringLiteral("random:3:5"));
    view.setSampleIndex(2);
    view.setModels(model, QStringLiteral("cnn.tflite"), quant, QStringLiteral("cnn_int8.tflite"));
    REQUIRE(waitFor([&] { return view.isFilled(); }, 60000));
    REQUIRE(view.result());
    CHECK(view.errorText().isEmpty());
    const auto& r = *view.result();
    REQUIRE(r.outputs.size() == 1);
    CHECK(r.outputs[0].classifier);            // SOFTMAX over 10 classes
    CHECK(r.outputs[0].topReference.size() == 5);
    CHECK(r.outputs[0].sqnr > 10.0);
    CHECK(r.sampleIndex == 2);
    CHECK(r.image.has_value());                // [1,8,8,3] is shown as an image
    CHECK(view.outputs()->rowCount() == 10);
    // selection: the first CONV_2D of the float model is selected in both panes
    view.selectFloatOperator(OperatorIndex(0));
    CHECK(view.leftView()->selectedNode() >= 0);
    CHECK(view.rightView()->selectedNode() >= 0);
    const auto& rightNode = view.rightView()->snapshot()->scene->graph.nodes[size_t(view.rightView()->selectedNode())];
    CHECK(rightNode.title == "CONV_2D");
    // zoom follows
    view.leftView()->zoomBy(2.0, view.leftView()->rect().center());
    CHECK(view.rightView()->scale() == Approx(view.leftView()->scale()));

    // the per-layer error arrives in a second stage: table, heat map, click selects in both panes
    REQUIRE(waitFor([&] { return view.isLayerErrorsFilled(); }, 120000));
    INFO(view.layerErrorText().toStdString());
    CHECK(view.layerErrorText().isEmpty());
    REQUIRE(view.layerErrors()->rowCount() >= 6); // 7 float ops, inserted conversions left out
    CHECK(view.leftView()->state().overlay == Overlay::Value);
    CHECK(view.rightView()->state().operatorValues);
    view.leftView()->selectNode(-1, false);
    view.rightView()->selectNode(-1, false);
    auto* table = view.layerTable();
    emit table->clicked(table->model()->index(0, 0));
    CHECK(view.leftView()->selectedNode() >= 0);
    CHECK(view.rightView()->selectedNode() >= 0);

    // a bad source is reported, not crashed on
    view.setDataSource(QStringLiteral("/nonexistent/folder"));
    view.refresh();
    REQUIRE(waitFor([&] { return view.isFilled(); }, 60000));
    CHECK_FALSE(view.result());
    CHECK_FALSE(view.errorText().isEmpty());
}

TEST_CASE("lab compare: opens a shared model and its quantized version from files", "[ui][lab]") {
    const auto path = test::sharedModel("hello_world_float.tflite");
    if (!path) {
        WARN("skipped: ../shared/models is absent");
        return;
    }
    test::TempDir dir;
    auto model = *readModelFile(*path);
    quantizeTo(model, quantize::Mode::Int8Only, dir.file("hello_int8only.tflite"));
    LabWindow lab;
    lab.show();
    bool filled = false;
    QObject::connect(&lab, &LabWindow::comparisonFilled, [&] { filled = true; });
    lab.openComparison(QString::fromStdString(*path), QString::fromStdString(dir.file("hello_int8only.tflite")));
    REQUIRE(waitFor([&] { return filled; }, 60000));
    auto* cv = lab.compareView();
    REQUIRE(cv->result());
    CHECK(cv->result()->outputs.size() == 1);
    CHECK(cv->outputs()->rowCount() == 1);
    // int8 I/O on the quantized side: the float input was quantized, the int8 output dequantized
    CHECK(std::abs(cv->result()->outputs[0].reference[0] - cv->result()->outputs[0].test[0]) < 0.1);
}

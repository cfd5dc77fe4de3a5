// Subgraphs in the main window: a WHILE operator links to its cond and body subgraphs, and
// showing another subgraph (by a link or the subgraph box) leaves nothing of the previous
// subgraph's operator in the operator panel. The graph legend follows the theme.
#include "InterpreterTest.h"
#include "MainWindow.h"
#include "TestSupport.h"
#include "Theme.h"
#include "UiTest.h"
#include "graph/GraphPage.h"
#include "graph/GraphPainter.h"
#include "inspect/OperatorModel.h"
#include "inspect/OperatorPanel.h"
#include "model/ModelBuilder.h"

#include <QCoreApplication>
#include <QLabel>
#include <catch2/catch.hpp>

using namespace ql;
using namespace ql::ui;
using namespace ql::test;

namespace {

// Subgraph 0: (i, acc) = WHILE(i0, acc0), cond = subgraph 1 (i < 5), body = subgraph 2.
Model whileModel() {
    ModelBuilder b;
    const auto i0 = b.addTensor("i0", TensorType::INT32, {1});
    const auto acc0 = b.addTensor("acc0", TensorType::FLOAT32, {2});
    const auto i = b.addTensor("i", TensorType::INT32, {1});
    const auto acc = b.addTensor("acc", TensorType::FLOAT32, {2});
    tflite::WhileOptionsT w;
    w.cond_subgraph_index = 1;
    w.body_subgraph_index = 2;
    b.addOperator(BuiltinOp::WHILE, {i0, acc0}, {i, acc}, optionsOf(w));
    b.setInputs({i0, acc0});
    b.setOutputs({i, acc});

    b.addSubgraph("cond");
    const auto ci = b.addTensor("ci", TensorType::INT32, {1});
    const auto cacc = b.addTensor("cacc", TensorType::FLOAT32, {2});
    const auto limit = b.addConstant("limit", TensorType::INT32, {1}, std::vector<int32_t>{5});
    const auto less = b.addTensor("less", TensorType::BOOL, {1});
    b.addOperator(BuiltinOp::LESS, {ci, limit}, {less});
    b.setInputs({ci, cacc});
    b.setOutputs({less});

    b.addSubgraph("body");
    const auto bi = b.addTensor("bi", TensorType::INT32, {1});
    const auto bacc = b.addTensor("bacc", TensorType::FLOAT32, {2});
    const auto one = b.addConstant("one", TensorType::INT32, {1}, std::vector<int32_t>{1});
    const auto two = b.addConstant("two", TensorType::FLOAT32, {1}, std::vector<float>{2.0f});
    const auto ni = b.addTensor("ni", TensorType::INT32, {1});
    const auto nacc = b.addTensor("nacc", TensorType::FLOAT32, {2});
    b.addOperator(BuiltinOp::ADD, {bi, one}, {ni}, optionsOf(tflite::AddOptionsT{}));
    b.addOperator(BuiltinOp::MUL, {bacc, two}, {nacc}, optionsOf(tflite::MulOptionsT{}));
    b.setInputs({bi, bacc});
    b.setOutputs({ni, nacc});
    return b.build();
}

} // namespace

TEST_CASE("a WHILE operator links to its subgraphs; another subgraph clears the operator panel",
          "[ui][graph]") {
    QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-tests"));
    test::TempDir dir;
    const std::string path = dir.file("while.tflite");
    REQUIRE(writeModelFile(whileModel(), path).ok());
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.waitUntilIdle());
    w.graphPage()->selectOperator(OperatorIndex{0});
    REQUIRE(w.waitUntilIdle());
    OperatorPanel* panel = w.operatorPanel();
    CHECK(panel->model()->rowCount() > 0);
    const QString links = panel->subgraphLinksText();
    INFO(links.toStdString());
    CHECK(links.contains(QStringLiteral("cond: <a href=\"subgraph:1\">subgraph 1 (cond)</a>")));
    CHECK(links.contains(QStringLiteral("body: <a href=\"subgraph:2\">subgraph 2 (body)</a>")));

    // following the body link shows subgraph 2; the WHILE of subgraph 0 is no longer shown
    auto* label = panel->findChild<QLabel*>(QStringLiteral("subgraphLinks"));
    REQUIRE(label);
    emit label->linkActivated(QStringLiteral("subgraph:2"));
    REQUIRE(w.waitUntilIdle());
    CHECK(w.graphPage()->subgraph().value == 2);
    CHECK(panel->model()->rowCount() == 0);
    CHECK(panel->subgraphLinksText().isEmpty());

    // an operator of the body, then back to subgraph 0 by the box: cleared again
    w.graphPage()->selectOperator(OperatorIndex{1});
    REQUIRE(w.waitUntilIdle());
    CHECK(panel->model()->rowCount() > 0);
    w.graphPage()->showSubgraph(SubgraphIndex{0});
    REQUIRE(w.waitUntilIdle());
    CHECK(w.graphPage()->subgraph().value == 0);
    CHECK(panel->model()->rowCount() == 0);
}

TEST_CASE("the graph legend's colours follow the theme", "[ui][graph]") {
    Theme::apply(ThemeKind::Light);
    GraphPage page;
    page.setOverlay(Overlay::Quantization);
    const QString lightInt8 = Theme::forQuantKind(QuantKind::Int8).name();
    CHECK(page.legendText().contains(lightInt8));
    Theme::apply(ThemeKind::Dark);
    QCoreApplication::processEvents();
    const QString darkInt8 = Theme::forQuantKind(QuantKind::Int8).name();
    REQUIRE(darkInt8 != lightInt8);
    CHECK(page.legendText().contains(darkInt8));
    CHECK_FALSE(page.legendText().contains(lightInt8));
    Theme::apply(ThemeKind::Light);
    QCoreApplication::processEvents();
    CHECK(page.legendText().contains(lightInt8));
}

TEST_CASE("zoomed out, node names are drawn at a readable size where they fit", "[ui][graph]") {
    CHECK(GraphPainter::fittedTitle(QStringLiteral("CONV_2D"), 200, 20) ==
          QStringLiteral("CONV_2D"));
    const QString elided = GraphPainter::fittedTitle(QStringLiteral("DEPTHWISE_CONV_2D"), 60, 20);
    CHECK(elided.endsWith(QChar(0x2026)));
    CHECK(elided.size() >= 4);
    CHECK(GraphPainter::fittedTitle(QStringLiteral("CONV_2D"), 200, GraphPainter::kMinLabelPx - 1)
              .isEmpty()); // no line
    CHECK(GraphPainter::fittedTitle(QStringLiteral("DEPTHWISE_CONV_2D"), 15, 20)
              .isEmpty()); // "D…" says nothing
}

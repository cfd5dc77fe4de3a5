#include "MainWindow.h"
#include "TestModels.h"
#include "TestSupport.h"

#include "tflite/ModelWriter.h"

#include <catch2/catch.hpp>

using namespace ql;

TEST_CASE("the main window opens a model and reports a broken one", "[ui]") {
    test::TempDir dir;
    const std::string path = dir.file("cnn.tflite");
    REQUIRE(writeModelFile(test::makeSmallCnn(), path).ok());
    ui::MainWindow w;
    w.openModel(QString::fromStdString(path));
    REQUIRE(w.model());
    CHECK(w.model()->subgraphs[0].operators.size() == 7);
    test::writeBytes(dir.file("bad.tflite"), {1, 2, 3});
    ui::MainWindow w2;
    w2.openModel(QString::fromStdString(dir.file("bad.tflite")));
    CHECK_FALSE(w2.model());
}

// The main window's open-with-data path (quantlab MODEL --data SRC) on crafted hostile model
// files (tests/support/HostileModels): each is refused or its data job fails, with an error in
// the problems panel, and the window survives.
#include "HostileModels.h"
#include "MainWindow.h"
#include "TestSupport.h"
#include "inspect/DiagnosticsModel.h"
#include "util/Limits.h"

#include <QCoreApplication>
#include <catch2/catch.hpp>

using namespace ql;

TEST_CASE("hostile models: the main window opens each with data and shows an error, no crash",
          "[ui][hostile]") {
    QCoreApplication::setOrganizationName(QStringLiteral("QuantLab-tests"));
    setMaxWhileIterations(1000);
    test::TempDir dir;
    const char* picks[] = {"self-loop-concat",
                           "cycle-two-operators",
                           "tile-output-overflow",
                           "pad-before-2pow31",
                           "sparse-to-add",
                           "constant-graph-input",
                           "resize-nearest-empty-input",
                           "densify-huge-dense-levels",
                           "while-constant-true",
                           "multi-gb-tensors",
                           "space-to-batch-huge-block"};
    const auto cases = test::hostileModels();
    for (const char* name : picks) {
        const auto it = std::find_if(cases.begin(), cases.end(),
                                     [&](const test::HostileCase& c) { return c.name == name; });
        REQUIRE(it != cases.end());
        const std::string path = dir.file(it->name + ".tflite");
        test::writeBytes(path, it->bytes);
        INFO(name);
        ui::MainWindow w;
        w.openModel(QString::fromStdString(path));
        REQUIRE(w.waitUntilIdle());
        if (w.model()) {
            // Loaded (the problem is in a kernel's parameters): the data job must fail cleanly.
            w.loadActivationData(QStringLiteral("random:2:1"), QStringLiteral("minmax"), 2);
            REQUIRE(w.waitUntilIdle(60000));
            CHECK_FALSE(w.activationSamples());
        }
        CHECK(w.diagnosticsModel()->count(Severity::Error) >= 1);
    }
    setMaxWhileIterations(10'000'000);
}

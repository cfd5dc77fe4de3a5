// UI tests: a custom main that falls back to the offscreen platform (CI has no display, and
// catch_discover_tests runs this binary at build time) and creates the application first.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>
#include <QStandardPaths>
#include <cstdlib>

int main(int argc, char** argv) {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    QApplication app(argc, argv);
    // QSettings (the lab remembers data per model) go to a test location, not the user's
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("QuantLabTests"));
    return Catch::Session().run(argc, argv);
}

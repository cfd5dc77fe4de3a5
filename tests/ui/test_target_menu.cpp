// The main window's Target menu: one exclusive choice that sets the engine's default target
// (runtime/Target.h), so that the options of every run started afterwards carry it, and the
// status bar shows it.
#include "MainWindow.h"
#include "TargetMenu.h"
#include "analysis/Compare.h"
#include "runtime/Kernel.h"

#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <catch2/catch.hpp>

using namespace ql;

TEST_CASE("the Target menu sets the target of later runs and shows it", "[ui][target]") {
    REQUIRE(defaultTarget() == Target::TfliteCpu);
    QLabel status;
    ui::TargetMenu menu(&status);
    CHECK(status.text() == "Target: tflite-cpu");
    auto* reference = menu.findChild<QAction*>("target-tflite-reference");
    auto* cpu = menu.findChild<QAction*>("target-tflite-cpu");
    REQUIRE(reference);
    REQUIRE(cpu);
    CHECK(cpu->isChecked());
    reference->trigger();
    CHECK(reference->isChecked());
    CHECK_FALSE(cpu->isChecked());
    CHECK(defaultTarget() == Target::TfliteReference);
    CHECK(status.text() == "Target: tflite-reference");
    // Options made from now on start from the chosen target.
    CHECK(rt::RunOptions{}.target == Target::TfliteReference);
    CHECK(analysis::CompareOptions{}.target == Target::TfliteReference);
    cpu->trigger();
    CHECK(defaultTarget() == Target::TfliteCpu);
    CHECK(rt::RunOptions{}.target == Target::TfliteCpu);
}

TEST_CASE("the main window has the Target menu and its status label", "[ui][target]") {
    ui::MainWindow w;
    bool found = false;
    for (QAction* a : w.menuBar()->actions())
        if (a->menu() && a->menu()->title() == "&Target") found = true;
    CHECK(found);
    bool shown = false;
    for (QLabel* l : w.findChildren<QLabel*>())
        if (l->text() == "Target: tflite-cpu") shown = true;
    CHECK(shown);
}

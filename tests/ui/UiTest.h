#pragma once
// Helpers shared by the offscreen GUI tests: spin the event loop until a condition holds (jobs
// deliver their results through it), and give a built model the round trip through a file that
// the lab's own loading takes.
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

namespace ql::test {

// Processes events until done() or `ms` milliseconds passed; returns done().
inline bool waitFor(const std::function<bool()>& done, int ms) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    return done();
}

// Writes `m` to `path` and reads it back (what opening a file in the app does).
inline std::shared_ptr<const Model> writeAndRead(const Model& m, const std::string& path) {
    REQUIRE(writeModelFile(m, path));
    auto r = readModelFile(path);
    REQUIRE(r);
    return *r;
}

} // namespace ql::test

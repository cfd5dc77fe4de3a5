// The job helper: results arrive on the GUI thread, stale results are dropped, cancel works.
#include "JobRunner.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <catch2/catch.hpp>

#include <thread>

using namespace ql;
using namespace ql::ui;

namespace {
void spin(JobRunner& r, int ms = 10000) {
    QElapsedTimer t;
    t.start();
    while (r.isBusy() && t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    QCoreApplication::processEvents();
}
} // namespace

TEST_CASE("job runner delivers the newest result only, on the GUI thread", "[ui][jobs]") {
    JobRunner runner;
    std::vector<int> delivered;
    bool onGuiThread = true;
    auto job = [](int value, int sleepMs) {
        return [value, sleepMs](const Progress& p) {
            for (int i = 0; i < sleepMs / 5 && !p.cancelled(); ++i) {
                p("working", double(i) / (sleepMs / 5));
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            return std::make_shared<const int>(value);
        };
    };
    auto done = [&](std::shared_ptr<const int> v) {
        onGuiThread = onGuiThread && QThread::currentThread() == QCoreApplication::instance()->thread();
        delivered.push_back(*v);
    };
    runner.run<int>("slow", job(1, 300), done);
    runner.run<int>("fast", job(2, 10), done); // supersedes the first
    spin(runner);
    std::this_thread::sleep_for(std::chrono::milliseconds(400)); // let the first finish too
    QCoreApplication::processEvents();
    CHECK(delivered == std::vector<int>{2});
    CHECK(onGuiThread);
    CHECK_FALSE(runner.isBusy());
}

TEST_CASE("job runner cancel sets the token and drops the result", "[ui][jobs]") {
    JobRunner runner;
    std::atomic<bool> sawCancel{false};
    int delivered = 0;
    runner.run<int>(
        "cancellable",
        [&sawCancel](const Progress& p) {
            for (int i = 0; i < 400 && !p.cancelled(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            sawCancel = p.cancelled();
            return std::make_shared<const int>(1);
        },
        [&](std::shared_ptr<const int>) { ++delivered; });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    runner.cancel();
    CHECK_FALSE(runner.isBusy());
    QElapsedTimer t;
    t.start();
    while (!sawCancel && t.elapsed() < 5000) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    QCoreApplication::processEvents();
    CHECK(sawCancel);
    CHECK(delivered == 0);
}

// The lab's responsiveness benchmark: it quantizes a float model (default
// hand_landmark_lite, int8, calibration random:100) and opens the result side by side; meanwhile
// a 5 ms timer probes the GUI event loop.
//   bench_lab [--model PATH] [--data SRC] [--runs R] [--layer-samples N] [--screenshot PNG] [--leaf 1]
// With --leaf 1 the run starts as a student starts it: the decision tree walked to the int8 leaf
// and "Run this leaf" (fresh settings, quantize, side by side, measured against the float model);
// the time from the click to the filled side-by-side view and to the measurement is printed.
// Prints, per run:
//   - the longest gap between probe ticks (the longest event-loop stall), during calibration and
//     over the whole run (Quantize to the per-layer error table filled), with the GUI thread's
//     own CPU time inside that gap: a gap the thread spent mostly off the CPU is the scheduler
//     (2 shared cores, a busy worker thread), not code blocking the loop;
//   - the slowest event deliveries on the GUI thread (QApplication::notify timed, receiver class
//     and event type), which name what blocks when something does;
//   - Quantize to the side-by-side view filled (graphs, outputs) and to the per-layer table.
// Links the ui library (the probe must run inside the GUI process); runs offscreen unless
// QT_QPA_PLATFORM is set.
#include "graph/GraphView.h"
#include "lab/CompareView.h"
#include "lab/LabWindow.h"
#include "lab/LayerErrorModel.h"
#include "lab/QuantizePanel.h"
#include "lab/WizardPage.h"
#include "tflite/ModelReader.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QMetaEnum>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

std::string loadAverage() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

// Context switches of the calling thread: voluntary (it blocked: a lock, I/O, a page fault) and
// involuntary (preempted while runnable: the scheduler gave the core to another thread).
struct Switches {
    long voluntary = 0, involuntary = 0, majorFaults = 0;
};
Switches threadSwitches() {
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    return {u.ru_nvcsw, u.ru_nivcsw, u.ru_majflt};
}

struct SlowEvent {
    double wallMs = 0, cpuMs = 0;
    Switches switches;
    std::string what;
};

// Times every event delivered on the GUI thread; keeps the slowest.
class TimedApplication : public QApplication {
public:
    using QApplication::QApplication;
    bool recording = false;
    std::vector<SlowEvent> slow;

    bool notify(QObject* receiver, QEvent* event) override {
        if (!recording || QThread::currentThread() != thread()) return QApplication::notify(receiver, event);
        ++m_depth;
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        const Switches sw0 = threadSwitches();
        const int type = int(event->type());
        const bool r = QApplication::notify(receiver, event);
        --m_depth;
        const double wall = double(t.nsecsElapsed()) / 1e6;
        if (m_depth == 0 && wall > 15) { // outermost deliveries only: nested ones are inside them
            SlowEvent s;
            s.wallMs = wall;
            s.cpuMs = threadCpuMs() - cpu0;
            const Switches sw1 = threadSwitches();
            s.switches = {sw1.voluntary - sw0.voluntary, sw1.involuntary - sw0.involuntary, sw1.majorFaults - sw0.majorFaults};
            const char* name = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
            s.what = std::string(receiver ? receiver->metaObject()->className() : "?") + " '" +
                     (receiver ? receiver->objectName().toStdString() : std::string()) + "' " + (name ? name : std::to_string(type));
            slow.push_back(std::move(s));
        }
        return r;
    }

private:
    int m_depth = 0;
};

} // namespace

int main(int argc, char** argv) {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    std::string model = QUANTLAB_SHARED_DIR "/models/hand_landmark_lite.tflite", data = "random:100", shot;
    int runs = 1, layerSamples = 8;
    bool leafRun = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--model")) model = argv[i + 1];
        else if (!std::strcmp(argv[i], "--data")) data = argv[i + 1];
        else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--layer-samples")) layerSamples = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--screenshot")) shot = argv[i + 1];
        else if (!std::strcmp(argv[i], "--leaf")) leafRun = std::atoi(argv[i + 1]) != 0;
    }
    TimedApplication app(argc, argv);
    if (const char* pool = std::getenv("QUANTLAB_BENCH_POOL")) ql::ui::jobPool()->setMaxThreadCount(std::atoi(pool));
    auto m = ql::readModelFile(model);
    if (!m) {
        std::fprintf(stderr, "bench_lab: %s\n", m.message().c_str());
        return 2;
    }
    const auto out = (std::filesystem::temp_directory_path() / "quantlab-bench-lab-int8.tflite").string();
    std::printf("model %s, int8, calibration %s, per-layer error on %d samples, platform %s\n", model.c_str(), data.c_str(),
                layerSamples, std::getenv("QT_QPA_PLATFORM"));
    for (int run = 0; run < runs; ++run) {
        std::filesystem::remove(out);
        ql::ui::LabWindow lab;
        lab.show();
        lab.setFloatModel(*m, QString::fromStdString(model));
        lab.compareView()->setLayerErrorSamples(size_t(layerSamples));
        auto* panel = lab.quantizePanel();
        panel->setMode(ql::quantize::Mode::Int8);
        panel->setDataSource(QString::fromStdString(data));
        panel->setOutputPath(QString::fromStdString(out));
        QElapsedTimer settle;
        settle.start();
        while (settle.elapsed() < 1000) app.processEvents(QEventLoop::AllEvents, 10); // first paint, model facts

        QElapsedTimer clock;
        qint64 last = 0;
        double lastCpu = threadCpuMs();
        struct Gap {
            qint64 wall = 0;
            double cpu = 0;
            QString at;
        } longest, longestCalib;
        bool calibrating = false;
        QTimer probe;
        probe.setInterval(5);
        QObject::connect(&probe, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            const double cpu = threadCpuMs();
            const Gap g{now - last, cpu - lastCpu,
                        panel->statusText().left(40) + QStringLiteral(" / filled=%1 layers=%2")
                                                          .arg(lab.compareView()->isFilled())
                                                          .arg(lab.compareView()->isLayerErrorsFilled())};
            if (g.wall > longest.wall) longest = g;
            if (calibrating && g.wall > longestCalib.wall) longestCalib = g;
            last = now;
            lastCpu = cpu;
            calibrating = panel->statusText().startsWith(QStringLiteral("calibrating"));
        });
        bool filled = false;
        qint64 layersAt = -1, filledAt = -1, measuredAt = -1;
        QObject::connect(&lab, &ql::ui::LabWindow::comparisonFilled, [&] { filled = true, filledAt = clock.elapsed(); });
        QObject::connect(&lab, &ql::ui::LabWindow::leafMeasured, [&](const ql::lab::LeafRow& r) {
            measuredAt = clock.elapsed();
            std::printf("  measured %s on %zu samples: SQNR %.1f dB, latency %.2f ms (float %.2f ms)%s%s\n", ql::lab::leafRowName(r).c_str(),
                        r.samples, r.sqnrDb, r.latencyMs, r.floatLatencyMs, r.ok ? "" : " error: ", r.error.c_str());
        });
        ql::quantize::Leaf leaf;
        if (leafRun) { // the int8 leaf of the tree
            for (const auto& a : ql::quantize::allPaths()) {
                const auto l = ql::quantize::leafFor(a);
                if (l.mode != ql::quantize::Mode::Int8 || l.keepSensitiveFloat) continue;
                while (const auto q = lab.wizard()->currentQuestion()) lab.wizard()->choose(ql::quantize::answerIndex(a, *q));
                leaf = lab.wizard()->leaf();
                break;
            }
        }
        QObject::connect(lab.compareView(), &ql::ui::CompareView::layerErrorsFilled, [&] { layersAt = clock.elapsed(); });
        const std::string loadBefore = loadAverage();
        app.slow.clear();
        app.recording = true;
        clock.start();
        probe.start();
        if (leafRun) lab.runLeaf(leaf);
        else panel->startQuantize();
        while ((layersAt < 0 || !filled || (leafRun && measuredAt < 0)) && lab.lastError().isEmpty() && clock.elapsed() < 900000)
            app.processEvents(QEventLoop::AllEvents, 10);
        // the first paints of the filled view happen right after: keep probing a little
        const qint64 end = clock.elapsed() + 500;
        while (clock.elapsed() < end) app.processEvents(QEventLoop::AllEvents, 10);
        probe.stop();
        app.recording = false;
        if (!lab.lastError().isEmpty() || !filled) {
            std::fprintf(stderr, "bench_lab: the run failed: %s\n", qPrintable(lab.lastError()));
            return 1;
        }
        std::sort(app.slow.begin(), app.slow.end(), [](const SlowEvent& a, const SlowEvent& b) { return a.wallMs > b.wallMs; });
        std::printf("run %d (load average before %s, after %s)\n", run, loadBefore.c_str(), loadAverage().c_str());
        std::printf("  Quantize -> side by side filled: %lld ms; -> per-layer table filled: %lld ms\n",
                    static_cast<long long>(lab.lastQuantizeToCompareMs()), static_cast<long long>(layersAt));
        if (leafRun)
            std::printf("  Run this leaf -> side by side filled: %lld ms; -> measured: %lld ms; -> per-layer table: %lld ms\n",
                        static_cast<long long>(filledAt), static_cast<long long>(measuredAt), static_cast<long long>(layersAt));
        std::printf("  longest event-loop stall during calibration: %lld ms (GUI thread CPU in it %.1f ms)\n",
                    static_cast<long long>(longestCalib.wall), longestCalib.cpu);
        std::printf("  longest event-loop stall over the run: %lld ms (GUI thread CPU in it %.1f ms) at: %s\n",
                    static_cast<long long>(longest.wall), longest.cpu, qPrintable(longest.at));
        std::printf("  graph paint: float pane %.1f ms, quantized pane %.1f ms (last frame)\n", lab.compareView()->leftView()->lastPaintMs(),
                    lab.compareView()->rightView()->lastPaintMs());
        std::printf("  slowest event deliveries on the GUI thread (> 15 ms):\n");
        for (size_t i = 0; i < app.slow.size() && i < 8; ++i)
            std::printf("    %7.1f ms wall, %6.1f ms CPU, switches %ld blocked / %ld preempted, %ld major faults  %s\n", app.slow[i].wallMs,
                        app.slow[i].cpuMs, app.slow[i].switches.voluntary, app.slow[i].switches.involuntary, app.slow[i].switches.majorFaults,
                        app.slow[i].what.c_str());
        std::fflush(stdout);
        if (!shot.empty() && run == runs - 1) { // the worst layer selected, its histograms shown
            if (const auto result = lab.compareView()->layerErrors()->result()) {
                const auto worst = ql::analysis::worstLayers(*result, 1);
                if (!worst.empty()) lab.compareView()->selectLayer(int(worst[0]));
            }
            for (int i = 0; i < 20; ++i) app.processEvents(QEventLoop::AllEvents, 10);
            if (!lab.grab().save(QString::fromStdString(shot))) std::fprintf(stderr, "bench_lab: could not write %s\n", shot.c_str());
        }
    }
    std::filesystem::remove(out);
    return 0;
}

#pragma once
// The one helper for all long work. A job gets copies of its inputs and a
// Progress (callback + cancel token) and returns an immutable snapshot,
// std::shared_ptr<const T>. It runs on jobPool() via QtConcurrent::run(...).then(this, ...); the continuation runs on the GUI thread and drops the result when a newer job was
// started meanwhile (generation counter) or the job was cancelled. Progress is stored in
// atomics by the worker and polled here at 10 Hz, so the UI is throttled by construction.

#include "util/Progress.h"

#include <QElapsedTimer>
#include <QFuture>
#include <QObject>
#include <QThreadPool>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace ql::ui {

// Shared between the worker and the runner; outlives both sides of the job.
class JobControl {
public:
    std::atomic<bool> cancel{false};
    Progress progress() {
        Progress p;
        p.cancel = &cancel;
        p.report = [this](std::string_view stage, double fraction) {
            std::lock_guard lock(m_mutex);
            m_stage.assign(stage);
            m_fraction = fraction;
        };
        return p;
    }
    std::pair<std::string, double> snapshot() const {
        std::lock_guard lock(m_mutex);
        return {m_stage, m_fraction};
    }

private:
    mutable std::mutex m_mutex;
    std::string m_stage;
    double m_fraction = 0;
};

// The pool every job runs on. Not QThreadPool::globalInstance(): Qt 6.4's raster engine splits
// large fills over the global pool and the GUI thread waits for them, so a calibration holding
// a global-pool thread made painting wait behind it (stalls of 100 ms to a second).
QThreadPool* jobPool();

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;

    // Starts `work(const Progress&) -> std::shared_ptr<const T>` (null = failed/cancelled) and
    // calls `done(result)` on the GUI thread unless a newer job replaced it. Cancels the
    // previous job of this runner.
    template <class T, class Work, class Done>
    void run(const QString& title, Work work, Done done) {
        cancel();
        const quint64 generation = ++m_generation;
        auto control = std::make_shared<JobControl>();
        m_control = control;
        m_title = title;
        m_clock.start();
        m_poll.start();
        emit started(title);
        QtConcurrent::run(jobPool(), [control, work = std::move(work)]() -> std::shared_ptr<const T> {
            return work(control->progress());
        }).then(this, [this, generation, control, done = std::move(done)](std::shared_ptr<const T> result) {
            if (generation != m_generation || control->cancel.load()) return; // stale or cancelled
            finish();
            done(std::move(result));
        });
    }

    // Asks the current job to stop; its result will be dropped.
    void cancel();
    bool isBusy() const { return m_control != nullptr; }
    QString title() const { return m_title; }

signals:
    void started(const QString& title);
    // stage from the engine, fraction of that stage, elapsed and estimated remaining ms (-1 unknown)
    void progressed(const QString& stage, double fraction, qint64 elapsedMs, qint64 remainingMs);
    void finished();

private:
    void finish();
    void onPoll();

    quint64 m_generation = 0;
    std::shared_ptr<JobControl> m_control;
    QString m_title;
    QElapsedTimer m_clock;
    QTimer m_poll;
};

} // namespace ql::ui

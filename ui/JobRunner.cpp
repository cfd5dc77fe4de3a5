#include "JobRunner.h"

#include <QThread>

#include <algorithm>

namespace ql::ui {

QThreadPool* jobPool() {
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool; // lives as long as the process, like the global pool
        p->setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
        return p;
    }();
    return pool;
}

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
    m_poll.setInterval(100);
    connect(&m_poll, &QTimer::timeout, this, &JobRunner::onPoll);
}

JobRunner::~JobRunner() { cancel(); }

void JobRunner::cancel() {
    if (!m_control) return;
    m_control->cancel = true;
    ++m_generation; // whatever arrives now is stale
    finish();
}

void JobRunner::finish() {
    m_control.reset();
    m_poll.stop();
    emit finished();
}

void JobRunner::onPoll() {
    if (!m_control) return;
    const auto [stage, fraction] = m_control->snapshot();
    const qint64 elapsed = m_clock.elapsed();
    const qint64 remaining = fraction > 0.02 ? qint64(double(elapsed) * (1.0 - fraction) / fraction) : -1;
    emit progressed(QString::fromStdString(stage), fraction, elapsed, remaining);
}

} // namespace ql::ui

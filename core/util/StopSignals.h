#pragma once
// SIGINT, SIGTERM and SIGHUP ("stop" signals) blocked on the calling thread for one scope.
// The command line's handlers for them delete the temporary files of writes in progress, so
// a writer registers each new file with them blocked, and worker threads start with them
// blocked (a thread inherits its creator's mask) so the handler runs on a writing thread.
#include <csignal>
#include <pthread.h>

namespace ql {

class BlockStopSignals {
public:
    BlockStopSignals() {
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &block, &m_old);
    }
    ~BlockStopSignals() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
    BlockStopSignals(const BlockStopSignals&) = delete;
    BlockStopSignals& operator=(const BlockStopSignals&) = delete;

private:
    sigset_t m_old;
};

} // namespace ql

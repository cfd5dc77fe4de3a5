#include "runtime/ThreadPool.h"
#include "util/StopSignals.h"

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <pthread.h>

namespace ql::rt {
namespace {
// True on a pool worker and on a caller while its parallelFor runs: a nested call runs inline.
thread_local bool t_insideParallelFor = false;
} // namespace

ThreadPool::ThreadPool(int threads) {
    const int workers = std::max(threads, 1) - 1;
    m_workers.reserve(static_cast<size_t>(workers));
    // Workers start with the stop signals blocked, so the command line's handlers (which
    // delete temporary files) run on the threads that write files (util/StopSignals.h).
    const BlockStopSignals blocked;
    for (int i = 0; i < workers; ++i) m_workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_workers) t.join();
}

void ThreadPool::runChunks() {
    // Claims chunks until none is left. Called with m_mutex NOT held.
    for (;;) {
        size_t chunk;
        const RangeFn* fn;
        {
            std::lock_guard lock(m_mutex);
            if (m_next >= m_chunks) return;
            chunk = m_next++;
            fn = m_fn;
        }
        const size_t begin = chunk * m_chunk;
        const size_t end = std::min(m_n, begin + m_chunk);
        std::exception_ptr error;
        try {
            (*fn)(begin, end);
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(m_mutex);
        if (error && !m_error) m_error = error;
        if (--m_pending == 0) m_done.notify_all();
    }
}

void ThreadPool::workerLoop() {
    t_insideParallelFor = true;
    uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop) return;
            seen = m_generation;
        }
        runChunks();
    }
}

void ThreadPool::parallelFor(size_t n, const RangeFn& fn, size_t minChunk) {
    if (n == 0) return;
    minChunk = std::max<size_t>(minChunk, 1);
    std::unique_lock submit(m_submit, std::defer_lock);
    if (m_workers.empty() || n <= minChunk || t_insideParallelFor || !submit.try_lock()) {
        fn(0, n);
        return;
    }
    // About 4 chunks per thread balances uneven chunks without much claiming overhead.
    const size_t threads = m_workers.size() + 1;
    const size_t chunk = std::max(minChunk, (n + threads * 4 - 1) / (threads * 4));
    {
        std::lock_guard lock(m_mutex);
        m_fn = &fn;
        m_n = n;
        m_chunk = chunk;
        m_chunks = (n + chunk - 1) / chunk;
        m_next = 0;
        m_pending = m_chunks;
        m_error = nullptr;
        ++m_generation;
    }
    m_wake.notify_all();
    t_insideParallelFor = true;
    runChunks();
    t_insideParallelFor = false;
    std::exception_ptr error;
    {
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, [&] { return m_pending == 0; });
        m_fn = nullptr;
        error = m_error;
        m_error = nullptr;
    }
    if (error) std::rethrow_exception(error);
}

ThreadPool& ThreadPool::shared(int threads) {
    static std::mutex mutex;
    static std::map<int, std::unique_ptr<ThreadPool>> pools;
    threads = std::max(threads, 1);
    std::lock_guard lock(mutex);
    auto& pool = pools[threads];
    if (!pool) pool = std::make_unique<ThreadPool>(threads);
    return *pool;
}

} // namespace ql::rt

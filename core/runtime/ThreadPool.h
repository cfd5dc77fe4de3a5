#pragma once
// A small fixed pool of worker threads for data-parallel kernels. parallelFor splits [0, n)
// into contiguous chunks that the workers and the calling thread claim from a shared counter,
// and returns when every chunk has run. A pool of 1 thread has no workers: everything runs
// inline on the caller, in order, as one chunk.
//
// Invariants: chunks never overlap and cover [0, n) exactly once; fn may run concurrently on
// different chunks, so it must only write what its chunk owns. A parallelFor issued from
// inside another one (nested) or while another thread uses the pool runs inline, so it can
// never deadlock.

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ql::rt {

class ThreadPool {
public:
    using RangeFn = std::function<void(size_t begin, size_t end)>;

    // `threads` counts the calling thread: threads - 1 workers are started (at least 0).
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threadCount() const { return static_cast<int>(m_workers.size()) + 1; }

    // Runs fn over [0, n) in chunks of at least `minChunk` items (use it to keep per-chunk
    // overhead small, e.g. whole output rows). Blocks until all chunks are done. An exception
    // thrown by fn is rethrown here after the other chunks finished.
    void parallelFor(size_t n, const RangeFn& fn, size_t minChunk = 1);

    // A process-wide pool with `threads` threads (created on first use per thread count), for
    // code that runs kernels without an interpreter. Prefer the interpreter's pool.
    static ThreadPool& shared(int threads);

private:
    void workerLoop();
    void runChunks();

    std::vector<std::thread> m_workers;
    std::mutex m_submit; // held by the thread whose job is in flight
    std::mutex m_mutex;  // guards everything below
    std::condition_variable m_wake, m_done;
    bool m_stop = false;
    uint64_t m_generation = 0;
    const RangeFn* m_fn = nullptr;
    size_t m_n = 0, m_chunk = 1, m_chunks = 0;
    size_t m_next = 0;    // next chunk to claim
    size_t m_pending = 0; // chunks not finished yet
    std::exception_ptr m_error;
};

} // namespace ql::rt

// ThreadPool: chunks cover [0, n) exactly once, on several threads; inline with 1 thread;
// nested calls and exceptions behave.
#include "runtime/ThreadPool.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using ql::rt::ThreadPool;

TEST_CASE("ThreadPool covers every index exactly once", "[threadpool]") {
    for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        CHECK(pool.threadCount() == threads);
        for (size_t n : {size_t(1), size_t(7), size_t(64), size_t(1000)}) {
            std::vector<std::atomic<int>> hits(n);
            pool.parallelFor(n, [&](size_t b, size_t e) {
                REQUIRE(b < e);
                REQUIRE(e <= n);
                for (size_t i = b; i < e; ++i) hits[i]++;
            });
            for (size_t i = 0; i < n; ++i) REQUIRE(hits[i].load() == 1);
        }
    }
}

TEST_CASE("ThreadPool with one thread runs inline as one chunk", "[threadpool]") {
    ThreadPool pool(1);
    int calls = 0;
    std::thread::id who;
    pool.parallelFor(100, [&](size_t b, size_t e) {
        ++calls;
        who = std::this_thread::get_id();
        CHECK(b == 0);
        CHECK(e == 100);
    });
    CHECK(calls == 1);
    CHECK(who == std::this_thread::get_id());
}

TEST_CASE("ThreadPool respects minChunk", "[threadpool]") {
    ThreadPool pool(2);
    std::atomic<int> chunks{0};
    pool.parallelFor(4096, [&](size_t b, size_t e) {
        CHECK((e - b >= 16 || e == 4096));
        chunks++;
    }, 16);
    CHECK(chunks.load() > 1);
    int inlineChunks = 0;
    pool.parallelFor(10, [&](size_t, size_t) { ++inlineChunks; }, 16); // n <= minChunk: inline
    CHECK(inlineChunks == 1);
}

TEST_CASE("ThreadPool runs chunks on the worker too", "[threadpool]") {
    ThreadPool pool(2);
    std::mutex m;
    std::set<std::thread::id> ids;
    // Each chunk waits until two distinct threads have entered one (bounded, so a broken pool
    // fails instead of hanging): only possible if the worker takes a chunk while the caller
    // holds another.
    pool.parallelFor(8, [&](size_t, size_t) {
        {
            std::lock_guard lock(m);
            ids.insert(std::this_thread::get_id());
        }
        for (int spin = 0; spin < 20000; ++spin) {
            {
                std::lock_guard lock(m);
                if (ids.size() >= 2) return;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    });
    CHECK(ids.size() == 2);
}

TEST_CASE("ThreadPool nested parallelFor runs inline without deadlock", "[threadpool]") {
    ThreadPool pool(2);
    std::atomic<long> total{0};
    pool.parallelFor(8, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i)
            pool.parallelFor(10, [&](size_t b2, size_t e2) { total += static_cast<long>(e2 - b2); });
    });
    CHECK(total.load() == 80);
}

TEST_CASE("ThreadPool rethrows an exception from a chunk", "[threadpool]") {
    ThreadPool pool(2);
    CHECK_THROWS_AS(pool.parallelFor(100, [](size_t b, size_t e) {
        if (b <= 50 && 50 < e) throw std::runtime_error("chunk failed");
    }), std::runtime_error);
    // The pool still works afterwards.
    std::atomic<size_t> n{0};
    pool.parallelFor(100, [&](size_t b, size_t e) { n += e - b; });
    CHECK(n.load() == 100);
}

#pragma once
// How long engine work reports progress and learns that it should stop: a
// callback and a cancel token, never signals. The engine polls `cancelled()` between steps and
// returns early; the caller throttles what it shows.

#include <atomic>
#include <functional>
#include <string_view>

namespace ql {

struct Progress {
    // fraction in [0, 1] of the current stage; stage is a short English phrase ("layering").
    std::function<void(std::string_view stage, double fraction)> report;
    const std::atomic<bool>* cancel = nullptr;

    bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
    void operator()(std::string_view stage, double fraction) const {
        if (report) report(stage, fraction);
    }
};

} // namespace ql

#include "util/Limits.h"

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace ql {
namespace {

std::atomic<uint64_t> g_limit{0}; // 0: not set, use the machine's memory
std::atomic<uint64_t> g_whileIterations{10'000'000};
std::atomic<uint64_t> g_operatorWork{1'000'000'000'000};
std::atomic<bool> g_interrupt{false};
static_assert(std::atomic<bool>::is_always_lock_free, "requestInterrupt runs in a signal handler");

} // namespace

uint64_t machineMemoryBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0) return uint64_t(8) << 30;
    return uint64_t(pages) * uint64_t(pageSize);
}

uint64_t memoryLimitBytes() {
    const uint64_t v = g_limit.load(std::memory_order_relaxed);
    return v ? v : machineMemoryBytes();
}

void setMemoryLimitBytes(uint64_t bytes) {
    g_limit.store(bytes, std::memory_order_relaxed);
}

uint64_t maxWhileIterations() {
    return g_whileIterations.load(std::memory_order_relaxed);
}
void setMaxWhileIterations(uint64_t n) {
    g_whileIterations.store(n, std::memory_order_relaxed);
}

uint64_t maxOperatorWork() {
    return g_operatorWork.load(std::memory_order_relaxed);
}
void setMaxOperatorWork(uint64_t n) {
    g_operatorWork.store(n, std::memory_order_relaxed);
}

void requestInterrupt() {
    g_interrupt.store(true, std::memory_order_relaxed);
}
bool interruptRequested() {
    return g_interrupt.load(std::memory_order_relaxed);
}
void clearInterrupt() {
    g_interrupt.store(false, std::memory_order_relaxed);
}

std::optional<uint64_t> parseByteSize(const std::string& text) {
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    if (i == 0 || i > 24) return std::nullopt;
    char* end = nullptr;
    const std::string number = text.substr(0, i);
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
    std::string unit = text.substr(i);
    for (char& c : unit)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.size() > 1 && unit.back() == 'B') unit.pop_back(); // "MB", "GiB"
    if (unit.size() == 2 && unit[1] == 'I') unit.pop_back();    // "Gi"
    double scale = 1;
    if (unit.empty() || unit == "B")
        scale = 1;
    else if (unit == "K")
        scale = 1024.0;
    else if (unit == "M")
        scale = 1024.0 * 1024;
    else if (unit == "G")
        scale = 1024.0 * 1024 * 1024;
    else if (unit == "T")
        scale = 1024.0 * 1024 * 1024 * 1024;
    else
        return std::nullopt;
    const double bytes = std::floor(v * scale);
    if (bytes < 1 || bytes >= 1.8e19) return std::nullopt;
    return static_cast<uint64_t>(bytes);
}

std::string byteSizeText(uint64_t bytes) {
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " bytes";
    double v = double(bytes) / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

} // namespace ql

#include "runtime/Target.h"

#include <array>
#include <atomic>

namespace ql {
namespace {

struct TargetInfo {
    Target target;
    std::string_view name;
    std::string_view description;
};

constexpr std::array<TargetInfo, 3> kTargets{{
    {Target::TfliteCpu, "tflite-cpu",
     "the TFLite/LiteRT runtime on a CPU with its default XNNPACK delegate"},
    {Target::TfliteReference, "tflite-reference",
     "TFLite's builtin reference kernels, without XNNPACK"},
    {Target::TfliteMicro, "tflite-micro",
     "TFLite Micro's kernels where they differ from the builtin ones"},
}};

std::atomic<Target> g_defaultTarget{Target::TfliteCpu};

} // namespace

Target defaultTarget() {
    return g_defaultTarget.load(std::memory_order_relaxed);
}
void setDefaultTarget(Target t) {
    g_defaultTarget.store(t, std::memory_order_relaxed);
}

std::string_view targetName(Target t) {
    for (const TargetInfo& i : kTargets)
        if (i.target == t) return i.name;
    return "tflite-cpu";
}

std::string_view targetDescription(Target t) {
    for (const TargetInfo& i : kTargets)
        if (i.target == t) return i.description;
    return {};
}

std::optional<Target> parseTarget(std::string_view name) {
    for (const TargetInfo& i : kTargets)
        if (i.name == name) return i.target;
    return std::nullopt;
}

std::vector<std::string> targetNames() {
    std::vector<std::string> names;
    for (const TargetInfo& i : kTargets)
        names.emplace_back(i.name);
    return names;
}

} // namespace ql

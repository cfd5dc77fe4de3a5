#include "runtime/Profile.h"

#include "model/ModelStats.h"
#include "model/TensorTypes.h"
#include "util/JsonWriter.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

namespace ql::rt {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// GFLOP/s of `macs` multiply-accumulates in `ms` milliseconds (a MAC is two operations).
double gflopsOf(uint64_t macs, double ms) {
    return macs && ms > 0 ? 2.0 * double(macs) / (ms * 1e-3) / 1e9 : 0.0;
}

} // namespace

double medianOf(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

Result<InvokeTiming> timeInvocations(Interpreter& it, int runs) {
    InvokeTiming t;
    t.runs = std::max(1, runs);
    const auto w0 = Clock::now();
    if (Status s = it.invoke(); !s) return s.error();
    t.firstMs = msSince(w0);
    std::vector<double> ms;
    ms.reserve(size_t(t.runs));
    for (int r = 0; r < t.runs; ++r) {
        const auto t0 = Clock::now();
        if (Status s = it.invoke(); !s) return s.error();
        ms.push_back(msSince(t0));
    }
    t.minMs = *std::min_element(ms.begin(), ms.end());
    t.medianMs = medianOf(std::move(ms));
    return t;
}

Result<OperatorProfile> profileOperators(Interpreter& it, int runs, double peakGflops,
                                         const std::string& peakSource) {
    OperatorProfile p;
    p.threads = it.options().run.threads;
    p.peakGflops = peakGflops;
    p.peakSource = peakSource;
    auto whole = timeInvocations(it, runs);
    if (!whole) return whole.error();
    p.invoke = whole.value();

    const Subgraph& sg = it.model().subgraphs.front();
    const size_t ops = sg.operators.size();
    std::vector<std::vector<double>> perOp(ops);
    Clock::time_point last;
    const Observer observer = [&](const NodeEvent& e) {
        const auto now = Clock::now();
        if (e.subgraph == 0 && e.op.valid() && size_t(e.op.index()) < ops)
            perOp[size_t(e.op.index())].push_back(
                std::chrono::duration<double, std::milli>(now - last).count());
        // Taken again so that the observer's own bookkeeping is not charged to the next op.
        last = Clock::now();
    };
    for (int r = 0; r < std::max(1, runs); ++r) {
        last = Clock::now();
        if (Status s = it.invoke(observer); !s) return s.error();
    }

    std::map<std::string, TypeTiming> byType;
    for (size_t o = 0; o < ops; ++o) {
        if (perOp[o].empty()) continue; // folded at prepare
        OperatorTiming t;
        t.op = OperatorIndex(static_cast<int32_t>(o));
        t.type = std::string(opName(sg.operators[o].op));
        t.medianMs = medianOf(perOp[o]);
        t.macs = operatorMacs(sg, sg.operators[o]);
        p.operatorTotalMs += t.medianMs;
        TypeTiming& ty = byType[t.type];
        ty.type = t.type;
        ty.count += 1;
        ty.ms += t.medianMs;
        ty.macs += t.macs;
        p.operators.push_back(std::move(t));
    }
    auto finish = [&](auto& row, double ms) {
        row.share = p.operatorTotalMs > 0 ? ms / p.operatorTotalMs : 0;
        row.gflops = gflopsOf(row.macs, ms);
        row.peakShare = peakGflops > 0 ? row.gflops / peakGflops : 0;
    };
    for (OperatorTiming& t : p.operators)
        finish(t, t.medianMs);
    for (auto& [name, ty] : byType) {
        finish(ty, ty.ms);
        p.types.push_back(ty);
    }
    std::stable_sort(p.types.begin(), p.types.end(),
                     [](const TypeTiming& a, const TypeTiming& b) { return a.ms > b.ms; });
    return p;
}

std::string profileJson(const OperatorProfile& p, const std::string& modelPath) {
    JsonWriter w;
    w.beginObject();
    w.field("model", modelPath).field("threads", int64_t(p.threads));
    w.key("invoke").beginObject();
    w.field("runs", int64_t(p.invoke.runs))
        .field("median_ms", p.invoke.medianMs)
        .field("min_ms", p.invoke.minMs);
    w.field("first_ms", p.invoke.firstMs).endObject();
    w.key("peak")
        .beginObject()
        .field("gflops", p.peakGflops)
        .field("source", p.peakSource)
        .endObject();
    w.field("operator_total_ms", p.operatorTotalMs);
    w.key("types").beginArray();
    for (const TypeTiming& t : p.types) {
        w.beginObject()
            .field("type", t.type)
            .field("count", int64_t(t.count))
            .field("ms", t.ms)
            .field("share", t.share);
        w.field("macs", t.macs)
            .field("gflops", t.gflops)
            .field("peak_share", t.peakShare)
            .endObject();
    }
    w.endArray();
    w.key("operators").beginArray();
    for (const OperatorTiming& t : p.operators) {
        w.beginObject()
            .field("index", int64_t(t.op.index()))
            .field("type", t.type)
            .field("median_ms", t.medianMs);
        w.field("share", t.share)
            .field("macs", t.macs)
            .field("gflops", t.gflops)
            .field("peak_share", t.peakShare)
            .endObject();
    }
    w.endArray();
    w.endObject();
    return w.str() + "\n";
}

std::string profileText(const OperatorProfile& p) {
    std::string out;
    char line[256];
    auto add = [&](const char* fmt, auto... args) {
        std::snprintf(line, sizeof line, fmt, args...);
        out += line;
    };
    auto gf = [&](uint64_t macs, double g, double share) {
        if (!macs) return std::string();
        char tmp[64];
        if (p.peakGflops > 0)
            std::snprintf(tmp, sizeof tmp, " %9.1f %6.0f%%", g, 100 * share);
        else
            std::snprintf(tmp, sizeof tmp, " %9.1f %7s", g, "-");
        return std::string(tmp);
    };
    add("per operator type (%d thread%s, median of %d runs per operator; peak %.1f GFLOP/s%s%s):\n",
        p.threads, p.threads == 1 ? "" : "s", p.invoke.runs, p.peakGflops,
        p.peakSource.empty() ? "" : ", ", p.peakSource.c_str());
    add("  %-26s %5s %9s %6s %9s %7s\n", "type", "ops", "ms", "share", "GFLOP/s", "of peak");
    for (const TypeTiming& t : p.types)
        add("  %-26s %5d %9.3f %5.1f%%%s\n", t.type.c_str(), t.count, t.ms, 100 * t.share,
            gf(t.macs, t.gflops, t.peakShare).c_str());
    add("  %-26s %5zu %9.3f\n", "total", p.operators.size(), p.operatorTotalMs);
    add("per operator:\n");
    add("  %5s %-26s %9s %6s %9s %7s\n", "op", "type", "ms", "share", "GFLOP/s", "of peak");
    for (const OperatorTiming& t : p.operators)
        add("  %5d %-26s %9.3f %5.1f%%%s\n", int(t.op.index()), t.type.c_str(), t.medianMs,
            100 * t.share, gf(t.macs, t.gflops, t.peakShare).c_str());
    return out;
}

} // namespace ql::rt

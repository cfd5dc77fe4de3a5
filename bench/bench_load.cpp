// Load + verify + build the graph of a model, repeated; prints median milliseconds and peak RSS.
//   bench_load MODEL [--runs N]
//   bench_load --synthetic N   (a generated model with N operators, written to a temp file)
#include "model/SyntheticModel.h"
#include "tflite/ModelReader.h"
#include "tflite/ModelWriter.h"
#include "tflite/ValidateGraph.h"
#include "util/Limits.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace {

long peakRssKiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

} // namespace

int main(int argc, char** argv) {
    std::string path;
    int runs = 20;
    int synthetic = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--synthetic") && i + 1 < argc) synthetic = std::atoi(argv[++i]);
        else path = argv[i];
    }
    std::string tmp;
    if (synthetic > 0) {
        tmp = (std::filesystem::temp_directory_path() / ("quantlab-bench-" + std::to_string(synthetic) + ".tflite")).string();
        if (auto s = ql::writeModelFile(ql::makeSyntheticModel(synthetic), tmp); !s) {
            std::fprintf(stderr, "%s\n", s.message().c_str());
            return 1;
        }
        path = tmp;
    }
    if (path.empty()) {
        std::fprintf(stderr, "usage: bench_load MODEL [--runs N] | --synthetic N\n");
        return 2;
    }
    const long rssBefore = peakRssKiB();
    std::vector<double> ms;
    size_t ops = 0;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto model = ql::readModelFile(path);
        const auto t1 = std::chrono::steady_clock::now();
        if (!model) {
            std::fprintf(stderr, "%s\n", model.message().c_str());
            return 1;
        }
        ops = 0;
        for (const auto& sg : (*model)->subgraphs) ops += sg.operators.size();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    // The graph checks of the load-time validation (operator graph, control flow, declared
    // memory) on their own: the share of the load they cost.
    std::vector<double> graphMs;
    if (auto model = ql::readModelFile(path)) {
        for (int r = 0; r < runs; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            bool ok = true;
            for (size_t sg = 0; sg < (*model)->subgraphs.size(); ++sg) ok = ok && ql::checkOperatorGraph(**model, sg).ok();
            ok = ok && ql::checkControlFlow(**model).ok() && ql::checkDeclaredMemory(**model, ql::memoryLimitBytes()).ok();
            const auto t1 = std::chrono::steady_clock::now();
            if (!ok) return 1;
            graphMs.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        std::sort(graphMs.begin(), graphMs.end());
    }
    const auto size = std::filesystem::file_size(path);
    std::printf("model %s\n  file %.2f MB, %zu operators\n  load+verify+graph: median %.2f ms, min %.2f ms over %d runs\n"
                "  peak RSS %.1f MB (%.1f MB before the first load)\n",
                path.c_str(), double(size) / 1e6, ops, ms[ms.size() / 2], ms.front(), runs, double(peakRssKiB()) / 1024.0,
                double(rssBefore) / 1024.0);
    if (!graphMs.empty()) std::printf("  of which graph checks (cycles, producers, control flow, memory): median %.3f ms\n", graphMs[graphMs.size() / 2]);
    if (!tmp.empty()) std::filesystem::remove(tmp);
    return 0;
}

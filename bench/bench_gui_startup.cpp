// Process start to the first painted graph, and pan/zoom frames per second, of the desktop
// application on a synthetic model (core/model/SyntheticModel) or a given model.
//   bench_gui_startup [--operators N] [--model PATH] [--quantlab PATH] [--runs R] [--expand-limit N]
// Runs `quantlab MODEL --bench` (under the current QT_QPA_PLATFORM / DISPLAY) and reports the
// wall time from spawning the process to its "first-graph-painted" line, plus its own figures.
#include "model/SyntheticModel.h"
#include "tflite/ModelWriter.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    int operators = 10000, runs = 3;
    std::string model, quantlab = QUANTLAB_GUI_PATH, extra;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--operators")) operators = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--model")) model = argv[i + 1];
        else if (!std::strcmp(argv[i], "--quantlab")) quantlab = argv[i + 1];
        else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--expand-limit")) extra = std::string(" --expand-limit ") + argv[i + 1];
    }
    std::string tmp;
    if (model.empty()) {
        tmp = (std::filesystem::temp_directory_path() / ("quantlab-gui-bench-" + std::to_string(operators) + ".tflite")).string();
        std::filesystem::remove(tmp);
        if (auto s = ql::writeModelFile(ql::makeSyntheticModel(operators), tmp); !s) {
            std::fprintf(stderr, "%s\n", s.message().c_str());
            return 1;
        }
        model = tmp;
    }
    std::vector<double> startup;
    for (int r = 0; r < runs; ++r) {
        const std::string cmd = "'" + quantlab + "' '" + model + "' --bench" + extra + " 2>/dev/null";
        const auto t0 = std::chrono::steady_clock::now();
        FILE* p = popen(cmd.c_str(), "r");
        if (!p) return 1;
        char line[256];
        double painted = -1;
        while (std::fgets(line, sizeof line, p)) {
            if (painted < 0 && !std::strncmp(line, "first-graph-painted-ms", 22))
                painted = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            std::printf("  run %d: %s", r, line);
        }
        const int status = pclose(p);
        if (painted < 0 || status != 0) {
            std::fprintf(stderr, "quantlab --bench failed (status %d)\n", status);
            return 1;
        }
        startup.push_back(painted);
    }
    std::sort(startup.begin(), startup.end());
    std::printf("model %s\nprocess start to first painted graph: median %.0f ms, min %.0f ms over %d runs\n", model.c_str(),
                startup[startup.size() / 2], startup.front(), runs);
    if (!tmp.empty()) std::filesystem::remove(tmp);
    return 0;
}

// Quantized against float: each shared float model quantized by QuantLab in each integer and
// hybrid mode (calibrated on real photos), timed with QuantLab's interpreter (1 thread, and 2
// threads for float and int8) and with the real TFLite runtime (the oracle, XNNPACK, wasm
// SIMD, 1 thread) on the same file. Prints, per model and mode: QuantLab ms, ratio to
// QuantLab float, TFLite ms, ratio to TFLite, and the goal for the mode:
//   int8, int8-only <= 0.6x QuantLab float and <= 0.5x TFLite; int16x8 <= 1.5x float;
//   dynamic <= 1.0x float; two threads >= 1.6x one.
// The machine is shared: the CPU model and the load average are printed with every table, and
// every figure is a median (QuantLab: --runs, the oracle: --repeat).
//   bench_modes [MODEL...] [--calib DIR] [--calib-samples N] [--runs N] [--repeat N]
//               [--modes int8,int8-only,int16x8,dynamic] [--no-oracle] [--keep DIR]
#include "BenchSupport.h"
#include "quantize/QuantizeJob.h"
#include "runtime/GemmPeak.h"
#include "tflite/ModelReader.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Options {
    std::vector<std::string> models;
    std::string calib = QUANTLAB_PHOTOS_CALIB;
    size_t calibSamples = 4;
    int runs = 15, repeat = 30;
    std::vector<std::string> modes = {"int8", "int8-only", "int16x8", "dynamic"};
    bool oracle = true;
    std::string keep;
};

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// The goal for a mode, as a ratio to QuantLab's float time and to TFLite's time
// (0: none).
void goalOf(const std::string& mode, double* vsFloat, double* vsTflite) {
    *vsFloat = 0;
    *vsTflite = 0;
    if (mode == "int8" || mode == "int8-only")
        *vsFloat = 0.6, *vsTflite = 0.5;
    else if (mode == "int16x8")
        *vsFloat = 1.5;
    else if (mode == "dynamic")
        *vsFloat = 1.0;
}

std::string fmtRatio(double r, double goal) {
    char tmp[48];
    if (goal > 0)
        std::snprintf(tmp, sizeof tmp, "%5.2fx %s", r, r <= goal ? "ok  " : "MISS");
    else
        std::snprintf(tmp, sizeof tmp, "%5.2fx     ", r);
    return tmp;
}

int runModel(const std::string& path, const Options& o, const fs::path& dir) {
    auto model = ql::readModelFile(path);
    if (!model) {
        std::fprintf(stderr, "%s\n", model.message().c_str());
        return 1;
    }
    std::printf("\n== %s (%s)\n", fs::path(path).filename().c_str(), bench::loadAverage().c_str());
    const auto f1 = bench::timeOurs(model.value(), 1, o.runs),
               f2 = bench::timeOurs(model.value(), 2, o.runs);
    if (!f1 || !f2) return 1;
    const std::optional<double> fo = o.oracle ? bench::timeOracle(path, o.repeat) : std::nullopt;
    std::printf("%-10s %9s %12s %9s %12s %9s %8s\n", "mode", "ql ms", "vs ql float", "tflite ms",
                "vs tflite", "2 thr ms", "2/1 thr");
    auto row = [&](const std::string& mode, const bench::Timing& t1,
                   const std::optional<bench::Timing>& t2, const std::optional<double>& tfl) {
        double gFloat = 0, gTfl = 0;
        goalOf(mode, &gFloat, &gTfl);
        const std::string vsF =
            mode == "none" ? std::string(11, ' ') : fmtRatio(t1.medianMs / f1->medianMs, gFloat);
        char tflMs[32] = "-", vsT[48] = "-", two[32] = "-", speed[48] = "-";
        if (tfl) {
            std::snprintf(tflMs, sizeof tflMs, "%.3f", *tfl);
            std::snprintf(vsT, sizeof vsT, "%s", fmtRatio(t1.medianMs / *tfl, gTfl).c_str());
        }
        if (t2) {
            std::snprintf(two, sizeof two, "%.3f", t2->medianMs);
            const double s = t1.medianMs / t2->medianMs;
            std::snprintf(speed, sizeof speed, "%.2fx %s", s, s >= 1.6 ? "ok" : "MISS");
        }
        std::printf("%-10s %9.3f %12s %9s %12s %9s %8s\n", mode.c_str(), t1.medianMs, vsF.c_str(),
                    tflMs, vsT, two, speed);
        std::fflush(stdout);
    };
    row("none", *f1, f2, fo);
    for (const std::string& modeText : o.modes) {
        auto mode = ql::quantize::parseMode(modeText);
        if (!mode) {
            std::fprintf(stderr, "%s\n", mode.message().c_str());
            return 2;
        }
        ql::quantize::QuantizeJobOptions job;
        job.quantize.mode = mode.value();
        if (ql::quantize::needsCalibration(mode.value())) {
            job.calibSpec = o.calib;
            job.data.maxSamples = o.calibSamples;
        }
        auto q = ql::quantize::runQuantize(model.value(), job);
        if (!q) {
            std::printf("%-10s quantize failed: %s\n", modeText.c_str(), q.message().c_str());
            continue;
        }
        const std::string out =
            (dir / (fs::path(path).stem().string() + "_" + modeText + ".tflite")).string();
        if (ql::Status s = ql::quantize::writeQuantized(q->result.model, out, path); !s) {
            std::printf("%-10s write failed: %s\n", modeText.c_str(), s.message().c_str());
            continue;
        }
        auto qm = ql::readModelFile(out);
        if (!qm) {
            std::printf("%-10s read back failed: %s\n", modeText.c_str(), qm.message().c_str());
            continue;
        }
        const auto t1 = bench::timeOurs(qm.value(), 1, o.runs);
        if (!t1) continue;
        const std::optional<bench::Timing> t2 =
            modeText == "int8" ? bench::timeOurs(qm.value(), 2, o.runs) : std::nullopt;
        const std::optional<double> to = o.oracle ? bench::timeOracle(out, o.repeat) : std::nullopt;
        row(modeText, *t1, t2, to);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_modes: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--calib")
            o.calib = next();
        else if (a == "--calib-samples")
            o.calibSamples = size_t(std::max(1, std::atoi(next().c_str())));
        else if (a == "--runs")
            o.runs = std::max(1, std::atoi(next().c_str()));
        else if (a == "--repeat")
            o.repeat = std::max(1, std::atoi(next().c_str()));
        else if (a == "--modes")
            o.modes = split(next());
        else if (a == "--no-oracle")
            o.oracle = false;
        else if (a == "--keep")
            o.keep = next();
        else if (!a.empty() && a[0] != '-')
            o.models.push_back(a);
        else {
            std::fprintf(stderr, "usage: bench_modes [MODEL...] [--calib DIR] [--calib-samples N] "
                                 "[--runs N] [--repeat N] "
                                 "[--modes a,b] [--no-oracle] [--keep DIR]\n");
            return 2;
        }
    }
    if (o.models.empty())
        for (const char* name : {"hand_landmark_lite", "face_detection_short_range",
                                 "face_detection_full_range_sparse", "palm_detection_full"})
            o.models.push_back(std::string(QUANTLAB_SHARED_DIR) + "/models/" + name + ".tflite");
    const fs::path dir =
        o.keep.empty() ? fs::temp_directory_path() / ("bench-modes-" + std::to_string(::getpid()))
                       : fs::path(o.keep);
    fs::create_directories(dir);
    const ql::rt::GemmPeak peak = ql::rt::measureGemmPeak(1);
    std::printf("CPU: %s; %s; float GEMM peak %.1f GFLOP/s (%s)\n", bench::cpuModel().c_str(),
                bench::loadAverage().c_str(), peak.gflops, peak.describe().c_str());
    std::printf("calibration: %zu samples of %s; QuantLab median of %d runs, TFLite median of %d "
                "(--variant simd)\n",
                o.calibSamples, o.calib.c_str(), o.runs, o.repeat);
    int rc = 0;
    for (const std::string& m : o.models)
        rc = std::max(rc, runModel(m, o, dir));
    if (o.keep.empty()) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::printf("\n%s at the end\n", bench::loadAverage().c_str());
    return rc;
}

// bench_train: training time and test accuracy of the workshop CNN after 1, 3 and 5 epochs
// (one seeded run; an N-epoch run of quantlab-cli train-fashion-mnist is exactly its first N
// epochs, so the cumulative figures are those of separate 1-, 3- and 5-epoch runs).
//   bench_train [--data DIR] [--threads T] [--seed S] [--epochs N]
#include "train/Gemm.h"
#include "train/Trainer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

double loadAverage() {
    std::ifstream f("/proc/loadavg");
    double l = -1.0;
    f >> l;
    return l;
}

} // namespace

int main(int argc, char** argv) {
    std::string dir = ql::train::kFashionMnistDir;
    int threads = 2, epochs = 5;
    uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--data")) dir = argv[i + 1];
        else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--epochs")) epochs = std::atoi(argv[i + 1]);
    }
    auto data = ql::train::loadFashionMnist(dir);
    if (!data) {
        std::fprintf(stderr, "bench_train: %s\n", data.message().c_str());
        return 2;
    }
    ql::train::Sequential net = ql::train::fashionMnistNetwork(seed);
    ql::train::TrainOptions opt;
    opt.seed = seed;
    opt.threads = threads;
    ql::train::Trainer trainer(net, opt);
    std::printf("bench_train: %zu parameters, batch %d, %d thread(s), AVX2 GEMM %s, load average %.2f at start\n",
                net.parameterCount(), opt.batchSize, threads, ql::train::gemmUsesAvx2() ? "yes" : "no", loadAverage());
    std::printf("%-7s %12s %12s %10s %10s %8s\n", "epochs", "train-s", "total-s", "loss", "test-acc", "load");
    double trainSeconds = 0.0, totalSeconds = 0.0;
    for (int e = 1; e <= epochs; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        const ql::train::EpochStats s = trainer.trainEpoch(data->train);
        const double acc = trainer.evaluate(data->test);
        totalSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        trainSeconds += s.seconds;
        std::printf("%-7d %12.1f %12.1f %10.4f %9.2f%% %8.2f\n", e, trainSeconds, totalSeconds, s.loss, 100.0 * acc,
                    loadAverage());
        std::fflush(stdout);
    }
    return 0;
}

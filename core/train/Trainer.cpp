#include "train/Trainer.h"

#include "runtime/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace ql::train {

Trainer::Trainer(Sequential& net, TrainOptions options)
    : m_net(net), m_opt(options), m_adam(net, options.adam),
      m_pool(std::make_unique<rt::ThreadPool>(std::clamp(options.threads, 1, kShards))) {
    for (auto& w : m_work) w.prepare(net);
}

Trainer::~Trainer() = default;

EpochStats Trainer::trainEpoch(const Dataset& train, const Progress& progress) {
    const auto start = std::chrono::steady_clock::now();
    ++m_epoch;
    EpochStats stats;
    stats.epoch = m_epoch;
    // Fisher-Yates with our own generator: the same order on every platform.
    std::vector<int> order(size_t(train.count));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(mixSeed(m_opt.seed, 0x5EED, uint64_t(m_epoch)));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng.below(i))]);

    const int batch = std::max(1, m_opt.batchSize);
    int64_t steps = (train.count + batch - 1) / batch;
    if (m_opt.stepsPerEpoch > 0) steps = std::min(steps, m_opt.stepsPerEpoch);
    const size_t imageSize = size_t(train.shape.size());
    std::vector<float> images[kShards];
    std::vector<uint8_t> labels[kShards];
    std::vector<std::vector<std::vector<float>>> total;
    ShardResult results[kShards];
    double lossSum = 0.0;
    int64_t correct = 0, seen = 0;
    double windowLoss = 0.0; // since the last BatchReport
    int64_t windowCorrect = 0, windowSeen = 0;

    for (int64_t s = 0; s < steps; ++s) {
        if (progress.cancelled()) {
            stats.cancelled = true;
            break;
        }
        const int first = int(s * batch);
        const int count = std::min(batch, train.count - first);
        const float lossScale = 1.0f / float(count);
        const uint64_t stepSeed = mixSeed(m_opt.seed, uint64_t(m_epoch), uint64_t(s));
        // Shard k takes samples [k * count / kShards, (k + 1) * count / kShards) of the batch.
        m_pool->parallelFor(kShards, [&](size_t begin, size_t end) {
            for (size_t k = begin; k < end; ++k) {
                const int lo = int(k) * count / kShards, hi = int(k + 1) * count / kShards;
                ShardWork& work = m_work[k];
                work.zeroGrads();
                results[k] = {};
                if (hi <= lo) continue;
                images[k].resize(size_t(hi - lo) * imageSize);
                labels[k].resize(size_t(hi - lo));
                for (int i = lo; i < hi; ++i) {
                    const int src = order[size_t(first + i)];
                    std::copy(train.image(src), train.image(src) + imageSize, images[k].begin() + ptrdiff_t(i - lo) * ptrdiff_t(imageSize));
                    labels[k][size_t(i - lo)] = train.labels[size_t(src)];
                }
                results[k] = trainShard(m_net, images[k].data(), labels[k].data(), hi - lo, lossScale,
                                        mixSeed(stepSeed, k), work);
            }
        });
        // Fixed reduction order: shard 0 + shard 1 + ...
        total = m_work[0].grads;
        for (int k = 1; k < kShards; ++k)
            for (size_t l = 0; l < total.size(); ++l)
                for (size_t p = 0; p < total[l].size(); ++p) {
                    float* t = total[l][p].data();
                    const float* g = m_work[k].grads[l][p].data();
                    for (size_t i = 0, n = total[l][p].size(); i < n; ++i) t[i] += g[i];
                }
        m_adam.step(total);
        for (const ShardResult& r : results) {
            lossSum += r.lossSum;
            correct += r.correct;
            windowLoss += r.lossSum;
            windowCorrect += r.correct;
        }
        seen += count;
        windowSeen += count;
        ++stats.steps;
        if (m_opt.onBatches && ((s + 1) % std::max(1, m_opt.reportEvery) == 0 || s + 1 == steps)) {
            m_opt.onBatches({m_epoch, s + 1, steps, windowLoss / double(windowSeen), double(windowCorrect) / double(windowSeen)});
            windowLoss = 0.0;
            windowCorrect = windowSeen = 0;
        }
        if ((s & 15) == 15 || s + 1 == steps) progress("training", double(s + 1) / double(steps));
    }
    stats.loss = seen ? lossSum / double(seen) : 0.0;
    stats.trainAccuracy = seen ? double(correct) / double(seen) : 0.0;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
}

double Trainer::evaluate(const Dataset& data, double* meanLoss) {
    constexpr int kChunk = 250;
    double loss[kShards] = {};
    int64_t correct[kShards] = {};
    const size_t k10 = size_t(m_net.outputShape().size());
    m_pool->parallelFor(kShards, [&](size_t begin, size_t end) {
        for (size_t k = begin; k < end; ++k) {
            const int lo = int(k) * data.count / kShards, hi = int(k + 1) * data.count / kShards;
            for (int first = lo; first < hi; first += kChunk) {
                const int n = std::min(kChunk, hi - first);
                forwardShard(m_net, data.image(first), n, m_work[k], PassInfo{false, 0});
                const Blob& p = m_work[k].acts.back();
                for (int i = 0; i < n; ++i) {
                    const float* row = p.data.data() + size_t(i) * k10;
                    const uint8_t label = data.labels[size_t(first + i)];
                    correct[k] += size_t(std::max_element(row, row + k10) - row) == label ? 1 : 0;
                    loss[k] -= std::log(std::max(double(row[label]), 1e-30));
                }
            }
        }
    });
    double l = 0.0;
    int64_t c = 0;
    for (int k = 0; k < kShards; ++k) {
        l += loss[k];
        c += correct[k];
    }
    if (meanLoss) *meanLoss = data.count ? l / data.count : 0.0;
    return data.count ? double(c) / double(data.count) : 0.0;
}

// Defaults: 16, 32, 32 filters, dense 64: 33k parameters (133 kB as float32), small enough to
// bundle; the third conv keeps the dense layer small (a 7x7x32 flatten into dense 64 alone
// would be 100k weights).
Sequential fashionMnistNetwork(uint64_t seed, const NetworkSpec& spec) {
    Sequential net({28, 28, 1});
    net.add(makeConv2D(spec.conv1, 3, true), "conv1");
    net.add(makeMaxPool2D(2), "pool1");
    net.add(makeConv2D(spec.conv2, 3, true), "conv2");
    net.add(makeMaxPool2D(2), "pool2");
    net.add(makeConv2D(spec.conv3, 3, true), "conv3");
    net.add(makeMaxPool2D(2), "pool3");
    net.add(makeFlatten(), "flatten");
    net.add(makeDense(spec.dense, true), "dense1");
    if (spec.dropout > 0.0f) net.add(makeDropout(spec.dropout), "dropout");
    net.add(makeDense(10, false), "dense2");
    net.add(makeSoftmax(), "softmax");
    net.initialize(seed);
    return net;
}

} // namespace ql::train

#pragma once
// A sequential network (a list of layers) ending in Softmax, trained with the softmax +
// cross-entropy loss, and the Adam optimiser.
//
// Data parallelism without scheduling effects: a batch is cut into a fixed number of shards
// (kShards, independent of the thread count); each shard runs forward + backward into its own
// gradient arrays; the shard gradients are then summed in shard order. The same seed
// therefore gives bit-identical parameters whether 1 or 2 threads ran the shards.

#include "train/Layer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ql::train {

class Sequential {
public:
    explicit Sequential(Shape3 input) : m_input(input), m_output(input) {}

    // Appends a layer (configured for the current output shape) under `name`.
    Layer& add(std::unique_ptr<Layer> layer, std::string name);
    // Draws every layer's initial parameters from one seeded stream.
    void initialize(uint64_t seed);

    Shape3 inputShape() const { return m_input; }
    Shape3 outputShape() const { return m_output; }
    size_t layerCount() const { return m_layers.size(); }
    Layer& layer(size_t i) { return *m_layers[i]; }
    const Layer& layer(size_t i) const { return *m_layers[i]; }
    size_t parameterCount() const;

private:
    Shape3 m_input, m_output;
    std::vector<std::unique_ptr<Layer>> m_layers;
};

// Everything one shard owns during a step: activations, layer states, gradients.
struct ShardWork {
    std::vector<Blob> acts; // acts[0] = input, acts[i + 1] = output of layer i
    std::vector<LayerState> states;
    std::vector<std::vector<std::vector<float>>> grads; // [layer][param][element]
    Blob gradA, gradB;                                  // ping-pong activation gradients

    void prepare(const Sequential& net); // sizes grads, keeps buffers between steps
    void zeroGrads();
};

struct ShardResult {
    double lossSum = 0.0; // sum over the shard's samples of -log p(label)
    int64_t correct = 0;  // arg max == label
};

// Forward only (inference, dropout off); the probabilities end in work.acts.back().
void forwardShard(const Sequential& net, const float* images, int count, ShardWork& work, const PassInfo& pass);

// Forward + backward of `count` samples. Adds dL/dparam into work.grads where
// L = lossScale * sum(-log p(label)); lossScale = 1 / (whole batch size) gives the batch mean.
// The last layer must be Softmax: its input gradient is the fused lossScale * (p - onehot).
ShardResult trainShard(const Sequential& net, const float* images, const uint8_t* labels, int count, float lossScale,
                       uint64_t seed, ShardWork& work);

struct AdamOptions {
    float learningRate = 1e-3f;
    float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f; // Keras' defaults
};

// Adam (Kingma & Ba), with the bias correction folded into the step size as Keras does:
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
//   p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
class Adam {
public:
    Adam(Sequential& net, AdamOptions options);
    // grads: [layer][param][element], the summed batch gradient.
    void step(const std::vector<std::vector<std::vector<float>>>& grads);
    int64_t steps() const { return m_t; }

private:
    Sequential& m_net;
    AdamOptions m_opt;
    std::vector<std::vector<std::vector<float>>> m_m, m_v;
    int64_t m_t = 0;
};

// A 64-bit mix of several values (SplitMix64 finaliser), for deriving per-step seeds.
uint64_t mixSeed(uint64_t a, uint64_t b, uint64_t c = 0);

} // namespace ql::train

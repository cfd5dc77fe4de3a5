#pragma once
// Layers of the small trainer. A layer is a pure function of its input and parameters: the
// layer object holds the configuration and the parameters, and everything a pass produces
// (activations, im2col patches, pool arg-max indices, dropout masks, gradients) lives in
// per-shard state, so two threads can run forward/backward of one layer on different halves
// of a batch at the same time.
//
// Activations are NHWC, one batch per Blob: element (n, y, x, c) at ((n * H + y) * W + x) * C + c.
// Viewed as a row-major matrix that is [N*H*W, C] for the conv layers and [N, H*W*C] after
// Flatten: the two views share the same bytes, so Flatten copies nothing in the math.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ql::train {

struct Shape3 {
    int h = 1, w = 1, c = 1;
    int64_t size() const { return int64_t(h) * w * c; }
    bool operator==(const Shape3&) const = default;
};

struct Blob {
    int batch = 0;
    Shape3 shape;
    std::vector<float> data;

    void resize(int n, Shape3 s) {
        batch = n;
        shape = s;
        data.resize(size_t(n) * size_t(s.size()));
    }
};

// A trainable array. TFLite layouts are chosen at export; here a conv kernel is [KH*KW*C_in, C_out]
// (rows in (ky, kx, c_in) order) and a dense kernel [in, out], both row-major.
struct Param {
    std::string name; // "kernel", "bias"
    std::vector<int> shape;
    std::vector<float> value;
};

// Deterministic generator (SplitMix64): the same seed gives the same stream on every platform,
// unlike the standard library distributions.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1) with 24 random bits.
    float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }
    float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n).
    uint64_t below(uint64_t n) { return next() % n; }

private:
    uint64_t m_state;
};

// What one layer keeps between its forward and backward pass, per shard.
struct LayerState {
    std::vector<float> aux;      // conv: im2col patches; dropout: scaled mask
    std::vector<int32_t> index;  // max pool: input offset of each output's maximum
};

struct PassInfo {
    bool training = false;
    uint64_t seed = 0; // dropout stream of this (step, shard, layer)
};

class Layer {
public:
    enum class Kind { Conv2D, MaxPool2D, Flatten, Dense, Dropout, Softmax };

    virtual ~Layer() = default;
    virtual Kind kind() const = 0;
    // Fixes the input shape; returns the output shape.
    virtual Shape3 configure(Shape3 input) = 0;
    // Draws the initial parameters (Glorot uniform kernels, zero biases, like Keras).
    virtual void initialize(Rng& rng) { (void)rng; }

    virtual void forward(const Blob& x, Blob& y, LayerState& state, const PassInfo& pass) const = 0;
    // dy: gradient of the loss w.r.t. y. Writes dx when non-null and adds the parameter
    // gradients into grads (one array per param, same sizes).
    virtual void backward(const Blob& x, const Blob& y, const Blob& dy, Blob* dx, LayerState& state,
                          std::vector<std::vector<float>>& grads) const = 0;

    std::vector<Param>& params() { return m_params; }
    const std::vector<Param>& params() const { return m_params; }
    Shape3 inputShape() const { return m_in; }
    Shape3 outputShape() const { return m_out; }
    const std::string& name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }

protected:
    std::vector<Param> m_params;
    Shape3 m_in, m_out;
    std::string m_name;
};

// Conv2D, SAME padding, stride 1, square kernel, optional fused ReLU.
std::unique_ptr<Layer> makeConv2D(int filters, int kernel, bool relu);
// 2x2 (or size x size) max pooling, stride = size, VALID padding (floor of H / size).
std::unique_ptr<Layer> makeMaxPool2D(int size);
std::unique_ptr<Layer> makeFlatten();
std::unique_ptr<Layer> makeDense(int units, bool relu);
// Inverted dropout: in training zeroes a fraction `rate` and scales the rest by 1 / (1 - rate);
// the identity otherwise (and not exported).
std::unique_ptr<Layer> makeDropout(float rate);
std::unique_ptr<Layer> makeSoftmax();

// Attributes the exporter needs.
struct ConvConfig {
    int filters = 0, kernel = 0;
    bool relu = false;
};
ConvConfig convConfig(const Layer& layer);
int poolSize(const Layer& layer);
bool denseRelu(const Layer& layer);

// Glorot uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)).
void glorotUniform(std::vector<float>& w, int fanIn, int fanOut, Rng& rng);

} // namespace ql::train

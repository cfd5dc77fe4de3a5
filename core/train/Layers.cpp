// The non-convolution layers of the trainer: MaxPool2D, Flatten, Dense, Dropout, Softmax.
#include "train/Gemm.h"
#include "train/Layer.h"

#include <algorithm>
#include <cmath>

namespace ql::train {
namespace {

// size x size windows, stride size, VALID (TFLite: out = floor((H - size) / size) + 1).
// The first maximum of a window (row-major scan) receives the gradient.
class MaxPoolLayer final : public Layer {
public:
    explicit MaxPoolLayer(int size) : m_size(size) {}
    Kind kind() const override { return Kind::MaxPool2D; }
    int size() const { return m_size; }

    Shape3 configure(Shape3 in) override {
        m_in = in;
        m_out = {(in.h - m_size) / m_size + 1, (in.w - m_size) / m_size + 1, in.c};
        return m_out;
    }

    void forward(const Blob& x, Blob& y, LayerState& state, const PassInfo&) const override {
        y.resize(x.batch, m_out);
        state.index.resize(y.data.size());
        const int c = m_in.c;
        size_t o = 0;
        for (int n = 0; n < x.batch; ++n) {
            const int32_t base = int32_t(size_t(n) * size_t(m_in.size()));
            for (int oy = 0; oy < m_out.h; ++oy)
                for (int ox = 0; ox < m_out.w; ++ox)
                    for (int ch = 0; ch < c; ++ch, ++o) {
                        int32_t best = base + (oy * m_size * m_in.w + ox * m_size) * c + ch;
                        for (int dy = 0; dy < m_size; ++dy)
                            for (int dx = 0; dx < m_size; ++dx) {
                                const int32_t i = base + ((oy * m_size + dy) * m_in.w + ox * m_size + dx) * c + ch;
                                if (x.data[size_t(i)] > x.data[size_t(best)]) best = i;
                            }
                        state.index[o] = best;
                        y.data[o] = x.data[size_t(best)];
                    }
        }
    }

    void backward(const Blob& x, const Blob&, const Blob& dy, Blob* dx, LayerState& state,
                  std::vector<std::vector<float>>&) const override {
        if (!dx) return;
        dx->resize(x.batch, m_in);
        std::fill(dx->data.begin(), dx->data.end(), 0.0f);
        for (size_t o = 0; o < dy.data.size(); ++o) dx->data[size_t(state.index[o])] += dy.data[o];
    }

private:
    int m_size;
};

class FlattenLayer final : public Layer {
public:
    Kind kind() const override { return Kind::Flatten; }
    Shape3 configure(Shape3 in) override {
        m_in = in;
        m_out = {1, 1, int(in.size())};
        return m_out;
    }
    void forward(const Blob& x, Blob& y, LayerState&, const PassInfo&) const override {
        y.batch = x.batch;
        y.shape = m_out;
        y.data = x.data; // NHWC order is already the flattened order
    }
    void backward(const Blob& x, const Blob&, const Blob& dy, Blob* dx, LayerState&,
                  std::vector<std::vector<float>>&) const override {
        if (!dx) return;
        dx->batch = x.batch;
        dx->shape = m_in;
        dx->data = dy.data;
    }
};

// y = x W + b (W [in, out]), optional ReLU. Exported as FULLY_CONNECTED with weights W^T.
class DenseLayer final : public Layer {
public:
    DenseLayer(int units, bool relu) : m_units(units), m_relu(relu) {}
    Kind kind() const override { return Kind::Dense; }
    bool relu() const { return m_relu; }

    Shape3 configure(Shape3 in) override {
        m_in = in;
        m_out = {1, 1, m_units};
        const int fin = int(in.size());
        m_params = {Param{"kernel", {fin, m_units}, std::vector<float>(size_t(fin) * m_units)},
                    Param{"bias", {m_units}, std::vector<float>(size_t(m_units))}};
        return m_out;
    }
    void initialize(Rng& rng) override {
        glorotUniform(m_params[0].value, int(m_in.size()), m_units, rng);
        std::fill(m_params[1].value.begin(), m_params[1].value.end(), 0.0f);
    }

    void forward(const Blob& x, Blob& y, LayerState&, const PassInfo&) const override {
        y.resize(x.batch, m_out);
        for (int n = 0; n < x.batch; ++n)
            std::copy(m_params[1].value.begin(), m_params[1].value.end(), y.data.begin() + ptrdiff_t(n) * m_units);
        gemm(x.data.data(), Trans::No, m_params[0].value.data(), Trans::No, y.data.data(), x.batch, m_units,
             m_in.size(), true);
        if (m_relu)
            for (float& v : y.data) v = v > 0.0f ? v : 0.0f;
    }

    // dZ = dY * (Y > 0);  dW += X^T dZ;  db += column sums of dZ;  dX = dZ W^T.
    void backward(const Blob& x, const Blob& y, const Blob& dy, Blob* dx, LayerState& state,
                  std::vector<std::vector<float>>& grads) const override {
        std::vector<float>& dz = state.aux;
        dz = dy.data;
        if (m_relu)
            for (size_t i = 0; i < dz.size(); ++i)
                if (!(y.data[i] > 0.0f)) dz[i] = 0.0f;
        const int64_t fin = m_in.size();
        gemm(x.data.data(), Trans::Yes, dz.data(), Trans::No, grads[0].data(), fin, m_units, x.batch, true);
        for (int n = 0; n < x.batch; ++n)
            for (int o = 0; o < m_units; ++o) grads[1][size_t(o)] += dz[size_t(n) * m_units + o];
        if (!dx) return;
        dx->resize(x.batch, m_in);
        gemm(dz.data(), Trans::No, m_params[0].value.data(), Trans::Yes, dx->data.data(), x.batch, fin, m_units, false);
    }

private:
    int m_units;
    bool m_relu;
};

class DropoutLayer final : public Layer {
public:
    explicit DropoutLayer(float rate) : m_rate(rate) {}
    Kind kind() const override { return Kind::Dropout; }
    Shape3 configure(Shape3 in) override { return m_in = m_out = in; }

    void forward(const Blob& x, Blob& y, LayerState& state, const PassInfo& pass) const override {
        y.batch = x.batch;
        y.shape = m_out;
        if (!pass.training || m_rate <= 0.0f) {
            y.data = x.data;
            state.aux.clear();
            return;
        }
        Rng rng(pass.seed);
        const float keep = 1.0f / (1.0f - m_rate);
        state.aux.resize(x.data.size());
        y.data.resize(x.data.size());
        for (size_t i = 0; i < x.data.size(); ++i) {
            state.aux[i] = rng.uniform() < m_rate ? 0.0f : keep;
            y.data[i] = x.data[i] * state.aux[i];
        }
    }
    void backward(const Blob& x, const Blob&, const Blob& dy, Blob* dx, LayerState& state,
                  std::vector<std::vector<float>>&) const override {
        if (!dx) return;
        dx->batch = x.batch;
        dx->shape = m_in;
        dx->data = dy.data;
        if (!state.aux.empty())
            for (size_t i = 0; i < dx->data.size(); ++i) dx->data[i] *= state.aux[i];
    }

private:
    float m_rate;
};

// y_i = exp(x_i - max x) / sum_j exp(x_j - max x) per batch row.
// Backward (the Jacobian-vector product): dx_i = y_i (dy_i - sum_j dy_j y_j). Training uses
// the fused softmax + cross-entropy gradient instead (Sequential.cpp).
class SoftmaxLayer final : public Layer {
public:
    Kind kind() const override { return Kind::Softmax; }
    Shape3 configure(Shape3 in) override { return m_in = m_out = in; }

    void forward(const Blob& x, Blob& y, LayerState&, const PassInfo&) const override {
        y.resize(x.batch, m_out);
        const size_t k = size_t(m_in.size());
        for (int n = 0; n < x.batch; ++n) {
            const float* in = x.data.data() + n * k;
            float* out = y.data.data() + n * k;
            const float mx = *std::max_element(in, in + k);
            float sum = 0.0f;
            for (size_t i = 0; i < k; ++i) sum += (out[i] = std::exp(in[i] - mx));
            for (size_t i = 0; i < k; ++i) out[i] /= sum;
        }
    }
    void backward(const Blob& x, const Blob& y, const Blob& dy, Blob* dx, LayerState&,
                  std::vector<std::vector<float>>&) const override {
        if (!dx) return;
        dx->resize(x.batch, m_in);
        const size_t k = size_t(m_in.size());
        for (int n = 0; n < x.batch; ++n) {
            const float* p = y.data.data() + n * k;
            const float* g = dy.data.data() + n * k;
            float dot = 0.0f;
            for (size_t i = 0; i < k; ++i) dot += g[i] * p[i];
            for (size_t i = 0; i < k; ++i) dx->data[n * k + i] = p[i] * (g[i] - dot);
        }
    }
};

} // namespace

std::unique_ptr<Layer> makeMaxPool2D(int size) { return std::make_unique<MaxPoolLayer>(size); }
std::unique_ptr<Layer> makeFlatten() { return std::make_unique<FlattenLayer>(); }
std::unique_ptr<Layer> makeDense(int units, bool relu) { return std::make_unique<DenseLayer>(units, relu); }
std::unique_ptr<Layer> makeDropout(float rate) { return std::make_unique<DropoutLayer>(rate); }
std::unique_ptr<Layer> makeSoftmax() { return std::make_unique<SoftmaxLayer>(); }

int poolSize(const Layer& layer) { return static_cast<const MaxPoolLayer&>(layer).size(); }
bool denseRelu(const Layer& layer) { return static_cast<const DenseLayer&>(layer).relu(); }

} // namespace ql::train

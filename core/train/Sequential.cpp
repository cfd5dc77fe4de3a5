#include "train/Sequential.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace ql::train {

Layer& Sequential::add(std::unique_ptr<Layer> layer, std::string name) {
    layer->setName(std::move(name));
    m_output = layer->configure(m_output);
    m_layers.push_back(std::move(layer));
    return *m_layers.back();
}

void Sequential::initialize(uint64_t seed) {
    Rng rng(mixSeed(seed, 0x1A17));
    for (auto& l : m_layers) l->initialize(rng);
}

size_t Sequential::parameterCount() const {
    size_t n = 0;
    for (const auto& l : m_layers)
        for (const Param& p : l->params()) n += p.value.size();
    return n;
}

uint64_t mixSeed(uint64_t a, uint64_t b, uint64_t c) {
    Rng r(a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) ^ (c * 0xD6E8FEB86659FD93ull));
    r.next();
    return r.next();
}

void ShardWork::prepare(const Sequential& net) {
    const size_t n = net.layerCount();
    acts.resize(n + 1);
    states.resize(n);
    if (grads.size() == n) return;
    grads.assign(n, {});
    for (size_t i = 0; i < n; ++i)
        for (const Param& p : net.layer(i).params()) grads[i].emplace_back(p.value.size(), 0.0f);
}

void ShardWork::zeroGrads() {
    for (auto& layer : grads)
        for (auto& g : layer) std::fill(g.begin(), g.end(), 0.0f);
}

void forwardShard(const Sequential& net, const float* images, int count, ShardWork& work, const PassInfo& pass) {
    work.prepare(net);
    Blob& in = work.acts[0];
    in.resize(count, net.inputShape());
    std::copy(images, images + in.data.size(), in.data.begin());
    for (size_t i = 0; i < net.layerCount(); ++i) {
        PassInfo p = pass;
        p.seed = mixSeed(pass.seed, i + 1);
        net.layer(i).forward(work.acts[i], work.acts[i + 1], work.states[i], p);
    }
}

ShardResult trainShard(const Sequential& net, const float* images, const uint8_t* labels, int count, float lossScale,
                       uint64_t seed, ShardWork& work) {
    assert(net.layerCount() > 0 && net.layer(net.layerCount() - 1).kind() == Layer::Kind::Softmax);
    forwardShard(net, images, count, work, PassInfo{true, seed});
    ShardResult r;
    const size_t last = net.layerCount() - 1;
    const Blob& probs = work.acts[last + 1];
    const size_t k = size_t(probs.shape.size());
    // d/dz of -log softmax(z)[label] = p - onehot(label).
    Blob* dy = &work.gradA;
    dy->resize(count, probs.shape);
    for (int n = 0; n < count; ++n) {
        const float* p = probs.data.data() + n * k;
        const size_t best = size_t(std::max_element(p, p + k) - p);
        r.correct += best == labels[n] ? 1 : 0;
        r.lossSum -= std::log(std::max(double(p[labels[n]]), 1e-30));
        for (size_t j = 0; j < k; ++j) dy->data[n * k + j] = lossScale * (p[j] - (j == labels[n] ? 1.0f : 0.0f));
    }
    Blob* dx = &work.gradB;
    for (size_t i = last; i-- > 0;) {
        net.layer(i).backward(work.acts[i], work.acts[i + 1], *dy, i > 0 ? dx : nullptr, work.states[i], work.grads[i]);
        std::swap(dy, dx);
    }
    return r;
}

Adam::Adam(Sequential& net, AdamOptions options) : m_net(net), m_opt(options) {
    for (size_t i = 0; i < net.layerCount(); ++i) {
        m_m.emplace_back();
        for (const Param& p : net.layer(i).params()) m_m.back().emplace_back(p.value.size(), 0.0f);
    }
    m_v = m_m;
}

void Adam::step(const std::vector<std::vector<std::vector<float>>>& grads) {
    ++m_t;
    const double t = double(m_t);
    const float lr = float(double(m_opt.learningRate) * std::sqrt(1.0 - std::pow(double(m_opt.beta2), t)) /
                           (1.0 - std::pow(double(m_opt.beta1), t)));
    const float b1 = m_opt.beta1, b2 = m_opt.beta2, eps = m_opt.epsilon;
    for (size_t l = 0; l < m_net.layerCount(); ++l) {
        auto& params = m_net.layer(l).params();
        for (size_t p = 0; p < params.size(); ++p) {
            float* w = params[p].value.data();
            float* m = m_m[l][p].data();
            float* v = m_v[l][p].data();
            const float* g = grads[l][p].data();
            for (size_t i = 0, n = params[p].value.size(); i < n; ++i) {
                m[i] = b1 * m[i] + (1.0f - b1) * g[i];
                v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
                w[i] -= lr * m[i] / (std::sqrt(v[i]) + eps);
            }
        }
    }
}

} // namespace ql::train

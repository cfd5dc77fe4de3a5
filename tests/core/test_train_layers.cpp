// core/train: every layer's backward pass against central finite differences of its forward
// pass, and the fused softmax + cross-entropy gradient of trainShard.
#include "train/Sequential.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ql::train;

namespace {

// L = sum_i y_i * r_i with a fixed random r, so dL/dy = r.
double weightedSum(const Blob& y, const std::vector<float>& r) {
    double s = 0.0;
    for (size_t i = 0; i < y.data.size(); ++i) s += double(y.data[i]) * r[i];
    return s;
}

// Checks dx and every parameter gradient of `layer` at input x. eps and tolerances suit
// float32 forward passes of a few hundred terms.
void checkLayer(Layer& layer, Blob x, double eps = 1e-2, double tol = 2e-3) {
    Rng rng(99);
    LayerState state;
    const PassInfo pass{false, 0};
    Blob y;
    layer.forward(x, y, state, pass);
    std::vector<float> r(y.data.size());
    for (float& v : r) v = rng.uniform(-1.0f, 1.0f);
    Blob dy = y;
    dy.data = r;
    Blob dx;
    std::vector<std::vector<float>> grads;
    for (const Param& p : layer.params()) grads.emplace_back(p.value.size(), 0.0f);
    layer.backward(x, y, dy, &dx, state, grads);
    REQUIRE(dx.data.size() == x.data.size());

    auto loss = [&] {
        Blob yy;
        LayerState st;
        layer.forward(x, yy, st, pass);
        return weightedSum(yy, r);
    };
    auto compare = [&](float& value, double analytic, const char* what, size_t i) {
        const float saved = value;
        value = float(saved + eps);
        const double up = loss();
        value = float(saved - eps);
        const double down = loss();
        value = saved;
        const double numeric = (up - down) / (2 * eps);
        INFO(layer.name() << " " << what << "[" << i << "]: analytic " << analytic << ", numeric " << numeric);
        CHECK(std::abs(numeric - analytic) <= tol * std::max(1.0, std::abs(analytic)));
    };
    for (size_t i = 0; i < x.data.size(); ++i) compare(x.data[i], dx.data[i], "dx", i);
    for (size_t p = 0; p < layer.params().size(); ++p)
        for (size_t i = 0; i < layer.params()[p].value.size(); ++i)
            compare(layer.params()[p].value[i], grads[p][i], layer.params()[p].name.c_str(), i);
}

Blob randomBlob(int n, Shape3 s, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
    Blob b;
    b.resize(n, s);
    Rng rng(seed);
    for (float& v : b.data) v = rng.uniform(lo, hi);
    return b;
}

} // namespace

TEST_CASE("train: Conv2D gradients match finite differences", "[train]") {
    for (bool relu : {false, true}) {
        auto conv = makeConv2D(3, 3, relu);
        conv->setName(relu ? "conv+relu" : "conv");
        conv->configure({5, 4, 2});
        Rng rng(5);
        conv->initialize(rng);
        for (float& b : conv->params()[1].value) b = rng.uniform(-0.2f, 0.2f);
        // ReLU kinks: a perturbation of 1e-3 rarely crosses zero for these values.
        checkLayer(*conv, randomBlob(2, {5, 4, 2}, 11), relu ? 1e-3 : 1e-2, relu ? 5e-3 : 2e-3);
    }
}

TEST_CASE("train: Dense gradients match finite differences", "[train]") {
    for (bool relu : {false, true}) {
        auto dense = makeDense(4, relu);
        dense->setName(relu ? "dense+relu" : "dense");
        dense->configure({1, 1, 7});
        Rng rng(6);
        dense->initialize(rng);
        for (float& b : dense->params()[1].value) b = rng.uniform(-0.3f, 0.3f);
        checkLayer(*dense, randomBlob(3, {1, 1, 7}, 12), relu ? 1e-3 : 1e-2, relu ? 5e-3 : 2e-3);
    }
}

TEST_CASE("train: MaxPool2D, Flatten, Softmax gradients match finite differences", "[train]") {
    auto pool = makeMaxPool2D(2);
    pool->setName("pool");
    pool->configure({5, 4, 3}); // odd height: the last row is dropped (VALID)
    CHECK(pool->outputShape() == Shape3{2, 2, 3});
    checkLayer(*pool, randomBlob(2, {5, 4, 3}, 13), 1e-3, 2e-3);

    auto flat = makeFlatten();
    flat->setName("flatten");
    CHECK(flat->configure({3, 2, 2}) == Shape3{1, 1, 12});
    checkLayer(*flat, randomBlob(2, {3, 2, 2}, 14));

    auto softmax = makeSoftmax();
    softmax->setName("softmax");
    softmax->configure({1, 1, 6});
    checkLayer(*softmax, randomBlob(3, {1, 1, 6}, 15, -2.0f, 2.0f), 1e-2, 2e-3);
}

TEST_CASE("train: Dropout is the identity at inference and masks consistently in training", "[train]") {
    auto drop = makeDropout(0.5f);
    drop->configure({1, 1, 1000});
    Blob x = randomBlob(1, {1, 1, 1000}, 16, 0.5f, 1.0f), y, y2, dx;
    LayerState st;
    drop->forward(x, y, st, PassInfo{false, 0});
    CHECK(y.data == x.data);
    drop->forward(x, y, st, PassInfo{true, 42});
    LayerState st2;
    drop->forward(x, y2, st2, PassInfo{true, 42});
    CHECK(y.data == y2.data); // same seed, same mask
    size_t zeros = 0;
    for (size_t i = 0; i < y.data.size(); ++i) {
        if (y.data[i] == 0.0f) ++zeros;
        else CHECK(y.data[i] == Approx(2.0f * x.data[i]));
    }
    CHECK(zeros > 400);
    CHECK(zeros < 600);
    Blob dy = y;
    std::fill(dy.data.begin(), dy.data.end(), 1.0f);
    std::vector<std::vector<float>> none;
    drop->backward(x, y, dy, &dx, st, none);
    for (size_t i = 0; i < dx.data.size(); ++i) CHECK(dx.data[i] == (y.data[i] == 0.0f ? 0.0f : 2.0f));
}

TEST_CASE("train: fused softmax cross-entropy gradient of a small network", "[train]") {
    Sequential net({4, 4, 1});
    net.add(makeConv2D(2, 3, true), "conv");
    net.add(makeMaxPool2D(2), "pool");
    net.add(makeFlatten(), "flatten");
    net.add(makeDense(3, false), "dense");
    net.add(makeSoftmax(), "softmax");
    net.initialize(3);
    Blob x = randomBlob(4, {4, 4, 1}, 17);
    const std::vector<uint8_t> labels = {0, 2, 1, 2};
    const float scale = 0.25f;
    ShardWork work;
    work.prepare(net);
    work.zeroGrads();
    const ShardResult r = trainShard(net, x.data.data(), labels.data(), 4, scale, 1, work);
    CHECK(r.lossSum > 0.0);
    auto loss = [&] {
        ShardWork w;
        forwardShard(net, x.data.data(), 4, w, PassInfo{false, 0});
        double l = 0.0;
        for (int n = 0; n < 4; ++n) l -= std::log(double(w.acts.back().data[size_t(n) * 3 + labels[size_t(n)]]));
        return scale * l;
    };
    // No dropout in this network, so the training forward pass equals inference.
    CHECK(r.lossSum * scale == Approx(loss()).epsilon(1e-5));
    const double eps = 1e-3;
    for (size_t l = 0; l < net.layerCount(); ++l)
        for (size_t p = 0; p < net.layer(l).params().size(); ++p) {
            auto& values = net.layer(l).params()[p].value;
            for (size_t i = 0; i < values.size(); ++i) {
                const float saved = values[i];
                values[i] = float(saved + eps);
                const double up = loss();
                values[i] = float(saved - eps);
                const double down = loss();
                values[i] = saved;
                const double numeric = (up - down) / (2 * eps), analytic = work.grads[l][p][i];
                INFO(net.layer(l).name() << " param " << p << "[" << i << "]: analytic " << analytic << ", numeric " << numeric);
                CHECK(std::abs(numeric - analytic) <= 5e-3 * std::max(1.0, std::abs(analytic)));
            }
        }
}

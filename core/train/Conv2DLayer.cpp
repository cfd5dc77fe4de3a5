// Conv2D for training: SAME padding, stride 1, odd square kernel, optional fused ReLU.
//
// Forward as one GEMM over the shard's batch: the im2col patches P [N*H*W, K*K*C_in] (columns
// in (ky, kx, c_in) order, zeros outside the image) times the kernel W [K*K*C_in, C_out],
// plus the bias. TFLite's SAME padding for stride 1 pads (K - 1) / 2 before and after, so
// the exported CONV_2D (filter [C_out, K, K, C_in] = W^T) computes the same sums.
//
// Backward with dZ = dY * (Z > 0) (ReLU; Y > 0 iff Z > 0):
//   dW += P^T dZ,   db += sum over rows of dZ,   dX = col2im(dZ W^T).
#include "train/Gemm.h"
#include "train/Layer.h"

#include <cmath>

namespace ql::train {
namespace {

class Conv2DLayer final : public Layer {
public:
    Conv2DLayer(int filters, int kernel, bool relu) : m_cfg{filters, kernel, relu} {}

    Kind kind() const override { return Kind::Conv2D; }
    const ConvConfig& config() const { return m_cfg; }

    Shape3 configure(Shape3 in) override {
        m_in = in;
        m_out = {in.h, in.w, m_cfg.filters};
        const int rows = m_cfg.kernel * m_cfg.kernel * in.c;
        m_params = {Param{"kernel", {rows, m_cfg.filters}, std::vector<float>(size_t(rows) * m_cfg.filters)},
                    Param{"bias", {m_cfg.filters}, std::vector<float>(size_t(m_cfg.filters))}};
        return m_out;
    }

    void initialize(Rng& rng) override {
        const int k2 = m_cfg.kernel * m_cfg.kernel;
        glorotUniform(m_params[0].value, k2 * m_in.c, k2 * m_cfg.filters, rng);
        std::fill(m_params[1].value.begin(), m_params[1].value.end(), 0.0f);
    }

    void forward(const Blob& x, Blob& y, LayerState& state, const PassInfo&) const override {
        const int n = x.batch;
        const int64_t pixels = int64_t(n) * m_in.h * m_in.w, cols = patchCols();
        state.aux.resize(size_t(pixels * cols));
        im2col(x, state.aux.data());
        y.resize(n, m_out);
        const int f = m_cfg.filters;
        const float* bias = m_params[1].value.data();
        for (int64_t r = 0; r < pixels; ++r)
            for (int o = 0; o < f; ++o) y.data[size_t(r * f + o)] = bias[o];
        gemm(state.aux.data(), Trans::No, m_params[0].value.data(), Trans::No, y.data.data(), pixels, f, cols, true);
        if (m_cfg.relu)
            for (float& v : y.data) v = v > 0.0f ? v : 0.0f;
    }

    void backward(const Blob& x, const Blob& y, const Blob& dy, Blob* dx, LayerState& state,
                  std::vector<std::vector<float>>& grads) const override {
        const int64_t pixels = int64_t(x.batch) * m_in.h * m_in.w, cols = patchCols();
        const int f = m_cfg.filters;
        std::vector<float> dz(dy.data);
        if (m_cfg.relu)
            for (size_t i = 0; i < dz.size(); ++i)
                if (!(y.data[i] > 0.0f)) dz[i] = 0.0f;
        gemm(state.aux.data(), Trans::Yes, dz.data(), Trans::No, grads[0].data(), cols, f, pixels, true);
        float* db = grads[1].data();
        for (int64_t r = 0; r < pixels; ++r)
            for (int o = 0; o < f; ++o) db[o] += dz[size_t(r * f + o)];
        if (!dx) return;
        // dP reuses the patch buffer: P is not needed any more.
        gemm(dz.data(), Trans::No, m_params[0].value.data(), Trans::Yes, state.aux.data(), pixels, cols, f, false);
        dx->resize(x.batch, m_in);
        std::fill(dx->data.begin(), dx->data.end(), 0.0f);
        col2im(state.aux.data(), *dx);
    }

private:
    int64_t patchCols() const { return int64_t(m_cfg.kernel) * m_cfg.kernel * m_in.c; }

    // Row (n, y, x) of P holds the K x K x C_in window centred on (y, x).
    void im2col(const Blob& x, float* p) const {
        const int k = m_cfg.kernel, pad = (k - 1) / 2, h = m_in.h, w = m_in.w, c = m_in.c;
        for (int n = 0; n < x.batch; ++n) {
            const float* img = x.data.data() + size_t(n) * size_t(m_in.size());
            for (int oy = 0; oy < h; ++oy)
                for (int ox = 0; ox < w; ++ox)
                    for (int ky = 0; ky < k; ++ky) {
                        const int iy = oy + ky - pad;
                        for (int kx = 0; kx < k; ++kx, p += c) {
                            const int ix = ox + kx - pad;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                std::fill(p, p + c, 0.0f);
                                continue;
                            }
                            const float* src = img + (size_t(iy) * w + ix) * c;
                            std::copy(src, src + c, p);
                        }
                    }
        }
    }

    // The adjoint of im2col: every patch element is added back onto the pixel it came from.
    void col2im(const float* p, Blob& dx) const {
        const int k = m_cfg.kernel, pad = (k - 1) / 2, h = m_in.h, w = m_in.w, c = m_in.c;
        for (int n = 0; n < dx.batch; ++n) {
            float* img = dx.data.data() + size_t(n) * size_t(m_in.size());
            for (int oy = 0; oy < h; ++oy)
                for (int ox = 0; ox < w; ++ox)
                    for (int ky = 0; ky < k; ++ky) {
                        const int iy = oy + ky - pad;
                        for (int kx = 0; kx < k; ++kx, p += c) {
                            const int ix = ox + kx - pad;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            float* dst = img + (size_t(iy) * w + ix) * c;
                            for (int ch = 0; ch < c; ++ch) dst[ch] += p[ch];
                        }
                    }
        }
    }

    ConvConfig m_cfg;
};

} // namespace

std::unique_ptr<Layer> makeConv2D(int filters, int kernel, bool relu) {
    return std::make_unique<Conv2DLayer>(filters, kernel, relu);
}

ConvConfig convConfig(const Layer& layer) { return static_cast<const Conv2DLayer&>(layer).config(); }

void glorotUniform(std::vector<float>& w, int fanIn, int fanOut, Rng& rng) {
    const float limit = std::sqrt(6.0f / float(fanIn + fanOut));
    for (float& v : w) v = rng.uniform(-limit, limit);
}

} // namespace ql::train

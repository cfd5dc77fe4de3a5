// RFFT2D (YAMNet-style audio front ends): the 2-D FFT of real input over its two innermost
// dimensions, as tf.signal.rfft2d and tensorflow/lite/kernels/rfft2d.cc compute it:
//   - inputs: float32 [..., H, W], fft_length int32 [2] = (fft_h, fft_w), both powers of two;
//   - each slice is cropped or zero-padded to fft_h x fft_w;
//   - output complex64 [..., fft_h, fft_w / 2 + 1], X[u, v] = sum x[i, j] exp(-2 pi i (u i /
//     fft_h + v j / fft_w)), computed in double (TFLite: Ooura's rdft2d) and rounded to float.
// A non-constant fft_length is read at eval and the output resized then (TFLite makes the
// output dynamic the same way).
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/signal/Fft.h"
#include "runtime/kernels/signal/SignalKernels.h"

#include <algorithm>
#include <memory>

namespace ql::rt::signal {
namespace {

class Rfft2d : public OpKernel {
public:
    explicit Rfft2d(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const RtTensor& len = *ctx.input(1);
        if (Status s = ew::requireType(ctx, in, "input", {TensorType::FLOAT32}); !s) return s;
        if (Status s = ew::requireType(ctx, len, "fft_length", {TensorType::INT32}); !s) return s;
        if (Status s = ew::requireType(ctx, ctx.output(0), "output", {TensorType::COMPLEX64}); !s)
            return s;
        if (in.rank() < 2)
            return ctx.error(ew::describe(in, "input") + " needs at least 2 dimensions");
        if (len.rank() != 1 || len.dim(0) != 2)
            return ctx.error(ew::describe(len, "fft_length") + " must have shape [2]");
        if (len.constant) return resize(ctx);
        return {};
    }

    Status eval(KernelContext& ctx) override {
        if (!ctx.input(1)->constant)
            if (Status s = resize(ctx); !s) return s;
        const RtTensor& in = *ctx.input(0);
        const int h = in.dim(in.rank() - 2), w = in.dim(in.rank() - 1);
        const int64_t slices = in.elementCount() / (int64_t(h) * w > 0 ? int64_t(h) * w : 1);
        const int bins = m_width / 2 + 1;
        const float* x = in.as<float>();
        auto* out = ctx.output(0).as<std::complex<float>>();
        std::vector<double> row(static_cast<size_t>(m_width));
        std::vector<std::complex<double>> grid(size_t(m_height) * size_t(bins)),
            column(static_cast<size_t>(m_height));
        if (int64_t(h) * w == 0) {
            for (int64_t i = 0; i < ctx.output(0).elementCount(); ++i)
                out[i] = {};
            return {};
        }
        for (int64_t s = 0; s < slices; ++s) {
            const float* slice = x + s * h * w;
            // Rows: real FFT of each (cropped, zero-padded) input row; rows past the input are 0.
            for (int r = 0; r < m_height; ++r) {
                std::fill(row.begin(), row.end(), 0.0);
                if (r < h)
                    for (int c = 0; c < std::min(w, m_width); ++c)
                        row[size_t(c)] = slice[int64_t(r) * w + c];
                m_rowFft->forwardReal(row.data(), grid.data() + size_t(r) * size_t(bins));
            }
            // Columns: complex FFT down each of the bins.
            for (int b = 0; b < bins; ++b) {
                for (int r = 0; r < m_height; ++r)
                    column[size_t(r)] = grid[size_t(r) * size_t(bins) + size_t(b)];
                m_columnFft->forward(column.data());
                for (int r = 0; r < m_height; ++r)
                    out[(s * m_height + r) * bins + b] = {float(column[size_t(r)].real()),
                                                          float(column[size_t(r)].imag())};
            }
        }
        return {};
    }

private:
    Status resize(KernelContext& ctx) {
        const int32_t* len = ctx.input(1)->as<int32_t>();
        for (int i = 0; i < 2; ++i)
            if (!isPowerOfTwo(len[i]) || len[i] > (1 << 20))
                return ctx.error(
                    "fft_length[" + std::to_string(i) + "] = " + std::to_string(len[i]) +
                    " must be a power of two up to 1048576 (TFLite's rfft2d needs powers of two)");
        m_height = len[0];
        m_width = len[1];
        if (!m_rowFft || m_rowFft->size() != m_width) m_rowFft = std::make_unique<Fft>(m_width);
        if (!m_columnFft || m_columnFft->size() != m_height)
            m_columnFft = std::make_unique<Fft>(m_height);
        std::vector<int32_t> shape = ctx.input(0)->shape;
        shape[shape.size() - 2] = m_height;
        shape[shape.size() - 1] = m_width / 2 + 1;
        if (ctx.input(1)->constant)
            ctx.setOutputShape(0, std::move(shape));
        else
            return ctx.resizeOutputNow(0, std::move(shape));
        return {};
    }

    int m_height = 0, m_width = 0;
    std::unique_ptr<Fft> m_rowFft, m_columnFft;
};

} // namespace

void registerRfft2d(KernelRegistry& r) {
    r.add(BuiltinOp::RFFT2D, 1, 1, factoryOf<Rfft2d>());
}

} // namespace ql::rt::signal

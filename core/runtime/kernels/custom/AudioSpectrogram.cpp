// TFLite's custom AudioSpectrogram (speech-commands models): per audio channel, the squared
// magnitude (or magnitude) of the FFT of Hann-windowed frames. As
// tensorflow/lite/kernels/audio_spectrogram.cc and internal/spectrogram.cc compute it:
//   - input [samples, channels] float32; options window_size (>= 2), stride (>= 1),
//     magnitude_squared;
//   - frames start at 0, stride, 2 * stride, ...: rows = 1 + (samples - window) / stride
//     (0 when the input is shorter than one window);
//   - periodic Hann window w[j] = 0.5 - 0.5 cos(2 pi j / window) in double, frame zero-padded
//     to the next power of two n; output [channels, rows, n / 2 + 1];
//   - |X_k|^2 is computed in double and rounded to float; without magnitude_squared the
//     output is sqrtf of that float.
#include "model/CustomOptions.h"
#include "runtime/kernels/custom/CustomKernels.h"
#include "runtime/kernels/elementwise/Common.h"
#include "runtime/kernels/signal/Fft.h"

#include <cmath>
#include <memory>

namespace ql::rt::custom {
namespace {

class AudioSpectrogram : public OpKernel {
public:
    explicit AudioSpectrogram(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(1, 1); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        auto parsed = CustomOptions::parse(ctx.op().customOptions);
        if (!parsed) return ctx.error(parsed.message());
        const auto window = parsed->number("window_size"), stride = parsed->number("stride");
        if (!window || !(*window >= 2 && *window <= (1 << 20)))
            return ctx.error("custom option window_size must be a number from 2 to 1048576");
        if (!stride || !(*stride >= 1 && *stride <= (1 << 20)))
            return ctx.error("custom option stride must be a number from 1 to 1048576");
        m_window = int(*window);
        m_stride = int(*stride);
        m_squared = parsed->number("magnitude_squared").value_or(0) != 0;
        const RtTensor& in = *ctx.input(0);
        if (Status s = ew::requireType(ctx, in, "input", {TensorType::FLOAT32}); !s) return s;
        if (Status s = ew::requireType(ctx, ctx.output(0), "output", {TensorType::FLOAT32}); !s)
            return s;
        if (in.rank() != 2)
            return ctx.error(ew::describe(in, "input") + " must have shape [samples, channels]");
        const int64_t samples = in.dim(0);
        m_rows = samples < m_window ? 0 : int(1 + (samples - m_window) / m_stride);
        if (!m_fft || m_fft->size() != signal::nextPowerOfTwo(m_window))
            m_fft = std::make_unique<signal::Fft>(signal::nextPowerOfTwo(m_window));
        const double pi = std::atan(1.0) * 4.0;
        m_hann.resize(static_cast<size_t>(m_window));
        for (int j = 0; j < m_window; ++j)
            m_hann[size_t(j)] = 0.5 - 0.5 * std::cos((2.0 * pi * j) / m_window);
        m_bins = m_fft->size() / 2 + 1;
        ctx.setOutputShape(0, {in.dim(1), m_rows, m_bins});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& in = *ctx.input(0);
        const float* x = in.as<float>();
        float* out = ctx.output(0).as<float>();
        const int channels = in.dim(1), n = m_fft->size();
        std::vector<double> frame(size_t(n), 0.0);
        std::vector<std::complex<double>> spectrum(static_cast<size_t>(n / 2 + 1));
        for (int c = 0; c < channels; ++c)
            for (int r = 0; r < m_rows; ++r) {
                const int64_t start = int64_t(r) * m_stride;
                for (int j = 0; j < m_window; ++j)
                    frame[size_t(j)] = double(x[(start + j) * channels + c]) * m_hann[size_t(j)];
                m_fft->forwardReal(frame.data(), spectrum.data());
                float* row = out + (int64_t(c) * m_rows + r) * m_bins;
                for (int k = 0; k < m_bins; ++k) {
                    const double re = spectrum[size_t(k)].real(), im = spectrum[size_t(k)].imag();
                    const float power = static_cast<float>(re * re + im * im);
                    row[k] = m_squared ? power : std::sqrt(power);
                }
            }
        return {};
    }

private:
    int m_window = 0, m_stride = 1, m_rows = 0, m_bins = 0;
    bool m_squared = false;
    std::vector<double> m_hann;
    std::unique_ptr<signal::Fft> m_fft;
};

} // namespace

void registerAudioSpectrogram(KernelRegistry& r) {
    r.addCustom("AudioSpectrogram", factoryOf<AudioSpectrogram>());
}

} // namespace ql::rt::custom

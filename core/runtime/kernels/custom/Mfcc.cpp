// TFLite's custom Mfcc (speech-commands models): mel-frequency cepstral coefficients of each
// squared-magnitude spectrogram frame. As tensorflow/lite/kernels/mfcc.cc and internal/mfcc.cc,
// mfcc_mel_filterbank.cc and mfcc_dct.cc compute it, in double:
//   - inputs: spectrogram [channels, frames, bins] float32, sample rate (one int32);
//     options upper_frequency_limit, lower_frequency_limit, filterbank_channel_count,
//     dct_coefficient_count, each read as an integer (TFLite reads them with AsInt64);
//   - mel(f) = 1127 ln(1 + f / 700); channel centres evenly spaced in mel between the limits;
//     bins from start = int(1.5 + lower / hz_per_bin) to end = int(upper / hz_per_bin),
//     hz_per_bin = rate / 2 / (bins - 1); each bin's magnitude sqrt(power) split between two
//     neighbouring triangles by its mel distance (HTK style, DC excluded);
//   - log(max(energy, 1e-12)), then a DCT-II with sqrt(2 / channels) normalisation; the
//     first dct_coefficient_count values, rounded to float;
//   - when end >= bins (upper limit above Nyquist) TFLite's filterbank returns nothing and the
//     DCT of an empty frame is 0: every coefficient is 0.
#include "model/CustomOptions.h"
#include "runtime/kernels/custom/CustomKernels.h"
#include "runtime/kernels/elementwise/Common.h"

#include <cmath>

namespace ql::rt::custom {
namespace {

double freqToMel(double f) {
    return 1127.0 * std::log1p(f / 700.0);
}

class Mfcc : public OpKernel {
public:
    explicit Mfcc(const Operator&) {}

    Status prepare(KernelContext& ctx) override {
        if (Status s = ctx.requireInputs(2, 2); !s) return s;
        if (Status s = ctx.requireOutputs(1); !s) return s;
        auto parsed = CustomOptions::parse(ctx.op().customOptions);
        if (!parsed) return ctx.error(parsed.message());
        double values[4];
        const char* keys[] = {"upper_frequency_limit", "lower_frequency_limit",
                              "filterbank_channel_count", "dct_coefficient_count"};
        for (int i = 0; i < 4; ++i) {
            const auto v = parsed->number(keys[i]);
            if (!v || !(std::fabs(*v) < 1e9))
                return ctx.error("custom option " + std::string(keys[i]) +
                                 " is missing or out of range");
            values[i] = std::trunc(*v);
        }
        m_upper = float(values[0]);
        m_lower = float(values[1]);
        m_channels = int(values[2]);
        m_coefficients = int(values[3]);
        if (m_channels < 1 || m_channels > 4096)
            return ctx.error("custom option filterbank_channel_count must be from 1 to 4096");
        if (m_coefficients < 1 || m_coefficients > m_channels)
            return ctx.error(
                "custom option dct_coefficient_count " + std::to_string(m_coefficients) +
                " must be from 1 to filterbank_channel_count " + std::to_string(m_channels));
        if (m_lower < 0 || !(m_upper > m_lower))
            return ctx.error(
                "custom options need 0 <= lower_frequency_limit < upper_frequency_limit");
        const RtTensor& spec = *ctx.input(0);
        const RtTensor& rate = *ctx.input(1);
        if (Status s = ew::requireType(ctx, spec, "spectrogram", {TensorType::FLOAT32}); !s)
            return s;
        if (Status s = ew::requireType(ctx, rate, "sample rate", {TensorType::INT32}); !s) return s;
        if (Status s = ew::requireType(ctx, ctx.output(0), "output", {TensorType::FLOAT32}); !s)
            return s;
        if (spec.rank() != 3)
            return ctx.error(ew::describe(spec, "spectrogram") +
                             " must have shape [channels, frames, bins]");
        if (spec.dim(2) < 2)
            return ctx.error(ew::describe(spec, "spectrogram") +
                             " needs at least 2 frequency bins");
        if (rate.elementCount() != 1)
            return ctx.error(ew::describe(rate, "sample rate") + " must hold one value");
        // DCT-II basis, sqrt(2 / N) cos(pi i (j + 0.5) / N).
        const double pi = std::atan(1.0) * 4.0, norm = std::sqrt(2.0 / m_channels),
                     arg = pi / m_channels;
        m_cosines.resize(size_t(m_coefficients) * size_t(m_channels));
        for (int i = 0; i < m_coefficients; ++i)
            for (int j = 0; j < m_channels; ++j)
                m_cosines[size_t(i) * size_t(m_channels) + size_t(j)] =
                    norm * std::cos(i * arg * (j + 0.5));
        m_rate = 0;
        ctx.setOutputShape(0, {spec.dim(0), spec.dim(1), m_coefficients});
        return {};
    }

    Status eval(KernelContext& ctx) override {
        const RtTensor& spec = *ctx.input(0);
        const int32_t rate = ctx.input(1)->as<int32_t>()[0];
        if (rate <= 0)
            return ctx.error("sample rate " + std::to_string(rate) + " must be positive");
        const int bins = spec.dim(2);
        if (rate != m_rate) buildFilterbank(bins, rate);
        const int64_t frames = int64_t(spec.dim(0)) * spec.dim(1);
        const float* in = spec.as<float>();
        float* out = ctx.output(0).as<float>();
        std::vector<double> energy(static_cast<size_t>(m_channels));
        for (int64_t f = 0; f < frames; ++f) {
            float* o = out + f * m_coefficients;
            if (m_end >= bins) { // TFLite's filterbank gives up: the DCT of nothing
                for (int i = 0; i < m_coefficients; ++i)
                    o[i] = 0.0f;
                continue;
            }
            const float* frame = in + f * bins;
            std::fill(energy.begin(), energy.end(), 0.0);
            for (int i = m_start; i <= m_end; ++i) {
                const double magnitude = std::sqrt(double(frame[i]));
                const double weighted = magnitude * m_weights[size_t(i)];
                int channel = m_bandMapper[size_t(i)];
                if (channel >= 0) energy[size_t(channel)] += weighted;
                ++channel;
                if (channel < m_channels) energy[size_t(channel)] += magnitude - weighted;
            }
            for (double& e : energy)
                e = std::log(std::max(e, 1e-12));
            for (int i = 0; i < m_coefficients; ++i) {
                double sum = 0.0;
                const double* c = m_cosines.data() + size_t(i) * size_t(m_channels);
                for (int j = 0; j < m_channels; ++j)
                    sum += c[j] * energy[size_t(j)];
                o[i] = static_cast<float>(sum);
            }
        }
        return {};
    }

private:
    // MfccMelFilterbank::Initialize: centres, the bin range and each bin's channel and weight.
    void buildFilterbank(int bins, int32_t rate) {
        m_rate = rate;
        const double lower = m_lower, upper = m_upper;
        std::vector<double> centres(size_t(m_channels) + 1);
        const double melLow = freqToMel(lower), melHigh = freqToMel(upper);
        const double spacing = (melHigh - melLow) / double(m_channels + 1);
        for (int i = 0; i < m_channels + 1; ++i)
            centres[size_t(i)] = melLow + spacing * (i + 1);
        const double hzPerBin = 0.5 * double(rate) / double(bins - 1);
        m_start = static_cast<int>(1.5 + lower / hzPerBin);
        const double endValue = upper / hzPerBin;
        m_end = endValue >= double(bins) ? bins : static_cast<int>(endValue);
        m_bandMapper.assign(size_t(bins), -2);
        m_weights.assign(size_t(bins), 0.0);
        int channel = 0;
        for (int i = 0; i < bins; ++i) {
            if (i < m_start || i > m_end) continue;
            const double mel = freqToMel(i * hzPerBin);
            while (channel < m_channels && centres[size_t(channel)] < mel)
                ++channel;
            const int band = channel - 1;
            m_bandMapper[size_t(i)] = band;
            m_weights[size_t(i)] = band >= 0
                                       ? (centres[size_t(band) + 1] - mel) /
                                             (centres[size_t(band) + 1] - centres[size_t(band)])
                                       : (centres[0] - mel) / (centres[0] - melLow);
        }
    }

    float m_upper = 0, m_lower = 0;
    int m_channels = 0, m_coefficients = 0;
    int32_t m_rate = 0;
    int m_start = 0, m_end = 0;
    std::vector<int> m_bandMapper;
    std::vector<double> m_weights, m_cosines;
};

} // namespace

void registerMfcc(KernelRegistry& r) {
    r.addCustom("Mfcc", factoryOf<Mfcc>());
}

} // namespace ql::rt::custom

#include "analysis/ActivationSamples.h"

#include "calib/CalibrationCollector.h"
#include "calib/Calibrator.h"
#include "calib/CalibratorRegistry.h"
#include "data/DataSource.h"
#include "runtime/Interpreter.h"

#include <cmath>
#include <random>

namespace ql {
namespace {

// Vitter's algorithm L: a uniform sample of k items from a stream of unknown length, touching
// only the items it keeps (O(k (1 + log(n / k))) random numbers for n items).
class Reservoir {
public:
    Reservoir(size_t k, uint64_t seed) : m_k(k), m_rng(seed) {}

    template <class Get> void add(size_t count, Get get) {
        if (m_k == 0) return;
        size_t i = 0;
        while (i < count && m_values.size() < m_k) {
            m_values.push_back(get(i++));
            ++m_seen;
            if (m_values.size() == m_k) startSkipping();
        }
        if (m_values.size() < m_k) return;
        // m_next is the stream position of the next item to keep
        const uint64_t end = m_seen + (count - i);
        while (m_next < end) {
            const size_t at = i + size_t(m_next - m_seen);
            std::uniform_int_distribution<size_t> slot(0, m_k - 1);
            m_values[slot(m_rng)] = get(at);
            advance();
        }
        m_seen = end;
    }
    std::vector<double> take() { return std::move(m_values); }

private:
    double uniform() { return std::uniform_real_distribution<double>(std::nextafter(0.0, 1.0), 1.0)(m_rng); }
    void startSkipping() {
        m_w = std::exp(std::log(uniform()) / double(m_k));
        m_next = m_seen - 1; // the last item kept; advance() moves past the skipped ones
        advance();
    }
    // skip floor(log(u) / log(1 - W)) items, keep the one after; W shrinks as the stream grows
    void advance() {
        const double skip = std::floor(std::log(uniform()) / std::log1p(-m_w));
        m_next += (std::isfinite(skip) && skip < 1e18 ? uint64_t(skip) : uint64_t(1) << 62) + 1;
        m_w *= std::exp(std::log(uniform()) / double(m_k));
    }

    size_t m_k;
    std::mt19937_64 m_rng;
    std::vector<double> m_values;
    uint64_t m_seen = 0;
    uint64_t m_next = 0;
    double m_w = 1;
};

// Real value of element i of an activation: float as is, integers r = s * (q - z) (per tensor).
double realValue(const rt::RtTensor& t, size_t i) {
    const double s = t.isQuantized() ? double(t.scale()) : 1.0;
    const double z = t.isQuantized() ? double(t.zeroPoint()) : 0.0;
    switch (t.type) {
    case TensorType::FLOAT32: return double(t.as<float>()[i]);
    case TensorType::INT8: return s * (double(t.as<int8_t>()[i]) - z);
    case TensorType::UINT8: return s * (double(t.as<uint8_t>()[i]) - z);
    case TensorType::INT16: return s * (double(t.as<int16_t>()[i]) - z);
    case TensorType::INT32: return s * (double(t.as<int32_t>()[i]) - z);
    default: return std::nan("");
    }
}

bool sampled(TensorType type) {
    return type == TensorType::FLOAT32 || type == TensorType::INT8 || type == TensorType::UINT8 ||
           type == TensorType::INT16 || type == TensorType::INT32;
}

} // namespace

Result<std::shared_ptr<const ActivationSamples>> collectActivationSamples(std::shared_ptr<const Model> model,
                                                                          const std::string& dataSpec,
                                                                          const ActivationSamplingOptions& options,
                                                                          const Progress& progress) {
    if (!model || model->subgraphs.empty()) return makeError("no model");
    auto calibrator = calib::Calibrator::parse(options.calibrator);
    if (!calibrator) return makeError("calibrator: " + calibrator.message());
    data::DataOptions dataOptions;
    dataOptions.maxSamples = options.maxSamples;
    auto source = data::openDataSource(dataSpec, data::ModelInputInfo::fromModel(*model), dataOptions);
    if (!source) return makeError(dataSpec + ": " + source.message());
    const size_t total = (*source)->size();
    if (total == 0) return makeError(dataSpec + ": no samples");
    auto interp = rt::Interpreter::create(model);
    if (!interp) return makeError("the model cannot run: " + interp.message());
    rt::Interpreter& in = **interp;

    const Subgraph& sg = model->subgraphs[0];
    calib::CalibrationCollector collector(model);
    std::vector<std::unique_ptr<Reservoir>> reservoirs(sg.tensors.size());
    auto record = [&](const rt::RtTensor& t) {
        if (!t.data || !t.source || !sampled(t.type)) return;
        if (t.source < sg.tensors.data() || t.source >= sg.tensors.data() + sg.tensors.size()) return;
        const size_t index = size_t(t.source - sg.tensors.data());
        auto& r = reservoirs[index];
        if (!r) r = std::make_unique<Reservoir>(options.valuesPerTensor, options.seed + index);
        const size_t count = std::min(size_t(t.elementCount()), t.bytes / elementSize(t.type));
        r->add(count, [&t](size_t i) { return realValue(t, i); });
    };
    const rt::Observer observer = [&](const rt::NodeEvent& e) {
        collector.observe(e);
        if (e.subgraph != 0) return;
        for (const rt::RtTensor* t : e.outputs)
            if (t) record(*t);
    };

    progress("running samples", 0.0);
    for (size_t i = 0; i < total; ++i) {
        if (progress.cancelled()) return makeError("cancelled");
        const std::string where = "sample " + std::to_string(i);
        auto sample = (*source)->get(i);
        if (!sample) return makeError(where + ": " + sample.message());
        if (sample->tensors.size() != in.inputCount())
            return makeError(where + ": the data has " + std::to_string(sample->tensors.size()) + " inputs, the model " +
                             std::to_string(in.inputCount()));
        for (size_t k = 0; k < sample->tensors.size(); ++k)
            if (Status s = in.setInput(k, sample->tensors[k].type, sample->tensors[k].bytes); !s)
                return makeError(where + ": " + s.message());
        in.resetVariables();
        collector.observeInputs(in);
        for (size_t k = 0; k < in.inputCount(); ++k) record(in.input(k));
        if (Status s = in.invoke(observer); !s) return makeError(where + ": " + s.message());
        collector.finishSample();
        progress("running samples", double(i + 1) / double(total));
    }

    auto out = std::make_shared<ActivationSamples>();
    out->subgraph = SubgraphIndex{0};
    out->calibrator = calibrator->name();
    out->source = (*source)->describe();
    out->sampleCount = total;
    for (size_t t = 0; t < reservoirs.size(); ++t)
        if (reservoirs[t]) out->values[int32_t(t)] = reservoirs[t]->take();
    // Activations are asymmetric in TFLite's int8 scheme; int16 activations are symmetric.
    const bool symmetric = options.bits > 8;
    const auto stats = collector.snapshot();
    // Every registered calibrator with its default parameter; the chosen one with its own.
    std::vector<calib::Calibrator> all;
    for (const calib::CalibratorInfo& info : calib::calibratorRegistry())
        all.push_back(info.kind == calibrator->kind ? *calibrator : info.make());
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
        const calib::TensorStats* s = stats->find(TensorIndex{t});
        if (!s || s->empty()) continue;
        for (const calib::Calibrator& c : all) {
            const calib::Range r = calib::chooseRange(*s, c, options.bits, symmetric);
            out->rangesByCalibrator[c.name()][int32_t(t)] = {double(r.min), double(r.max)};
        }
        const calib::Range chosen = calib::chooseRange(*s, *calibrator, options.bits, symmetric);
        out->chosenRange[int32_t(t)] = {double(chosen.min), double(chosen.max)};
    }
    return std::shared_ptr<const ActivationSamples>(std::move(out));
}

} // namespace ql
